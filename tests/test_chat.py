"""chat() and embed(): the bodies sent, the argument checks, the responses parsed."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import respx

from railwail import Railwail, ResponseValidationError
from railwail.types import ChatResponse, EmbeddingResponse
from support import Client, resolve

CHAT = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1700000000,
    "model": "gpt-4o",
    "choices": [
        {"index": 0, "message": {"role": "assistant", "content": "Hi!"}, "finish_reason": "stop"}
    ],
    "usage": {"prompt_tokens": 9, "completion_tokens": 12, "total_tokens": 21},
    "system_fingerprint": "fp_new_field",
}
HEADERS = {
    "x-request-id": "req_chat",
    "X-RateLimit-Limit": "60",
    "X-RateLimit-Remaining": "59",
    "X-RateLimit-Reset": "1700000060",
}
MESSAGES = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello!"}]


def _sent(route: respx.Route) -> Any:
    return json.loads(route.calls.last.request.content)


def _check_chat(res: ChatResponse) -> None:
    assert isinstance(res, ChatResponse)
    assert res.text == "Hi!"
    assert res.choices[0].finish_reason == "stop"
    assert res.choices[0].message.role == "assistant"
    assert res.usage is not None
    assert (res.usage.prompt_tokens, res.usage.completion_tokens, res.usage.total_tokens) == (
        9,
        12,
        21,
    )
    assert res.system_fingerprint == "fp_new_field"  # unknown fields are kept
    assert res.request_id == "req_chat"
    assert res.rate_limit is not None
    assert res.rate_limit.remaining == 59


FULL_ARGS: dict[str, Any] = {
    "temperature": 0.7,
    "max_tokens": 100,
    "top_p": 0.9,
    "frequency_penalty": -1.5,
    "presence_penalty": 2,
    "stop": ["\n\n", "END"],
}


@pytest.mark.anyio
async def test_chat_sends_the_openai_body_and_parses_the_completion(
    gw: respx.MockRouter, rw: Client
) -> None:
    route = gw.post("/chat/completions").respond(200, json=CHAT, headers=HEADERS)
    res = await resolve(rw.chat("gpt-4o", MESSAGES, **FULL_ARGS))
    assert _sent(route) == {"model": "gpt-4o", "messages": MESSAGES, **FULL_ARGS}
    request = route.calls.last.request
    assert request.headers["accept"] == "application/json"
    assert request.headers["idempotency-key"].startswith("rw-")
    _check_chat(res)


def test_chat_minimal_body_and_passthrough(gw: respx.MockRouter, client: Railwail) -> None:
    route = gw.post("/chat/completions").respond(200, json=CHAT)
    client.chat(
        "gpt-4o",
        [{"role": "user", "content": "Hello!"}],
        stop="END",
        extra_body={"response_format": {"type": "json_object"}},
        extra_query={"debug": "1"},
    )
    assert _sent(route) == {
        "model": "gpt-4o",
        "messages": [{"role": "user", "content": "Hello!"}],
        "stop": "END",
        "response_format": {"type": "json_object"},
    }
    assert route.calls.last.request.url.params["debug"] == "1"


def test_assistant_message_with_tool_calls_needs_no_content(
    gw: respx.MockRouter, client: Railwail
) -> None:
    route = gw.post("/chat/completions").respond(200, json=CHAT)
    messages = [
        {"role": "user", "content": "Weather?"},
        {"role": "assistant", "content": None, "tool_calls": [{"id": "t1"}]},
        {"role": "tool", "content": "sunny", "tool_call_id": "t1"},
    ]
    client.chat("gpt-4o", messages)
    assert _sent(route)["messages"] == messages


# Every check, with its message, is in tests/test_requests.py: the tests named
# *_argument_checks_run_before_any_request show each method runs them (arguments and per-call
# options alike) before any I/O.


@pytest.mark.anyio
@pytest.mark.parametrize("stream", [False, True], ids=["completion", "stream"])
async def test_chat_argument_checks_run_before_any_request(
    gw: respx.MockRouter, rw: Client, stream: bool
) -> None:
    route = gw.post("/chat/completions").respond(200, json=CHAT)
    with pytest.raises(ValueError, match=r"messages\[0\]\['role'\] must be one of"):
        await resolve(rw.chat("gpt-4o", [{"role": "robot", "content": "x"}], stream=stream))
    with pytest.raises(TypeError, match="extra_headers must be a mapping of str to str"):
        await resolve(rw.chat("gpt-4o", MESSAGES, stream=stream, extra_headers={"x": 1}))
    assert route.call_count == 0


def test_chat_response_without_choices_is_a_validation_error(
    gw: respx.MockRouter, client: Railwail
) -> None:
    gw.post("/chat/completions").respond(200, json={"id": "x"}, headers={"x-request-id": "r1"})
    with pytest.raises(ResponseValidationError, match="not a valid ChatResponse: choices") as info:
        client.chat("gpt-4o", MESSAGES)
    assert info.value.body == {"id": "x"}
    assert info.value.request_id == "r1"


def test_chat_text_of_an_empty_or_null_answer(gw: respx.MockRouter, client: Railwail) -> None:
    gw.post("/chat/completions").mock(
        side_effect=[
            httpx.Response(200, json={"choices": []}),
            httpx.Response(200, json={"choices": [{"message": {"content": None}}]}),
        ]
    )
    assert client.chat("gpt-4o", MESSAGES).text == ""
    assert client.chat("gpt-4o", MESSAGES).text == ""


EMBEDDINGS = {
    "object": "list",
    "data": [
        {"object": "embedding", "index": 1, "embedding": [0.3, 0.4]},
        {"object": "embedding", "index": 0, "embedding": [0.1, 0.2]},
    ],
    "model": "text-embedding-3-small",
    "usage": {"prompt_tokens": 2, "total_tokens": 2},
}


def _check_embeddings(res: EmbeddingResponse) -> None:
    assert isinstance(res, EmbeddingResponse)
    assert res.vectors == [[0.1, 0.2], [0.3, 0.4]]  # input order, whatever order they came in
    assert res.usage is not None
    assert res.usage.total_tokens == 2
    assert res.request_id == "req_emb"


@pytest.mark.anyio
async def test_embed_a_list_and_a_string(gw: respx.MockRouter, rw: Client) -> None:
    route = gw.post("/embeddings").respond(
        200, json=EMBEDDINGS, headers={"x-request-id": "req_emb"}
    )
    res = await resolve(rw.embed("text-embedding-3-small", ["a", "b"], dimensions=2))
    assert _sent(route) == {
        "model": "text-embedding-3-small",
        "input": ["a", "b"],
        "dimensions": 2,
        "encoding_format": "base64",  # asked for; a float-list answer is read as well
    }
    _check_embeddings(res)
    res = await resolve(rw.embed("text-embedding-3-small", "a"))
    assert _sent(route) == {
        "model": "text-embedding-3-small",
        "input": "a",
        "encoding_format": "base64",
    }
    _check_embeddings(res)


@pytest.mark.anyio
async def test_embed_argument_checks_run_before_any_request(
    gw: respx.MockRouter, rw: Client
) -> None:
    route = gw.post("/embeddings").respond(200, json=EMBEDDINGS)
    with pytest.raises(TypeError, match=r"input\[1\] must be a string"):
        await resolve(rw.embed("text-embedding-3-small", ["a", 1]))
    with pytest.raises(ValueError, match="dimensions must be an integer of at least 1"):
        await resolve(rw.embed("text-embedding-3-small", "a", dimensions=0))
    with pytest.raises(ValueError, match="idempotency_key must be a non-empty string"):
        await resolve(rw.embed("text-embedding-3-small", "a", idempotency_key=""))
    assert route.call_count == 0
