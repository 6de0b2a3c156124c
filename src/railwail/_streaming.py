"""Server-sent events: one pure decoder, wrapped once for sync and once for async streams.

A stream answers ``text/event-stream`` and ends with ``data: [DONE]``; anything else raises
(the check of the content type is made when the stream opens, in the I/O layer). Its lines
and events are capped (``MAX_STREAM_LINE_BYTES``), its decoding is linear in the bytes
whatever the split, and a stream dropped unread gives its connection back to the pool at the
client's next request (a finaliser queues its response; no I/O happens in it).
"""

from __future__ import annotations

import functools
import json
import time
import weakref
from collections.abc import AsyncIterator, Callable, Iterator
from types import TracebackType
from typing import Any, NamedTuple, Self

import httpx

from ._constants import MAX_STREAM_LINE_BYTES
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

__all__ = ["AsyncChatStream", "ChatStream", "SSEDecoder", "ServerSentEvent"]

# An error event inside a 200 stream (kept under this name: it is what it is used for here).
stream_error = error_in_body


class ServerSentEvent(NamedTuple):
    """One event: its ``event:`` name, its ``data:`` lines joined, the last ``id:`` seen."""

    event: str | None
    data: str
    id: str | None = None


class SSEDecoder:
    """Turns bytes, split anywhere, into events (the WHATWG event-stream rules: ``\\n``,
    ``\\r\\n`` or ``\\r`` line ends, ``:`` comments, multi-line ``data:``, blank lines).

    Linear in the bytes however they are split: the pieces of an unfinished line are joined
    once, when its end arrives. A line, or an event's data, longer than ``max_line`` bytes
    raises ``ResponseValidationError``.
    """

    def __init__(self, max_line: int = MAX_STREAM_LINE_BYTES) -> None:
        self._max = max_line
        self._pending: list[bytes] = []  # the unfinished line, in pieces (no line ends)
        self._pending_size = 0
        self._cr = False  # the last chunk ended with \r: maybe the first half of \r\n
        self._event: str | None = None
        self._data: list[str] = []
        self._data_size = 0
        self._id: str | None = None

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        if self._cr:
            chunk = b"\r" + chunk
            self._cr = False
        # A \r at the very end may be the first half of \r\n: it waits for the next chunk.
        if chunk.endswith(b"\r"):
            chunk, self._cr = chunk[:-1], True
        if b"\r" in chunk:
            chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        cut = chunk.rfind(b"\n")
        if cut < 0:
            if chunk:
                self._hold(chunk)
            return []
        head = chunk[:cut]
        pending = self._pending
        if pending:
            # Joined once, now that the line is complete (not on every read).
            head = pending[0] + head if len(pending) == 1 else b"".join([*pending, head])
            pending.clear()
            self._pending_size = 0
        # The complete lines are decoded and split once per chunk: linear in the bytes. A line
        # end is never inside a UTF-8 sequence, so this decodes exactly as line by line would.
        lines = head.decode("utf-8", errors="replace").split("\n")
        if len(head) > self._max and max(map(len, lines)) > self._max:
            raise _too_long("line", self._max)
        events: list[ServerSentEvent] = []
        data = self._data
        counted = len(data)  # the open event's lines counted in _data_size so far
        for line in lines:
            if line.startswith("data: "):  # the common case, as _field would read it
                data.append(line[6:])
            elif not line:  # dispatch, as _dispatch would (inline: once per event)
                if data or self._event is not None:
                    events.append(ServerSentEvent(self._event, "\n".join(data), self._id))
                    self._event = None
                    data.clear()  # in place: flush and _field use this list too
                    self._data_size = counted = 0
            elif line[0] != ":":  # a comment: nothing to do
                self._field(line)
        if len(data) > counted:
            # The open event grew: its data is capped too (counted once per line).
            self._data_size += sum(map(len, data[counted:]))
            if self._data_size > self._max:
                raise _too_long("event", self._max)
        if cut + 1 < len(chunk):
            rest = chunk[cut + 1 :]
            pending.append(rest)
            self._pending_size = len(rest)
            if len(rest) > self._max:
                raise _too_long("line", self._max)
        return events

    def _hold(self, piece: bytes) -> None:
        self._pending.append(piece)
        self._pending_size += len(piece)
        if self._pending_size > self._max:
            raise _too_long("line", self._max)

    def flush(self) -> list[ServerSentEvent]:
        """Events still pending when the stream ends (a last line without a line end)."""
        self._cr = False
        events = []
        if self._pending:
            line = b"".join(self._pending).decode("utf-8", errors="replace")
            self._pending.clear()
            self._pending_size = 0
            if line and line[0] != ":":
                if line.startswith("data: "):
                    self._data.append(line[6:])
                else:
                    self._field(line)
        event = self._dispatch()
        if event is not None:
            events.append(event)
        return events

    def _dispatch(self) -> ServerSentEvent | None:
        if not self._data and self._event is None:
            return None
        event = ServerSentEvent(self._event, "\n".join(self._data), self._id)
        self._event = None
        self._data.clear()
        self._data_size = 0
        return event

    def _field(self, line: str) -> None:
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id" and "\0" not in value:
            self._id = value


def _never() -> Exception:  # pragma: no cover - a stream's decoder has no cap
    raise AssertionError("unreachable")


def _too_long(what: str, limit: int) -> ResponseValidationError:
    article = "an" if what[0] in "aeiou" else "a"
    return ResponseValidationError(
        f"a chat stream sent {article} {what} longer than {limit} bytes (the most a stream "
        f"{what} may be); the stream was stopped"
    )


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

    def text(self) -> str:
        """The text of the first choice received so far (all of it once the stream is done)."""
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
        return self.text()

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
        return self.text()

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
