"""Server-sent events: one pure decoder, wrapped once for sync and once for async streams."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

import httpx

from ._exceptions import (
    APIConnectionError,
    APIError,
    ResponseValidationError,
    error_class_for,
    error_fields,
)
from ._models import ChatChunk, RateLimit, attach_meta

__all__ = ["AsyncChatStream", "ChatStream", "SSEDecoder", "ServerSentEvent"]


@dataclass(frozen=True, slots=True)
class ServerSentEvent:
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
        self._buffer += chunk
        events: list[ServerSentEvent] = []
        while True:
            cut = _line_end(self._buffer)
            if cut is None:
                return events
            end, after = cut
            line, self._buffer = self._buffer[:end], self._buffer[after:]
            event = self._line(line.decode("utf-8", errors="replace"))
            if event is not None:
                events.append(event)

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
            self._event, self._data = None, []
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


def _line_end(buffer: bytes) -> tuple[int, int] | None:
    """(end of the first line, start of the next) or ``None`` when no full line is buffered.
    A ``\\r`` at the very end may be the first half of ``\\r\\n``, so it waits for more."""
    n = buffer.find(b"\n")
    r = buffer.find(b"\r")
    if r == -1 or (n != -1 and n < r):
        return None if n == -1 else (n, n + 1)
    if r + 1 == len(buffer):
        return None
    return (r, r + 2) if buffer[r + 1 : r + 2] == b"\n" else (r, r + 1)


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
        for event in events:
            chunk = self._chunk(event)
            if self._finished:
                return
            if chunk is not None:
                yield chunk

    def _chunk(self, event: ServerSentEvent) -> ChatChunk | None:
        """The chunk an event carries; ``None`` to skip it. Raises on ``[DONE]``-less junk."""
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
            chunk = ChatChunk.model_validate(payload)
        except ValueError as exc:
            raise ResponseValidationError(
                f"a stream event is not a chat.completion.chunk: {exc.__class__.__name__}",
                body=payload,
                request_id=self.request_id,
            ) from None
        attach_meta(chunk, self.response.headers)
        if chunk.text:
            self._parts.append(chunk.text)
        return chunk


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
