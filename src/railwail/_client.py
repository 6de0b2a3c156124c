"""``Railwail`` and ``AsyncRailwail``: thin twins over the shared core. Only ``_request`` and
``_attempt`` do I/O; every other method builds a spec with a pure function and parses."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, Self, TypeVar, overload

import httpx

from ._base_client import STATIC_HEADERS, BaseClient, ModelT
from ._constants import DEFAULT_CONNECTION_LIMITS, DEFAULT_MAX_DOWNLOAD_BYTES, DEFAULT_MAX_RETRIES
from ._download import (
    MAX_DOWNLOAD_REDIRECTS,
    aread_capped,
    read_capped,
    redirect_request,
    too_many_redirects,
)
from ._exceptions import RailwailError
from ._requests import (
    RequestSpec,
    call_options,
    chat_request,
    check_model,
    download_request,
    embed_request,
    image_request,
)
from ._resources import AsyncModels, Models
from ._routing import Route, check_options, check_type
from ._run import chat_messages, check_run_input, route_or_lookup, unsupported
from ._utils import NOT_GIVEN, NotGiven

if TYPE_CHECKING:
    from ._image import Image, ImageResponse
    from ._models import ChatMessage, ChatResponse, EmbeddingResponse
    from ._streaming import AsyncChatStream, ChatStream

T = TypeVar("T")
Messages = Sequence["ChatMessage"] | Sequence[Mapping[str, Any]]
Timeout = float | httpx.Timeout | NotGiven


class Railwail(BaseClient[httpx.Client]):
    """Client for the railwail gateway. Safe to share across threads; create one and reuse it.

    Args:
        api_key: Your key (``rw_live_...``). Defaults to ``RAILWAIL_API_KEY``.
        base_url: Defaults to ``RAILWAIL_BASE_URL``, then ``https://railwail.com/api/v1``.
        timeout: Seconds, or an ``httpx.Timeout``, for each attempt of every call
            (default: 5 s to connect, 300 s to read).
        max_retries: Retries after a connection error, timeout, 408, 409, 429 or 5xx (default 2).
        default_headers: Headers sent with every request.
        http_client: Your own ``httpx.Client`` (proxies, CA bundles, transports). You close it.
        max_download_bytes: The largest image ``Image.read()`` downloads (default 50 MiB).
    """

    _http_class = httpx.Client

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: Timeout = NOT_GIVEN,
        max_retries: int = DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx.Client | None = None,
        max_download_bytes: int = DEFAULT_MAX_DOWNLOAD_BYTES,
    ) -> None:
        super().__init__(
            api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            http_client=http_client,
            max_download_bytes=max_download_bytes,
        )

    def _new_http(self) -> httpx.Client:
        return httpx.Client(limits=DEFAULT_CONNECTION_LIMITS, headers=STATIC_HEADERS)

    @property
    def models(self) -> Models:
        """The model catalogue: ``rw.models.list(...)``, ``rw.models.get(slug)``."""
        return Models(self)

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
        """
        clone: Self = self._derive(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            max_download_bytes=max_download_bytes,
        )
        return clone

    # -- endpoints -----------------------------------------------------------------------------

    def image(
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
        """Generates images (``POST /images/generations``).

        Args:
            model: An image model slug, e.g. ``"flux-schnell"``.
            prompt: What to draw.
            n: How many images, 1-4 (gateway default 1).
            size: ``"WIDTHxHEIGHT"``; documented: 256x256, 512x512, 1024x1024 (default),
                1024x1792, 1792x1024.
            quality: ``"standard"`` or ``"hd"``.
            style: ``"vivid"`` or ``"natural"``.
            negative_prompt: What to leave out of the image.
            response_format: ``"url"`` or ``"b64_json"``; ``Image.read()`` works for both.
            timeout: Overrides the client's timeout for this call.
            extra_headers: Extra headers for this call (they win over the defaults).
            extra_query: Extra query parameters.
            extra_body: Extra JSON fields the SDK does not know yet, sent as they are.
            idempotency_key: Reused across retries so a deduping gateway charges once;
                generated when left out.

        Raises:
            ValueError: An argument is out of range, before anything is sent.
            APIError: The gateway refused (see the error tree in the README).
            APIConnectionError: No answer, after the retries ``max_retries`` allows.
        """
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
        return self._request(spec, self._parse_images)

    @overload
    def chat(
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
    def chat(
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
    ) -> ChatStream: ...
    def chat(
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
    ) -> ChatResponse | ChatStream:
        """Chat completion (``POST /chat/completions``), OpenAI-shaped.

        Args:
            model: A text model slug, e.g. ``"gpt-4o"``.
            messages: ``[{"role": "user", "content": "Hello!"}, ...]``; roles system, user,
                assistant, tool.
            temperature: 0-2. max_tokens: at least 1. top_p: 0-1.
            frequency_penalty: -2 to 2. presence_penalty: -2 to 2.
            stop: A stop sequence or a list of up to 4.
            stream: ``True`` returns a :class:`ChatStream` of chunks instead.

        The per-call options (``timeout``, ``extra_*``, ``idempotency_key``) are as in
        :meth:`image`. A stream is retried only before its first chunk arrives.
        """
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
            return self._request(spec, self._open_stream)
        return self._request(spec, self._parser(_chat_response()))

    def embed(
        self,
        model: str,
        input: str | Sequence[str],
        *,
        dimensions: int | None = None,
        timeout: Timeout = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> EmbeddingResponse:
        """Embeddings (``POST /embeddings``) for a string or a non-empty list of strings.

        ``response.vectors`` gives the vectors in input order. ``dimensions`` asks models
        that support it for shorter vectors.
        """
        spec = embed_request(
            model,
            input,
            dimensions=dimensions,
            options=call_options(timeout, extra_headers, extra_query, extra_body, idempotency_key),
        )
        return self._request(spec, self._parser(_embedding_response()))

    @overload
    def run(
        self, model: str, input: str, *, type: Literal["image"], **options: Any
    ) -> list[Image]: ...
    @overload
    def run(
        self, model: str, input: str | Messages, *, type: Literal["chat"], **options: Any
    ) -> str: ...
    @overload
    def run(
        self, model: str, input: str | Sequence[str], *, type: Literal["embed"], **options: Any
    ) -> list[list[float]]: ...
    @overload
    def run(
        self,
        model: str,
        input: str | Messages | Sequence[str],
        *,
        type: None = None,
        **options: Any,
    ) -> Any: ...
    def run(
        self,
        model: str,
        input: str | Messages | Sequence[str],
        *,
        type: Route | None = None,
        **options: Any,
    ) -> Any:
        """Runs any model and returns the plain result.

        Images: ``list[Image]``; chat: ``str`` (the first choice's content); embeddings:
        ``list[list[float]]``. The route comes from ``type=`` when given, else from the slug's
        family (flux, dall-e, sd-, gpt, claude, ...embedding...), else from the catalogue's
        category (``GET /models/{slug}``, asked once per client). ``options`` are those of
        :meth:`image`, :meth:`chat` or :meth:`embed`, by route.
        """
        route = check_type(type)
        check_options(options, route)
        check_model(model)
        check_run_input(input)
        if route is None:
            route = self._route(model)
            check_options(options, route)
        if route == "image":
            return self.image(model, _prompt(input), **options).data
        if route == "chat":
            return self.chat(model, chat_messages(input), **options).text
        return self.embed(model, input, **options).vectors  # type: ignore[arg-type]  # checked by embed()

    def _route(self, model: str) -> Route:
        cache = self._state.routes
        route, category = route_or_lookup(model, cache)
        if route is not None:
            return route
        if category is None:
            with cache.lock:
                route, category = route_or_lookup(model, cache)
                if route is None and category is None:
                    category = cache.store(model, self.models.get(model).category)
                    route, category = route_or_lookup(model, cache)
        if route is None:
            raise unsupported(model, category)
        return route

    # -- lifecycle -----------------------------------------------------------------------------

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

    # -- I/O -----------------------------------------------------------------------------------

    def _request(self, spec: RequestSpec, parse: Callable[[httpx.Response], T]) -> T:
        request = self._build_request(spec)
        policy = self._policy
        try:
            return self._attempt(request, spec, parse, 1)
        except RailwailError as exc:
            delay = policy.first_retry_delay(exc)
            if delay is None:
                raise
        policy.sleep(delay)
        for attempt in policy.retrying():
            with attempt:
                return self._attempt(request, spec, parse, attempt.retry_state.attempt_number + 1)
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
            raise self._transport_error(exc, request) from exc
        self._log(request, response.status_code, attempt, time.perf_counter() - start)
        try:
            if not response.is_success and not (spec.absolute_url and response.is_redirect):
                if spec.stream:
                    response.read()
                raise self._status_error(response, self._config.api_key)
            return parse(response)
        except httpx.HTTPError as exc:
            response.close()
            raise self._transport_error(exc, request) from exc
        except BaseException:
            response.close()
            raise

    def _parser(self, model: type[ModelT]) -> Callable[[httpx.Response], ModelT]:
        return lambda response: self._parse(response, model)

    def _parse_images(self, response: httpx.Response) -> ImageResponse:
        from ._image import ImageResponse

        return self._parse(response, ImageResponse).bind(self._download, None)

    def _open_stream(self, response: httpx.Response) -> ChatStream:
        from ._streaming import ChatStream

        return ChatStream(response, lambda exc: self._transport_error(exc, response.request))

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


class AsyncRailwail(BaseClient[httpx.AsyncClient]):
    """Async twin of :class:`Railwail`; same options, ``await`` on every call.

    Safe to share across tasks. Use ``async with`` or ``await client.aclose()``.
    """

    _http_class = httpx.AsyncClient

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: Timeout = NOT_GIVEN,
        max_retries: int = DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx.AsyncClient | None = None,
        max_download_bytes: int = DEFAULT_MAX_DOWNLOAD_BYTES,
    ) -> None:
        super().__init__(
            api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            http_client=http_client,
            max_download_bytes=max_download_bytes,
        )

    def _new_http(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(limits=DEFAULT_CONNECTION_LIMITS, headers=STATIC_HEADERS)

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
        return await self._request(spec, self._parser(_chat_response()))

    async def embed(
        self,
        model: str,
        input: str | Sequence[str],
        *,
        dimensions: int | None = None,
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
            options=call_options(timeout, extra_headers, extra_query, extra_body, idempotency_key),
        )
        return await self._request(spec, self._parser(_embedding_response()))

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
            return (await self.image(model, _prompt(input), **options)).data
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


def _prompt(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(
            f"run() input for an image model must be a prompt string; got {type(value).__name__}"
        )
    return value


def _chat_response() -> type[ChatResponse]:
    from ._models import ChatResponse

    return ChatResponse


def _embedding_response() -> type[EmbeddingResponse]:
    from ._models import EmbeddingResponse

    return EmbeddingResponse
