"""Sizes against servers that bomb or flood (issue 9, items 3-4; SPEC section 7): decoded bytes
are counted as they arrive (a gzip bomb stops at the cap, memory stays flat), API answers have
a cap of their own, and a chat stream's lines and events are capped and decoded in linear
time."""

from __future__ import annotations

import gzip
import tracemalloc
import zlib
from collections.abc import Callable

import pytest
from hostile_servers import SSE_HEAD, Conn, Request, Server, answer, chunk_event, head, sse

from railwail import AuthenticationError, ResponseValidationError
from railwail._streaming import ServerSentEvent, SSEDecoder
from support import MESSAGES, Client, collect, read, resolve

pytestmark = pytest.mark.anyio

GIB = 1 << 30
BOMB_SIZE = 256 << 20  # decoded; the was 1 GiB: as flat, a quarter of the set-up time


def gzip_of_gzip_bomb(size: int) -> bytes:
    """``size`` bytes of zeros, gzipped twice: about a kilobyte on the wire."""
    inner = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b"\0" * (1 << 24)
    data = b"".join(inner.compress(block) for _ in range(size // len(block))) + inner.flush()
    return gzip.compress(data, 9)


@pytest.fixture(scope="module")
def bomb() -> bytes:
    data = gzip_of_gzip_bomb(BOMB_SIZE)
    assert len(data) < 4096
    return data


def serving(body: bytes, headers: dict[str, str]) -> Callable[[Conn, Request], bool]:
    def handler(conn: Conn, request: Request) -> bool:
        conn.send(head(200, headers, length=len(body)) + body)
        return True

    return handler


async def test_a_gzip_bomb_image_stops_at_the_cap_with_memory_flat(
    serve: Callable[..., Server], client_for: Callable[..., Client], bomb: bytes
) -> None:
    def handler(conn: Conn, request: Request) -> bool:
        if request.method == "POST":
            conn.send(answer(200, {"created": 1, "data": [{"url": f"{server.url}/bomb.png"}]}))
        else:
            headers = {"Content-Type": "image/png", "Content-Encoding": "gzip, gzip"}
            conn.send(head(200, headers, length=len(bomb)) + bomb)
        return True

    server = serve(handler)
    rw = client_for(server, max_download_bytes=1_000_000)
    image = (await resolve(rw.image("flux-schnell", "a cat"))).data[0]
    tracemalloc.start()
    try:
        with pytest.raises(
            ResponseValidationError, match=r"larger than max_download_bytes=1000000"
        ):
            await read(image, rw)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # The cap, what is decoded in one step, and the client's own working memory: far below
    # the 256 MiB the body inflates to (the whole of it was decoded before the cap).
    assert peak < 16 * 1024 * 1024
    assert server.paths() == ["/api/v1/images/generations", "/bomb.png"]


async def test_a_gzip_bomb_api_answer_stops_at_max_response_bytes(
    serve: Callable[..., Server], client_for: Callable[..., Client], bomb: bytes
) -> None:
    server = serve(
        serving(bomb, {"Content-Type": "application/json", "Content-Encoding": "gzip, gzip"})
    )
    rw = client_for(server, max_response_bytes=2_000_000)
    tracemalloc.start()
    try:
        with pytest.raises(ResponseValidationError) as info:
            await resolve(rw.chat("gpt-4o", MESSAGES))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "larger than max_response_bytes=2000000" in str(info.value)
    assert "Railwail(max_response_bytes=...)" in str(info.value)
    assert peak < 16 * 1024 * 1024
    assert len(server.requests) == 1  # not retried: it would fail the same way


async def test_api_answers_have_a_cap_that_with_options_changes(
    serve: Callable[..., Server], client_for: Callable[..., Client]
) -> None:
    big = b'{"choices": [{"message": {"role": "assistant", "content": "' + b"a" * 5000 + b'"}}]}'
    server = serve(serving(big, {"Content-Type": "application/json"}))
    rw = client_for(server, max_response_bytes=1000)
    with pytest.raises(ResponseValidationError, match="max_response_bytes=1000"):
        await resolve(rw.chat("gpt-4o", MESSAGES))
    res = await resolve(rw.with_options(max_response_bytes=10_000).chat("gpt-4o", MESSAGES))
    assert res.text == "a" * 5000


async def test_a_huge_declared_length_is_refused_before_reading(
    serve: Callable[..., Server], client_for: Callable[..., Client]
) -> None:
    def liar(conn: Conn, request: Request) -> bool:
        conn.send(head(200, {"Content-Type": "application/json"}, length=10 * GIB))
        conn.stall()  # sends none of it: the refusal must not wait for the body
        return False

    server = serve(liar)
    rw = client_for(server, max_retries=0)
    with pytest.raises(ResponseValidationError, match="max_response_bytes"):
        await resolve(rw.chat("gpt-4o", MESSAGES, timeout=5))


@pytest.mark.parametrize("encoding", ["br", "zstd", "gzip, br"])
async def test_encodings_that_cannot_be_capped_are_refused(
    serve: Callable[..., Server], client_for: Callable[..., Client], encoding: str
) -> None:
    server = serve(
        serving(b"\x1b\x00\x00", {"Content-Type": "application/json", "Content-Encoding": encoding})
    )
    rw = client_for(server)
    with pytest.raises(ResponseValidationError, match=r"compressed with '(br|zstd)'"):
        await resolve(rw.chat("gpt-4o", MESSAGES))
    # The SDK asks for what it can cap.
    assert server.requests[0].headers["accept-encoding"] == "gzip, deflate"


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda data: zlib.compress(data)[2:-4]),  # raw deflate, as some servers send
        ("gzip, gzip", lambda data: gzip.compress(gzip.compress(data))),
        ("x-gzip", gzip.compress),
        ("identity", lambda data: data),
    ],
    ids=["gzip", "deflate", "raw-deflate", "gzip-gzip", "x-gzip", "identity"],
)
async def test_compressed_answers_within_the_cap_are_decoded(
    serve: Callable[..., Server],
    client_for: Callable[..., Client],
    encoding: str,
    encode: Callable[[bytes], bytes],
) -> None:
    text = "word " * 50_000  # 250 KB: several decoding steps
    body = b'{"choices": [{"message": {"role": "assistant", "content": "%s"}}]}' % text.encode()
    server = serve(
        serving(encode(body), {"Content-Type": "application/json", "Content-Encoding": encoding})
    )
    rw = client_for(server)
    res = await resolve(rw.chat("gpt-4o", MESSAGES))
    assert res.text == text


async def test_truncated_or_corrupt_gzip_is_refused(
    serve: Callable[..., Server], client_for: Callable[..., Client]
) -> None:
    whole = gzip.compress(b'{"choices": []}' * 100)
    server = serve(
        serving(whole[:-12], {"Content-Type": "application/json", "Content-Encoding": "gzip"})
    )
    rw = client_for(server, max_retries=0)
    with pytest.raises(ResponseValidationError, match="gzip data ends before its end"):
        await resolve(rw.chat("gpt-4o", MESSAGES))
    server2 = serve(
        serving(
            b"not gzip at all", {"Content-Type": "application/json", "Content-Encoding": "gzip"}
        )
    )
    with pytest.raises(ResponseValidationError, match="gzip data is corrupt"):
        await resolve(client_for(server2, max_retries=0).chat("gpt-4o", MESSAGES))


async def test_an_error_answer_that_bombs_keeps_its_status(
    serve: Callable[..., Server], client_for: Callable[..., Client], bomb: bytes
) -> None:
    # An error body is cut at the cap rather than refused: the status is what matters.
    server = serve(
        lambda conn, request: (
            conn.send(
                head(
                    401,
                    {"Content-Type": "application/json", "Content-Encoding": "gzip, gzip"},
                    length=len(bomb),
                )
                + bomb
            )
            or True
        )
    )
    rw = client_for(server, max_response_bytes=10_000)
    with pytest.raises(AuthenticationError) as info:
        await resolve(rw.chat("gpt-4o", MESSAGES))
    assert len(info.value.body) <= 10_000


# -- item 4: the chat stream's lines and events ------------------------------------------------


async def test_a_stream_line_longer_than_the_cap_is_refused(
    serve: Callable[..., Server], client_for: Callable[..., Client]
) -> None:
    def flood(conn: Conn, request: Request) -> bool:
        conn.send(SSE_HEAD + b"data: ")
        for _ in range(40):  # 40 MiB without a line end
            conn.send(b"x" * (1 << 20))
        return False

    server = serve(flood)
    rw = client_for(server)
    tracemalloc.start()
    try:
        stream = await resolve(rw.chat("gpt-4o", MESSAGES, stream=True))
        with pytest.raises(ResponseValidationError, match=r"a line longer than 1048576 bytes"):
            await collect(stream)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * 1024 * 1024


async def test_a_stream_event_larger_than_the_cap_is_refused(
    serve: Callable[..., Server], client_for: Callable[..., Client]
) -> None:
    # Short data lines, never a blank line: the event would grow without end.
    def flood(conn: Conn, request: Request) -> bool:
        conn.send(SSE_HEAD)
        for _ in range(64):
            conn.send((b"data: " + b"y" * 1000 + b"\n") * 32)
        return False

    server = serve(flood)
    rw = client_for(server)
    stream = await resolve(rw.chat("gpt-4o", MESSAGES, stream=True))
    with pytest.raises(ResponseValidationError, match=r"an event longer than 1048576 bytes"):
        await collect(stream)


async def test_a_megabyte_of_comment_lines_is_read_quickly(
    serve: Callable[..., Server], client_for: Callable[..., Client]
) -> None:
    body = b":\n" * (1 << 19) + sse(chunk_event("hi"), "[DONE]")

    def handler(conn: Conn, request: Request) -> bool:
        conn.send(SSE_HEAD)
        for i in range(0, len(body), 4096):
            conn.send(body[i : i + 4096])
        return False

    server = serve(handler)
    rw = client_for(server)
    stream = await resolve(rw.chat("gpt-4o", MESSAGES, stream=True))
    assert [chunk.text for chunk in await collect(stream)] == ["hi"]


def test_the_decoder_is_linear_for_one_long_line() -> None:
    # 40 MiB in one line, arriving in 4 KiB reads: re-joining the line on every read (what the
    # decoder did) copies ~200 GB; joined once at its end it is a fraction of a second. (The
    # test's 30 s limit is the bound: no timing is asserted.)
    decoder = SSEDecoder(max_line=64 << 20)
    piece = b"z" * 4096
    assert decoder.feed(b"data: ") == []
    for _ in range((40 << 20) // len(piece)):
        assert decoder.feed(piece) == []
    (event,) = decoder.feed(b"\n\n")
    assert len(event.data) == 40 << 20


def test_the_decoder_caps_lines_and_events_as_configured() -> None:
    decoder = SSEDecoder(max_line=100)
    assert decoder.feed(b"data: " + b"a" * 50 + b"\n\n") == [ServerSentEvent(None, "a" * 50)]
    for _ in range(10):
        assert decoder.feed(b"b" * 10) == []  # 100 bytes pending: at the cap, not past it
    with pytest.raises(ResponseValidationError, match="a line longer than 100 bytes"):
        decoder.feed(b"b")
    decoder = SSEDecoder(max_line=100)
    with pytest.raises(ResponseValidationError, match="an event longer than 100 bytes"):
        decoder.feed(b"data: 0123456789\n" * 12)
    decoder = SSEDecoder(max_line=100)
    with pytest.raises(ResponseValidationError, match="a line longer than 100 bytes"):
        decoder.feed(b": " + b"c" * 200 + b"\n")  # within one read, too


async def test_a_compressed_stream_is_decoded_step_by_step(
    serve: Callable[..., Server], client_for: Callable[..., Client]
) -> None:
    body = gzip.compress(sse(*(chunk_event(f"t{i} ") for i in range(200)), "[DONE]"))

    def handler(conn: Conn, request: Request) -> bool:
        conn.send(
            head(
                200,
                {"Content-Type": "text/event-stream", "Content-Encoding": "gzip"},
                length=len(body),
            )
        )
        conn.send(body)
        return True

    server = serve(handler)
    rw = client_for(server)
    stream = await resolve(rw.chat("gpt-4o", MESSAGES, stream=True))
    chunks = await collect(stream)
    assert "".join(c.text for c in chunks) == "".join(f"t{i} " for i in range(200))
