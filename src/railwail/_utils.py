"""Small helpers with no I/O: the NOT_GIVEN sentinel, key masking, URL checks."""

from __future__ import annotations

import ipaddress
from typing import Final, Literal, TypeVar, final

import httpx

_T = TypeVar("_T")


@final
class NotGiven:
    """Marks an argument the caller left out, as distinct from an explicit ``None``."""

    _instance: NotGiven | None = None

    def __new__(cls) -> NotGiven:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __reduce__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Final = NotGiven()


def given(value: _T | NotGiven) -> bool:
    return not isinstance(value, NotGiven)


def mask_key(key: str) -> str:
    """Shows at most the last four characters, and only of keys long enough to spare them."""
    if len(key) >= 20:
        return "****" + key[-4:]
    return "****"


def is_loopback_host(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def origin_of(url: httpx.URL) -> tuple[str, str, int | None]:
    port = url.port or {"http": 80, "https": 443}.get(url.scheme)
    return (url.scheme, url.host, port)
