"""``AsyncRailwail``, the async twin of ``_client.Railwail``: the same methods with the same
signatures (tests/test_parity.py), differing only in ``async``/``await``."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, Self, TypeVar, overload

import httpx

from . import _lazy
from ._base_client import STATIC_HEADERS, BaseClient, ModelT, without_cookies
from ._constants import DEFAULT_CONNECTION_LIMITS
from ._download import MAX_DOWNLOAD_REDIRECTS, aread_capped, redirect_request, too_many_redirects
from ._exceptions import RailwailError
from ._requests import (
    Messages,
    RequestSpec,
    Timeout,
    call_options,
    chat_request,
    check_model,
    download_request,
    embed_request,
    image_request,
    wants_base64,
)
from ._resources import AsyncModels
from ._routing import Route, check_options, check_type
from ._run import chat_messages, check_run_input, image_prompt, route_or_lookup, unsupported
from ._tls import DeferredCAContext
from ._utils import NOT_GIVEN, NotGiven

if TYPE_CHECKING:
    from ._image import Image, ImageResponse
    from ._models import ChatResponse, EmbeddingResponse
    from ._streaming import AsyncChatStream

T = TypeVar("T")


class AsyncRailwail(BaseClient[httpx.AsyncClient]):
    """Async twin of :class:`Railwail`; same options, ``await`` on every call.

    Safe to share across tasks. Use ``async with`` or ``await client.aclose()``.
    """

    _http_class = httpx.AsyncClient

    def _new_http(self) -> httpx.AsyncClient:
        return without_cookies(
            httpx.AsyncClient(
                limits=DEFAULT_CONNECTION_LIMITS,
                headers=STATIC_HEADERS,
                verify=DeferredCAContext(),  # the CA bundle loads at the first TLS handshake
            )
        )

    @property
    def models(self) -> AsyncModels:
        """The model catalogue: ``rw.models.list(...)``, ``await rw.models.get(slug)``."""
        return AsyncModels(self)

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
        """Async twin of :meth:`Railwail.with_options`."""
        clone: Self = self._derive(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            max_download_bytes=max_download_bytes,
        )
        return clone

    async def image(
        self,
        model: str,
        prompt: str,
        *,
        n: int | None = None,
        size: str | None = None,
        quality: Literal["standard", "hd"] | None = None,
        style: Literal["vivid", "natural"] | None = None,
        negative_prompt: str | None = None,
        response_format: Literal["url", "b64_json"] | None = None,
        timeout: Timeout = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> ImageResponse:
        """Async twin of :meth:`Railwail.image`."""
        spec = image_request(
            model,
            prompt,
            n=n,
            size=size,
            quality=quality,
            style=style,
            negative_prompt=negative_prompt,
            response_format=response_format,
            options=call_options(timeout, extra_headers, extra_query, extra_body, idempotency_key),
        )
        return await self._request(spec, self._parse_images)

    @overload
    async def chat(
        self,
        model: str,
        messages: Messages,
        *,
        temperature: float | None = ...,
        max_tokens: int | None = ...,
        top_p: float | None = ...,
        frequency_penalty: float | None = ...,
        presence_penalty: float | None = ...,
        stop: str | Sequence[str] | None = ...,
        stream: Literal[False] = ...,
        timeout: Timeout = ...,
        extra_headers: Mapping[str, str] | None = ...,
        extra_query: Mapping[str, Any] | None = ...,
        extra_body: Mapping[str, Any] | None = ...,
        idempotency_key: str | None = ...,
    ) -> ChatResponse: ...
    @overload
    async def chat(
        self,
        model: str,
        messages: Messages,
        *,
        temperature: float | None = ...,
        max_tokens: int | None = ...,
        top_p: float | None = ...,
        frequency_penalty: float | None = ...,
        presence_penalty: float | None = ...,
        stop: str | Sequence[str] | None = ...,
        stream: Literal[True],
        timeout: Timeout = ...,
        extra_headers: Mapping[str, str] | None = ...,
        extra_query: Mapping[str, Any] | None = ...,
        extra_body: Mapping[str, Any] | None = ...,
        idempotency_key: str | None = ...,
    ) -> AsyncChatStream: ...
    async def chat(
        self,
        model: str,
        messages: Messages,
        *,
        temperature: float | None = None,
        max_tokens: int | None = None,
        top_p: float | None = None,
        frequency_penalty: float | None = None,
        presence_penalty: float | None = None,
        stop: str | Sequence[str] | None = None,
        stream: bool = False,
        timeout: Timeout = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> ChatResponse | AsyncChatStream:
        """Async twin of :meth:`Railwail.chat`; ``stream=True`` gives an AsyncChatStream."""
        spec = chat_request(
            model,
            messages,
            temperature=temperature,
            max_tokens=max_tokens,
            top_p=top_p,
            frequency_penalty=frequency_penalty,
            presence_penalty=presence_penalty,
            stop=stop,
            stream=stream,
            options=call_options(timeout, extra_headers, extra_query, extra_body, idempotency_key),
        )
        if stream:
            return await self._request(spec, self._open_stream)
        return await self._request(spec, self._parser(_lazy.chat_response()))

    async def embed(
        self,
        model: str,
        input: str | Sequence[str],
        *,
        dimensions: int | None = None,
        encoding_format: Literal["float", "base64"] | None = None,
        timeout: Timeout = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> EmbeddingResponse:
        """Async twin of :meth:`Railwail.embed`."""
        spec = embed_request(
            model,
            input,
            dimensions=dimensions,
            encoding_format=encoding_format,
            options=call_options(timeout, extra_headers, extra_query, extra_body, idempotency_key),
        )
        res = await self._request(spec, self._parser(_lazy.embedding_response()))
        return res._decode_base64() if wants_base64(spec) else res

    @overload
    async def run(
        self, model: str, input: str, *, type: Literal["image"], **options: Any
    ) -> list[Image]: ...
    @overload
    async def run(
        self, model: str, input: str | Messages, *, type: Literal["chat"], **options: Any
    ) -> str: ...
    @overload
    async def run(
        self, model: str, input: str | Sequence[str], *, type: Literal["embed"], **options: Any
    ) -> list[list[float]]: ...
    @overload
    async def run(
        self,
        model: str,
        input: str | Messages | Sequence[str],
        *,
        type: None = None,
        **options: Any,
    ) -> Any: ...
    async def run(
        self,
        model: str,
        input: str | Messages | Sequence[str],
        *,
        type: Route | None = None,
        **options: Any,
    ) -> Any:
        """Async twin of :meth:`Railwail.run`."""
        route = check_type(type)
        check_options(options, route)
        check_model(model)
        check_run_input(input)
        if route is None:
            route = await self._route(model)
            check_options(options, route)
        if route == "image":
            return (await self.image(model, image_prompt(input), **options)).data
        if route == "chat":
            return (await self.chat(model, chat_messages(input), **options)).text
        return (await self.embed(model, input, **options)).vectors  # type: ignore[arg-type]  # checked by embed()

    async def _route(self, model: str) -> Route:
        cache = self._state.routes
        route, category = route_or_lookup(model, cache)
        if route is not None:
            return route
        if category is None:
            async with cache.async_lock():
                route, category = route_or_lookup(model, cache)
                if route is None and category is None:
                    category = cache.store(model, (await self.models.get(model)).category)
                    route, category = route_or_lookup(model, cache)
        if route is None:
            raise unsupported(model, category)
        return route

    async def aclose(self) -> None:
        """Closes the connection pool, if this client created it. Idempotent."""
        if self._state.owns_http:
            await self._state.http.aclose()

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
        policy = self._policy
        try:
            return await self._attempt(request, spec, parse, 1)
        except RailwailError as exc:
            delay = policy.first_retry_delay(exc)
            if delay is None:
                raise
        await policy.asleep(delay)
        async for attempt in policy.async_retrying():
            with attempt:
                return await self._attempt(
                    request, spec, parse, attempt.retry_state.attempt_number + 1
                )
        raise AssertionError("unreachable: tenacity re-raises the last error")  # pragma: no cover

    async def _attempt(
        self,
        request: httpx.Request,
        spec: RequestSpec,
        parse: Callable[[httpx.Response], Awaitable[T]],
        attempt: int,
    ) -> T:
        http = self._state.http
        if http.is_closed:
            raise RailwailError(f"This {type(self).__name__} is closed; create a new client")
        start = time.perf_counter()
        try:
            response = await http.send(request, stream=spec.stream)
        except httpx.HTTPError as exc:
            self._log(request, type(exc).__name__, attempt, time.perf_counter() - start)
            raise self._transport_error(exc, request) from exc
        self._log(request, response.status_code, attempt, time.perf_counter() - start)
        try:
            if not response.is_success and not (spec.absolute_url and response.is_redirect):
                if spec.stream:
                    await response.aread()
                raise self._status_error(response, self._config.api_key)
            return await parse(response)
        except httpx.HTTPError as exc:
            await response.aclose()
            raise self._transport_error(exc, request) from exc
        except BaseException:
            await response.aclose()
            raise

    def _parser(self, model: type[ModelT]) -> Callable[[httpx.Response], Awaitable[ModelT]]:
        async def parse(response: httpx.Response) -> ModelT:
            return self._parse(response, model)

        return parse

    async def _parse_images(self, response: httpx.Response) -> ImageResponse:
        from ._image import ImageResponse

        return self._parse(response, ImageResponse).bind(None, self._download)

    async def _open_stream(self, response: httpx.Response) -> AsyncChatStream:
        from ._streaming import AsyncChatStream

        return AsyncChatStream(response, lambda exc: self._transport_error(exc, response.request))

    async def _download(self, url: str) -> bytes:
        limit = self._config.max_download_bytes
        spec = download_request(url)
        for _ in range(MAX_DOWNLOAD_REDIRECTS):
            result = await self._request(spec, lambda r: aread_capped(r, limit))
            if isinstance(result, bytes):
                return result
            spec = redirect_request(url, result)
        raise too_many_redirects(url)
