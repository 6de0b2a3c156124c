"""``BaseClient``: everything the sync and async clients share that does no I/O (the
configuration they were made with, their pool and retry policy, ``with_options``, request
building and logging). ``_async_api_client`` adds the I/O on top."""

from __future__ import annotations

import http.cookiejar
import logging
import os
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Generic, Self

import httpx

from ._config import ClientConfig, DownloadRules, HttpT, check_http_client, resolve_config
from ._constants import (
    DEFAULT_BASE_URL,
    DEFAULT_CONNECTION_LIMITS,
    DEFAULT_MAX_DOWNLOAD_BYTES,
    DEFAULT_MAX_RETRIES,
)
from ._hints import SlugCache
from ._logging import configure_from_env, logger, redact
from ._requests import RequestSpec, Timeout
from ._retry import RetryPolicy
from ._run import RouteCache
from ._tls import DeferredCAContext
from ._utils import NOT_GIVEN, NotGiven, given, mask_key, origin_of
from ._version import __version__

USER_AGENT = f"railwail-python/{__version__}"
STATIC_HEADERS = {"Accept": "application/json", "User-Agent": USER_AGENT}
# The key of a client that sends its credentials nowhere (see BaseClient._anonymous).
_ANONYMOUS_KEY = "rw-anonymous-download"


class _NoCookieJar(http.cookiejar.CookieJar):
    """Stores nothing: the gateway authenticates by key, so the pools this SDK creates keep no
    cookie state between requests (or keys), and skip parsing Set-Cookie on every response."""

    def extract_cookies(self, response: Any, request: Any) -> None:
        return None

    def set_cookie(self, cookie: http.cookiejar.Cookie) -> None:
        return None


class SharedState(Generic[HttpT]):
    """What a client and the clients made from it by ``with_options`` share."""

    def __init__(self, http: HttpT, owns_http: bool, *, has_static_headers: bool) -> None:
        self.http: HttpT = http
        self.owns_http = owns_http
        # A pool we made carries Accept and User-Agent itself, so requests need not repeat them.
        self.has_static_headers = has_static_headers
        self.routes = RouteCache()
        self.slugs = SlugCache()


class BaseClient(Generic[HttpT]):
    """Configuration and every I/O-free step of a request. Subclasses add ``_request``."""

    _http_class: type[HttpT]
    _config: ClientConfig
    _state: SharedState[HttpT]
    _policy: RetryPolicy
    _origin: tuple[str, str, int | None] | None  # None: no origin gets our credentials
    _headers: dict[str, str]

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float | httpx.Timeout | NotGiven = NOT_GIVEN,
        max_retries: int = DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
        http_client: HttpT | None = None,
        max_download_bytes: int = DEFAULT_MAX_DOWNLOAD_BYTES,
    ) -> None:
        configure_from_env()
        config = resolve_config(
            api_key, base_url, timeout, max_retries, default_headers, max_download_bytes
        )
        http = check_http_client(http_client, self._http_class)
        self._setup(config, self._new_state(http), RetryPolicy(max_retries=config.max_retries))

    @classmethod
    def _standalone(
        cls,
        config: ClientConfig | None,
        rules: DownloadRules,
        policy: RetryPolicy | None = None,
    ) -> Self:
        """A short-lived client with a pool of its own, for the download of an image whose
        client is closed (``config``: that client's, whose key and default headers still go
        to its own origin only) or unknown (``config`` ``None``: it sends its credentials and
        default headers to no origin, under ``rules``). The caller closes it."""
        configure_from_env()
        anonymous = config is None
        if config is None:
            config = resolve_config(
                _ANONYMOUS_KEY,
                DEFAULT_BASE_URL,
                rules.timeout,
                rules.max_retries,
                None,
                rules.max_download_bytes,
            )
        client = object.__new__(cls)
        policy = policy or RetryPolicy(max_retries=config.max_retries)
        client._setup(config, client._new_state(None), policy, anonymous=anonymous)
        return client

    def _new_state(self, http: HttpT | None) -> SharedState[HttpT]:
        if http is not None:
            return SharedState(http, owns_http=False, has_static_headers=False)
        pool = self._http_class(
            limits=DEFAULT_CONNECTION_LIMITS,
            headers=STATIC_HEADERS,
            verify=DeferredCAContext(),  # the CA bundle loads at the first TLS handshake
        )
        pool.cookies.jar = _NoCookieJar()
        return SharedState(pool, owns_http=True, has_static_headers=True)

    def _setup(
        self,
        config: ClientConfig,
        state: SharedState[HttpT],
        policy: RetryPolicy,
        *,
        anonymous: bool = False,
    ) -> None:
        self._config = config
        self._state = state
        self._policy = policy
        self._origin = None if anonymous else origin_of(httpx.URL(config.base_url))
        static = {} if state.has_static_headers else STATIC_HEADERS
        self._headers = {
            **static,
            **config.default_headers,
            "Authorization": f"Bearer {config.api_key}",
        }

    def with_options(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: Timeout = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        default_headers: Mapping[str, str] | None = None,
        max_download_bytes: int | NotGiven = NOT_GIVEN,
    ) -> Self:
        """A client with some options changed that shares this one's connection pool.

        Cheap: make one per call site if you like. Closing it does not close the shared pool.
        Options left out keep this client's values.

        Args:
            api_key: Another key.
            base_url: Another base URL.
            timeout: Seconds, or an ``httpx.Timeout``, for each attempt of every call.
            max_retries: Retries after a retryable failure (0: never).
            default_headers: Headers added to (and winning over) this client's own.
            max_download_bytes: The largest image ``Image.read()`` downloads.

        Returns:
            A client of the same class with the changed options.

        Raises:
            ValueError: An option is out of range.
            TypeError: An option has the wrong type.
        """
        old = self._config
        config = resolve_config(
            api_key if api_key is not None else old.api_key,
            base_url if base_url is not None else old.base_url,
            timeout if given(timeout) else old.timeout,
            max_retries if given(max_retries) else old.max_retries,
            {**old.default_headers, **(default_headers or {})},
            max_download_bytes if given(max_download_bytes) else old.max_download_bytes,
            # The caller was warned about an insecure base URL when it was set, not again here.
            warn_insecure=base_url is not None,
        )
        if api_key is None:
            config = replace(config, api_key_source=old.api_key_source)
        clone = object.__new__(type(self))
        # The pool is shared, never owned twice: closing a derived client leaves it open.
        state: SharedState[HttpT] = SharedState(
            self._state.http, owns_http=False, has_static_headers=self._state.has_static_headers
        )
        state.routes = self._state.routes
        state.slugs = self._state.slugs
        clone._setup(config, state, replace(self._policy, max_retries=config.max_retries))
        return clone

    @property
    def base_url(self) -> str:
        """The base URL every request path is appended to."""
        return self._config.base_url

    @property
    def timeout(self) -> httpx.Timeout:
        """The default timeout of every call."""
        return self._config.timeout

    @property
    def max_retries(self) -> int:
        """How many times a failed request is retried (0: never)."""
        return self._config.max_retries

    def __repr__(self) -> str:
        c = self._config
        return (
            f"{type(self).__name__}(base_url={c.base_url!r}, "
            f"api_key='{mask_key(c.api_key)}' (from {c.api_key_source}), "
            f"max_retries={c.max_retries}, timeout={c.timeout!r})"
        )

    def __getstate__(self) -> None:
        raise TypeError(
            f"{type(self).__name__} holds a connection pool and cannot be pickled; "
            "create one client per process"
        )

    def _build_request(self, spec: RequestSpec) -> httpx.Request:
        if spec.absolute_url:
            url = spec.path
            # Another host (a CDN) gets no credentials and none of the caller's default
            # headers, which may carry secrets of their own.
            if origin_of(httpx.URL(url)) == self._origin:
                headers = self._headers.copy()
            else:
                headers = {"User-Agent": USER_AGENT}
            headers["Accept"] = "*/*"
        else:
            url = self._config.base_url + spec.path
            headers = self._headers.copy()
            if spec.method == "POST":
                # Built once per call, so every retry of this call carries the same key and a
                # gateway that dedupes charges once.
                headers["Idempotency-Key"] = spec.idempotency_key or f"rw-{os.urandom(16).hex()}"
            if spec.stream:
                headers["Accept"] = "text/event-stream"
        if spec.headers:
            headers.update(spec.headers)
        request: httpx.Request = self._state.http.build_request(
            spec.method,
            url,
            json=spec.json,
            params=spec.params,
            headers=headers,
            timeout=spec.timeout or self._config.timeout,
        )
        return request

    @staticmethod
    def _log(request: httpx.Request, status: int | str, attempt: int, elapsed: float) -> None:
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "%s %s -> %s (attempt %d, %.3f s) headers=%s",
                request.method,
                request.url.copy_with(query=None),
                status,
                attempt,
                elapsed,
                redact(request.headers),
            )
