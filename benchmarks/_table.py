"""The human-readable table (markdown: printed to stdout and written to latest.md)."""

from __future__ import annotations

from typing import Any

from ._report import get_number
from ._startup import table_rows

CONTENDERS = ("railwail", "httpx", "openai")


def _fmt(value: float | None, digits: int = 1) -> str:
    if value is None or value != value:
        return "—"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}"


def _cell(data: dict[str, Any], *path: str, digits: int = 1) -> str:
    node: Any = data
    for key in path[:-1]:
        node = node.get(key, {}) if isinstance(node, dict) else {}
    if isinstance(node, dict) and "error" in node:
        return "error"
    return _fmt(get_number(data, *path), digits)


def _ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}x"


def render(report: dict[str, Any]) -> str:
    res: dict[str, Any] = report["results"]
    rat: dict[str, float | None] = report["ratios"]
    cfg = report["config"]
    mach = report["machine"]
    ver = report["versions"]
    lines = [
        f"# railwail benchmarks — {report['timestamp']}",
        "",
        f"- Machine: {mach['cpu']}, {mach['cores']} cores, {mach['platform']}",
        "- Versions: " + ", ".join(f"{k} {v}" for k, v in ver.items()),
        "- Floor: `import httpx, pydantic, tenacity`, railwail's runtime dependencies",
        f"- Config: rounds={cfg['rounds']} (medians reported), N={cfg['n']}, "
        f"concurrency={cfg['concurrency']}, payload requests/round={cfg['payload_n']}, "
        f"streams/round={cfg.get('stream_n', '—')}, embedding requests/round="
        f"{cfg.get('embed_n', '—')}, "
        f"memory requests={cfg['memory_n']} after {cfg['memory_warmup']} warm-up"
        + (", QUICK smoke run (not representative)" if cfg["quick"] else ""),
        "",
        "| Figure | railwail | baseline | openai | railwail ÷ baseline | railwail ÷ openai |",
        "|---|---:|---:|---:|---:|---:|",
    ]

    def row(label: str, cells: list[str], r_base: str | None, r_openai: str | None) -> None:
        rb = _ratio(rat.get(r_base)) if r_base else "—"
        ro = _ratio(rat.get(r_openai)) if r_openai else "—"
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {rb} | {ro} |")

    if "import" in res:
        imp = res["import"]
        for key, prefix, label in (
            ("in_process_ms", "import", "Import, in-process (ms; baseline = floor)"),
            ("wall_ms", "import_wall", "Import, process wall (ms; baseline = floor)"),
            (
                "first_call_ms",
                "first_call",
                "Cold start: import + client + first image(), in-process (ms; vs raw httpx)",
            ),
        ):
            row(
                label,
                [_cell(imp, n, key) for n in ("railwail", "floor", "openai")],
                f"{prefix}.railwail_vs_floor",
                f"{prefix}.railwail_vs_openai",
            )
    if "sync" in res:
        for endpoint in ("image", "chat"):
            row(
                f"Sync {endpoint}() (µs/call; baseline = raw httpx)",
                [
                    _cell(res["sync"], endpoint, n, "us_per_call")
                    for n in ("railwail", "httpx", "openai")
                ],
                f"sync.{endpoint}.railwail_vs_httpx",
                f"sync.{endpoint}.railwail_vs_openai",
            )
    if "async" in res:
        aio = res["async"]
        row(
            f"Async image() at concurrency {aio['concurrency']} (req/s, higher is better)",
            [
                _cell(aio, "image", n, "requests_per_second", digits=0)
                for n in ("railwail", "httpx", "openai")
            ],
            "async.image.railwail_vs_httpx",
            "async.image.railwail_vs_openai",
        )
    if "payload" in res:
        row(
            "4 x 2 MB b64_json: request + decode (ms/request; baseline = httpx + json + base64)",
            [_cell(res["payload"], n, "ms_per_request") for n in ("railwail", "httpx")] + ["—"],
            "payload.railwail_vs_httpx",
            None,
        )
    if "stream" in res:
        row(
            f"{res['stream']['chunks']}-chunk chat stream read to the end "
            "(ms/stream; baseline = httpx iter_lines + json.loads)",
            [_cell(res["stream"], n, "ms_per_request", digits=2) for n in CONTENDERS],
            "stream.railwail_vs_httpx",
            "stream.railwail_vs_openai",
        )
    if "embed" in res:
        emb = res["embed"]
        row(
            f"{emb['inputs']} x {emb['dimensions']:,} embeddings "
            "(ms/request; baseline = httpx + json.loads of float lists)",
            [_cell(emb, n, "ms_per_request") for n in CONTENDERS],
            "embed.railwail_vs_httpx",
            "embed.railwail_vs_openai",
        )
    if "memory" in res:
        mem = res["memory"]
        row(
            "Peak RSS of the import process (MiB; baseline = floor)",
            [_cell(mem, "import_peak_rss", n, "mib") for n in ("railwail", "floor")] + ["—"],
            "memory.import_peak_rss.railwail_vs_floor",
            None,
        )
        row(
            f"RSS growth over {mem['requests']:,} image() requests (MiB; baseline = raw httpx)",
            [_cell(mem, "rss_growth", n, "growth_mib", digits=2) for n in ("railwail", "httpx")]
            + ["—"],
            None,
            None,
        )
        row(
            f"RSS of that process after the {mem['warmup_requests']:,}-request warm-up (MiB)",
            [_cell(mem, "rss_growth", n, "rss_before_mib") for n in ("railwail", "httpx")] + ["—"],
            None,
            None,
        )
    if "cli" in res:
        for label, cells, r_base, r_openai in table_rows(res["cli"]):
            row(label, cells, r_base, r_openai)
    if "batch" in res:
        from ._batch import table_rows as batch_rows

        for label, cells, r_base, r_openai in batch_rows(res["batch"]):
            row(label, cells, r_base, r_openai)
    spread = report.get("per_round_ratios", {})
    if spread:
        lines += ["", "Ratio round by round (paired rounds; median [min-max]):"]
        for key, value in spread.items():
            lines.append(f"- {key}: {value['median']:.2f} [{value['min']:.2f}-{value['max']:.2f}]")
    if "async" in res:
        lines += ["", "Async connection pools:"]
        for name, entry in res["async"]["image"].items():
            lines.append(f"- {name}: {entry.get('limits', entry.get('error', '?'))}")
    if report["targets"]:
        lines += ["", "| Target | Value | Threshold | Result |", "|---|---:|---:|:---:|"]
        for t in report["targets"]:
            value = "—" if t["value"] is None else f"{t['value']:.2f}"
            lines.append(
                f"| {t['target']} | {value} | {t['op']} {t['threshold']:.2f} | {t['status']} |"
            )
    errors = [f"- {path}: {msg}" for path, msg in _errors(res)]
    if errors:
        lines += ["", "Errors:", *errors]
    return "\n".join(lines) + "\n"


def _errors(node: Any, path: str = "") -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "error" and isinstance(value, str):
                found.append((path, value))
            elif key != "samples":
                found += _errors(value, f"{path}.{key}" if path else key)
    return found
