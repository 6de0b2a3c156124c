"""``AsyncAPIClient``: the I/O under ``AsyncRailwail``. ``_request`` sends one request spec
under the retry policy and hands the answer to a parse function; ``_download`` fetches an
image with a size cap, checking every redirect. It knows no endpoint and no response type:
those sit above it (an image without an open client downloads through ``download_standalone``).

``_async_api_client.py`` is the source; ``_api_client.py`` is generated from it
(``make unasync``).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import TYPE_CHECKING, Self, TypeVar

import httpx

from ._base_client import BaseClient
from ._deadline import (
    AsyncDeadlineScope,
    CallBudget,
    CallScope,
    DeadlineExceeded,
    clip_read_timeout,
)
from ._decoding import BodyDecoder
from ._download import (
    MAX_DOWNLOAD_REDIRECTS,
    declared_length,
    first_request,
    image_bytes,
    location,
    redirect_request,
    too_many_redirects,
)
from ._error_mapping import (
    invalid_redirect,
    not_an_event_stream,
    status_error,
    transport_error,
)
from ._exceptions import RailwailError
from ._requests import RequestSpec
from ._secrets import query_replacements, scrub_error

if TYPE_CHECKING:
    from ._config import ClientConfig, DownloadRules
    from ._models import APIResponse
    from ._retry import RetryPolicy

T = TypeVar("T")
ResponseT = TypeVar("ResponseT", bound="APIResponse")


class AsyncAPIClient(BaseClient[httpx.AsyncClient]):
    """Sends requests and downloads; ``AsyncRailwail`` adds the endpoints."""

    _http_class = httpx.AsyncClient

    async def aclose(self) -> None:
        """Closes the connection pool, if this client created it. Idempotent."""
        if self._state.owns_http:
            await self._state.http.aclose()

    # unasync: async only
    async def close(self) -> None:
        """The same as ``await aclose()``, a name the ``openai`` package's async client also
        accepts. Idempotent."""
        await self.aclose()

    # unasync: end

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def _request(
        self, spec: RequestSpec, parse: Callable[[httpx.Response], Awaitable[T]]
    ) -> T:
        request = self._build_request(spec)
        call = self._budget(spec)
        policy = self._policy
        try:
            try:
                return await self._attempt(request, spec, parse, call)
            except RailwailError as exc:
                delay = policy.first_retry_delay(exc)
                if delay is None:
                    raise
                self._before_wait(call, request, exc, delay)
            # Tenacity runs the retries only, so that a call that succeeds at once pays nothing
            # for it.
            await policy.asleep(delay)
            retrying = policy.async_retrying(
                lambda exc, delay: self._before_wait(call, request, exc, delay)
            )
            async for attempt in retrying:
                with attempt:
                    return await self._attempt(request, spec, parse, call)
            raise AssertionError("unreachable: tenacity re-raises")  # pragma: no cover
        except RailwailError as exc:
            self._failed(call, exc)
            raise

    async def _attempt(
        self,
        request: httpx.Request,
        spec: RequestSpec,
        parse: Callable[[httpx.Response], Awaitable[T]],
        call: CallBudget,
    ) -> T:
        http = self._state.http
        if http.is_closed:
            raise RailwailError(f"This {type(self).__name__} is closed; create a new client")
        if self._state.orphans:
            await release(self._state.orphans)
        deadline = call.begin_attempt(request)
        start = time.perf_counter()
        response = None
        try:
            # The whole attempt, answer included, ends by its deadline (see _deadline).
            async with AsyncDeadlineScope(deadline):
                response = await http.send(request, stream=True)
                self._log(request, response.status_code, call.attempts, time.perf_counter() - start)
                try:
                    return await self._answer(response, spec, parse, deadline, call)
                except BaseException:
                    await response.aclose()
                    raise
        except httpx.HTTPError as exc:
            if response is None:
                self._log(request, type(exc).__name__, call.attempts, time.perf_counter() - start)
            raise transport_error(exc, request) from exc
        except httpx.InvalidURL as exc:
            # httpx reads a redirect's Location even when it does not follow it.
            raise invalid_redirect(exc, request) from None
        except DeadlineExceeded as exc:
            if response is None:
                self._log(request, "deadline", call.attempts, time.perf_counter() - start)
            raise call.timed_out(request, deadline) from exc.__cause__

    async def _answer(
        self,
        response: httpx.Response,
        spec: RequestSpec,
        parse: Callable[[httpx.Response], Awaitable[T]],
        deadline: float | None,
        call: CallBudget,
    ) -> T:
        if spec.stream and response.is_success and is_event_stream(response):
            # The stream's consumer reads the body, within the call's total_timeout.
            with CallScope(until=(call.deadline, call.total)):
                return await parse(response)
        config = self._config
        await read_answer(
            response,
            config.max_download_bytes if spec.absolute_url else config.max_response_bytes,
            deadline,
            lambda: self._too_large(response, spec),
            lenient=not response.is_success,
            # A pool of the caller's own cannot clip its reads to the deadline itself.
            clip=not self._state.owns_http,
        )
        if not response.is_success and not (spec.absolute_url and response.is_redirect):
            raise status_error(response, self._config.api_key, download=spec.absolute_url)
        if spec.stream:
            raise not_an_event_stream(response)
        return await parse(response)

    def _parser(self, model: type[ResponseT]) -> Callable[[httpx.Response], Awaitable[ResponseT]]:
        async def parse(response: httpx.Response) -> ResponseT:
            return model._from_response(response)

        return parse

    async def _download(self, url: str) -> bytes:
        # Redirects are followed here, hop by hop, so that every hop is checked (http(s) only)
        # and built like the first: credentials and default headers only for our own origin.
        # The hops share the client's total_timeout, and errors show no URL's query.
        urls = [url]
        try:
            with CallScope(self._config.total_timeout):
                spec = first_request(url)
                for _ in range(1 + MAX_DOWNLOAD_REDIRECTS):  # the first request, then the hops
                    result = await self._request(spec, image_or_location)
                    if isinstance(result, bytes):
                        return result
                    urls.append(result)
                    spec = redirect_request(url, result)
                raise too_many_redirects(url)
        except RailwailError as exc:
            scrub_error(exc, query_replacements(urls))
            raise


async def read_answer(
    response: httpx.Response,
    limit: int,
    deadline: float | None,
    too_large: Callable[[], Exception],
    *,
    lenient: bool = False,
    clip: bool = False,
) -> bytes:
    """Reads the whole body of ``response`` (sent with ``stream=True``) and returns it; it is
    then also its ``.content``.

    The raw bytes are decoded here (gzip, deflate) with the decoded size counted as it grows
    (see _decoding), and the body must be complete by ``deadline`` (``clip``: each read waits
    at most what is left when the body begins). ``lenient``: for an error answer, a body past
    ``limit`` is cut short rather than refused.
    """
    if response.is_stream_consumed:  # a transport that answered with the body already read
        body = response.content
        if len(body) > limit and not lenient:
            raise too_large()
        return body
    encoding = response.headers.get("content-encoding")
    declared = declared_length(response)
    if declared is not None and declared > limit and not encoding and not lenient:
        raise too_large()  # refused at once, before reading any of it
    if clip and deadline is not None:
        clip_read_timeout(response.request, deadline)
    if encoding or lenient:
        decoder = BodyDecoder(encoding, limit, too_large, lenient=lenient)
        async for raw in response.aiter_raw():
            decoder.feed(raw)
            if deadline is not None and time.monotonic() > deadline:
                raise DeadlineExceeded
            if decoder.done:
                break
        await response.aclose()
        body = decoder.finish()
    else:
        # Not encoded (the common case): the same checks, without a decoder.
        parts = []
        size = 0
        async for raw in response.aiter_raw():
            size += len(raw)
            if size > limit:
                raise too_large()
            parts.append(raw)
            if deadline is not None and time.monotonic() > deadline:
                raise DeadlineExceeded
        body = b"".join(parts)
    # What response.read() stores, so that .content, .text and .json() work as usual.
    response._content = body
    return body


async def image_or_location(response: httpx.Response) -> bytes | str:
    """A download's answer: the image's bytes, or for a redirect the URL it points to."""
    if response.is_redirect:
        return location(response)
    return image_bytes(response)


async def release(orphans: list[httpx.Response]) -> None:
    """Closes the responses of streams dropped unread, giving their connections back."""
    while orphans:
        response = orphans.pop()
        # A response that cannot even close holds nothing left to free.
        with contextlib.suppress(Exception):
            await response.aclose()


def is_event_stream(response: httpx.Response) -> bool:
    mime: str = response.headers.get("content-type", "")
    return mime.partition(";")[0].strip().lower() == "text/event-stream"


async def download_standalone(
    url: str,
    config: ClientConfig | None,
    rules: DownloadRules,
    policy: RetryPolicy | None = None,
) -> bytes:
    """Downloads an image whose client is closed, or that has none (copied, pickled, built by
    hand), as a client would (size cap, redirects checked hop by hop, errors mapped), through a
    short-lived client of its own (``BaseClient._standalone``), closed afterwards."""
    async with AsyncAPIClient._standalone(config, rules, policy) as client:
        return await client._download(url)
