"""Server-sent events: one pure decoder, wrapped once for sync and once for async streams."""

from __future__ import annotations

import functools
import json
from collections.abc import AsyncIterator, Callable, Iterator
from types import TracebackType
from typing import Any, NamedTuple, Self

import httpx

from ._exceptions import (
    APIConnectionError,
    APIError,
    ResponseValidationError,
    error_class_for,
    error_fields,
)
from ._models import ChatChunk, RateLimit

__all__ = ["AsyncChatStream", "ChatStream", "SSEDecoder", "ServerSentEvent"]


class ServerSentEvent(NamedTuple):
    """One event: its ``event:`` name, its ``data:`` lines joined, the last ``id:`` seen."""

    event: str | None
    data: str
    id: str | None = None


class SSEDecoder:
    """Turns bytes, split anywhere, into events (the WHATWG event-stream rules: ``\\n``,
    ``\\r\\n`` or ``\\r`` line ends, ``:`` comments, multi-line ``data:``, blank lines)."""

    def __init__(self) -> None:
        self._buffer = b""
        self._event: str | None = None
        self._data: list[str] = []
        self._id: str | None = None

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        buffer = self._buffer + chunk if self._buffer else chunk
        # A \r at the very end may be the first half of \r\n: it waits for the next chunk.
        held = b""
        if buffer.endswith(b"\r"):
            buffer, held = buffer[:-1], b"\r"
        if b"\r" in buffer:
            buffer = buffer.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        # The complete lines are decoded and split once per chunk, rather than sliced off the
        # buffer one by one: linear in the bytes. A line end is never inside a UTF-8 sequence,
        # so this decodes exactly as line by line would; the unfinished line stays bytes.
        cut = buffer.rfind(b"\n")
        if cut < 0:
            self._buffer = buffer + held
            return []
        self._buffer = buffer[cut + 1 :] + held
        events: list[ServerSentEvent] = []
        data = self._data
        for line in buffer[:cut].decode("utf-8", errors="replace").split("\n"):
            if line.startswith("data: "):  # the common case, as _line would read it
                data.append(line[6:])
                continue
            event = self._line(line)
            if event is not None:
                events.append(event)
        return events

    def flush(self) -> list[ServerSentEvent]:
        """Events still pending when the stream ends (a last line without a line end)."""
        events = []
        if self._buffer:
            line, self._buffer = self._buffer.rstrip(b"\r"), b""
            event = self._line(line.decode("utf-8", errors="replace"))
            if event is not None:
                events.append(event)
        event = self._line("")
        if event is not None:
            events.append(event)
        return events

    def _line(self, line: str) -> ServerSentEvent | None:
        if not line:
            if not self._data and self._event is None:
                return None
            event = ServerSentEvent(self._event, "\n".join(self._data), self._id)
            self._event = None
            self._data.clear()  # in place: feed() holds a reference to this list
            return event
        if line.startswith(":"):
            return None
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id" and "\0" not in value:
            self._id = value
        return None


_CODE_STATUS = {
    "bad_request": 400,
    "invalid_request_error": 400,
    "invalid_api_key": 401,
    "authentication_error": 401,
    "insufficient_credits": 402,
    "permission_denied": 403,
    "not_found": 404,
    "model_not_found": 404,
    "rate_limit_exceeded": 429,
    "rate_limit_error": 429,
}


def stream_error(payload: Any, headers: httpx.Headers) -> APIError:
    """An error event inside a 200 stream, as the error class its code or status implies."""
    err = payload.get("error", payload) if isinstance(payload, dict) else {}
    status = err.get("status") if isinstance(err, dict) else None
    if not isinstance(status, int):
        code = err.get("code") if isinstance(err, dict) else None
        etype = err.get("type") if isinstance(err, dict) else None
        status = _CODE_STATUS.get(str(code), _CODE_STATUS.get(str(etype), 500))
    message, etype, code = error_fields(payload, status)
    return error_class_for(status)(
        message,
        status=status,
        type=etype,
        code=code,
        request_id=headers.get("x-request-id"),
        body=payload,
        headers=dict(headers),
    )


class _StreamCore:
    """What both stream twins share: decoding one event into a chunk, and the text so far."""

    def __init__(
        self,
        response: httpx.Response,
        to_error: Callable[[httpx.HTTPError], APIConnectionError],
    ) -> None:
        self.response = response
        self._read_chunk = chunk_reader()
        self._to_error = to_error
        self._parts: list[str] = []
        self._started = False
        self._finished = False

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
            raise stream_error(payload, self.response.headers)
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
        try:
            for raw in self.response.iter_bytes():
                yield from self._chunks(decoder.feed(raw))
                if self._finished:
                    return
            yield from self._chunks(decoder.flush())
            self._finished = True
        except httpx.HTTPError as exc:
            raise self._to_error(exc) from exc
        finally:
            self.response.close()

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
        try:
            async for raw in self.response.aiter_bytes():
                for chunk in self._chunks(decoder.feed(raw)):
                    yield chunk
                if self._finished:
                    return
            for chunk in self._chunks(decoder.flush()):
                yield chunk
            self._finished = True
        except httpx.HTTPError as exc:
            raise self._to_error(exc) from exc
        finally:
            await self.response.aclose()

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
