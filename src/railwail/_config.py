"""Client configuration: every constructor option checked, defaults and environment variables
applied, once per client (and again by ``with_options``)."""

from __future__ import annotations

import os
import sys
import warnings
from dataclasses import dataclass, field
from typing import TypeVar

import httpx

from ._call_options import check_timeout, check_total_timeout
from ._constants import (
    DEFAULT_BASE_URL,
    DEFAULT_MAX_DOWNLOAD_BYTES,
    DEFAULT_TIMEOUT,
    ENV_API_KEY,
    ENV_BASE_URL,
)
from ._exceptions import MissingAPIKeyError
from ._headers import check_header_map
from ._utils import given, is_loopback_host

HttpT = TypeVar("HttpT", httpx.Client, httpx.AsyncClient)


class InsecureBaseURLWarning(UserWarning):
    """The API key would travel unencrypted: ``http://`` to a host that is not this machine."""


@dataclass(frozen=True, slots=True)
class ClientConfig:
    api_key: str = field(repr=False)
    api_key_source: str
    base_url: str
    timeout: httpx.Timeout
    max_retries: int
    default_headers: dict[str, str]
    max_download_bytes: int
    max_response_bytes: int
    total_timeout: float | None
    # Whether timeout= was passed (to the constructor or with_options): only then does it win
    # over the timeouts of a user's own http_client.
    timeout_given: bool = False

    def download_rules(self) -> DownloadRules:
        """The limits an image made by this client downloads under, without the secrets."""
        return DownloadRules(self.max_download_bytes, self.timeout, self.max_retries)


@dataclass(frozen=True, slots=True)
class DownloadRules:
    """How an image downloads on its own (its client closed, or the image copied, pickled or
    built by hand): the size cap, the timeout of each attempt and the retries. It holds no
    key and no headers, so an image can be pickled and copied without carrying secrets; a
    download under these rules sends credentials to no origin."""

    max_download_bytes: int = DEFAULT_MAX_DOWNLOAD_BYTES
    timeout: httpx.Timeout = field(default_factory=lambda: DEFAULT_TIMEOUT)
    # An image built by hand had no client and no max_retries the caller chose: no retries.
    max_retries: int = 0


def _check_api_key(api_key: object) -> tuple[str, str]:
    source = "api_key="
    if api_key is None:
        api_key = os.environ.get(ENV_API_KEY)
        source = ENV_API_KEY
        if api_key is None:
            # Last, the key `railwail auth login` stored; the file is read only when needed.
            from . import _credentials

            api_key, path = _credentials.read_key()
            source = _credentials.source_label(path)
            if api_key is None:
                raise MissingAPIKeyError(_credentials.missing_key_message(ENV_API_KEY, path))
    if not isinstance(api_key, str):
        raise TypeError(f"api_key must be a string; got {type(api_key).__name__}")
    key = api_key.strip()
    if not key:
        raise MissingAPIKeyError(
            f"The API key from {source} is empty: pass the key itself, e.g. "
            f"railwail(api_key='rw_live_...'), or set {ENV_API_KEY}"
        )
    # Checked here so that httpx never echoes a bad header value (the key) in its own error.
    if not key.isascii() or not key.isprintable() or " " in key:
        raise ValueError(
            f"The API key from {source} contains spaces or non-printable/non-ASCII characters; "
            "copy it again from https://railwail.com/settings"
        )
    return key, source


def _caller_stacklevel() -> int:
    """The ``stacklevel`` that points a warning raised by our caller at the user's line."""
    # Constructors, railwail() and with_options() reach normalize_base_url through different
    # depths, so a fixed stacklevel blames an SDK frame for one of them; count instead.
    package = os.path.dirname(__file__) + os.sep
    frame = sys._getframe(2)  # level 1 is our caller; 2 is its caller
    level = 2
    while frame.f_back is not None and frame.f_code.co_filename.startswith(package):
        frame = frame.f_back
        level += 1
    return level


def normalize_base_url(base_url: object, *, warn: bool = True) -> str:
    """An absolute http(s) URL without a trailing slash or a doubled ``/v1``."""
    if not isinstance(base_url, str | httpx.URL):
        raise TypeError(f"base_url must be a string; got {type(base_url).__name__}")
    raw = str(base_url).strip()
    try:
        url = httpx.URL(raw)
    except httpx.InvalidURL:
        url = None
    if url is None or url.scheme not in ("http", "https") or not url.host:
        raise ValueError(
            f"base_url must be an absolute http(s) URL such as {DEFAULT_BASE_URL!r}; got {raw!r}"
        )
    if url.query or url.fragment:
        raise ValueError(f"base_url must not carry a query or fragment; got {raw!r}")
    if url.userinfo:
        # It would show up in repr(), error messages and logs; the key goes in api_key=.
        raise ValueError(
            "base_url must not contain credentials (user:password@); pass the key as api_key="
        )
    path = url.path.rstrip("/")
    while path.endswith("/v1/v1"):
        path = path[: -len("/v1")]
    if warn and url.scheme == "http" and not is_loopback_host(url.host):
        warnings.warn(
            f"base_url {raw!r} uses plain http to a non-local host: the API key would be sent "
            "unencrypted. Use https://",
            InsecureBaseURLWarning,
            stacklevel=_caller_stacklevel(),
        )
    return str(url.copy_with(path=path or "/")).rstrip("/")


def _check_max_retries(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"max_retries must be an integer of at least 0; got {value!r}")
    if value < 0:
        raise ValueError(f"max_retries must be at least 0 (0 turns retries off); got {value}")
    return value


def _check_max_bytes(value: object, name: str = "max_download_bytes") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer; got {value!r}")
    return value


def resolve_config(
    api_key: object,
    base_url: object,
    timeout: object,
    max_retries: object,
    default_headers: object,
    max_download_bytes: object,
    max_response_bytes: object,
    total_timeout: object,
    *,
    warn_insecure: bool = True,
    timeout_given: bool | None = None,
) -> ClientConfig:
    key, source = _check_api_key(api_key)
    from_env = base_url is None and bool(os.environ.get(ENV_BASE_URL))
    if base_url is None:
        base_url = os.environ.get(ENV_BASE_URL) or DEFAULT_BASE_URL
    try:
        url = normalize_base_url(base_url, warn=warn_insecure)
    except ValueError as exc:
        if from_env:
            raise ValueError(f"{exc} (the value comes from {ENV_BASE_URL})") from None
        raise
    return ClientConfig(
        api_key=key,
        api_key_source=source,
        base_url=url,
        timeout=check_timeout(timeout) if given(timeout) else DEFAULT_TIMEOUT,
        max_retries=_check_max_retries(max_retries),
        default_headers=check_header_map(default_headers, "default_headers") or {},
        max_download_bytes=_check_max_bytes(max_download_bytes),
        max_response_bytes=_check_max_bytes(max_response_bytes, "max_response_bytes"),
        total_timeout=check_total_timeout(total_timeout),
        timeout_given=given(timeout) if timeout_given is None else timeout_given,
    )


def check_http_client(http_client: object, expected: type[HttpT]) -> HttpT | None:
    if http_client is None:
        return None
    if not isinstance(http_client, expected):
        other = "AsyncRailwail" if expected is httpx.Client else "Railwail"
        raise TypeError(
            f"http_client must be an {expected.__module__}.{expected.__qualname__}; "
            f"got {type(http_client).__name__} (an httpx.AsyncClient goes with AsyncRailwail, "
            f"an httpx.Client with Railwail; did you mean {other}?)"
        )
    return http_client
