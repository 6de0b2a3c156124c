"""chat() and embed(): the bodies sent, the argument checks, the responses parsed."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import respx

from railwail import AsyncRailwail, Railwail, ResponseValidationError
from railwail.types import ChatResponse, EmbeddingResponse

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


def test_chat_sends_the_openai_body_and_parses_the_completion(
    gw: respx.MockRouter, client: Railwail
) -> None:
    route = gw.post("/chat/completions").respond(200, json=CHAT, headers=HEADERS)
    res = client.chat("gpt-4o", MESSAGES, **FULL_ARGS)
    assert _sent(route) == {"model": "gpt-4o", "messages": MESSAGES, **FULL_ARGS}
    request = route.calls.last.request
    assert request.headers["accept"] == "application/json"
    assert request.headers["idempotency-key"].startswith("rw-")
    _check_chat(res)


@pytest.mark.anyio
async def test_async_chat_sends_the_same_body(gw: respx.MockRouter, aclient: AsyncRailwail) -> None:
    route = gw.post("/chat/completions").respond(200, json=CHAT, headers=HEADERS)
    res = await aclient.chat("gpt-4o", MESSAGES, **FULL_ARGS)
    assert _sent(route) == {"model": "gpt-4o", "messages": MESSAGES, **FULL_ARGS}
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


BAD_CHAT: list[tuple[dict[str, Any], type[Exception], str]] = [
    ({"messages": []}, ValueError, "messages must not be empty"),
    ({"messages": "hi"}, TypeError, "messages must be a list"),
    ({"messages": ["hi"]}, TypeError, r"messages\[0\] must be a dict"),
    ({"messages": [{"role": "robot", "content": "x"}]}, ValueError, r"messages\[0\]\['role'\]"),
    ({"messages": [{"content": "x"}]}, ValueError, "must be one of 'system'"),
    ({"messages": [{"role": "user"}]}, ValueError, r"messages\[0\] has no 'content'"),
    ({"messages": [{"role": "user", "content": 3}]}, TypeError, "must be a string or a list"),
    ({"temperature": 2.5}, ValueError, "temperature must be from 0 to 2"),
    ({"temperature": -0.1}, ValueError, "temperature must be from 0 to 2"),
    ({"temperature": "hot"}, TypeError, "temperature must be a number"),
    ({"top_p": 1.5}, ValueError, "top_p must be from 0 to 1"),
    ({"frequency_penalty": 3}, ValueError, "frequency_penalty must be from -2 to 2"),
    ({"presence_penalty": -2.1}, ValueError, "presence_penalty must be from -2 to 2"),
    ({"max_tokens": 0}, ValueError, "max_tokens must be an integer of at least 1"),
    ({"max_tokens": True}, TypeError, "max_tokens must be an integer"),
    ({"stop": ["a", "b", "c", "d", "e"]}, ValueError, "stop must be a string or a list of 1 to 4"),
    ({"stop": []}, ValueError, "stop must be"),
    ({"stream": "yes"}, TypeError, "stream must be True or False"),
    ({"model": ""}, ValueError, "model must be a non-empty model slug"),
    ({"model": None}, TypeError, "model must be a model slug string"),
    ({"timeout": None}, ValueError, "timeout=None would wait forever"),
    ({"idempotency_key": ""}, ValueError, "idempotency_key must be a non-empty string"),
    ({"extra_headers": {"x": 1}}, TypeError, "extra_headers must be a mapping of str to str"),
    ({"extra_body": ["x"]}, TypeError, "extra_body must be a mapping"),
]


@pytest.mark.parametrize(("kwargs", "exc", "match"), BAD_CHAT)
def test_chat_argument_checks_run_before_any_request(
    gw: respx.MockRouter, client: Railwail, kwargs: dict[str, Any], exc: type, match: str
) -> None:
    route = gw.post("/chat/completions").respond(200, json=CHAT)
    args: dict[str, Any] = {"model": "gpt-4o", "messages": MESSAGES, **kwargs}
    with pytest.raises(exc, match=match):
        client.chat(**args)
    assert route.call_count == 0


@pytest.mark.anyio
@pytest.mark.parametrize(("kwargs", "exc", "match"), BAD_CHAT[:8])
async def test_async_chat_argument_checks(
    gw: respx.MockRouter,
    aclient: AsyncRailwail,
    kwargs: dict[str, Any],
    exc: type,
    match: str,
) -> None:
    route = gw.post("/chat/completions").respond(200, json=CHAT)
    args: dict[str, Any] = {"model": "gpt-4o", "messages": MESSAGES, **kwargs}
    with pytest.raises(exc, match=match):
        await aclient.chat(**args)
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


def test_embed_a_list(gw: respx.MockRouter, client: Railwail) -> None:
    route = gw.post("/embeddings").respond(
        200, json=EMBEDDINGS, headers={"x-request-id": "req_emb"}
    )
    res = client.embed("text-embedding-3-small", ["a", "b"], dimensions=2)
    assert _sent(route) == {
        "model": "text-embedding-3-small",
        "input": ["a", "b"],
        "dimensions": 2,
        "encoding_format": "base64",  # asked for; a float-list answer is read as well
    }
    _check_embeddings(res)


@pytest.mark.anyio
async def test_async_embed_a_string(gw: respx.MockRouter, aclient: AsyncRailwail) -> None:
    route = gw.post("/embeddings").respond(
        200, json=EMBEDDINGS, headers={"x-request-id": "req_emb"}
    )
    res = await aclient.embed("text-embedding-3-small", "a")
    assert _sent(route) == {
        "model": "text-embedding-3-small",
        "input": "a",
        "encoding_format": "base64",
    }
    _check_embeddings(res)


@pytest.mark.parametrize(
    ("value", "exc", "match"),
    [
        ("", ValueError, "input must be a non-empty string"),
        ([], ValueError, "non-empty list of strings"),
        (["a", 1], TypeError, r"input\[1\] must be a string"),
        (["a", ""], ValueError, r"input\[1\] must be a non-empty string"),
        (b"bytes", TypeError, "input must be a string or a list of strings"),
        (42, TypeError, "input must be a string or a list of strings"),
    ],
)
def test_embed_input_checks(
    gw: respx.MockRouter, client: Railwail, value: object, exc: type, match: str
) -> None:
    route = gw.post("/embeddings").respond(200, json=EMBEDDINGS)
    with pytest.raises(exc, match=match):
        client.embed("text-embedding-3-small", value)  # type: ignore[arg-type]
    assert route.call_count == 0


def test_embed_dimensions_check(gw: respx.MockRouter, client: Railwail) -> None:
    with pytest.raises(ValueError, match="dimensions must be an integer of at least 1"):
        client.embed("text-embedding-3-small", "a", dimensions=0)
