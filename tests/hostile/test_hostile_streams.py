"""Streams against servers that answer something else, stop early, or are never read (issue 9,
items 8-9; SPEC section 7)."""

from __future__ import annotations

import gc
from collections.abc import Callable

import httpx
import pytest
from hostile_servers import CHAT_OK, SSE_HEAD, Conn, Request, Server, answer, chunk_event, head, sse

from railwail import (
    APIConnectionError,
    APITimeoutError,
    AsyncRailwail,
    InsufficientCreditsError,
    Railwail,
    ResponseValidationError,
)
from support import API_KEY, MESSAGES, Client, Twin, close, collect, each, is_async, resolve

pytestmark = pytest.mark.anyio


def always(data: bytes, *, then_close: bool = False) -> Callable[[Conn, Request], bool]:
    def handler(conn: Conn, request: Request) -> bool:
        conn.send(data)
        return not then_close

    return handler


# -- item 8: an event stream, to its [DONE] ---------------------------------------------------


async def texts_into(got: list[str], stream: object) -> None:
    """Appends each chunk's text to ``got`` until the stream ends or raises."""
    async for chunk in each(stream):  # type: ignore[call-overload]
        got.append(chunk.text)


@pytest.mark.parametrize(
    ("answered", "expected"),
    [
        (
            answer(200, CHAT_OK),
            r"expects an event stream \(text/event-stream\); the gateway answered a whole "
            r"chat\.completion \(application/json\): the gateway ignored stream=True",
        ),
        (
            answer(200, "<html><body>Maintenance</body></html>", {"Content-Type": "text/html"}),
            r"the gateway answered text/html, starting b'<html><body>Maintenance",
        ),
        (answer(200, b""), r"the gateway answered an empty answer \(no content type\)"),
        (
            answer(200, "data: [DONE]\n\n", {"Content-Type": "text/plain"}),
            r"the gateway answered text/plain",
        ),
    ],
    ids=["chat-completion", "html", "empty", "text-plain"],
)
async def test_a_stream_answered_with_something_else_raises(
    serve: Callable[..., Server],
    client_for: Callable[..., Client],
    answered: bytes,
    expected: str,
) -> None:
    server = serve(always(answered))
    rw = client_for(server)
    with pytest.raises(ResponseValidationError, match=expected) as info:
        await resolve(rw.chat("gpt-4o", MESSAGES, stream=True))
    assert len(server.requests) == 1  # not retried: it would be the same again
    if b"choices" in answered:
        assert info.value.body == CHAT_OK


async def test_a_stream_answered_with_a_json_error_raises_that_error(
    serve: Callable[..., Server], client_for: Callable[..., Client]
) -> None:
    body = {"error": {"message": "No credits left", "code": "insufficient_credits"}}
    server = serve(always(answer(200, body, {"x-request-id": "req_9"})))
    rw = client_for(server)
    with pytest.raises(InsufficientCreditsError, match="No credits left") as info:
        await resolve(rw.chat("gpt-4o", MESSAGES, stream=True))
    assert info.value.status == 402
    assert info.value.request_id == "req_9"


async def test_an_error_status_to_a_stream_is_its_api_error(
    serve: Callable[..., Server], client_for: Callable[..., Client]
) -> None:
    body = {"error": {"message": "No credits left", "code": "insufficient_credits"}}
    server = serve(always(answer(402, body)))
    rw = client_for(server)
    with pytest.raises(InsufficientCreditsError, match="No credits left"):
        await resolve(rw.chat("gpt-4o", MESSAGES, stream=True))


@pytest.mark.parametrize("cut", ["after-a-chunk", "mid-event", "before-any"])
async def test_a_stream_that_ends_without_done_raises(
    serve: Callable[..., Server], client_for: Callable[..., Client], cut: str
) -> None:
    body = {
        "after-a-chunk": sse(chunk_event("Hel"), chunk_event("lo")),
        "mid-event": sse(chunk_event("Hel")) + b'data: {"choi',
        "before-any": b"",
    }[cut]
    server = serve(always(SSE_HEAD + body, then_close=True))
    rw = client_for(server)
    stream = await resolve(rw.chat("gpt-4o", MESSAGES, stream=True))
    got: list[str] = []
    with pytest.raises((APIConnectionError, ResponseValidationError)) as info:
        await texts_into(got, stream)
    if cut == "mid-event":
        # The half event is not JSON: the stream is refused at it, after what came before.
        assert isinstance(info.value, ResponseValidationError)
    else:
        assert type(info.value) is APIConnectionError
        assert "ended without its [DONE] marker" in str(info.value)
    assert got == {"after-a-chunk": ["Hel", "lo"], "mid-event": ["Hel"], "before-any": []}[cut]


async def test_a_stream_to_its_done_is_complete(
    serve: Callable[..., Server], client_for: Callable[..., Client]
) -> None:
    server = serve(always(SSE_HEAD + sse(chunk_event("Hel"), chunk_event("lo"), "[DONE]")))
    rw = client_for(server)
    stream = await resolve(rw.chat("gpt-4o", MESSAGES, stream=True))
    assert [c.text for c in await collect(stream)] == ["Hel", "lo"]
    assert stream.text == "Hello"


# -- item 9: a stream never read gives its connection back; the caller's pool settings stay ---


def _one_connection(twin: Twin, pool: float = 1.0) -> httpx.Client | httpx.AsyncClient:
    limits = httpx.Limits(max_connections=1)
    timeout = httpx.Timeout(5.0, pool=pool)
    if is_async(twin):
        return httpx.AsyncClient(limits=limits, timeout=timeout)
    return httpx.Client(limits=limits, timeout=timeout)


def _stream_or_chat(conn: Conn, request: Request) -> bool:
    if request.json().get("stream"):
        conn.send(head(200, {"Content-Type": "text/event-stream"}, length=None))
        conn.send(sse(chunk_event("a")))
        conn.stall()  # an open stream: the connection stays busy until the client lets go
        return False
    conn.send(answer(200, CHAT_OK))
    return True


async def test_a_stream_dropped_unread_gives_its_connection_back(
    serve: Callable[..., Server], twin: Twin
) -> None:
    server = serve(_stream_or_chat)
    http = _one_connection(twin)
    rw = twin(API_KEY, base_url=server.base_url, http_client=http, max_retries=0)  # type: ignore[arg-type]
    try:
        stream = await resolve(rw.chat("gpt-4o", MESSAGES, stream=True))
        del stream
        gc.collect()
        # The pool's only connection is free again: the next call gets it at once.
        res = await resolve(rw.chat("gpt-4o", MESSAGES))
        assert res.text == "ok"
        assert len(server.requests) == 2
    finally:
        await close(rw)
        await close(http)


async def test_a_stream_kept_open_keeps_its_connection_and_your_pool_timeout_holds(
    serve: Callable[..., Server], twin: Twin
) -> None:
    server = serve(_stream_or_chat)
    http = _one_connection(twin, pool=0.5)
    rw = twin(API_KEY, base_url=server.base_url, http_client=http, max_retries=0)  # type: ignore[arg-type]
    try:
        # The pool timeout set on the caller's pool stays; the timeouts left at httpx's
        # default take the SDK's.
        assert rw.timeout == httpx.Timeout(connect=5.0, read=300.0, write=60.0, pool=0.5)
        stream = await resolve(rw.chat("gpt-4o", MESSAGES, stream=True))
        with pytest.raises(APITimeoutError, match=r"pool timeout"):
            await resolve(rw.chat("gpt-4o", MESSAGES))  # 0.5 s, not the SDK's 30 s
        await close(stream)
        res = await resolve(rw.chat("gpt-4o", MESSAGES))
        assert res.text == "ok"
    finally:
        await close(rw)
        await close(http)


async def test_timeout_passed_to_the_client_wins_over_your_pools(twin: Twin) -> None:
    http = _one_connection(twin, pool=0.5)
    try:
        kwargs = {"base_url": "http://127.0.0.1:9/api/v1", "http_client": http}
        rw = twin(API_KEY, timeout=7, **kwargs)  # type: ignore[arg-type]
        assert rw.timeout == httpx.Timeout(7.0)
        derived = twin(API_KEY, **kwargs).with_options(timeout=9)  # type: ignore[arg-type]
        assert derived.timeout == httpx.Timeout(9.0)
    finally:
        await close(http)


async def test_the_sdks_own_pool_keeps_the_sdks_timeouts(twin: Twin) -> None:
    client = twin(API_KEY, base_url="http://127.0.0.1:9/api/v1")
    try:
        assert client.timeout == httpx.Timeout(connect=5.0, read=300.0, write=60.0, pool=30.0)
    finally:
        await close(client)


def test_the_sync_client_never_does_io_when_a_stream_is_collected(
    serve: Callable[..., Server],
) -> None:
    # The finaliser only queues the response: it is closed by the next request, here after
    # many streams were dropped (one connection each, all given back then).
    server = serve(_stream_or_chat)
    with Railwail(API_KEY, base_url=server.base_url, max_retries=0) as rw:
        for _ in range(3):
            rw.chat("gpt-4o", MESSAGES, stream=True)  # dropped at once
        gc.collect()
        assert rw.chat("gpt-4o", MESSAGES).text == "ok"
    assert len(server.requests) == 4


async def test_the_async_client_closes_dropped_streams_at_its_next_request(
    serve: Callable[..., Server],
) -> None:
    server = serve(_stream_or_chat)
    async with AsyncRailwail(API_KEY, base_url=server.base_url, max_retries=0) as rw:
        for _ in range(3):
            await rw.chat("gpt-4o", MESSAGES, stream=True)
        gc.collect()
        assert (await rw.with_options(timeout=5).chat("gpt-4o", MESSAGES)).text == "ok"
