"""Async throughput: N image() calls from `concurrency` workers sharing one client."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from ._clients import ASYNC_FACTORIES, AsyncContender, describe_limits
from ._common import Config, error_text, log, median, rotated
from ._server import IMAGE_URL


async def drive(call: Callable[[], Awaitable[str]], n: int, concurrency: int) -> None:
    """n calls in total, at most `concurrency` in flight (one worker per slot)."""
    remaining = n

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await call()

    await asyncio.gather(*(worker() for _ in range(min(concurrency, n))))


async def one_round(
    factory: Callable[[str], AsyncContender], api_base: str, config: Config
) -> tuple[float, str]:
    """A fresh client: warm it up (opens the pool), then time N calls. -> (req/s, limits)."""
    contender = factory(api_base)
    try:
        got = await contender.image()
        if got != IMAGE_URL:
            raise RuntimeError(f"image() returned {got!r}")
        warmup = min(4 * config.concurrency, max(config.concurrency, config.n))
        await drive(contender.image, max(warmup, config.warmup), config.concurrency)
        start = time.perf_counter()
        await drive(contender.image, config.n, config.concurrency)
        elapsed = time.perf_counter() - start
        return config.n / elapsed, describe_limits(contender)
    finally:
        await contender.aclose()


def run_async(config: Config, api_base: str) -> dict[str, Any]:
    names = list(ASYNC_FACTORIES)
    errors: dict[str, str] = {}
    limits: dict[str, str] = {}
    samples: dict[str, list[float]] = {name: [] for name in names}
    for r in range(config.rounds):
        for name in rotated([n for n in names if n not in errors], r):
            try:
                rps, limits[name] = asyncio.run(one_round(ASYNC_FACTORIES[name], api_base, config))
            except Exception as exc:
                errors[name] = error_text(exc)
                continue
            samples[name].append(rps)
        log(config, f"  async round {r + 1}/{config.rounds} done")
    result: dict[str, Any] = {"n": config.n, "concurrency": config.concurrency, "image": {}}
    for name in names:
        if name in errors:
            result["image"][name] = {"error": errors[name]}
        else:
            result["image"][name] = {
                "requests_per_second": median(samples[name]),
                "samples": samples[name],
                "limits": limits.get(name, "unknown"),
            }
    return result
