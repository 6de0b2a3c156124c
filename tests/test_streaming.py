"""Streaming chat: the pure SSE decoder, and ChatStream / AsyncChatStream over respx."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import respx

from railwail import (
    APIConnectionError,
    APIError,
    AsyncRailwail,
    InsufficientCreditsError,
    Railwail,
    RateLimitError,
    ResponseValidationError,
    ServerError,
)
from railwail._streaming import ServerSentEvent, SSEDecoder, stream_error
from railwail.types import AsyncChatStream, ChatChunk, ChatStream
from support import MESSAGES, Client, close, collect, each, entered, is_async, resolve


def _chunk(content: str | None = None, role: str | None = None, finish: str | None = None) -> str:
    delta = {k: v for k, v in (("role", role), ("content", content)) if v is not None}
    choice = {"index": 0, "delta": delta, "finish_reason": finish}
    return json.dumps({"id": "c1", "object": "chat.completion.chunk", "choices": [choice]})


BODY = (
    f"data: {_chunk(role='assistant')}\n\n"
    ": keep-alive comment\n\n"
    f"data: {_chunk('Hel')}\r\n\r\n"
    "\n"
    f"data: {_chunk('lo, wörld')}\r\r"
    f"data: {_chunk(finish='stop')}\n\n"
    "data: [DONE]\n\n"
).encode()


class Pieces(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response body delivered in the given pieces, then optionally a dropped connection."""

    def __init__(self, pieces: list[bytes], fail: bool = False) -> None:
        self.pieces = pieces
        self.fail = fail
        self.closed = False
        self.delivered = 0

    def __iter__(self) -> Iterator[bytes]:
        for piece in self.pieces:
            self.delivered += 1
            yield piece
        if self.fail:
            raise httpx.ReadError("connection reset mid-stream")

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for piece in self.pieces:
            self.delivered += 1
            yield piece
        if self.fail:
            raise httpx.ReadError("connection reset mid-stream")

    def close(self) -> None:
        self.closed = True

    async def aclose(self) -> None:
        self.closed = True


def _split_every(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


# -- the decoder ------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 64, 10_000])
def test_decoder_gives_the_same_events_whatever_the_split(size: int) -> None:
    decoder = SSEDecoder()
    events: list[ServerSentEvent] = []
    for piece in _split_every(BODY, size):
        events.extend(decoder.feed(piece))
    events.extend(decoder.flush())
    data = [e.data for e in events]
    assert data == [
        _chunk(role="assistant"),
        _chunk("Hel"),
        _chunk("lo, wörld"),
        _chunk(finish="stop"),
        "[DONE]",
    ]


def test_decoder_multiline_data_event_and_id_fields() -> None:
    decoder = SSEDecoder()
    events = decoder.feed(b"event: error\nid: 7\ndata: line one\ndata:line two\nretry: 5\n\n")
    assert events == [ServerSentEvent("error", "line one\nline two", "7")]


def test_decoder_waits_for_the_second_half_of_a_crlf() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\r") == []
    assert decoder.feed(b"\n\r\n") == [ServerSentEvent(None, "a")]


def test_decoder_flush_emits_a_last_event_without_line_end() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: tail") == []
    assert decoder.flush() == [ServerSentEvent(None, "tail")]
    assert decoder.flush() == []


def test_decoder_ignores_comments_and_blank_keepalives() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b": ping\n\n\n\n:another\n\n") == []


def test_stream_error_maps_codes_and_statuses() -> None:
    headers = httpx.Headers({"x-request-id": "req_s"})
    err = stream_error({"error": {"message": "slow down", "code": "rate_limit_exceeded"}}, headers)
    assert isinstance(err, RateLimitError)
    assert (err.status, err.message, err.request_id) == (429, "slow down", "req_s")
    err = stream_error({"error": {"message": "no money", "type": "insufficient_credits"}}, headers)
    assert isinstance(err, InsufficientCreditsError)
    err = stream_error({"error": {"message": "boom", "status": 503}}, headers)
    assert isinstance(err, ServerError)
    assert err.status == 503
    err = stream_error("not even a dict", headers)
    assert isinstance(err, ServerError)
    assert err.status == 500


# -- streams ----------------------------------------------------------------------------------


SSE = "text/event-stream"


def _mock_stream(gw: respx.MockRouter, body: Pieces, status: int = 200) -> respx.Route:
    return gw.post("/chat/completions").mock(
        return_value=httpx.Response(
            status, stream=body, headers={"content-type": SSE, "x-request-id": "req_stream"}
        )
    )


@pytest.mark.anyio
async def test_stream_yields_chunks_and_accumulates_text(gw: respx.MockRouter, rw: Client) -> None:
    body = Pieces(_split_every(BODY, 3))
    route = _mock_stream(gw, body)
    stream = await resolve(rw.chat("gpt-4o", MESSAGES, stream=True))
    assert isinstance(stream, AsyncChatStream if is_async(rw) else ChatStream)
    sent = json.loads(route.calls.last.request.content)
    assert sent == {"model": "gpt-4o", "messages": MESSAGES, "stream": True}
    assert route.calls.last.request.headers["accept"] == "text/event-stream"
    seen: list[str] = []
    async for chunk in each(stream):
        assert isinstance(chunk, ChatChunk)
        seen.append(chunk.text)
        assert stream.text == "".join(seen)  # text so far, while iterating
    assert seen == ["", "Hel", "lo, wörld", ""]
    assert stream.text == "Hello, wörld"
    assert stream.request_id == "req_stream"
    assert body.closed


def test_done_ends_the_stream_even_if_more_bytes_follow(
    gw: respx.MockRouter, client: Railwail
) -> None:
    body = Pieces([f"data: {_chunk('a')}\n\ndata: [DONE]\n\ndata: {_chunk('b')}\n\n".encode()])
    _mock_stream(gw, body)
    with client.chat("gpt-4o", MESSAGES, stream=True) as stream:
        assert [c.text for c in stream] == ["a"]
    assert body.closed


@pytest.mark.anyio
async def test_with_block_closes_an_unread_stream(gw: respx.MockRouter, rw: Client) -> None:
    body = Pieces([BODY])
    _mock_stream(gw, body)
    async with entered(await resolve(rw.chat("gpt-4o", MESSAGES, stream=True))) as stream:
        pass
    assert body.closed
    assert body.delivered == 0
    assert stream.text == ""


@pytest.mark.anyio
async def test_final_text_reads_to_the_end(gw: respx.MockRouter, rw: Client) -> None:
    body = Pieces([BODY])
    _mock_stream(gw, body)
    async with entered(await resolve(rw.chat("gpt-4o", MESSAGES, stream=True))) as stream:
        assert await resolve(stream.final_text()) == "Hello, wörld"
        assert await resolve(stream.final_text()) == "Hello, wörld"
        assert body.closed  # read to the end: closed before the block ends


@pytest.mark.anyio
async def test_close_stops_iteration(gw: respx.MockRouter, rw: Client) -> None:
    body = Pieces([BODY])
    _mock_stream(gw, body)
    stream = await resolve(rw.chat("gpt-4o", MESSAGES, stream=True))
    await close(stream)
    assert body.closed
    assert await collect(stream) == []


async def _texts_until_error(stream: ChatStream | AsyncChatStream, got: list[str]) -> None:
    async for chunk in each(stream):
        got.append(chunk.text)


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("error", "cls"),
    [
        ({"message": "Rate limited", "type": "rate_limit_error"}, RateLimitError),
        ({"message": "No credits", "code": "insufficient_credits"}, InsufficientCreditsError),
    ],
    ids=["by-type", "by-code"],
)
async def test_error_event_raises_the_matching_api_error(
    gw: respx.MockRouter, rw: Client, error: dict[str, str], cls: type[APIError]
) -> None:
    event = json.dumps({"error": error})
    body = Pieces([f"data: {_chunk('a')}\n\nevent: error\ndata: {event}\n\n".encode()])
    route = _mock_stream(gw, body)
    stream = await resolve(rw.chat("gpt-4o", MESSAGES, stream=True))
    got: list[str] = []
    with pytest.raises(cls, match=error["message"]) as info:
        await _texts_until_error(stream, got)
    assert got == ["a"]
    assert info.value.request_id == "req_stream"
    assert route.call_count == 1  # nothing is retried once a chunk was delivered
    assert body.closed


@pytest.mark.anyio
async def test_dropped_connection_mid_stream_is_not_retried(
    gw: respx.MockRouter, rw: Client, sleeps: list[float]
) -> None:
    body = Pieces([f"data: {_chunk('a')}\n\n".encode()], fail=True)
    route = _mock_stream(gw, body)
    stream = await resolve(rw.chat("gpt-4o", MESSAGES, stream=True))
    with pytest.raises(APIConnectionError, match="connection reset mid-stream"):
        async for _ in each(stream):
            pass
    assert stream.text == "a"
    assert route.call_count == 1
    assert sleeps == []
    assert body.closed


@pytest.mark.anyio
async def test_http_error_before_the_stream_is_retried(
    gw: respx.MockRouter, rw: Client, sleeps: list[float]
) -> None:
    route = gw.post("/chat/completions").mock(
        side_effect=[
            httpx.Response(503, text="<html>busy</html>"),
            httpx.Response(429, json={}),
            httpx.Response(200, stream=Pieces([BODY]), headers={"content-type": SSE}),
        ]
    )
    stream = await resolve(rw.chat("gpt-4o", MESSAGES, stream=True))
    assert await resolve(stream.final_text()) == "Hello, wörld"
    assert route.call_count == 3
    keys = {call.request.headers["idempotency-key"] for call in route.calls}
    assert len(keys) == 1
    assert len(sleeps) == 2


def test_junk_in_the_stream_is_a_validation_error(gw: respx.MockRouter, client: Railwail) -> None:
    _mock_stream(gw, Pieces([b"data: {not json\n\n"]))
    with pytest.raises(ResponseValidationError, match="not valid JSON") as info:
        list(client.chat("gpt-4o", MESSAGES, stream=True))
    assert info.value.body == "{not json"
    _mock_stream(gw, Pieces([b'data: {"choices": 5}\n\n']))
    with pytest.raises(ResponseValidationError, match=r"not a chat\.completion\.chunk"):
        list(client.chat("gpt-4o", MESSAGES, stream=True))


def test_stream_without_done_raises_after_its_chunks_and_keeps_the_rate_limit(
    gw: respx.MockRouter, client: Railwail
) -> None:
    body = Pieces([f"data: {_chunk('x')}\n\ndata: {_chunk('y')}".encode()])
    gw.post("/chat/completions").mock(
        return_value=httpx.Response(
            200, stream=body, headers={"X-RateLimit-Remaining": "3", "content-type": SSE}
        )
    )
    stream = client.chat("gpt-4o", MESSAGES, stream=True)
    chunks: list[ChatChunk] = []
    with pytest.raises(APIConnectionError, match=r"without its \[DONE\] marker, after 2 chunks"):
        chunks.extend(stream)
    assert [c.text for c in chunks] == ["x", "y"]
    assert stream.text == "xy"
    assert body.closed
    assert stream.rate_limit is not None
    assert stream.rate_limit.remaining == 3
    assert chunks[0].rate_limit == stream.rate_limit


# -- breaking out of a loop closes the stream --------------------------------------------------


def test_break_closes_the_response(gw: respx.MockRouter, client: Railwail) -> None:
    body = Pieces(_split_every(BODY, 10))
    _mock_stream(gw, body)
    stream = client.chat("gpt-4o", MESSAGES, stream=True)
    for chunk in stream:
        if chunk.text:
            break
    assert body.closed
    assert stream.response.is_closed
    assert stream.text == "Hel"
    assert list(stream) == []  # a stream is read once


@pytest.mark.anyio
async def test_async_break_closes_the_response(
    gw: respx.MockRouter, aclient: AsyncRailwail
) -> None:
    body = Pieces(_split_every(BODY, 10))
    _mock_stream(gw, body)
    stream = await aclient.chat("gpt-4o", MESSAGES, stream=True)
    async for chunk in stream:
        if chunk.text:
            break
    # The abandoned async generator is closed by the event loop's finaliser on its next turns.
    for _ in range(5):
        if body.closed:
            break
        await asyncio.sleep(0)
    assert body.closed
    assert [c async for c in stream] == []
