"""``Railwail``, the sync client: a thin layer over the shared core (``_base_client``).
Only ``_request`` and ``_attempt`` do I/O; every other method builds a spec with a pure
function from ``_requests`` and parses the answer. ``_async_client`` is its twin."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, Self, TypeVar, overload

import httpx

from . import _lazy
from ._base_client import STATIC_HEADERS, BaseClient, ModelT, without_cookies
from ._constants import DEFAULT_CONNECTION_LIMITS
from ._download import MAX_DOWNLOAD_REDIRECTS, read_capped, redirect_request, too_many_redirects
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
from ._resources import Models
from ._routing import Route, check_options, check_type
from ._run import chat_messages, check_run_input, image_prompt, route_or_lookup, unsupported
from ._tls import DeferredCAContext
from ._utils import NOT_GIVEN, NotGiven

if TYPE_CHECKING:
    from ._image import Image, ImageResponse
    from ._models import ChatResponse, EmbeddingResponse
    from ._streaming import ChatStream

T = TypeVar("T")


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

    def _new_http(self) -> httpx.Client:
        return without_cookies(
            httpx.Client(
                limits=DEFAULT_CONNECTION_LIMITS,
                headers=STATIC_HEADERS,
                verify=DeferredCAContext(),  # the CA bundle loads at the first TLS handshake
            )
        )

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
        return self._request(spec, self._parser(_lazy.chat_response()))

    def embed(
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
        """Embeddings (``POST /embeddings``) for a string or a non-empty list of strings.

        ``response.vectors`` gives the vectors in input order (``response.to_numpy()`` as a
        numpy array). ``dimensions`` asks models that support it for shorter vectors.

        The vectors travel as base64 float32 (a quarter of the bytes of JSON floats) and
        arrive as floats all the same. ``encoding_format="float"`` asks for JSON floats
        instead; a format of the gateway's own goes in ``extra_body`` and is sent as it is,
        and ``data[i].embedding`` is then exactly what the gateway sent.
        """
        spec = embed_request(
            model,
            input,
            dimensions=dimensions,
            encoding_format=encoding_format,
            options=call_options(timeout, extra_headers, extra_query, extra_body, idempotency_key),
        )
        res = self._request(spec, self._parser(_lazy.embedding_response()))
        return res._decode_base64() if wants_base64(spec) else res

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
            return self.image(model, image_prompt(input), **options).data
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
