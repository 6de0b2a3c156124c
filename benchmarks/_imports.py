"""Import cost: whole fresh processes, interleaved, timed inside and outside the child."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ._common import Config, error_text, log, median, rotated
from ._proc import run_python

# What each contender imports. "floor" is railwail's dependency floor.
IMPORTS: dict[str, str] = {
    "railwail": "railwail",
    "floor": "httpx, pydantic, tenacity",
    "openai": "openai",
}

# After the import: a client and one image() request against the server (the cold start a
# script or notebook pays before its first result; lazy imports land here).
FIRST_CALL: dict[str, str] = {
    "railwail": (
        "with railwail.Railwail(api_key=KEY, base_url=BASE) as c:\n"
        "    c.image('flux-schnell', 'a cat', response_format='url').data[0].url\n"
    ),
    "floor": (
        "with httpx.Client() as c:\n"
        "    c.post(BASE + '/images/generations', headers={'Authorization': 'Bearer ' + KEY},\n"
        "           json={'model': 'flux-schnell', 'prompt': 'a cat', 'response_format': 'url'}\n"
        "    ).json()['data'][0]['url']\n"
    ),
    "openai": (
        "with openai.OpenAI(api_key=KEY, base_url=BASE) as c:\n"
        "    c.images.generate(model='flux-schnell', prompt='a cat', response_format='url')\n"
    ),
}

# time and resource are imported before the clock starts, identically in every child.
# Peak RSS is VmHWM, the high-water mark of the exec'd image itself, read right after the
# import; ru_maxrss is only the fallback where /proc is missing: on Linux it carries the
# parent's peak over fork/exec, so a child spawned by a large benchmark process would report
# the parent's size.
_CHILD = """\
import time, resource
t0 = time.perf_counter()
import {modules}
t1 = time.perf_counter()
def hwm():
    try:
        for line in open('/proc/self/status'):
            if line.startswith('VmHWM:'):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
peak_import = hwm()
KEY, BASE = 'rw_bench_key', {base!r}
{first_call}
t2 = time.perf_counter()
print(t1 - t0, t2 - t0, peak_import, hwm())
"""


@dataclass(frozen=True)
class ImportSample:
    import_s: float  # in-process, around the import statement
    wall_s: float  # the whole child process, from the parent
    first_call_s: float  # in-process: import + client + first image() request
    peak_import_mib: float  # VmHWM right after the import
    peak_first_call_mib: float  # VmHWM after the first request


def import_child(name: str, api_base: str, first_call: bool = False) -> ImportSample:
    """One fresh process for contender ``name`` (a key of IMPORTS): the import alone, or with
    ``first_call`` also a client and one request (then ``first_call_s`` is meaningful)."""
    then = FIRST_CALL[name] if first_call else "pass"
    code = _CHILD.format(modules=IMPORTS[name], base=api_base, first_call=then)
    wall, out = run_python(["-c", code], timeout=120)
    import_s, first_s, peak_kib, peak_end_kib = out.split()
    return ImportSample(
        float(import_s), wall, float(first_s), int(peak_kib) / 1024, int(peak_end_kib) / 1024
    )


def run_imports(config: Config, api_base: str) -> dict[str, Any]:
    names = list(IMPORTS)
    samples: dict[str, dict[str, list[float]]] = {
        name: {
            key: []
            for key in (
                "in_process_ms",
                "wall_ms",
                "peak_rss_mib",
                "first_call_ms",
                "first_wall_ms",
            )
        }
        for name in names
    }
    errors: dict[str, str] = {}
    # Warm-up (compiles .pyc files, fills the page cache); skipped by --quick.
    for r in range(-1 if not config.quick else 0, config.rounds):
        for first_call in (False, True):  # import alone, then cold start (own processes)
            for name in rotated([n for n in names if n not in errors], max(r, 0)):
                try:
                    sample = import_child(name, api_base, first_call)
                except Exception as exc:
                    errors[name] = error_text(exc)
                    continue
                if r < 0:
                    continue
                record = samples[name]
                if first_call:
                    record["first_call_ms"].append(sample.first_call_s * 1e3)
                    record["first_wall_ms"].append(sample.wall_s * 1e3)
                else:
                    record["in_process_ms"].append(sample.import_s * 1e3)
                    record["wall_ms"].append(sample.wall_s * 1e3)
                    record["peak_rss_mib"].append(sample.peak_import_mib)
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
