"""Ratios, targets, machine description and the markdown / JSON output."""

from __future__ import annotations

import json
import os
import platform
from importlib import metadata
from pathlib import Path
from typing import Any

from . import _batch, _startup
from ._common import median, ratio

RESULTS_DIR = Path(__file__).resolve().parent / "results"
PACKAGES = ("railwail", "httpx", "httpx2", "pydantic", "pydantic-core", "tenacity", "openai")

# (label, ratio key, comparison, threshold)
TARGETS: tuple[tuple[str, str, str, float], ...] = (
    ("import railwail / floor (in-process)", "import.railwail_vs_floor", "<=", 1.10),
    ("import railwail / openai (in-process)", "import.railwail_vs_openai", "<=", 0.35),
    ("sync image() / raw httpx", "sync.image.railwail_vs_httpx", "<=", 1.10),
    ("sync image() / openai", "sync.image.railwail_vs_openai", "<=", 0.70),
    ("async throughput railwail / raw httpx", "async.image.railwail_vs_httpx", ">=", 0.90),
    ("b64 decode Image.read() / by hand", "payload.railwail_vs_httpx", "<=", 1.20),
    (
        "cold start: import + client + first image() / raw httpx",
        "first_call.railwail_vs_floor",
        "<=",
        1.30,
    ),
    ("500-chunk stream read to the end / raw httpx", "stream.railwail_vs_httpx", "<=", 1.50),
    ("256 x 1,536 embeddings / openai", "embed.railwail_vs_openai", "<=", 1.00),
    ("256 x 1,536 embeddings / raw httpx (float lists)", "embed.railwail_vs_httpx", "<=", 0.50),
    ("RSS growth over the requests (MiB)", "memory.rss_growth_mib", "<", 5.0),
    *_startup.TARGETS,
    *_batch.TARGETS,
)


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
    }


def versions() -> dict[str, str]:
    found: dict[str, str] = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def get_number(data: dict[str, Any], *path: str) -> float | None:
    node: Any = data
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return float(node) if isinstance(node, int | float) else None


def ratios(results: dict[str, Any]) -> dict[str, float | None]:
    """railwail / baseline for every figure (time: lower is better; throughput: higher)."""
    out: dict[str, float | None] = {}
    imp = results.get("import", {})
    for base in ("floor", "openai"):
        out[f"import.railwail_vs_{base}"] = ratio(
            get_number(imp, "railwail", "in_process_ms"), get_number(imp, base, "in_process_ms")
        )
        out[f"import_wall.railwail_vs_{base}"] = ratio(
            get_number(imp, "railwail", "wall_ms"), get_number(imp, base, "wall_ms")
        )
        out[f"first_call.railwail_vs_{base}"] = ratio(
            get_number(imp, "railwail", "first_call_ms"), get_number(imp, base, "first_call_ms")
        )
    sync = results.get("sync", {})
    for endpoint in ("image", "chat"):
        for base in ("httpx", "openai"):
            out[f"sync.{endpoint}.railwail_vs_{base}"] = ratio(
                get_number(sync, endpoint, "railwail", "us_per_call"),
                get_number(sync, endpoint, base, "us_per_call"),
            )
    aio = results.get("async", {})
    for base in ("httpx", "openai"):
        out[f"async.image.railwail_vs_{base}"] = ratio(
            get_number(aio, "image", "railwail", "requests_per_second"),
            get_number(aio, "image", base, "requests_per_second"),
        )
    pay = results.get("payload", {})
    out["payload.railwail_vs_httpx"] = ratio(
        get_number(pay, "railwail", "ms_per_request"), get_number(pay, "httpx", "ms_per_request")
    )
    for section in ("stream", "embed"):
        part = results.get(section, {})
        for base in ("httpx", "openai"):
            out[f"{section}.railwail_vs_{base}"] = ratio(
                get_number(part, "railwail", "ms_per_request"),
                get_number(part, base, "ms_per_request"),
            )
    mem = results.get("memory", {})
    out["memory.import_peak_rss.railwail_vs_floor"] = ratio(
        get_number(mem, "import_peak_rss", "railwail", "mib"),
        get_number(mem, "import_peak_rss", "floor", "mib"),
    )
    out["memory.rss_growth_mib"] = get_number(mem, "rss_growth", "railwail", "growth_mib")
    out.update(_startup.ratios(results))
    out.update(_batch.ratios(results))
    return {key: value for key, value in out.items() if key.split(".")[0] in _sections(results)}


def _sections(results: dict[str, Any]) -> set[str]:
    names = set(results)
    if "import" in names:
        names.update(("import_wall", "first_call"))
    return names


# Figures whose rounds are paired (the contenders ran in the same round, interleaved), as
# (ratio key, path to the railwail samples, path to the baseline samples).
PAIRED: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    (
        "import.railwail_vs_floor",
        ("import", "railwail", "samples", "in_process_ms"),
        ("import", "floor", "samples", "in_process_ms"),
    ),
    (
        "import.railwail_vs_openai",
        ("import", "railwail", "samples", "in_process_ms"),
        ("import", "openai", "samples", "in_process_ms"),
    ),
    *(
        (
            f"first_call.railwail_vs_{base}",
            ("import", "railwail", "samples", "first_call_ms"),
            ("import", base, "samples", "first_call_ms"),
        )
        for base in ("floor", "openai")
    ),
    *(
        (
            f"sync.{ep}.railwail_vs_{base}",
            ("sync", ep, "railwail", "samples"),
            ("sync", ep, base, "samples"),
        )
        for ep in ("image", "chat")
        for base in ("httpx", "openai")
    ),
    *(
        (
            f"async.image.railwail_vs_{base}",
            ("async", "image", "railwail", "samples"),
            ("async", "image", base, "samples"),
        )
        for base in ("httpx", "openai")
    ),
    (
        "payload.railwail_vs_httpx",
        ("payload", "railwail", "samples"),
        ("payload", "httpx", "samples"),
    ),
    *(
        (
            f"{section}.railwail_vs_{base}",
            (section, "railwail", "samples"),
            (section, base, "samples"),
        )
        for section in ("stream", "embed")
        for base in ("httpx", "openai")
    ),
    *_startup.PAIRED,
)


def per_round_ratios(results: dict[str, Any]) -> dict[str, dict[str, float]]:
    """Spread of the ratio round by round (paired samples): median, min and max.

    Background load moves both contenders of a round together, so these spreads are much
    tighter than the spread of the raw figures; a wide spread means a noisy run.
    """
    out: dict[str, dict[str, float]] = {}
    for key, mine, theirs in PAIRED:
        a, b = _samples(results, mine), _samples(results, theirs)
        if not a or len(a) != len(b):
            continue
        values = [x / y for x, y in zip(a, b, strict=True) if y]
        if values:
            out[key] = {"median": median(values), "min": min(values), "max": max(values)}
    return out


def _samples(results: dict[str, Any], path: tuple[str, ...]) -> list[float]:
    node: Any = results
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return []
        node = node[key]
    return [float(v) for v in node] if isinstance(node, list) else []


def targets(ratio_values: dict[str, float | None]) -> list[dict[str, Any]]:
    out = []
    for label, key, op, threshold in TARGETS:
        if key not in ratio_values:
            continue  # section not run
        value = ratio_values[key]
        if value is None:
            status = "n/a"
        elif op == "<=":
            status = "PASS" if value <= threshold else "MISS"
        elif op == ">=":
            status = "PASS" if value >= threshold else "MISS"
        else:
            status = "PASS" if value < threshold else "MISS"
        out.append(
            {"target": label, "key": key, "value": value, "op": op, "threshold": threshold}
            | {"status": status}
        )
    return out


def write(report: dict[str, Any], markdown: str, directory: Path = RESULTS_DIR) -> list[Path]:
    """<UTC timestamp>.json, latest.json and latest.md, each written atomically."""
    directory.mkdir(parents=True, exist_ok=True)
    text = json.dumps(report, indent=2, sort_keys=False) + "\n"
    written = []
    for name, content in (
        (f"{report['timestamp']}.json", text),
        ("latest.json", text),
        ("latest.md", markdown),
    ):
        path = directory / name
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(content, encoding="utf-8")
        tmp.replace(path)
        written.append(path)
    return written
