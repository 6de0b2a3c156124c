"""Child process of the batch section: one contender makes N images against the emulator.

Started by path (``python benchmarks/_batch_child.py <contender> <api_base> <key> <n> <out>``)
so that nothing else lives in the process; prints one JSON line. Contenders:

- ``batch``: ``Railwail.image_batch`` (threads), which paces itself by the rate-limit headers.
- ``batch_async``: ``AsyncRailwail.image_batch`` (asyncio tasks).
- ``loop``: ``for p in prompts: rw.image(...)`` then ``save()``, the loop people write first.
- ``gather``: ``asyncio.gather(*(one(p) for p in prompts))`` on ``AsyncRailwail``, the loop
  people write second.

The naive contenders keep the SDK's default retries (429s retried after the server's
``X-RateLimit-Reset``); an item whose retries run out is counted as failed. Every HTTP answer
is counted by status through an httpx event hook on the client's own pool, the same for all.
"""

from __future__ import annotations

import asyncio
import gc
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from _procfs import vm_rss_kib  # beside this file: see _procfs

MODEL = "flux-schnell"
SIZE = "256x256"
# The images come inline, so that each item is one request and the emulator (Python threads
# in its own process) stays far from its own limits: what is measured is the pacing.
FORMAT = "b64_json"
CONCURRENCY = 8  # image_batch: enough to outrun the rate limit with 50 ms generations
RSS_SAMPLES = 20  # RSS readings over an image_batch run


def prompts(n: int) -> list[str]:
    return [f"a lighthouse at dawn, study {i}" for i in range(n)]


class Statuses:
    """Counts the status of every answer to a generation request."""

    def __init__(self) -> None:
        self.counts: Counter[int] = Counter()

    def hook(self, response: httpx.Response) -> None:
        if response.request.url.path.endswith("/images/generations"):
            self.counts[response.status_code] += 1

    async def ahook(self, response: httpx.Response) -> None:
        self.hook(response)


def run_batch(api_base: str, key: str, n: int, out: Path, statuses: Statuses) -> dict[str, Any]:
    from railwail import Railwail

    samples: list[tuple[int, float]] = []  # (items finished, RSS in MiB)
    finished = [0]
    every = max(1, n // RSS_SAMPLES)

    def sample(item: Any) -> None:
        finished[0] += 1
        if finished[0] % every == 0:
            gc.collect()
            samples.append((finished[0], vm_rss_kib() / 1024))

    pool = httpx.Client(event_hooks={"response": [statuses.hook]})
    with pool, Railwail(key, base_url=api_base, http_client=pool) as rw:
        start = time.perf_counter()
        result = rw.image_batch(
            MODEL,
            prompts(n),
            out_dir=out,
            size=SIZE,
            response_format=FORMAT,
            concurrency=CONCURRENCY,
            on_item=sample,
        )
        elapsed = time.perf_counter() - start
    return {
        "elapsed": elapsed,
        "done": result.counts["done"],
        "failed": result.counts["failed"],
        "rss_samples": samples,
    }


async def run_batch_async(
    api_base: str, key: str, n: int, out: Path, statuses: Statuses
) -> dict[str, Any]:
    from railwail import AsyncRailwail

    async with (
        httpx.AsyncClient(event_hooks={"response": [statuses.ahook]}) as pool,
        AsyncRailwail(key, base_url=api_base, http_client=pool) as rw,
    ):
        start = time.perf_counter()
        result = await rw.image_batch(
            MODEL,
            prompts(n),
            out_dir=out,
            size=SIZE,
            response_format=FORMAT,
            concurrency=CONCURRENCY,
        )
        elapsed = time.perf_counter() - start
    return {"elapsed": elapsed, "done": result.counts["done"], "failed": result.counts["failed"]}


def run_loop(api_base: str, key: str, n: int, out: Path, statuses: Statuses) -> dict[str, Any]:
    from railwail import Railwail, RailwailError

    done = failed = 0
    with (
        httpx.Client(event_hooks={"response": [statuses.hook]}) as pool,
        Railwail(key, base_url=api_base, http_client=pool) as rw,
    ):
        start = time.perf_counter()
        for index, prompt in enumerate(prompts(n)):
            try:
                response = rw.image(MODEL, prompt, size=SIZE, response_format=FORMAT)
                response.data[0].save(out / f"{index:05d}.png")
                done += 1
            except RailwailError:
                failed += 1
        elapsed = time.perf_counter() - start
    return {"elapsed": elapsed, "done": done, "failed": failed}


async def run_gather(
    api_base: str, key: str, n: int, out: Path, statuses: Statuses
) -> dict[str, Any]:
    from railwail import AsyncRailwail

    async with (
        httpx.AsyncClient(event_hooks={"response": [statuses.ahook]}) as pool,
        AsyncRailwail(key, base_url=api_base, http_client=pool) as rw,
    ):

        async def one(index: int, prompt: str) -> None:
            response = await rw.image(MODEL, prompt, size=SIZE, response_format=FORMAT)
            await response.data[0].asave(out / f"{index:05d}.png")

        start = time.perf_counter()
        outcomes = await asyncio.gather(
            *(one(i, p) for i, p in enumerate(prompts(n))), return_exceptions=True
        )
        elapsed = time.perf_counter() - start
    failed = sum(isinstance(o, BaseException) for o in outcomes)
    return {"elapsed": elapsed, "done": len(outcomes) - failed, "failed": failed}


def main(argv: list[str]) -> None:
    contender, api_base, key, n, out = argv[0], argv[1], argv[2], int(argv[3]), Path(argv[4])
    out.mkdir(parents=True, exist_ok=True)
    statuses = Statuses()
    rss_start = vm_rss_kib() / 1024
    if contender == "batch":
        result = run_batch(api_base, key, n, out, statuses)
    elif contender == "batch_async":
        result = asyncio.run(run_batch_async(api_base, key, n, out, statuses))
    elif contender == "loop":
        result = run_loop(api_base, key, n, out, statuses)
    elif contender == "gather":
        result = asyncio.run(run_gather(api_base, key, n, out, statuses))
    else:
        raise SystemExit(f"unknown contender {contender!r}")
    result["requests"] = sum(statuses.counts.values())
    result["status_429"] = statuses.counts.get(429, 0)
    result["rss_start_mib"] = rss_start
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
