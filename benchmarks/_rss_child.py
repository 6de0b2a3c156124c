"""Child process for the memory figure: RSS before and after many sequential requests.

Started by path (``python benchmarks/_rss_child.py <lib> <api_base> <warmup> <n>``) so that
nothing else lives in the process; prints one JSON line. ``lib`` is ``railwail`` (one
``Railwail`` client, ``image()``) or ``httpx`` (one raw ``httpx.Client``, the same request).
"""

from __future__ import annotations

import gc
import json
import sys
from collections.abc import Callable

from _procfs import vm_rss_kib  # beside this file: see _procfs

API_KEY = "rw_bench_key"


def measure(call: Callable[[], object], warmup: int, n: int) -> dict[str, float]:
    for _ in range(warmup):
        call()
    gc.collect()
    before = vm_rss_kib()
    for _ in range(n):
        call()
    gc.collect()
    after = vm_rss_kib()
    return {
        "rss_before_mib": before / 1024,
        "rss_after_mib": after / 1024,
        "growth_mib": (after - before) / 1024,
    }


def main(argv: list[str]) -> None:
    lib, api_base, warmup, n = argv[0], argv[1], int(argv[2]), int(argv[3])
    if lib == "railwail":
        from railwail import Railwail

        with Railwail(api_key=API_KEY, base_url=api_base) as rw:
            result = measure(
                lambda: rw.image("flux-schnell", "a cat", response_format="url").data[0].url,
                warmup,
                n,
            )
    elif lib == "httpx":
        import httpx

        url = api_base + "/images/generations"
        body = {"model": "flux-schnell", "prompt": "a cat", "response_format": "url"}
        headers = {"Authorization": f"Bearer {API_KEY}"}
        with httpx.Client() as client:
            result = measure(
                lambda: client.post(url, json=body, headers=headers).json()["data"][0]["url"],
                warmup,
                n,
            )
    else:
        raise SystemExit(f"unknown lib {lib!r}")
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
