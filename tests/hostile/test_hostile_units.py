"""The pure pieces behind the limits, one case at a time: the total_timeout check, the capped
decoder's corners, scrubbing secrets, the image check, the deadline scopes and the sync
pool's clipped streams, errors with their attempts through pickle, and the paths where a
pool of the caller's own is checked between reads."""

from __future__ import annotations

import gzip
import math
import pickle
import random
import time
import zlib
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from hostile_servers import SSE_HEAD, Conn, Request, Server, answer, chunk_event, head, sse

from railwail import (
    APIConnectionError,
    APITimeoutError,
    Railwail,
    ResponseValidationError,
    ServerError,
)
from railwail._call_options import call_options, check_total_timeout
from railwail._deadline import (
    CALL_DEADLINE,
    CallBudget,
    CallScope,
    _ClippedBackend,
    clip_read_timeout,
)
from railwail._decoding import MAX_STAGES, BodyDecoder
from railwail._download import is_image_bytes, location
from railwail._secrets import query_replacements, scrub
from support import API_KEY, MESSAGES

BIG = ResponseValidationError("too big")


# -- total_timeout values -----------------------------------------------------------------------


@pytest.mark.parametrize("value", [-1, 0, math.inf, math.nan])
def test_total_timeout_must_be_positive_and_finite(value: float) -> None:
    with pytest.raises(ValueError, match="total_timeout must be a positive, finite number"):
        check_total_timeout(value)


@pytest.mark.parametrize("value", ["5", True, [1]])
def test_total_timeout_must_be_a_number_or_none(value: object) -> None:
    with pytest.raises(TypeError, match="total_timeout must be a number of seconds or None"):
        call_options(total_timeout=value)


def test_total_timeout_of_a_call_and_of_a_client() -> None:
    assert call_options(total_timeout=2).total_timeout == 2.0
    assert call_options(total_timeout=None).total_timeout is None
    with pytest.raises(ValueError, match="total_timeout"):
        Railwail(API_KEY, base_url="http://127.0.0.1:9/api/v1", total_timeout=0)


# -- the decoder's corners ----------------------------------------------------------------------


def test_lenient_decoding_keeps_what_it_could_decode() -> None:
    data = random.Random(9).randbytes(20_000)  # does not compress: cut, most of it remains
    decoder = BodyDecoder("gzip", 100_000, lambda: BIG, lenient=True)
    decoder.feed(gzip.compress(data)[:10_000])
    decoded = decoder.finish()
    assert 5_000 < len(decoded) < 10_000
    assert data.startswith(decoded)
    corrupt = BodyDecoder("gzip", 100, lambda: BIG, lenient=True)
    corrupt.feed(b"\x1f\x8b not really")
    corrupt.feed(b"more")
    assert corrupt.finish() == b""
    unknown = BodyDecoder("br", 100, lambda: BIG, lenient=True)
    unknown.feed(b"anything")
    assert unknown.finish() == b""


def test_lenient_decoding_cuts_at_the_cap() -> None:
    decoder = BodyDecoder(None, 5, lambda: BIG, lenient=True)
    decoder.feed(b"0123456789")
    assert decoder.done
    decoder.feed(b"more")
    assert decoder.finish() == b"01234"
    bomb = BodyDecoder("gzip", 1000, lambda: BIG, lenient=True)
    bomb.feed(gzip.compress(b"\0" * 10_000_000))
    assert bomb.finish() == b"\0" * 1000


def test_more_stages_than_allowed_are_refused() -> None:
    with pytest.raises(ResponseValidationError, match=f"at most {MAX_STAGES} stages"):
        BodyDecoder(", ".join(["gzip"] * (MAX_STAGES + 1)), 100, lambda: BIG)


def test_unknown_encodings_pass_through_as_httpx_lets_them() -> None:
    decoder = BodyDecoder("x-custom, identity", 100, lambda: BIG)
    decoder.feed(b"raw bytes")
    assert decoder.finish() == b"raw bytes"


def test_a_stream_decoder_hands_over_what_each_step_gives() -> None:
    data = zlib.compress(b"line\n" * 10_000)
    decoder = BodyDecoder("deflate", None, lambda: BIG)
    out = b"".join(decoder.decode(data[i : i + 100]) for i in range(0, len(data), 100))
    assert out == b"line\n" * 10_000
    assert decoder.finish() == b""


# -- secrets ------------------------------------------------------------------------------------


def test_scrub_reaches_into_bytes_and_nested_values_and_stops_at_a_depth() -> None:
    replacements = {"s3cr3t": "****"}
    assert scrub(b"x s3cr3t y", replacements) == b"x **** y"
    same = b"nothing here"
    assert scrub(same, replacements) is same
    nested: Any = "s3cr3t"
    for _ in range(40):
        nested = [nested]
    assert scrub(nested, replacements) is nested  # deeper than any error body: left alone
    assert scrub({"k": ("a", "s3cr3t")}, replacements) == {"k": ("a", "****")}
    assert scrub(7, replacements) == 7


def test_query_replacements_drop_the_query_and_keep_the_fragment_out() -> None:
    assert query_replacements(["https://cdn/a.png?sig=1&e=2#top", "https://cdn/b.png"]) == {
        "?sig=1&e=2": ""
    }


def test_errors_keep_their_attempts_and_hint_through_pickle() -> None:
    err = APITimeoutError("total_timeout (1 s) ran out", method="POST", url="http://x/y")
    err.attempts, err.elapsed, err.hint = 3, 1.25, "Pass a larger total_timeout="
    copy = pickle.loads(pickle.dumps(err))
    assert (copy.attempts, copy.elapsed, copy.hint) == (3, 1.25, "Pass a larger total_timeout=")
    assert str(copy) == str(err)
    assert "3 attempts over 1.2 s" in str(copy) or "3 attempts over 1.3 s" in str(copy)
    api = ServerError("busy", status=503)
    api.attempts, api.elapsed = 2, 0.5
    assert "2 attempts over 0.5 s" in str(pickle.loads(pickle.dumps(api)))
    rve = ResponseValidationError("bad", body={"a": 1}, request_id="r1")
    assert pickle.loads(pickle.dumps(rve)).body == {"a": 1}
    assert APIConnectionError("x")._tries() == ""


# -- the image check and redirects ------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"\xef\xbb\xbf<svg xmlns='http://www.w3.org/2000/svg'/>",
        b"\x00\x00\x00\x1cftypheic....",
        b"BM\x00\x00",
        b"II*\x00tiff",
    ],
    ids=["svg-bom", "heic", "bmp", "tiff"],
)
def test_image_formats_beyond_the_common_ones_are_images(data: bytes) -> None:
    assert is_image_bytes(data)


def test_a_location_that_is_not_a_url_is_a_validation_error() -> None:
    response = httpx.Response(
        302,
        headers={"location": "http://[::1/x?sig=1"},
        request=httpx.Request("GET", "http://127.0.0.1:9/a.png"),
    )
    with pytest.raises(ResponseValidationError, match=r"redirected to a URL that is not valid"):
        location(response)


# -- the deadline pieces ------------------------------------------------------------------------


def test_no_time_left_means_no_next_attempt() -> None:
    budget = CallBudget(read=10.0, total=0.001)
    time.sleep(0.01)
    with pytest.raises(APITimeoutError, match=r"ran out before the next attempt could start"):
        budget.begin_attempt(httpx.Request("GET", "http://127.0.0.1:9/"))


def test_an_enclosing_deadline_that_ends_first_wins() -> None:
    with CallScope(1.0) as outer:
        with CallScope(60.0) as inner:
            assert inner == outer
            assert CALL_DEADLINE.get() == (outer, 1.0)
        budget = CallBudget(read=None, total=30.0)
        assert (budget.deadline, budget.total) == (outer, 1.0)
    assert CALL_DEADLINE.get() is None
    with CallScope() as none:
        assert none is None


def test_clip_read_timeout_leaves_requests_without_timeouts_alone() -> None:
    request = httpx.Request("GET", "http://127.0.0.1:9/")
    clip_read_timeout(request, time.monotonic() + 5)
    assert "timeout" not in request.extensions
    request.extensions["timeout"] = {"read": 1.0}
    clip_read_timeout(request, time.monotonic() + 5)
    assert request.extensions["timeout"] == {"read": 1.0}


class _Inner:
    def __init__(self) -> None:
        self.seen: list[tuple[str, object]] = []

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> Any:
        self.seen.append(("unix", timeout))
        return self

    def sleep(self, seconds: float) -> None:
        self.seen.append(("sleep", seconds))

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        self.seen.append(("read", timeout))
        return b""

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.seen.append(("write", timeout))


def test_the_clipped_backend_passes_everything_through_outside_an_attempt() -> None:
    inner = _Inner()
    backend = _ClippedBackend(inner)
    stream = backend.connect_unix_socket("/tmp/x.sock", timeout=3.0)
    backend.sleep(0.5)
    stream.read(10, None)
    stream.write(b"x", 2.0)
    assert inner.seen == [("unix", 3.0), ("sleep", 0.5), ("read", None), ("write", 2.0)]


# -- a pool of the caller's own: the body checked between reads -------------------------------


@pytest.mark.parametrize("encoding", [None, "gzip"])
def test_your_own_sync_pool_is_checked_between_reads(
    serve: Callable[..., Server], encoding: str | None
) -> None:
    body = b'{"choices": []}' + b" " * 400
    if encoding:
        body = gzip.compress(body, 0)  # stored, not squeezed: it stays long enough to trickle

    def trickle(conn: Conn, request: Request) -> bool:
        headers = {"Content-Type": "application/json"}
        if encoding:
            headers["Content-Encoding"] = encoding
        conn.send(head(200, headers, length=len(body)))
        conn.trickle(body, 0.05, size=2)
        return False

    server = serve(trickle)
    with (
        httpx.Client() as http,
        Railwail(API_KEY, base_url=server.base_url, http_client=http, max_retries=0) as rw,
    ):
        start = time.monotonic()
        with pytest.raises(APITimeoutError, match=r"within the read timeout \(0\.5 s\)"):
            rw.chat("gpt-4o", MESSAGES, timeout=0.5)
        assert time.monotonic() - start < 1.5  # the trickle would take 10 s


def test_an_in_memory_transport_answer_gets_the_cap_too() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=b"x" * 5000))
    with (
        httpx.Client(transport=transport) as http,
        Railwail(
            API_KEY, base_url="http://127.0.0.1:9/api/v1", http_client=http, max_response_bytes=1000
        ) as rw,
        pytest.raises(ResponseValidationError, match="max_response_bytes=1000"),
    ):
        rw.chat("gpt-4o", MESSAGES)


def test_a_stream_within_its_total_timeout_ends_normally(serve: Callable[..., Server]) -> None:
    server = serve(
        lambda conn, request: conn.send(SSE_HEAD + sse(chunk_event("a"), "[DONE]")) or False
    )
    with Railwail(API_KEY, base_url=server.base_url) as rw:
        stream = rw.chat("gpt-4o", MESSAGES, stream=True, total_timeout=10)
        assert [c.text for c in stream] == ["a"]


def test_an_error_body_past_the_cap_is_cut_short(serve: Callable[..., Server]) -> None:
    server = serve(lambda conn, request: conn.send(answer(500, "e" * 5000)) or True)
    with (
        Railwail(API_KEY, base_url=server.base_url, max_retries=0, max_response_bytes=100) as rw,
        pytest.raises(ServerError) as info,
    ):
        rw.chat("gpt-4o", MESSAGES)
    assert info.value.body == "e" * 100
