"""Timeouts against servers that trickle, stall or keep asking for retries (issue 9, items 1-2;
SPEC section 7): each attempt's whole answer arrives within its read timeout, and
``total_timeout`` bounds a whole call. Elapsed times are checked against the limit the test
sets (a generous margin: without the limits these calls run for many seconds). The limits are
short (0.5-1 s) so the file runs quickly; each bound stays a second or more below what a call
without the limit would take, which keeps the tests steady on a loaded machine."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest
from hostile_servers import CHAT_OK, SSE_HEAD, Conn, Request, Server, answer, chunk_event, head, sse

from railwail import APITimeoutError, AsyncRailwail, Railwail
from support import MESSAGES, PNG, Client, Twin, collect, is_async, read, resolve

pytestmark = pytest.mark.anyio

BODY = b'{"choices": [{"message": {"role": "assistant", "content": "' + b"x" * 200 + b'"}}]}'


def trickling(every: float = 0.1) -> Callable[[Conn, Request], bool]:
    """Headers at once, then the body a byte at a time (the whole would take 20+ s)."""

    def handler(conn: Conn, request: Request) -> bool:
        conn.send(head(200, {"Content-Type": "application/json"}, length=len(BODY)))
        conn.trickle(BODY, every)
        return False

    return handler


def trickle_then_stall(seconds: float) -> Callable[[Conn, Request], bool]:
    """Headers at once, a byte every 0.1 s for ``seconds``, then nothing."""

    def handler(conn: Conn, request: Request) -> bool:
        conn.send(head(200, {"Content-Type": "application/json"}, length=len(BODY)))
        conn.trickle(BODY[: round(seconds * 10)], 0.1)
        conn.stall()
        return False

    return handler


async def timed_chat(client: Client, **options: object) -> tuple[BaseException, float]:
    start = time.monotonic()
    with pytest.raises(APITimeoutError) as info:
        await resolve(client.chat("gpt-4o", MESSAGES, **options))  # type: ignore[call-overload]
    return info.value, time.monotonic() - start


# -- item 1: the whole answer within the read timeout ---------------------------------------


async def test_a_body_trickled_a_byte_at_a_time_times_out(
    serve: Callable[..., Server], client_for: Callable[..., Client]
) -> None:
    server = serve(trickling())
    rw = client_for(server)
    err, elapsed = await timed_chat(rw.with_options(max_retries=0), timeout=0.5)
    assert elapsed < 2.0  # the trickle alone would take over 20 s
    assert "the whole answer did not arrive within the read timeout (0.5 s)" in str(err)
    assert err.attempts == 1
    assert len(server.requests) == 1


async def test_a_body_that_trickles_then_stalls_times_out_at_the_deadline(
    serve: Callable[..., Server], client_for: Callable[..., Client]
) -> None:
    # 0.9 s of trickle, then silence: a check between reads alone would give up only one read
    # timeout after the last byte (1.9 s); each read waits only for what is left of 1 s.
    server = serve(trickle_then_stall(0.9))
    rw = client_for(server, max_retries=0)
    err, elapsed = await timed_chat(rw, timeout=1)
    assert 0.95 <= elapsed < 1.6
    assert "within the read timeout (1 s)" in str(err)


async def test_headers_trickled_a_byte_at_a_time_time_out(
    serve: Callable[..., Server], client_for: Callable[..., Client]
) -> None:
    def handler(conn: Conn, request: Request) -> bool:
        conn.send(b"HTTP/1.1 200 OK\r\n")
        conn.trickle(b"X-Slow: " + b"a" * 200 + b"\r\n", 0.1)
        return False

    server = serve(handler)
    rw = client_for(server, max_retries=0)
    err, elapsed = await timed_chat(rw, timeout=0.5)
    assert elapsed < 2.0  # the headers alone would take 20 s
    assert "within the read timeout (0.5 s)" in str(err)


async def test_an_image_download_that_trickles_times_out(
    serve: Callable[..., Server], client_for: Callable[..., Client]
) -> None:
    body = PNG + b"\0" * 200

    def handler(conn: Conn, request: Request) -> bool:
        if request.method == "POST":
            conn.send(answer(200, {"created": 1, "data": [{"url": f"{server.url}/a.png"}]}))
            return True
        conn.send(head(200, {"Content-Type": "image/png"}, length=len(body)))
        conn.trickle(body, 0.1)
        return False

    server = serve(handler)
    rw = client_for(server, max_retries=0, timeout=0.5)
    res = await resolve(rw.image("flux-schnell", "a cat"))
    start = time.monotonic()
    with pytest.raises(APITimeoutError, match=r"within the read timeout \(0\.5 s\)"):
        await read(res.data[0], rw)
    assert time.monotonic() - start < 2.0  # the trickle would take 20 s
    assert server.paths() == ["/api/v1/images/generations", "/a.png"]


async def test_an_answer_on_time_is_read_whole(
    serve: Callable[..., Server], client_for: Callable[..., Client]
) -> None:
    # A body in pieces that ends well before the deadline is not cut short.
    server = serve(trickling(every=0.001))
    rw = client_for(server, max_retries=0)
    res = await resolve(rw.chat("gpt-4o", MESSAGES, timeout=10))
    assert res.text == "x" * 200


async def test_with_your_own_http_client_a_trickle_still_times_out(
    serve: Callable[..., Server], twin: Twin
) -> None:
    # A pool of the caller's own: the async twin still cancels at the deadline; the sync twin
    # checks between reads, each of which waits at most what was left when the body began
    # (README "Limits": up to about twice the timeout when the server stalls mid-answer).
    server = serve(trickle_then_stall(0.5))
    if is_async(twin):
        async with (
            httpx.AsyncClient() as http,
            AsyncRailwail(
                "rw_test_0123456789abcdefghij", base_url=server.base_url, http_client=http
            ) as rw,
        ):
            err, elapsed = await timed_chat(rw.with_options(max_retries=0), timeout=1)
        assert elapsed < 1.6
    else:
        with (
            httpx.Client() as http,
            Railwail(
                "rw_test_0123456789abcdefghij", base_url=server.base_url, http_client=http
            ) as rw,
        ):
            err, elapsed = await timed_chat(rw.with_options(max_retries=0), timeout=1)
        assert elapsed < 2.5
    assert isinstance(err, APITimeoutError)


# -- item 2: total_timeout -------------------------------------------------------------------


async def test_a_retry_wait_past_total_timeout_is_not_slept(
    serve: Callable[..., Server], real_client: Callable[..., Client]
) -> None:
    server = serve(
        lambda conn, request: (
            conn.send(answer(503, {"error": {"message": "busy"}}, {"Retry-After": "5"})) or True
        )
    )
    rw = real_client(server, timeout=1)
    err, elapsed = await timed_chat(rw, total_timeout=2)
    assert elapsed < 1.0  # raised at once: the 5 s wait would end past the 2 s budget
    assert len(server.requests) == 1
    assert err.attempts == 1
    text = str(err)
    assert "total_timeout (2 s) ran out after attempt 1 (503)" in text
    assert "the wait of 5.0 s before the next one would end past it" in text
    assert "(POST " in text
    assert "1 attempt over" in text
    assert "Pass a larger total_timeout=" in text
    assert "503" in str(err.__cause__)


async def test_total_timeout_bounds_a_silent_server(
    serve: Callable[..., Server], real_client: Callable[..., Client]
) -> None:
    def silent(conn: Conn, request: Request) -> bool:
        conn.stall()
        return False

    server = serve(silent)
    rw = real_client(server, timeout=60, max_retries=2)
    err, elapsed = await timed_chat(rw, total_timeout=0.5)
    assert 0.45 <= elapsed < 1.5  # not 3 attempts of 60 s
    assert "total_timeout (0.5 s) ran out during attempt 1" in str(err)
    assert err.attempts == 1


async def test_total_timeout_spans_attempts_and_waits(
    serve: Callable[..., Server], real_client: Callable[..., Client]
) -> None:
    # Each attempt takes 0.4 s and fails; with backoff the third would start after ~1.7 s.
    def slow_503(conn: Conn, request: Request) -> bool:
        conn.wait(0.4)
        conn.send(answer(503, {"error": {"message": "busy"}}))
        return True

    server = serve(slow_503)
    rw = real_client(server, max_retries=5)
    err, elapsed = await timed_chat(rw, total_timeout=1.5)
    assert elapsed < 2.2
    assert 2 <= err.attempts <= 3
    assert len(server.requests) == err.attempts
    assert f"{err.attempts} attempts over" in str(err)


async def test_total_timeout_from_the_client_and_with_options(
    serve: Callable[..., Server], real_client: Callable[..., Client]
) -> None:
    server = serve(lambda conn, request: conn.stall() or False)
    rw = real_client(server, timeout=60, total_timeout=0.5)
    assert rw.total_timeout == 0.5
    assert rw.with_options(total_timeout=None).total_timeout is None
    err, elapsed = await timed_chat(rw)
    assert elapsed < 1.5
    assert "total_timeout (0.5 s)" in str(err)
    # The call's own value wins over the client's.
    err, elapsed = await timed_chat(rw.with_options(total_timeout=30), total_timeout=0.3)
    assert elapsed < 1.3
    assert "total_timeout (0.3 s)" in str(err)


async def test_total_timeout_bounds_a_whole_stream(
    serve: Callable[..., Server], real_client: Callable[..., Client]
) -> None:
    def endless(conn: Conn, request: Request) -> bool:
        conn.send(SSE_HEAD)
        for i in range(100):
            conn.send(sse(chunk_event(f"w{i} ")))
            conn.wait(0.1)
        return False

    server = serve(endless)
    rw = real_client(server, timeout=5)
    start = time.monotonic()
    stream = await resolve(rw.chat("gpt-4o", MESSAGES, stream=True, total_timeout=0.5))
    with pytest.raises(APITimeoutError, match=r"total_timeout ran out during the chat stream"):
        await collect(stream)
    assert time.monotonic() - start < 1.5  # the whole stream would take 10 s
    assert stream.text.startswith("w0 w1 ")  # what arrived in time was delivered


async def test_run_on_an_image_model_downloads_within_total_timeout(
    serve: Callable[..., Server], real_client: Callable[..., Client]
) -> None:
    body = PNG + b"\0" * 100

    def handler(conn: Conn, request: Request) -> bool:
        if request.method == "POST":
            conn.send(answer(200, {"created": 1, "data": [{"url": f"{server.url}/a.png"}]}))
            return True
        if request.path == "/fast.png":
            conn.send(answer(200, body, {"Content-Type": "image/png"}))
            return True
        conn.send(head(200, {"Content-Type": "image/png"}, length=len(body)))
        conn.trickle(body, 0.1)
        return False

    server = serve(handler)
    rw = real_client(server, timeout=30)
    # Without a total_timeout, run() returns the images and downloads nothing.
    images = await resolve(rw.run("flux-schnell", "a cat"))
    assert [image.url for image in images] == [f"{server.url}/a.png"]
    assert server.paths() == ["/api/v1/images/generations"]
    # With one, it downloads them before returning, within the budget.
    start = time.monotonic()
    with pytest.raises(APITimeoutError, match=r"total_timeout \(0\.6 s\)"):
        await resolve(rw.run("flux-schnell", "a cat", total_timeout=0.6))
    assert time.monotonic() - start < 1.6  # the trickled download would take 10 s
    assert server.paths()[1:] == ["/api/v1/images/generations", "/a.png"]


async def test_run_with_total_timeout_returns_downloaded_images(
    serve: Callable[..., Server], real_client: Callable[..., Client]
) -> None:
    def handler(conn: Conn, request: Request) -> bool:
        if request.method == "POST":
            conn.send(answer(200, {"created": 1, "data": [{"url": f"{server.url}/a.png"}]}))
        else:
            conn.send(answer(200, PNG, {"Content-Type": "image/png"}))
        return True

    server = serve(handler)
    rw = real_client(server)
    (image,) = await resolve(rw.run("flux-schnell", "a cat", total_timeout=10))
    assert server.paths() == ["/api/v1/images/generations", "/a.png"]
    assert await read(image, rw) == PNG  # already in hand: no second download
    assert server.paths() == ["/api/v1/images/generations", "/a.png"]


async def test_answers_within_total_timeout_are_returned(
    serve: Callable[..., Server], real_client: Callable[..., Client]
) -> None:
    def handler(conn: Conn, request: Request) -> bool:
        if request.path.startswith("/api/v1/models/"):
            conn.send(answer(200, {"id": "gpt-4o", "category": "text"}))
        else:
            conn.send(answer(200, CHAT_OK))
        return True

    server = serve(handler)
    rw = real_client(server, total_timeout=5)
    res = await resolve(rw.chat("gpt-4o", MESSAGES, total_timeout=2))
    assert res.text == "ok"
    model = await resolve(rw.models.get("gpt-4o", total_timeout=2))
    assert model.category == "text"
    assert server.paths() == ["/api/v1/chat/completions", "/api/v1/models/gpt-4o"]
