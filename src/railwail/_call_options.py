"""The per-call options every method takes (``timeout``, ``extra_headers``, ``extra_query``,
``extra_body``, ``idempotency_key``, ``total_timeout``), checked once into ``CallOptions``, and
the timeout checks the client's constructor shares. Pure: no I/O."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from ._headers import check_header, check_header_map
from ._utils import NOT_GIVEN, NotGiven, given

# What callers may pass as a timeout.
Timeout = float | httpx.Timeout | NotGiven
# A per-call total_timeout: seconds, None for no total limit, or left out for the client's.
TotalTimeout = float | NotGiven | None


@dataclass(frozen=True, slots=True)
class CallOptions:
    """The per-call options every method takes, checked once."""

    timeout: httpx.Timeout | None = None
    extra_headers: dict[str, str] | None = None
    extra_query: dict[str, Any] | None = None
    extra_body: dict[str, Any] | None = None
    idempotency_key: str | None = None
    total_timeout: float | NotGiven | None = NOT_GIVEN


def check_total_timeout(value: object, name: str = "total_timeout") -> float | None:
    """Seconds for a whole call (attempts, retry waits, downloads), or ``None`` for no limit."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a number of seconds or None; got {value!r}")
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive, finite number of seconds; got {value!r}")
    return float(value)


def check_timeout(value: object, name: str = "timeout") -> httpx.Timeout:
    """A finite ``httpx.Timeout`` from a number or an ``httpx.Timeout``; ``None`` is refused
    because httpx reads it as "wait forever", the one thing this client promises not to do."""
    if isinstance(value, httpx.Timeout):
        return value
    if value is None:
        raise ValueError(
            f"{name}=None would wait forever; pass seconds (e.g. {name}=120), an httpx.Timeout, "
            f"or leave it out for the default. For no limit at all, pass httpx.Timeout(None)."
        )
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a number of seconds or an httpx.Timeout; got {value!r}")
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive, finite number of seconds; got {value!r}")
    return httpx.Timeout(float(value))


def _any_map(value: object, name: str) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise TypeError(f"{name} must be a mapping with str keys; got {type(value).__name__}")
    return dict(value)


def call_options(
    timeout: object = NOT_GIVEN,
    extra_headers: object = None,
    extra_query: object = None,
    extra_body: object = None,
    idempotency_key: object = None,
    total_timeout: object = NOT_GIVEN,
) -> CallOptions:
    if idempotency_key is not None:
        if not isinstance(idempotency_key, str) or not idempotency_key:
            raise ValueError(f"idempotency_key must be a non-empty string; got {idempotency_key!r}")
        check_header("Idempotency-Key", idempotency_key, "idempotency_key")
    return CallOptions(
        timeout=check_timeout(timeout) if given(timeout) else None,
        extra_headers=check_header_map(extra_headers, "extra_headers"),
        extra_query=_any_map(extra_query, "extra_query"),
        extra_body=_any_map(extra_body, "extra_body"),
        idempotency_key=idempotency_key,
        total_timeout=check_total_timeout(total_timeout) if given(total_timeout) else NOT_GIVEN,
    )
