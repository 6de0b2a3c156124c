"""The stream's chunk path: the one-step reader must give exactly what the step-by-step parse
(``json.loads`` + ``ChatChunk.model_validate``) gives, fail the same way, and the SSE decoder
must cut lines exactly as the WHATWG rules (and the earlier line-by-line decoder) do."""

from __future__ import annotations

import json
import random
from typing import Any

import httpx
import pytest
import respx
from pydantic import BaseModel

from railwail import (
    APIConnectionError,
    AsyncRailwail,
    Railwail,
    RateLimitError,
    ResponseValidationError,
    ServerError,
)
from railwail._streaming import ServerSentEvent, SSEDecoder, chunk_reader
from railwail.types import ChatChunk, ChatChunkChoice, ChoiceDelta, Usage

MESSAGES = [{"role": "user", "content": "Hello!"}]
HEADERS = {
    "content-type": "text/event-stream",
    "x-request-id": "req_chunks",
    "x-ratelimit-limit": "60",
    "x-ratelimit-remaining": "7",
    "x-ratelimit-reset": "1700000000",
}

# Chunks as gateways send them, and the unusual ones the reader must treat like pydantic does:
# unknown fields at every level, lax coercions, nulls, missing parts, escapes, big numbers.
CORPUS: list[str] = [
    json.dumps(
        {
            "id": "chatcmpl-1",
            "object": "chat.completion.chunk",
            "created": 1700000000,
            "model": "gpt-4o",
            "system_fingerprint": "fp_44709d6fcb",
            "choices": [
                {
                    "index": 0,
                    "delta": {"role": "assistant", "content": ""},
                    "logprobs": None,
                    "finish_reason": None,
                }
            ],
        }
    ),
    json.dumps({"id": "c", "choices": [{"index": 0, "delta": {"content": "Hel"}}]}),
    json.dumps({"id": "c", "choices": [{"delta": {"content": 'lo, wörld 😀 \u0000 \\ "'}}]}),
    json.dumps({"id": "c", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}),
    json.dumps(
        {
            "id": "c",
            "choices": [],
            "usage": {
                "prompt_tokens": 9,
                "completion_tokens": 12,
                "total_tokens": 21,
                "prompt_tokens_details": {"cached_tokens": 0},
            },
        }
    ),
    json.dumps(
        {
            "id": "c",
            "provider": {"name": "openrouter", "latency_ms": 12.5, "tags": ["a", None, 1e-7]},
            "choices": [
                {
                    "index": 1,
                    "delta": {
                        "content": None,
                        "tool_calls": [{"index": 0, "function": {"name": "f", "arguments": ""}}],
                        "refusal": None,
                    },
                    "native_finish_reason": "STOP",
                },
                {"index": 2},
            ],
        }
    ),
    '{"created": "1700000000", "choices": [{"index": 1.0, "delta": {"content": "x"}}]}',
    '{"created": 123456789012345678901234567890, "id": "big"}',
    '{"id": "a", "id": "b", "choices": [{"delta": {"content": "dup"}}]}',
    '{"weights": [1e400, -0.0, 5e-324, 0.1000000000000000055511151231257827]}',
    '{"choices": [{"delta": {"content": "\\u00e9\\ud83d\\ude00"}}]}',
    "{}",
    '  {"id": "padded"}  ',
]

# Events that are not chunks, with what the stream raises for them today.
MALFORMED: list[tuple[str, str]] = [
    ("{not json", "not valid JSON"),
    ('{"choices": 5}', r"not a chat\.completion\.chunk"),
    ('{"choices": [{"delta": {"content": 5}}]}', r"not a chat\.completion\.chunk"),
    ('{"id": 7}', r"not a chat\.completion\.chunk"),
    ('{"created": 1.5}', r"not a chat\.completion\.chunk"),
    ('{"usage": {"total_tokens": "many"}}', r"not a chat\.completion\.chunk"),
    ('{"choices": [{"index": true, "delta": "hi"}]}', r"not a chat\.completion\.chunk"),
    ("[1, 2]", r"not a chat\.completion\.chunk"),
    ('"a string"', r"not a chat\.completion\.chunk"),
    ("5", r"not a chat\.completion\.chunk"),
    ("{} trailing", "not valid JSON"),
]


def _sse(*datas: str) -> bytes:
    return "".join(f"data: {data}\n\n" for data in datas).encode()


def _mock(gw: respx.MockRouter, body: bytes) -> respx.Route:
    return gw.post("/chat/completions").mock(
        return_value=httpx.Response(200, content=body, headers=HEADERS)
    )


def _eager(data: str) -> ChatChunk:
    """The step-by-step parse the stream's reader must equal."""
    return ChatChunk.model_validate(json.loads(data))


def _state(obj: Any) -> Any:
    """Everything that makes a model what it is, recursively: class, fields, which fields were
    set, unknown fields."""
    if isinstance(obj, BaseModel):
        return (
            type(obj),
            {name: _state(value) for name, value in obj.__dict__.items()},
            obj.model_fields_set,
            {name: _state(value) for name, value in (obj.model_extra or {}).items()},
        )
    if isinstance(obj, list):
        return [_state(item) for item in obj]
    if isinstance(obj, float) and obj != obj:
        return "nan"
    return obj


# -- the reader against the step-by-step parse -----------------------------------------------


@pytest.mark.parametrize("data", CORPUS)
def test_reader_equals_the_step_by_step_parse(data: str) -> None:
    fast = chunk_reader()(data)
    eager = _eager(data)
    assert _state(fast) == _state(eager)
    assert fast.model_dump() == eager.model_dump()
    assert fast.model_dump_json() == eager.model_dump_json()


def test_reader_skips_only_the_private_attribute_initialisation() -> None:
    # The stream writes the one private attribute itself: the reader must not spend a Python
    # call per chunk on initialising it (pydantic's model_post_init).
    chunk = chunk_reader()(CORPUS[1])
    assert type(chunk) is ChatChunk
    assert chunk.__pydantic_private__ is None
    assert ChatChunk.model_validate_json(CORPUS[1]).__pydantic_private__ == {"_headers": None}


@pytest.mark.parametrize(("data", "message"), MALFORMED)
def test_reader_refuses_what_the_step_by_step_parse_refuses(data: str, message: str) -> None:
    with pytest.raises(ValueError):  # pydantic's ValidationError
        chunk_reader()(data)
    with pytest.raises(ValueError):
        _eager(data)


# -- through the stream -----------------------------------------------------------------------


def test_stream_chunks_equal_the_step_by_step_parse(gw: respx.MockRouter, client: Railwail) -> None:
    _mock(gw, _sse(*CORPUS, "[DONE]"))
    with client.chat("gpt-4o", MESSAGES, stream=True) as stream:
        chunks = list(stream)
    assert len(chunks) == len(CORPUS)
    for chunk, data in zip(chunks, CORPUS, strict=True):
        eager = _eager(data)
        assert type(chunk) is ChatChunk
        assert _state(chunk) == _state(eager)
        assert chunk.request_id == "req_chunks"
        assert chunk.rate_limit == stream.rate_limit
        assert chunk.rate_limit is not None
        assert chunk.rate_limit.remaining == 7
    # Each chunk has a private dict of its own, as a validated and attached chunk would.
    assert chunks[0].__pydantic_private__ is not chunks[1].__pydantic_private__
    assert stream.text == 'Hello, wörld 😀 \u0000 \\ "xdupé😀'


def test_stream_chunks_keep_the_typed_api_and_unknown_fields(
    gw: respx.MockRouter, client: Railwail
) -> None:
    _mock(gw, _sse(CORPUS[0], CORPUS[4], CORPUS[5], "[DONE]"))
    first, usage, odd = list(client.chat("gpt-4o", MESSAGES, stream=True))
    assert isinstance(first, ChatChunk)
    assert isinstance(first.choices[0], ChatChunkChoice)
    assert isinstance(first.choices[0].delta, ChoiceDelta)
    assert (first.id, first.created, first.model) == ("chatcmpl-1", 1700000000, "gpt-4o")
    assert first.choices[0].delta.role == "assistant"
    assert first.system_fingerprint == "fp_44709d6fcb"  # type: ignore[attr-defined]  # unknown field
    assert first.model_extra == {"system_fingerprint": "fp_44709d6fcb"}
    assert first.choices[0].model_extra == {"logprobs": None}
    assert isinstance(usage.usage, Usage)
    assert usage.usage.total_tokens == 21
    assert usage.usage.model_extra == {"prompt_tokens_details": {"cached_tokens": 0}}
    assert usage.text == ""
    assert odd.provider == {  # type: ignore[attr-defined]  # unknown field
        "name": "openrouter",
        "latency_ms": 12.5,
        "tags": ["a", None, 1e-7],
    }
    assert odd.choices[0].delta.model_extra == {
        "tool_calls": [{"index": 0, "function": {"name": "f", "arguments": ""}}],
        "refusal": None,
    }
    assert odd.choices[1].delta == ChoiceDelta()
    assert odd.model_dump()["choices"][0]["native_finish_reason"] == "STOP"
    assert first.model_dump() == _eager(CORPUS[0]).model_dump()


@pytest.mark.parametrize(("data", "message"), MALFORMED)
def test_malformed_chunks_raise_a_validation_error(
    gw: respx.MockRouter, client: Railwail, data: str, message: str
) -> None:
    _mock(gw, _sse(CORPUS[1], data, CORPUS[2]))
    chunks = iter(client.chat("gpt-4o", MESSAGES, stream=True))
    assert next(chunks).text == "Hel"  # the good chunk before it is delivered first
    with pytest.raises(ResponseValidationError, match=message) as info:
        next(chunks)
    assert info.value.request_id == "req_chunks"
    if message == "not valid JSON":
        assert info.value.body == data
    else:
        assert info.value.body == json.loads(data)


def test_json_the_fast_parser_refuses_is_read_step_by_step(
    gw: respx.MockRouter, client: Railwail
) -> None:
    # pydantic-core's JSON parser refuses a lone surrogate escape; json.loads accepts it, and
    # so did the stream before: the chunk still arrives.
    data = '{"id": "\\ud800", "choices": [{"delta": {"content": "ok"}}]}'
    with pytest.raises(ValueError):
        chunk_reader()(data)
    _mock(gw, _sse(data, "[DONE]"))
    (chunk,) = list(client.chat("gpt-4o", MESSAGES, stream=True))
    assert chunk.id == "\ud800"
    assert chunk.text == "ok"
    assert chunk.request_id == "req_chunks"


def test_error_payloads_and_error_events_raise_the_api_error(
    gw: respx.MockRouter, client: Railwail
) -> None:
    # An object with "error" is a valid chunk by shape (unknown field): it must still raise.
    error = json.dumps({"error": {"message": "slow down", "code": "rate_limit_exceeded"}})
    _mock(gw, _sse(CORPUS[1], error))
    stream = client.chat("gpt-4o", MESSAGES, stream=True)
    with pytest.raises(RateLimitError, match="slow down"):
        list(stream)
    assert stream.text == "Hel"
    # A chunk-shaped payload under "event: error" is an error too.
    body = b"event: error\ndata: " + CORPUS[1].encode() + b"\n\n"
    _mock(gw, body)
    with pytest.raises(ServerError) as info:
        list(client.chat("gpt-4o", MESSAGES, stream=True))
    assert info.value.status == 500
    assert info.value.body == json.loads(CORPUS[1])


@pytest.mark.anyio
async def test_async_stream_chunks_equal_the_step_by_step_parse(
    gw: respx.MockRouter, aclient: AsyncRailwail
) -> None:
    _mock(gw, _sse(*CORPUS, "[DONE]"))
    stream = await aclient.chat("gpt-4o", MESSAGES, stream=True)
    chunks = [chunk async for chunk in stream]
    assert [_state(c) for c in chunks] == [_state(_eager(data)) for data in CORPUS]
    assert {c.request_id for c in chunks} == {"req_chunks"}


@pytest.mark.anyio
@pytest.mark.parametrize(("data", "message"), MALFORMED[:3])
async def test_async_malformed_chunks_raise_a_validation_error(
    gw: respx.MockRouter, aclient: AsyncRailwail, data: str, message: str
) -> None:
    _mock(gw, _sse(CORPUS[1], data))
    stream = await aclient.chat("gpt-4o", MESSAGES, stream=True)
    with pytest.raises(ResponseValidationError, match=message):
        async for _ in stream:
            pass
    assert stream.text == "Hel"


# -- the decoder against the line-by-line rules ----------------------------------------------


class _ReferenceDecoder:
    """The decoder as it was written first, one line sliced off the buffer at a time: the
    oracle for the one that splits each chunk once."""

    def __init__(self) -> None:
        self.buffer = b""
        self.event: str | None = None
        self.data: list[str] = []
        self.id: str | None = None

    def feed(self, chunk: bytes) -> list[tuple[str | None, str, str | None]]:
        self.buffer += chunk
        out = []
        while True:
            n, r = self.buffer.find(b"\n"), self.buffer.find(b"\r")
            if r == -1 or (n != -1 and n < r):
                if n == -1:
                    return out
                end, after = n, n + 1
            elif r + 1 == len(self.buffer):
                return out
            else:
                end, after = (r, r + 2) if self.buffer[r + 1 : r + 2] == b"\n" else (r, r + 1)
            line, self.buffer = self.buffer[:end], self.buffer[after:]
            out += self.line(line.decode("utf-8", errors="replace"))

    def flush(self) -> list[tuple[str | None, str, str | None]]:
        out = []
        if self.buffer:
            line, self.buffer = self.buffer.rstrip(b"\r"), b""
            out += self.line(line.decode("utf-8", errors="replace"))
        return out + self.line("")

    def line(self, line: str) -> list[tuple[str | None, str, str | None]]:
        if not line:
            if not self.data and self.event is None:
                return []
            event = (self.event, "\n".join(self.data), self.id)
            self.event, self.data = None, []
            return [event]
        if line.startswith(":"):
            return []
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            self.data.append(value)
        elif name == "event":
            self.event = value
        elif name == "id" and "\0" not in value:
            self.id = value
        return []


_TOKENS = [
    b"data: ",
    b"data:",
    b"data",
    b"event: error",
    b"event:",
    b"id: 7",
    b"id: a\0b",
    b"retry: 5",
    b": comment",
    b":",
    b'{"a": 1}',
    b"[DONE]",
    b" x ",
    "wörld 😀".encode(),
    b"\xff\xfe",
    b"\xe2\x82",
    b"\n",
    b"\n",
    b"\r",
    b"\r\n",
    b"\r\r",
    b"\n\n",
]


@pytest.mark.parametrize("seed", range(40))
def test_decoder_matches_the_line_by_line_reference(seed: int) -> None:
    rng = random.Random(seed)
    body = b"".join(rng.choice(_TOKENS) for _ in range(rng.randint(1, 80)))
    cuts = sorted(rng.sample(range(len(body) + 1), k=min(len(body) + 1, rng.randint(0, 12))))
    pieces = [body[a:b] for a, b in zip([0, *cuts], [*cuts, len(body)], strict=True)]
    decoder, reference = SSEDecoder(), _ReferenceDecoder()
    got: list[ServerSentEvent] = []
    want: list[tuple[str | None, str, str | None]] = []
    for piece in pieces:
        got += decoder.feed(piece)
        want += reference.feed(piece)
        assert [tuple(e) for e in got] == want  # event by event, not only at the end
    got += decoder.flush()
    want += reference.flush()
    assert [tuple(e) for e in got] == want


def test_decoder_cuts_one_chunk_of_many_events() -> None:
    # What one socket read of a fast stream holds: every event, in order.
    body = b"".join(b"data: " + str(i).encode() * 20 + b"\r\n\r\n" for i in range(2_000))
    decoder = SSEDecoder()
    events = decoder.feed(body[:-1]) + decoder.feed(body[-1:])
    assert [e.data for e in events] == [str(i) * 20 for i in range(2_000)]
    assert decoder.flush() == []


def test_events_without_data_are_skipped(gw: respx.MockRouter, client: Railwail) -> None:
    body = (
        b"event: ping\n\n"
        + _sse(CORPUS[1])
        + b"data: \n\n"
        + b"data:  \t \n\n"
        + _sse(CORPUS[2], "[DONE]")
    )
    _mock(gw, body)
    stream = client.chat("gpt-4o", MESSAGES, stream=True)
    assert [chunk.text for chunk in stream] == ["Hel", 'lo, wörld 😀 \u0000 \\ "']


@pytest.mark.anyio
async def test_async_stream_without_done_delivers_its_chunks_then_raises(
    gw: respx.MockRouter, aclient: AsyncRailwail
) -> None:
    # The last event has no line end at all: it is read when the body ends; the missing
    # [DONE] then says the stream was cut short (rather than looking complete).
    _mock(gw, _sse(CORPUS[1]) + b"data: " + CORPUS[6].encode())
    stream = await aclient.chat("gpt-4o", MESSAGES, stream=True)
    got: list[str] = []

    async def read_all() -> None:
        async for chunk in stream:
            got.append(chunk.text)

    with pytest.raises(APIConnectionError, match=r"ended without its \[DONE\] marker, after 2"):
        await read_all()
    assert got == ["Hel", "x"]
    assert stream.text == "Helx"
