"""Chat streams: the pure SSE decoder (``_sse``), wrapped once for sync and once for async.

A stream answers ``text/event-stream`` and ends with ``data: [DONE]``; anything else raises
(the check of the content type is made when the stream opens, in the I/O layer). The decoder
(``_sse``) caps its lines and events and is linear in the bytes whatever the split, and a
stream dropped unread gives its connection back to the pool at the client's next request (a
finaliser queues its response; no I/O happens in it).
"""

from __future__ import annotations

import functools
import json
import time
import weakref
from collections.abc import AsyncIterator, Callable, Iterator
from types import TracebackType
from typing import Any, Self

import httpx

from ._deadline import AsyncDeadlineScope, DeadlineExceeded, DeadlineScope
from ._decoding import BodyDecoder
from ._error_mapping import error_in_body
from ._exceptions import (
    APIConnectionError,
    APITimeoutError,
    RailwailError,
    ResponseValidationError,
)
from ._models import ChatChunk, RateLimit
from ._secrets import key_replacements, scrub_error
from ._sse import ServerSentEvent, SSEDecoder

__all__ = ["AsyncChatStream", "ChatStream", "SSEDecoder", "ServerSentEvent"]

# An error event inside a 200 stream (kept under this name: it is what it is used for here).
stream_error = error_in_body


def _never() -> Exception:  # pragma: no cover - a stream's decoder has no cap
    raise AssertionError("unreachable")


class _StreamCore:
    """What both stream twins share: decoding one event into a chunk, the text so far, and
    how a stream ends (at ``[DONE]``, or with an error that shows no secret)."""

    def __init__(
        self,
        response: httpx.Response,
        to_error: Callable[[httpx.HTTPError], APIConnectionError],
        *,
        secret: str | None = None,
        orphans: list[httpx.Response] | None = None,
        deadline: float | None = None,
    ) -> None:
        self.response = response
        self._read_chunk = chunk_reader()
        self._to_error = to_error
        self._parts: list[str] = []
        self._started = False
        self._finished = False
        self._secret = secret
        self._deadline = deadline  # the call's total_timeout, as a time.monotonic() deadline
        self._count = 0
        # Dropped unread, the stream hands its response to the client, whose next request
        # closes it (a finaliser must do no I/O, and may run anywhere: even inside the pool).
        self._orphan = None
        if orphans is not None:
            self._orphan = weakref.finalize(self, orphans.append, response)
            self._orphan.atexit = False

    def _released(self) -> None:
        if self._orphan is not None:
            self._orphan.detach()

    def _body_decoder(self) -> BodyDecoder | None:
        """Decodes a compressed stream step by step (an SSE stream is rarely compressed)."""
        encoding = self.response.headers.get("content-encoding")
        return BodyDecoder(encoding, None, _never) if encoding else None

    def _ended_early(self) -> APIConnectionError:
        request = self.response.request
        return APIConnectionError(
            f"The chat stream ended without its [DONE] marker, after {self._count} chunks: the "
            "connection was closed early (the text received so far is kept on the stream)",
            method=request.method,
            url=str(request.url.copy_with(query=None)),
        )

    def _out_of_time(self) -> APITimeoutError:
        request = self.response.request
        error = APITimeoutError(
            f"total_timeout ran out during the chat stream, after {self._count} chunks (the "
            "text received so far is kept on the stream)",
            method=request.method,
            url=str(request.url.copy_with(query=None)),
        )
        error.hint = "Pass a larger total_timeout= to the call or the client, or None"
        return error

    def _failed(self, error: RailwailError) -> RailwailError:
        scrub_error(error, key_replacements(self._secret))
        return error

    @property
    def request_id(self) -> str | None:
        """The gateway's request id for this stream."""
        request_id: str | None = self.response.headers.get("x-request-id")
        return request_id

    @property
    def rate_limit(self) -> RateLimit | None:
        """The rate-limit headers sent with this stream."""
        return RateLimit.from_headers(self.response.headers)

    @property
    def text(self) -> str:
        """The text of the first choice received so far (all of it once the stream is done),
        like ``ChatResponse.text`` and ``ChatChunk.text``."""
        return "".join(self._parts)

    def _chunks(self, events: list[ServerSentEvent]) -> Iterator[ChatChunk]:
        """The chunks the events carry, one at a time (an error event after a chunk raises only
        once that chunk was delivered), up to ``[DONE]``."""
        read, headers, parts = self._read_chunk, self.response.headers, self._parts
        for event in events:
            data = event.data
            chunk = None
            # The common case in one step: a JSON object that is a valid chunk.
            if data.startswith("{") and event.event != "error":
                try:
                    chunk = read(data)
                except ValueError:  # not JSON, or not a chunk: _chunk says which
                    chunk = None
                else:
                    if "error" in (chunk.__pydantic_extra__ or ()):
                        chunk = None  # an error event: _chunk raises it
            if chunk is None:
                chunk = self._chunk(event)
                if self._finished:
                    return
                if chunk is None:
                    continue
            # The response's headers (request_id, rate_limit) in a private dict of the chunk's
            # own: what pydantic's initialisation plus attach_meta leave (see chunk_reader).
            object.__setattr__(chunk, "__pydantic_private__", {"_headers": headers})
            self._count += 1
            choices = chunk.choices  # chunk.text, read without the property's call
            if choices and choices[0].delta.content:
                parts.append(choices[0].delta.content)
            yield chunk

    def _chunk(self, event: ServerSentEvent) -> ChatChunk | None:
        """The chunk an event carries, parsed step by step; ``None`` to skip the event. Raises
        the error an error event or junk deserves."""
        data = event.data
        if data.strip() == "[DONE]":
            self._finished = True
            return None
        if not data.strip():
            return None
        try:
            payload = json.loads(data)
        except ValueError:
            raise ResponseValidationError(
                "a stream event is not valid JSON", body=data, request_id=self.request_id
            ) from None
        if event.event == "error" or (isinstance(payload, dict) and "error" in payload):
            raise error_in_body(payload, self.response.headers)
        try:
            return ChatChunk.model_validate(payload)
        except ValueError as exc:
            raise ResponseValidationError(
                f"a stream event is not a chat.completion.chunk: {exc.__class__.__name__}",
                body=payload,
                request_id=self.request_id,
            ) from None


@functools.cache
def chunk_reader() -> Callable[[str], ChatChunk]:
    """``ChatChunk``'s validator over the raw JSON of an event, without two costs per chunk.

    Parsing the JSON straight into the models (pydantic-core's parser) saves building the
    ``dict`` that ``json.loads`` + ``model_validate`` go through. And the private attributes
    pydantic initialises after every validation (a Python call per chunk) are left out: the
    stream writes a chunk's only private attribute, its response's headers, itself. Objects,
    fields, unknown fields and errors are those of ``ChatChunk.model_validate_json`` (built
    from its schema, this validator is not one that pydantic plugins observe); where a pydantic
    version lays out the schema otherwise, ``model_validate_json`` itself is used.
    """
    from pydantic_core import SchemaValidator

    ChatChunk.model_rebuild()  # the schema is built on first use (defer_build)
    schema = ChatChunk.__pydantic_core_schema__
    if schema.get("type") != "model" or schema.get("cls") is not ChatChunk:
        return ChatChunk.model_validate_json  # pragma: no cover - other pydantic layouts
    lean: Any = {key: value for key, value in schema.items() if key != "post_init"}
    try:
        # Without this, pydantic-core reuses ChatChunk's own validator for the "model" node.
        validator = SchemaValidator(lean, schema.get("config"), _use_prebuilt=False)
    except TypeError:  # pragma: no cover - pydantic-core before prebuilt validators
        validator = SchemaValidator(lean, schema.get("config"))
    validate_json: Callable[[str], ChatChunk] = validator.validate_json
    return validate_json


class ChatStream(_StreamCore):
    """A streamed chat completion: iterate it for ``ChatChunk`` objects.

    The HTTP response is closed when the stream is exhausted, when ``close()`` is called, when
    a ``with`` block ends, or when a ``for`` loop over it is left early (``break``).
    """

    def __iter__(self) -> Iterator[ChatChunk]:
        if self._started:
            return iter(())
        self._started = True
        return self._events()

    def _events(self) -> Iterator[ChatChunk]:
        decoder = SSEDecoder()
        body = self._body_decoder()
        try:
            raw = self.response.iter_raw()
            for data in raw if self._deadline is None else self._within_deadline(raw):
                if body is not None:
                    data = body.decode(data)
                yield from self._chunks(decoder.feed(data))
                if self._finished:
                    return
            yield from self._chunks(decoder.flush())
            if not self._finished:
                raise self._ended_early()
        except httpx.HTTPError as exc:
            raise self._failed(self._to_error(exc)) from exc
        except DeadlineExceeded:
            raise self._failed(self._out_of_time()) from None
        except RailwailError as exc:
            self._failed(exc)
            raise
        finally:
            self.response.close()
            self._released()

    def _within_deadline(self, raw: Iterator[bytes]) -> Iterator[bytes]:
        # Each read gets what is left of the call's total_timeout (see _deadline).
        deadline = self._deadline
        while True:
            with DeadlineScope(deadline):
                data = next(raw, None)
            if data is None:
                return
            if deadline is not None and time.monotonic() > deadline:
                raise DeadlineExceeded
            yield data

    def final_text(self) -> str:
        """Reads the stream to its end, unless a loop already consumed or left it, and returns
        the whole text of the first choice."""
        for _ in self:
            pass
        return self.text

    def close(self) -> None:
        """Closes the HTTP response; iteration stops."""
        self._started = True
        self.response.close()
        self._released()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncChatStream(_StreamCore):
    """A streamed chat completion from ``AsyncRailwail``: ``async for chunk in stream`` gives
    ``ChatChunk`` objects.

    The HTTP response is closed when the stream is exhausted, when ``aclose()`` is awaited,
    when an ``async with`` block ends, or when an ``async for`` loop over it is left early.
    """

    def __aiter__(self) -> AsyncIterator[ChatChunk]:
        if self._started:
            return _empty()
        self._started = True
        return self._events()

    async def _events(self) -> AsyncIterator[ChatChunk]:
        decoder = SSEDecoder()
        body = self._body_decoder()
        try:
            raw = self.response.aiter_raw()
            async for data in raw if self._deadline is None else self._within_deadline(raw):
                if body is not None:
                    data = body.decode(data)
                for chunk in self._chunks(decoder.feed(data)):
                    yield chunk
                if self._finished:
                    return
            for chunk in self._chunks(decoder.flush()):
                yield chunk
            if not self._finished:
                raise self._ended_early()
        except httpx.HTTPError as exc:
            raise self._failed(self._to_error(exc)) from exc
        except DeadlineExceeded:
            raise self._failed(self._out_of_time()) from None
        except RailwailError as exc:
            self._failed(exc)
            raise
        finally:
            await self.response.aclose()
            self._released()

    async def _within_deadline(self, raw: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
        # Each read is cancelled when the call's total_timeout runs out (see _deadline).
        deadline = self._deadline
        while True:
            async with AsyncDeadlineScope(deadline):
                data = await anext(raw, None)
            if data is None:
                return
            if deadline is not None and time.monotonic() > deadline:
                raise DeadlineExceeded
            yield data

    async def final_text(self) -> str:
        """Reads the stream to its end, unless a loop already consumed or left it, and returns
        the whole text of the first choice."""
        async for _ in self:
            pass
        return self.text

    async def aclose(self) -> None:
        """Closes the HTTP response; iteration stops."""
        self._started = True
        await self.response.aclose()
        self._released()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


async def _empty() -> AsyncIterator[ChatChunk]:
    return
    yield  # pragma: no cover - makes this an async generator
