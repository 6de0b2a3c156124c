# Generated from _async_endpoints.py by scripts/unasync.py: do not edit.
# Edit _async_endpoints.py and run `make unasync`; `make lint` fails while the two differ.
"""``Endpoints``, the endpoint methods of ``Railwail``: one method per endpoint of
the gateway (``image``, ``chat``, ``embed``, and the catalogue as ``models``), each a few lines
over a pure request builder from ``_requests`` and the I/O of ``APIClient``. The methods
built on them (``run``, ``image_batch``) are ``Railwail``'s own.

``_async_endpoints.py`` is the source; ``_endpoints.py`` is generated from it (``make unasync``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload

import httpx

from ._allowed import EmbeddingEncoding, ImageQuality, ImageResponseFormat, ImageStyle
from ._api_client import APIClient
from ._call_options import Timeout, TotalTimeout, call_options
from ._deadline import call_deadline
from ._error_mapping import transport_error
from ._exceptions import NotFoundError
from ._requests import (
    Messages,
    RequestSpec,
    chat_request,
    embed_request,
    image_request,
    wants_base64,
)
from ._resources import Models
from ._utils import NOT_GIVEN

T = TypeVar("T")

if TYPE_CHECKING:
    from ._embeddings import EmbeddingResponse
    from ._image_response import ImageResponse
    from ._models import ChatResponse
    from ._streaming import ChatStream


class Endpoints(APIClient):
    """The gateway's endpoints, one method each; ``Railwail`` is the class to use."""

    @property
    def models(self) -> Models:
        """The model catalogue: ``for m in rw.models.list()``,
        ``rw.models.get(slug)``."""
        return Models(self)

    def image(
        self,
        model: str,
        prompt: str,
        *,
        n: int | None = None,
        size: str | None = None,
        quality: ImageQuality | None = None,
        style: ImageStyle | None = None,
        negative_prompt: str | None = None,
        response_format: ImageResponseFormat | None = None,
        timeout: Timeout = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
        total_timeout: TotalTimeout = NOT_GIVEN,
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
            response_format: ``"url"`` or ``"b64_json"``; ``image.read()`` works for
                both.
            timeout: Overrides the client's timeout for this call.
            extra_headers: Extra headers for this call (they win over the defaults).
            extra_query: Extra query parameters.
            extra_body: Extra JSON fields the SDK does not know yet, sent as they are.
            idempotency_key: Reused across retries so a deduping gateway charges once;
                generated when left out.
            total_timeout: Seconds for the whole call (every attempt and retry wait), or
                ``None`` for no overall limit; overrides the client's.

        Returns:
            The ``ImageResponse``: the images are in its ``data``.

        Raises:
            ValueError: An argument is out of range, before anything is sent.
            TypeError: An argument has the wrong type, before anything is sent.
            APIError: The gateway refused (one subclass per status, e.g. ``RateLimitError``).
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
            options=call_options(
                timeout, extra_headers, extra_query, extra_body, idempotency_key, total_timeout
            ),
        )
        return self._request(spec, self._image_parser(model, prompt))

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
        total_timeout: TotalTimeout = ...,
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
        total_timeout: TotalTimeout = ...,
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
        total_timeout: TotalTimeout = NOT_GIVEN,
    ) -> ChatResponse | ChatStream:
        """Chat completion (``POST /chat/completions``), OpenAI-shaped.

        Args:
            model: A text model slug, e.g. ``"gpt-4o"``.
            messages: ``[{"role": "user", "content": "Hello!"}, ...]``; roles system,
                developer, user, assistant, tool; content a string or a list of parts.
            temperature: 0-2.
            max_tokens: At least 1.
            top_p: 0-1.
            frequency_penalty: -2 to 2.
            presence_penalty: -2 to 2.
            stop: A stop sequence or a list of up to 4.
            stream: ``True`` returns a stream of chunks (``ChatStream``) instead. A
                stream is retried only before its first chunk arrives.
            timeout: Overrides the client's timeout for this call.
            extra_headers: Extra headers for this call (they win over the defaults).
            extra_query: Extra query parameters.
            extra_body: Extra JSON fields the SDK does not know yet, sent as they are.
            idempotency_key: Reused across retries so a deduping gateway charges once;
                generated when left out.
            total_timeout: Seconds for the whole call (every attempt and retry wait), or
                ``None`` for no overall limit; overrides the client's.

        Returns:
            The ``ChatResponse`` (``.text`` is the first choice's content), or with
            ``stream=True`` a stream to iterate with ``for chunk in stream``.

        Raises:
            ValueError: An argument is out of range, before anything is sent.
            TypeError: An argument has the wrong type, before anything is sent.
            APIError: The gateway refused (one subclass per status, e.g. ``RateLimitError``).
            APIConnectionError: No answer, after the retries ``max_retries`` allows.
            APITimeoutError: An attempt's answer did not arrive within ``timeout``, or the
                call outlasted ``total_timeout`` (with ``stream=True``: the whole stream).
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
            options=call_options(
                timeout, extra_headers, extra_query, extra_body, idempotency_key, total_timeout
            ),
        )
        if stream:
            return self._request(spec, self._open_stream)
        from ._models import ChatResponse

        return self._request(spec, self._parser(ChatResponse))

    def embed(
        self,
        model: str,
        input: str | Sequence[str],
        *,
        dimensions: int | None = None,
        encoding_format: EmbeddingEncoding | None = None,
        timeout: Timeout = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
        total_timeout: TotalTimeout = NOT_GIVEN,
    ) -> EmbeddingResponse:
        """Embeddings (``POST /embeddings``).

        Args:
            model: An embedding model slug, e.g. ``"text-embedding-3-small"``.
            input: A string, or a non-empty list of non-empty strings.
            dimensions: Asks models that support it for shorter vectors (at least 1).
            encoding_format: How the vectors travel. Left out, they travel as base64
                float32 (a quarter of the bytes of JSON floats) and arrive as floats all the
                same; ``"float"`` asks for JSON floats. A format of the gateway's own goes in
                ``extra_body`` and is sent as it is; ``data[i].embedding`` is then exactly
                what the gateway sent.
            timeout: Overrides the client's timeout for this call.
            extra_headers: Extra headers for this call (they win over the defaults).
            extra_query: Extra query parameters.
            extra_body: Extra JSON fields the SDK does not know yet, sent as they are.
            idempotency_key: Reused across retries so a deduping gateway charges once;
                generated when left out.
            total_timeout: Seconds for the whole call (every attempt and retry wait), or
                ``None`` for no overall limit; overrides the client's.

        Returns:
            The ``EmbeddingResponse``; ``.vectors`` gives the vectors in input order and
            ``.to_numpy()`` one float32 array (needs numpy: ``pip install 'railwail[numpy]'``).

        Raises:
            ValueError: An argument is out of range, before anything is sent.
            TypeError: An argument has the wrong type, before anything is sent.
            APIError: The gateway refused (one subclass per status, e.g. ``RateLimitError``).
            APIConnectionError: No answer, after the retries ``max_retries`` allows.
        """
        spec = embed_request(
            model,
            input,
            dimensions=dimensions,
            encoding_format=encoding_format,
            options=call_options(
                timeout, extra_headers, extra_query, extra_body, idempotency_key, total_timeout
            ),
        )
        from ._embeddings import EmbeddingResponse

        res = self._request(spec, self._parser(EmbeddingResponse))
        return res._decode_base64() if wants_base64(spec) else res

    def _request(self, spec: RequestSpec, parse: Callable[[httpx.Response], T]) -> T:
        try:
            return super()._request(spec, parse)
        except NotFoundError as exc:
            if not spec.absolute_url:  # an image download's 404 is the image host's
                self.models._explain_not_found(exc, spec)
            raise

    def _image_parser(self, model: str, prompt: str) -> Callable[[httpx.Response], ImageResponse]:
        def parse(response: httpx.Response) -> ImageResponse:
            from ._image_response import ImageResponse

            return ImageResponse._from_response(response)._made_by(self, model, prompt)

        return parse

    def _open_stream(self, response: httpx.Response) -> ChatStream:
        from ._streaming import ChatStream

        return ChatStream(
            response,
            lambda exc: transport_error(exc, response.request),
            secret=self._config.api_key,
            orphans=self._state.orphans,
            deadline=call_deadline(),
        )
