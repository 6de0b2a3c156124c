"""Pure readers of response headers: the server's retry hint and the rate-limit state.

Both the error mapping (``RateLimitError.retry_after``/``.reset``) and the response types
(``.rate_limit``) read them, so they live below both.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Mapping
from datetime import UTC, datetime


def parse_float(value: str | None) -> float | None:
    """A finite number from a header value; ``None`` when absent or not a finite number."""
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if number == number and number not in (float("inf"), float("-inf")) else None


def int_header(headers: Mapping[str, str], name: str) -> int | None:
    """A header as an integer (``"59.0"`` reads as 59); ``None`` when absent or not a number."""
    value = headers.get(name)
    if value is None:
        return None
    try:
        return int(float(value))
    except ValueError:
        return None


def retry_after_from_headers(
    headers: Mapping[str, str], status: int, now: float | None = None
) -> float | None:
    """Seconds the server asked us to wait: ``retry-after-ms``, then ``Retry-After`` (seconds or
    HTTP date), then on 429 ``X-RateLimit-Reset`` (an absolute Unix time). ``None`` if none."""
    now = time.time() if now is None else now
    ms = parse_float(headers.get("retry-after-ms"))
    if ms is not None:
        return max(ms / 1000.0, 0.0)
    raw = headers.get("retry-after")
    if raw is not None:
        seconds = parse_float(raw)
        if seconds is not None:
            return max(seconds, 0.0)
        try:
            when = email.utils.parsedate_to_datetime(raw)
        except (TypeError, ValueError, IndexError):
            when = None
        if when is not None:
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            return max(when.timestamp() - now, 0.0)
    if status == 429:
        reset = parse_float(headers.get("x-ratelimit-reset"))
        if reset is not None:
            return max(reset - now, 0.0)
    return None


def reset_datetime(headers: Mapping[str, str]) -> datetime | None:
    """``X-RateLimit-Reset`` (a Unix time) as an aware UTC datetime, or ``None``."""
    reset = parse_float(headers.get("x-ratelimit-reset"))
    if reset is None:
        return None
    try:
        return datetime.fromtimestamp(reset, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None
