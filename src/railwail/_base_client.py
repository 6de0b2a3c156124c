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

from ._call_options import Timeout, TotalTimeout
from ._config import ClientConfig, DownloadRules, HttpT, check_http_client, resolve_config
from ._constants import (
    ACCEPT_ENCODING,
    DEFAULT_BASE_URL,
    DEFAULT_CONNECTION_LIMITS,
    DEFAULT_MAX_DOWNLOAD_BYTES,
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_MAX_RETRIES,
)
from ._deadline import CallBudget, clip_to_deadlines
from ._download import too_large
from ._error_mapping import describe_failure
from ._exceptions import RailwailError, ResponseValidationError
from ._hints import SlugCache
from ._logging import configure_from_env, log_retry, logger, redact
from ._requests import RequestSpec
from ._retry import RetryPolicy
from ._run import RouteCache
from ._secrets import key_replacements, scrub_error
from ._tls import DeferredCAContext
from ._utils import NOT_GIVEN, NotGiven, given, mask_key, origin_of
from ._version import __version__

USER_AGENT = f"railwail-python/{__version__}"
# Accept-Encoding: only what can be decoded under a size cap (see _decoding), also through a
# pool of the caller's that would advertise br or zstd.
STATIC_HEADERS = {
    "Accept": "application/json",
    "Accept-Encoding": ACCEPT_ENCODING,
    "User-Agent": USER_AGENT,
}
# httpx's default timeout (every phase): a value of a caller's own http_client that differs
# from it was set on purpose, and is kept unless timeout= is passed to us.
_HTTPX_DEFAULT_TIMEOUT = 5.0
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
        # Responses of streams dropped unread (their finaliser puts them here): closed by the
        # next request, so that they give their connections back to the pool.
        self.orphans: list[httpx.Response] = []


class BaseClient(Generic[HttpT]):
    """Configuration and every I/O-free step of a request. Subclasses add ``_request``."""

    _http_class: type[HttpT]
    _config: ClientConfig
    _state: SharedState[HttpT]
    _policy: RetryPolicy
    _origin: tuple[str, str, int | None] | None  # None: no origin gets our credentials
    _headers: dict[str, str]
    _timeout: httpx.Timeout  # the timeout in use (config, or the caller's own pool's)

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
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        total_timeout: float | None = None,
    ) -> None:
        configure_from_env()
        config = resolve_config(
            api_key,
            base_url,
            timeout,
            max_retries,
            default_headers,
            max_download_bytes,
            max_response_bytes,
            total_timeout,
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
                DEFAULT_MAX_RESPONSE_BYTES,
                None,
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
        if isinstance(pool, httpx.Client):
            # Every socket operation of an attempt waits no longer than the attempt's deadline
            # (async attempts run in a cancel scope instead).
            clip_to_deadlines(pool)
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
        self._timeout = config.timeout
        if not state.owns_http and not config.timeout_given:
            # The caller's own pool: the timeouts set on it are kept, the others are ours.
            ours = config.timeout.as_dict()
            self._timeout = httpx.Timeout(
                **{
                    phase: value if value != _HTTPX_DEFAULT_TIMEOUT else ours[phase]
                    for phase, value in state.http.timeout.as_dict().items()
                }
            )
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
        max_response_bytes: int | NotGiven = NOT_GIVEN,
        total_timeout: TotalTimeout = NOT_GIVEN,
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
            max_response_bytes: The largest API answer read (decoded bytes).
            total_timeout: Seconds for each call as a whole (attempts, retry waits), or
                ``None`` for no overall limit.

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
            max_response_bytes if given(max_response_bytes) else old.max_response_bytes,
            total_timeout if given(total_timeout) else old.total_timeout,
            # The caller was warned about an insecure base URL when it was set, not again here.
            warn_insecure=base_url is not None,
            timeout_given=given(timeout) or old.timeout_given,
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
        state.orphans = self._state.orphans
        clone._setup(config, state, replace(self._policy, max_retries=config.max_retries))
        return clone

    @property
    def base_url(self) -> str:
        """The base URL every request path is appended to."""
        return self._config.base_url

    @property
    def timeout(self) -> httpx.Timeout:
        """The default timeout of every call's attempts."""
        return self._timeout

    @property
    def total_timeout(self) -> float | None:
        """The default limit of every call as a whole, in seconds (``None``: none)."""
        return self._config.total_timeout

    @property
    def max_retries(self) -> int:
        """How many times a failed request is retried (0: never)."""
        return self._config.max_retries

    def __repr__(self) -> str:
        c = getattr(self, "_config", None)
        if c is None:  # a constructor that raised (tracebacks with locals show such objects)
            return f"{type(self).__name__}(<not set up>)"
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
                headers = {"User-Agent": USER_AGENT, "Accept-Encoding": ACCEPT_ENCODING}
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
            timeout=spec.timeout or self._timeout,
        )
        return request

    # -- the parts of a call around its attempts (no I/O) -------------------------------------

    def _budget(self, spec: RequestSpec) -> CallBudget:
        total = spec.total_timeout
        if total is NOT_GIVEN:
            total = self._config.total_timeout
        return CallBudget((spec.timeout or self._timeout).read, total)  # type: ignore[arg-type]

    @staticmethod
    def _before_wait(
        call: CallBudget, request: httpx.Request, exc: BaseException | None, delay: float
    ) -> None:
        """Before a retry wait: the call ends at once if the wait would outlast its
        total_timeout; else the wait is logged."""
        if exc is not None and call.spent():
            raise exc  # the attempt itself ran the budget out: its error says so
        failure = describe_failure(exc) if exc is not None else "error"
        if not call.wait_fits(delay):
            raise call.total_error(
                request,
                f"after attempt {call.attempts} ({failure}): the wait of {delay:.1f} s "
                "before the next one would end past it",
            ) from exc
        log_retry(call.attempts, failure, delay)

    def _failed(self, call: CallBudget, exc: RailwailError) -> None:
        """What every error that ends a call gets: the attempts made, and no secrets."""
        if exc.attempts is None:
            exc.attempts = call.attempts
            exc.elapsed = call.elapsed()
        scrub_error(exc, key_replacements(self._config.api_key))

    def _too_large(self, response: httpx.Response, spec: RequestSpec) -> ResponseValidationError:
        if spec.absolute_url:
            return too_large(response, self._config.max_download_bytes)
        return ResponseValidationError(
            f"the answer to {response.request.method} {response.request.url.path} is larger "
            f"than max_response_bytes={self._config.max_response_bytes}; raise the limit with "
            "Railwail(max_response_bytes=...) or .with_options(max_response_bytes=...)",
            request_id=response.headers.get("x-request-id"),
        )

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
