"""Sync per-request cost: the same image and chat requests through each client, in turn."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from ._clients import SYNC_FACTORIES, SyncContender
from ._common import Config, error_text, log, median, rotated
from ._server import CHAT_CONTENT, IMAGE_URL

ENDPOINTS = ("image", "chat")
EXPECTED = {"image": IMAGE_URL, "chat": CHAT_CONTENT}
CHUNK = 250  # calls per contender before switching to the next


def time_calls(call: Callable[[], str], n: int) -> float:
    """Seconds for n sequential calls."""
    start = time.perf_counter()
    for _ in range(n):
        call()
    return time.perf_counter() - start


def interleaved(calls: dict[str, Callable[[], str]], n: int, round_index: int) -> dict[str, float]:
    """n calls of each contender, in alternating slices of CHUNK calls; -> seconds per name.

    Slicing spreads any background load on the machine evenly over the contenders instead of
    letting it land on whichever one happened to run during a busy second.
    """
    totals = dict.fromkeys(calls, 0.0)
    done = 0
    chunk_index = 0
    while done < n:
        size = min(CHUNK, n - done)
        for name in rotated(list(calls), round_index + chunk_index):
            totals[name] += time_calls(calls[name], size)
        done += size
        chunk_index += 1
    return totals


def run_sync(config: Config, api_base: str) -> dict[str, Any]:
    contenders: dict[str, SyncContender] = {}
    errors: dict[str, str] = {}
    samples: dict[str, dict[str, list[float]]] = {ep: {} for ep in ENDPOINTS}
    try:
        for name, factory in SYNC_FACTORIES.items():
            try:
                contender = factory(api_base)
            except Exception as exc:
                errors[name] = error_text(exc)
                continue
            contenders[name] = contender
            try:
                for endpoint in ENDPOINTS:
                    call = getattr(contender, endpoint)
                    got = call()
                    if got != EXPECTED[endpoint]:
                        raise RuntimeError(f"{endpoint}() returned {got!r}")
                    time_calls(call, config.warmup)
            except Exception as exc:
                errors[name] = error_text(exc)
        live = [name for name in contenders if name not in errors]
        for r in range(config.rounds):
            for endpoint in ENDPOINTS:
                calls = {name: getattr(contenders[name], endpoint) for name in live}
                for name, seconds in interleaved(calls, config.n, r).items():
                    samples[endpoint].setdefault(name, []).append(seconds / config.n * 1e6)
            log(config, f"  sync round {r + 1}/{config.rounds} done")
    finally:
        for contender in contenders.values():
            contender.close()
    result: dict[str, Any] = {"n": config.n}
    for endpoint in ENDPOINTS:
        result[endpoint] = {}
        for name in SYNC_FACTORIES:
            if name in errors:
                result[endpoint][name] = {"error": errors[name]}
            else:
                vals = samples[endpoint][name]
                result[endpoint][name] = {"us_per_call": median(vals), "samples": vals}
    return result
