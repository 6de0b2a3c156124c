# Generated from _async_api_client.py by scripts/unasync.py: do not edit.
# Edit _async_api_client.py and run `make unasync`; `make lint` fails while the two differ.
"""``APIClient``: the I/O under ``Railwail``. ``_request`` sends one request spec
under the retry policy and hands the answer to a parse function; ``_download`` fetches an
image with a size cap, checking every redirect. It knows no endpoint and no response type:
those sit above it (an image without an open client downloads through ``download_standalone``).

``_async_api_client.py`` is the source; ``_api_client.py`` is generated from it
(``make unasync``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Self, TypeVar

import httpx

from ._base_client import BaseClient
from ._download import (
    MAX_DOWNLOAD_REDIRECTS,
    declared_length,
    location,
    redirect_request,
    too_large,
    too_many_redirects,
)
from ._error_mapping import status_error, transport_error
from ._exceptions import RailwailError
from ._requests import RequestSpec, download_request

if TYPE_CHECKING:
    from ._config import ClientConfig, DownloadRules
    from ._models import APIResponse
    from ._retry import RetryPolicy

T = TypeVar("T")
ResponseT = TypeVar("ResponseT", bound="APIResponse")


class APIClient(BaseClient[httpx.Client]):
    """Sends requests and downloads; ``Railwail`` adds the endpoints."""

    _http_class = httpx.Client

    def close(self) -> None:
        """Closes the connection pool, if this client created it. Idempotent."""
        if self._state.owns_http:
            self._state.http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _request(self, spec: RequestSpec, parse: Callable[[httpx.Response], T]) -> T:
        request = self._build_request(spec)
        policy = self._policy
        try:
            return self._attempt(request, spec, parse, 1)
        except RailwailError as exc:
            delay = policy.first_retry_delay(exc)
            if delay is None:
                raise
        # Tenacity runs the retries only, so that a call that succeeds at once pays nothing
        # for it.
        policy.sleep(delay)
        for attempt in policy.retrying():
            with attempt:
                number = attempt.retry_state.attempt_number + 1
                return self._attempt(request, spec, parse, number)
        raise AssertionError("unreachable: tenacity re-raises the last error")  # pragma: no cover

    def _attempt(
        self,
        request: httpx.Request,
        spec: RequestSpec,
        parse: Callable[[httpx.Response], T],
        attempt: int,
    ) -> T:
        http = self._state.http
        if http.is_closed:
            raise RailwailError(f"This {type(self).__name__} is closed; create a new client")
        start = time.perf_counter()
        try:
            response = http.send(request, stream=spec.stream)
        except httpx.HTTPError as exc:
            self._log(request, type(exc).__name__, attempt, time.perf_counter() - start)
            raise transport_error(exc, request) from exc
        self._log(request, response.status_code, attempt, time.perf_counter() - start)
        try:
            if not response.is_success and not (spec.absolute_url and response.is_redirect):
                if spec.stream:
                    response.read()
                raise status_error(response, self._config.api_key)
            return parse(response)
        except httpx.HTTPError as exc:
            response.close()
            raise transport_error(exc, request) from exc
        except BaseException:
            response.close()
            raise

    def _parser(self, model: type[ResponseT]) -> Callable[[httpx.Response], ResponseT]:
        def parse(response: httpx.Response) -> ResponseT:
            return model._from_response(response)

        return parse

    def _download(self, url: str) -> bytes:
        # Redirects are followed here, hop by hop, so that every hop is checked (http(s) only)
        # and built like the first: credentials and default headers only for our own origin.
        limit = self._config.max_download_bytes
        spec = download_request(url)
        for _ in range(MAX_DOWNLOAD_REDIRECTS):
            result = self._request(spec, lambda r: read_capped(r, limit))
            if isinstance(result, bytes):
                return result
            spec = redirect_request(url, result)
        raise too_many_redirects(url)


def read_capped(response: httpx.Response, limit: int) -> bytes | str:
    """The body, refusing (and closing) as soon as it is known to be larger than ``limit``;
    for a redirect, the URL it points to."""
    try:
        if response.is_redirect:
            return location(response)
        declared = declared_length(response)
        if declared is not None and declared > limit:
            raise too_large(response, limit)
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise too_large(response, limit)
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        response.close()


def download_standalone(
    url: str,
    config: ClientConfig | None,
    rules: DownloadRules,
    policy: RetryPolicy | None = None,
) -> bytes:
    """Downloads an image whose client is closed, or that has none (copied, pickled, built by
    hand), as a client would (size cap, redirects checked hop by hop, errors mapped), through a
    short-lived client of its own (``BaseClient._standalone``), closed afterwards."""
    with APIClient._standalone(config, rules, policy) as client:
        return client._download(url)
