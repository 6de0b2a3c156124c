"""Memory: peak RSS of the import, and RSS growth across many requests on one client."""

from __future__ import annotations

from typing import Any

from ._common import Config, error_text, log, median, rotated
from ._imports import import_child
from ._proc import HERE, run_json_child

RSS_CHILD = HERE / "_rss_child.py"
PEAK_NAMES = ("railwail", "floor")
GROWTH_NAMES = ("railwail", "httpx")


def run_memory(
    config: Config, api_base: str, imports: dict[str, Any] | None = None
) -> dict[str, Any]:
    """``imports``: the import section's result of this run, whose children already read
    their peak RSS; reused instead of starting the same processes again."""
    peak: dict[str, list[float]] = {name: [] for name in PEAK_NAMES}
    reused = imports is not None and all("samples" in imports.get(name, {}) for name in PEAK_NAMES)
    if imports is not None and reused:
        for name in PEAK_NAMES:
            peak[name] = list(imports[name]["samples"]["peak_rss_mib"])
    growth: dict[str, list[dict[str, float]]] = {name: [] for name in GROWTH_NAMES}
    errors: dict[str, dict[str, str]] = {"peak": {}, "growth": {}}
    for r in range(config.rounds):
        for name in (
            [] if reused else rotated([n for n in PEAK_NAMES if n not in errors["peak"]], r)
        ):
            try:
                peak[name].append(import_child(name, api_base).peak_import_mib)
            except Exception as exc:
                errors["peak"][name] = error_text(exc)
        for name in rotated([n for n in GROWTH_NAMES if n not in errors["growth"]], r):
            args = [str(RSS_CHILD), name, api_base, str(config.memory_warmup), str(config.memory_n)]
            try:
                growth[name].append(run_json_child(args))
            except Exception as exc:
                errors["growth"][name] = error_text(exc)
        log(config, f"  memory round {r + 1}/{config.rounds} done")
    result: dict[str, Any] = {
        "requests": config.memory_n,
        "warmup_requests": config.memory_warmup,
        "import_peak_rss": {"source": "import section" if reused else "own import children"},
        "rss_growth": {},
    }
    for name in PEAK_NAMES:
        if name in errors["peak"]:
            result["import_peak_rss"][name] = {"error": errors["peak"][name]}
        else:
            result["import_peak_rss"][name] = {"mib": median(peak[name]), "samples": peak[name]}
    for name in GROWTH_NAMES:
        if name in errors["growth"]:
            result["rss_growth"][name] = {"error": errors["growth"][name]}
            continue
        runs = growth[name]
        result["rss_growth"][name] = {
            "growth_mib": median([run["growth_mib"] for run in runs]),
            "rss_before_mib": median([run["rss_before_mib"] for run in runs]),
            "rss_after_mib": median([run["rss_after_mib"] for run in runs]),
            "samples": runs,
        }
    return result
