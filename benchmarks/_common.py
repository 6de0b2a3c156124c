"""Shared settings and helpers for the benchmark sections."""

from __future__ import annotations

import statistics
import traceback
from dataclasses import dataclass

SECTIONS = ("import", "sync", "async", "payload", "stream", "embed", "memory", "cli", "batch")


@dataclass(frozen=True)
class Config:
    """What one run measures. Derived counts keep their documented defaults at ``n=5000``."""

    rounds: int = 5
    n: int = 5000
    concurrency: int = 64
    sections: tuple[str, ...] = SECTIONS
    quick: bool = False
    payload_n: int = 10  # requests of 4 x 2 MB b64 images per contender and round
    stream_n: int = 100  # 500-chunk streams per contender and round
    embed_n: int = 20  # requests of 256 x 1,536 embeddings per contender and round
    memory_n: int = 20_000  # sequential requests between the two RSS readings
    memory_warmup: int = 1000
    log: bool = True

    @property
    def warmup(self) -> int:
        """Untimed calls per contender before the rounds (connections, caches, lazy imports)."""
        return max(10, self.n // 50)


def median(values: list[float]) -> float:
    return float(statistics.median(values)) if values else float("nan")


def rotated(names: list[str], round_index: int) -> list[str]:
    """Interleave contenders, starting each round with a different one (no position bias)."""
    if not names:
        return []
    k = round_index % len(names)
    return names[k:] + names[:k]


def error_text(exc: BaseException) -> str:
    last = traceback.format_exception_only(type(exc), exc)[-1].strip()
    return last[:500]


def ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b == 0 or a != a or b != b:
        return None
    return a / b


def log(config: Config, message: str) -> None:
    if config.log:
        print(message, flush=True)
