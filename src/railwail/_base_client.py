"""Everything the sync and async clients share that does no I/O: their configuration (resolved
in ``_config``), request building, error mapping, response parsing and logging."""

from __future__ import annotations

import http.cookiejar
import json
import logging
import os
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import httpx

from ._config import ClientConfig, HttpT, check_http_client, resolve_config
from ._constants import (
    DEFAULT_MAX_DOWNLOAD_BYTES,
    DEFAULT_MAX_RETRIES,
)
from ._exceptions import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    RateLimitError,
    ResponseValidationError,
    decode_body,
    error_class_for,
    error_fields,
)
from ._headers import reset_datetime, retry_after_from_headers
from ._logging import configure_from_env, logger, redact
from ._requests import RequestSpec
from ._retry import RetryPolicy
from ._run import RouteCache
from ._utils import NOT_GIVEN, NotGiven, given, mask_key, origin_of
from ._version import __version__

if TYPE_CHECKING:
    from ._models import APIResponse

ModelT = TypeVar("ModelT", bound="APIResponse")

USER_AGENT = f"railwail-python/{__version__}"
STATIC_HEADERS = {"Accept": "application/json", "User-Agent": USER_AGENT}


class _NoCookieJar(http.cookiejar.CookieJar):
    """Stores nothing: the gateway authenticates by key, so the pools this SDK creates keep no
    cookie state between requests (or keys), and skip parsing Set-Cookie on every response."""

    def extract_cookies(self, response: Any, request: Any) -> None:
        return None

    def set_cookie(self, cookie: http.cookiejar.Cookie) -> None:
        return None


def without_cookies(client: HttpT) -> HttpT:
    client.cookies.jar = _NoCookieJar()
    return client


class SharedState(Generic[HttpT]):
    """What a client and the clients made from it by ``with_options`` share."""

    def __init__(self, http: HttpT, owns_http: bool, *, has_static_headers: bool) -> None:
        self.http: HttpT = http
        self.owns_http = owns_http
        # A pool we made carries Accept and User-Agent itself, so requests need not repeat them.
        self.has_static_headers = has_static_headers
        self.routes = RouteCache()


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
        state: SharedState[HttpT]
        if http is None:
            state = SharedState(self._new_http(), owns_http=True, has_static_headers=True)
        else:
            state = SharedState(http, owns_http=False, has_static_headers=False)
        self._setup(config, state, RetryPolicy(max_retries=config.max_retries))

    def _new_http(self) -> HttpT:
        raise NotImplementedError

    def _setup(self, config: ClientConfig, state: SharedState[HttpT], policy: RetryPolicy) -> None:
        self._config = config
        self._state = state
        self._policy = policy
        self._origin = origin_of(httpx.URL(config.base_url))
        static = {} if state.has_static_headers else STATIC_HEADERS
        self._headers = {
            **static,
            **config.default_headers,
            "Authorization": f"Bearer {config.api_key}",
        }

    def _derive(
        self,
        *,
        api_key: str | None,
        base_url: str | None,
        timeout: float | httpx.Timeout | NotGiven,
        max_retries: int | NotGiven,
        default_headers: Mapping[str, str] | None,
        max_download_bytes: int | NotGiven,
    ) -> Any:
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

    # -- request building -------------------------------------------------------------------

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

    # -- responses ---------------------------------------------------------------------------

    @staticmethod
    def _status_error(response: httpx.Response, secret: str | None = None) -> APIError:
        status = response.status_code
        headers = response.headers
        body = _scrub(decode_body(response.content), secret)
        message, etype, code = error_fields(body, status)
        if 300 <= status < 400:
            location = headers.get("location", "")
            message = f"the gateway redirected to {location!r}; set base_url to the final URL"
        kwargs: dict[str, Any] = {
            "status": status,
            "type": etype,
            "code": code,
            "request_id": headers.get("x-request-id") or headers.get("request-id"),
            "body": body,
            "headers": dict(headers),
            "retry_after": retry_after_from_headers(headers, status),
        }
        cls = error_class_for(status)
        if cls is RateLimitError:
            return RateLimitError(message, reset=reset_datetime(headers), **kwargs)
        return cls(message, **kwargs)

    @staticmethod
    def _transport_error(exc: httpx.HTTPError, request: httpx.Request) -> APIConnectionError:
        url = str(request.url.copy_with(query=None))
        if isinstance(exc, httpx.TimeoutException):
            kind = type(exc).__name__.replace("Timeout", " timeout").strip().lower()
            return APITimeoutError(f"Request timed out ({kind})", method=request.method, url=url)
        detail = str(exc) or type(exc).__name__
        return APIConnectionError(f"Connection error: {detail}", method=request.method, url=url)

    @staticmethod
    def _parse(response: httpx.Response, model: type[ModelT]) -> ModelT:
        try:
            obj = model.model_validate_json(response.content)
        except ValueError as exc:  # pydantic's ValidationError and JSON errors alike
            raise ResponseValidationError(
                f"The gateway's answer to {response.request.method} {response.request.url.path} "
                f"is not a valid {model.__name__}: {_first_error(exc)}",
                body=decode_body(response.content),
                request_id=response.headers.get("x-request-id"),
            ) from None
        attach_meta(obj, response.headers)
        return obj

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


def attach_meta(obj: APIResponse, headers: httpx.Headers) -> None:
    from ._models import APIResponse

    # Straight into pydantic's private storage: its __setattr__ costs more than the rest of
    # this function, once per object of every response.
    obj.__pydantic_private__["_headers"] = headers  # type: ignore[index]  # set by pydantic
    # Items of a list answer (images, models) are handed around on their own: they carry the
    # metadata of the response they came in too.
    for item in getattr(obj, "data", None) or ():
        if isinstance(item, APIResponse):
            item.__pydantic_private__["_headers"] = headers  # type: ignore[index]  # as above


def _scrub(body: object, secret: str | None) -> object:
    """The body with our own key masked, should a gateway or proxy echo it back."""
    if not secret:
        return body
    if isinstance(body, str):
        return body.replace(secret, mask_key(secret))
    if isinstance(body, dict | list):
        text = json.dumps(body)
        if secret in text:
            return json.loads(text.replace(secret, mask_key(secret)))
    return body


def _first_error(exc: Exception) -> str:
    errors_of = getattr(exc, "errors", None)
    if callable(errors_of):
        errors = errors_of()
        if errors:
            first = errors[0]
            where = ".".join(str(p) for p in first["loc"]) or "body"
            return f"{where}: {first['msg']}"
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
