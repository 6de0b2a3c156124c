"""Pure readers of response headers (the server's retry hint, the rate-limit state) and the
check of the headers a caller asks us to send.

Both the error mapping (``RateLimitError.retry_after``/``.reset``) and the response types
(``.rate_limit``) read them, so they live below both. A value no sane server sends (``inf``,
``nan``, ``1e400``, a negative count, a wait that ended in the past) reads as absent, so that
the caller falls back to what it does without the header.
"""

from __future__ import annotations

import email.utils
import re
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
    """A header as a count (``"59.0"`` reads as 59); ``None`` when absent, not a finite number,
    or negative."""
    number = parse_float(headers.get(name))
    return int(number) if number is not None and number >= 0 else None


def retry_after_from_headers(
    headers: Mapping[str, str], status: int, now: float | None = None
) -> float | None:
    """Seconds the server asked us to wait: ``retry-after-ms``, then ``Retry-After`` (seconds or
    HTTP date), then on 429 ``X-RateLimit-Reset`` (an absolute Unix time). ``None`` if none."""
    # A negative wait, or a moment already past, is no usable hint: the next source is asked,
    # and without one the caller's backoff applies (never a burst of immediate retries).
    now = time.time() if now is None else now
    ms = parse_float(headers.get("retry-after-ms"))
    if ms is not None and ms >= 0:
        return ms / 1000.0
    raw = headers.get("retry-after")
    if raw is not None:
        seconds = parse_float(raw)
        if seconds is not None:
            if seconds >= 0:
                return seconds
        else:
            try:
                when = email.utils.parsedate_to_datetime(raw)
            except (TypeError, ValueError, IndexError, OverflowError):
                when = None
            if when is not None:
                if when.tzinfo is None:
                    when = when.replace(tzinfo=UTC)
                if when.timestamp() > now:
                    return when.timestamp() - now
    if status == 429:
        reset = parse_float(headers.get("x-ratelimit-reset"))
        if reset is not None and reset > now:
            return reset - now
    return None


def reset_datetime(headers: Mapping[str, str]) -> datetime | None:
    """``X-RateLimit-Reset`` (a Unix time) as an aware UTC datetime, or ``None``."""
    reset = parse_float(headers.get("x-ratelimit-reset"))
    if reset is None or reset < 0:
        return None
    try:
        return datetime.fromtimestamp(reset, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


# RFC 9110 tokens, as h11 checks them when the request is sent. (Compiled by re on first use,
# and cached there, rather than when railwail is imported.)
_TOKEN = r"[-!#$%&'*+.^_`|~0-9A-Za-z]+"
# Visible ASCII, runs separated by spaces or tabs, no whitespace at either end: what h11 sends
# (httpx encodes header values as ASCII).
_VALUE = r"(?:[\x21-\x7e]+(?:[ \t]+[\x21-\x7e]+)*)?"


def check_header(name: object, value: object, where: str) -> None:
    """Refuses a header httpx or h11 would refuse while sending, before anything is sent.

    The error names the header but never shows its value, which may be a secret.

    Raises:
        ValueError: The name is not an HTTP token, or the value holds a line break, a NUL or
            another control character, a non-ASCII character, or whitespace at either end.
    """
    if not isinstance(name, str) or not re.fullmatch(_TOKEN, name):
        shown = repr(name) if len(repr(name)) <= 60 else repr(name)[:57] + "..."
        raise ValueError(
            f"{where} has a header name that is not a valid HTTP token: {shown} "
            "(letters, digits and !#$%&'*+-.^_`|~ only)"
        )
    if not isinstance(value, str) or re.fullmatch(_VALUE, value):
        return
    if "\r" in value or "\n" in value:
        problem = "a line break (CR or LF), which would end the header early"
    elif "\0" in value:
        problem = "a NUL character"
    elif not value.isascii():
        problem = "a non-ASCII character (header values are sent as ASCII)"
    elif value != value.strip(" \t"):
        problem = "whitespace at its start or end"
    else:
        problem = "a control character"
    raise ValueError(f"{where}[{name!r}] contains {problem}")


def check_header_map(value: object, name: str) -> dict[str, str] | None:
    """``value`` (``extra_headers``, ``default_headers``) as a ``dict`` of checked headers;
    ``None`` stays ``None``. The errors never show a value: it may be a secret.

    Raises:
        TypeError: ``value`` is not a mapping of ``str`` to ``str``.
        ValueError: A header ``check_header`` refuses.
    """
    if value is None:
        return None
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise TypeError(f"{name} must be a mapping of str to str")
    headers = dict(value)
    for key, item in headers.items():
        check_header(key, item, name)
    return headers
