"""Import cost: whole fresh processes, interleaved, timed inside and outside the child."""

from __future__ import annotations

from typing import Any

from ._common import Config, error_text, log, median, rotated
from ._proc import run_python

# What each contender imports. "floor" is railwail's dependency floor.
IMPORTS: dict[str, str] = {
    "railwail": "railwail",
    "floor": "httpx, pydantic, tenacity",
    "openai": "openai",
}

# time and resource are imported before the clock starts, identically in every child.
# Peak RSS is VmHWM, the high-water mark of the exec'd image itself; ru_maxrss is only the
# fallback where /proc is missing: on Linux it carries the parent's peak over fork/exec, so a
# child spawned by a large benchmark process would report the parent's size.
_CHILD = (
    "import time, resource\n"
    "t0 = time.perf_counter()\n"
    "import {modules}\n"
    "t1 = time.perf_counter()\n"
    "hwm = 0\n"
    "try:\n"
    "    for line in open('/proc/self/status'):\n"
    "        if line.startswith('VmHWM:'): hwm = int(line.split()[1])\n"
    "except OSError: pass\n"
    "print(t1 - t0, hwm or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
)


def import_child(modules: str) -> tuple[float, float, float]:
    """One fresh process: (in-process import seconds, process wall seconds, peak RSS MiB)."""
    wall, out = run_python(["-c", _CHILD.format(modules=modules)], timeout=120)
    seconds, peak_kib = out.split()
    return float(seconds), wall, int(peak_kib) / 1024


def run_imports(config: Config) -> dict[str, Any]:
    names = list(IMPORTS)
    samples: dict[str, dict[str, list[float]]] = {
        name: {"in_process_ms": [], "wall_ms": [], "peak_rss_mib": []} for name in names
    }
    errors: dict[str, str] = {}
    # Warm-up (compiles .pyc files, fills the page cache); skipped by --quick.
    for r in range(-1 if not config.quick else 0, config.rounds):
        for name in rotated([n for n in names if n not in errors], max(r, 0)):
            try:
                seconds, wall, rss = import_child(IMPORTS[name])
            except Exception as exc:
                errors[name] = error_text(exc)
                continue
            if r >= 0:
                samples[name]["in_process_ms"].append(seconds * 1e3)
                samples[name]["wall_ms"].append(wall * 1e3)
                samples[name]["peak_rss_mib"].append(rss)
        if r >= 0:
            log(config, f"  import round {r + 1}/{config.rounds} done")
    result: dict[str, Any] = {}
    for name in names:
        if name in errors:
            result[name] = {"error": errors[name], "statement": f"import {IMPORTS[name]}"}
            continue
        result[name] = {
            "statement": f"import {IMPORTS[name]}",
            **{key: median(vals) for key, vals in samples[name].items()},
            "samples": samples[name],
        }
    return result
