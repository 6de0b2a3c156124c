"""What held up against the hostile servers, kept in place: no key or default header on a
download from (or redirected to) another host, redirect loops stopped, file:// refused, a huge
Content-Length refused at once, no partial files, streams retried only before their first
chunk, many concurrent calls without mixed replies, and a client still usable after a
cancellation or Ctrl-C during a retry wait."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hostile_servers import SSE_HEAD, Conn, Request, Server, answer, chunk_event, head, sse

from railwail import (
    APIConnectionError,
    AsyncRailwail,
    Railwail,
    ResponseValidationError,
)
from railwail.types import Image
from support import API_KEY, MESSAGES, PNG, Client, Twin, collect, names, read, resolve, save

pytestmark = pytest.mark.anyio


def generating(image_url: Callable[[], str]) -> Callable[[Conn, Request], bool]:
    """An API that answers every image generation with ``image_url()``."""

    def handler(conn: Conn, request: Request) -> bool:
        conn.send(answer(200, {"created": 1, "data": [{"url": image_url()}]}))
        return True

    return handler


async def test_other_hosts_get_no_key_and_no_default_headers(
    serve: Callable[..., Server], client_for: Callable[..., Client]
) -> None:
    def cdn(conn: Conn, request: Request) -> bool:
        if request.path == "/a.png":
            conn.send(head(302, {"Location": f"{other.url}/b.png"}, length=0))
        else:
            conn.send(answer(200, PNG, {"Content-Type": "image/png"}))
        return True

    api = serve(generating(lambda: f"{cdn_server.url}/a.png"))
    cdn_server = serve(cdn)
    other = serve(cdn)
    rw = client_for(api, default_headers={"X-Team-Secret": "t0p"})
    image = (await resolve(rw.image("flux-schnell", "a cat"))).data[0]
    assert await read(image, rw) == PNG
    assert api.requests[0].headers["authorization"] == f"Bearer {API_KEY}"
    for request in [*cdn_server.requests, *other.requests]:
        assert "authorization" not in request.headers
        assert "x-team-secret" not in request.headers
    assert [r.path for r in other.requests] == ["/b.png"]


async def test_a_redirect_loop_stops_after_ten_hops(
    serve: Callable[..., Server], twin: Twin
) -> None:
    def loop(conn: Conn, request: Request) -> bool:
        conn.send(head(302, {"Location": f"{server.url}/again.png"}, length=0))
        return True

    server = serve(loop)
    with pytest.raises(ResponseValidationError, match=r"redirected more than 10 times"):
        await read(_hand_built(server, "/a.png"), twin)
    assert len(server.requests) == 11  # the first request and 10 redirects followed


async def test_a_redirect_to_file_is_refused(serve: Callable[..., Server], twin: Twin) -> None:
    server = serve(
        lambda conn, request: (
            conn.send(head(302, {"Location": "file:///etc/passwd"}, length=0)) or True
        )
    )
    with pytest.raises(ResponseValidationError, match=r"redirected to 'file:/+etc/passwd'"):
        await read(_hand_built(server, "/a.png"), twin)
    assert len(server.requests) == 1


async def test_a_huge_content_length_is_refused_at_once_and_nothing_is_written(
    serve: Callable[..., Server], twin: Twin, tmp_path: Path
) -> None:
    def liar(conn: Conn, request: Request) -> bool:
        conn.send(head(200, {"Content-Type": "image/png"}, length=10**12))
        conn.stall()
        return False

    server = serve(liar)
    start = time.monotonic()
    with pytest.raises(ResponseValidationError, match="larger than max_download_bytes"):
        await save(_hand_built(server, "/a.png"), twin, tmp_path / "a.png")
    assert time.monotonic() - start < 5  # not the 300 s read timeout
    assert names(tmp_path) == []


async def test_a_download_cut_short_leaves_no_file(
    serve: Callable[..., Server], twin: Twin, tmp_path: Path
) -> None:
    def dropper(conn: Conn, request: Request) -> bool:
        conn.send(head(200, {"Content-Type": "image/png"}, length=1000) + PNG)
        return False  # closes with 990 bytes missing

    server = serve(dropper)
    with pytest.raises(APIConnectionError):
        await save(_hand_built(server, "/a.png"), twin, tmp_path / "a.png")
    assert names(tmp_path) == []


async def test_a_stream_is_retried_before_its_first_chunk_only(
    serve: Callable[..., Server], client_for: Callable[..., Client], sleeps: list[float]
) -> None:
    def handler(conn: Conn, request: Request) -> bool:
        if len(server.requests) == 1:
            conn.send(answer(503, {"error": {"message": "busy"}}))
            return True
        conn.send(SSE_HEAD + sse(chunk_event("a")))
        return False  # the connection drops after the first chunk

    server = serve(handler)
    rw = client_for(server)
    stream = await resolve(rw.chat("gpt-4o", MESSAGES, stream=True))
    with pytest.raises(APIConnectionError):
        await collect(stream)
    assert stream.text == "a"
    assert len(server.requests) == 2
    assert len(sleeps) == 1


def echo(conn: Conn, request: Request) -> bool:
    """A chat answer whose content is the last message sent: replies cannot be mixed unseen."""
    content = request.json()["messages"][-1]["content"]
    conn.send(answer(200, {"choices": [{"message": {"role": "assistant", "content": content}}]}))
    return True


async def test_two_hundred_concurrent_async_calls_get_their_own_replies(
    serve: Callable[..., Server],
) -> None:
    server = serve(echo)
    async with AsyncRailwail(API_KEY, base_url=server.base_url) as rw:
        replies = await asyncio.gather(
            *(rw.chat("gpt-4o", [{"role": "user", "content": f"p{i}"}]) for i in range(200))
        )
    assert [r.text for r in replies] == [f"p{i}" for i in range(200)]
    assert len(server.requests) == 200


def test_thirty_two_threads_get_their_own_replies(serve: Callable[..., Server]) -> None:
    server = serve(echo)

    def calls(rw: Railwail, worker: int) -> list[str]:
        return [
            rw.chat("gpt-4o", [{"role": "user", "content": f"w{worker}-{n}"}]).text
            for n in range(4)
        ]

    with Railwail(API_KEY, base_url=server.base_url) as rw, ThreadPoolExecutor(32) as pool:
        results = list(pool.map(lambda w: calls(rw, w), range(32)))
    assert results == [[f"w{w}-{n}" for n in range(4)] for w in range(32)]


def busy_once(server_requests: Callable[[], int]) -> Callable[[Conn, Request], bool]:
    """503 with Retry-After: 5 to the first request, answers after that."""

    def handler(conn: Conn, request: Request) -> bool:
        if server_requests() == 1:
            conn.send(answer(503, {"error": {"message": "busy"}}, {"Retry-After": "5"}))
        else:
            conn.send(echo_answer(request))
        return True

    return handler


def echo_answer(request: Request) -> bytes:
    content = request.json()["messages"][-1]["content"]
    return answer(200, {"choices": [{"message": {"role": "assistant", "content": content}}]})


async def test_a_task_cancelled_during_a_retry_wait_leaves_the_client_usable(
    serve: Callable[..., Server],
) -> None:
    server = serve(busy_once(lambda: len(server.requests)))
    async with AsyncRailwail(API_KEY, base_url=server.base_url) as rw:
        task = asyncio.create_task(rw.chat("gpt-4o", [{"role": "user", "content": "first"}]))
        await asyncio.to_thread(server.wait_for)
        await asyncio.sleep(0.1)  # now in the 5 s retry wait
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        reply = await rw.chat("gpt-4o", [{"role": "user", "content": "second"}])
    assert reply.text == "second"
    assert len(server.requests) == 2


@pytest.fixture
def ctrl_c_raises() -> Iterator[None]:
    """SIGINT raises KeyboardInterrupt, however pytest was started: a process started in the
    background by a shell without job control inherits SIGINT ignored, and Python then
    installs no handler of its own."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@pytest.mark.usefixtures("ctrl_c_raises")
def test_ctrl_c_during_a_retry_wait_leaves_the_client_usable(
    serve: Callable[..., Server],
) -> None:
    assert threading.current_thread() is threading.main_thread()  # where SIGINT lands
    server = serve(busy_once(lambda: len(server.requests)))

    def press_ctrl_c() -> None:
        server.wait_for()
        time.sleep(0.2)  # the client is in its 5 s wait by now
        os.kill(os.getpid(), signal.SIGINT)

    with Railwail(API_KEY, base_url=server.base_url) as rw:
        presser = threading.Thread(target=press_ctrl_c)
        presser.start()
        start = time.monotonic()
        with pytest.raises(KeyboardInterrupt):
            rw.chat("gpt-4o", [{"role": "user", "content": "first"}])
        presser.join(5)
        assert time.monotonic() - start < 4  # the wait was cut short
        reply = rw.chat("gpt-4o", [{"role": "user", "content": "second"}])
    assert reply.text == "second"


def _hand_built(server: Server, path: str) -> Image:
    """An image built by hand: it downloads through an anonymous client (no key, no retry)."""
    return Image(url=server.url + path)
