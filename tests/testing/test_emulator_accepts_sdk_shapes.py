"""Every request shape the SDK's request builders accept, sent through a real client to a real
``FakeGateway``, is answered with success: a user's test never fails on code the SDK takes.

The cases are built from ``railwail._allowed`` (each role, each choice, each bound), so a value
added there is covered here; ``test_every_option_is_covered`` fails when a builder gains an
option this file does not send. The messages the SDK refuses, the emulator refuses too.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from railwail import AsyncRailwail, Railwail
from railwail._allowed import (
    CHAT_ROLES,
    EMBEDDING_ENCODINGS,
    IMAGE_COUNT,
    IMAGE_QUALITIES,
    IMAGE_RESPONSE_FORMATS,
    IMAGE_SIZES,
    IMAGE_STYLES,
    MAX_STOP_SEQUENCES,
    MIN_DIMENSIONS,
    MIN_MAX_TOKENS,
    MODEL_CATEGORIES,
    PAGE_SIZE,
    PENALTY,
    ROUTES,
    TEMPERATURE,
    TOP_P,
)
from railwail._call_options import CallOptions
from railwail._requests import chat_request
from railwail._routing import COMMON_OPTIONS, ROUTE_OPTIONS
from railwail.testing import CATALOGUE, FakeGateway

CHAT_MODEL = "gpt-4o"
IMAGE_MODEL = "flux-schnell"
EMBED_MODEL = "text-embedding-3-small"
EMBED_NATIVE = 1536  # the model's own length: the upper bound of its `dimensions`
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def rw(fake_gateway: FakeGateway) -> Iterator[Railwail]:
    with Railwail(fake_gateway.api_key, base_url=fake_gateway.url, max_retries=0) as client:
        yield client


def _sent(gw: FakeGateway, path: str) -> dict[str, Any]:
    (request,) = gw.requests_to(path)
    body: dict[str, Any] = request.json()
    return body


# -- chat ----------------------------------------------------------------------------------

TOOL_CALL = {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
PARTS = [
    {"type": "text", "text": "look at"},
    {"type": "image_url", "image_url": {"url": "https://cdn.example/cat.png"}},
    {"type": "text", "text": "this"},
]

# (id, messages, the text of the last user message the echo repeats)
MESSAGE_SHAPES: list[tuple[str, list[dict[str, Any]], str]] = [
    *[
        (f"role-{role}", [{"role": role, "content": "hello there"}], "hello there")
        if role == "user"
        else (f"role-{role}", [{"role": role, "content": "hello there"}], "")
        for role in CHAT_ROLES
    ],
    ("content-parts", [{"role": "user", "content": PARTS}], "look at this"),
    ("content-empty-parts", [{"role": "user", "content": []}], ""),
    ("content-empty-string", [{"role": "user", "content": ""}], ""),
    ("name", [{"role": "user", "name": "ann", "content": "hi"}], "hi"),
    (
        "assistant-tool-calls-without-content",
        [
            {"role": "developer", "content": "Use tools."},
            {"role": "user", "content": "weather?"},
            {"role": "assistant", "tool_calls": [TOOL_CALL]},
            {"role": "assistant", "content": None, "tool_calls": [TOOL_CALL]},
            {"role": "tool", "tool_call_id": "call_1", "content": [{"type": "text", "text": "x"}]},
        ],
        "weather?",
    ),
]


def _bounds(name: str, bounds: tuple[float, float]) -> list[dict[str, Any]]:
    low, high = bounds
    return [{name: low}, {name: high}, {name: int(low)}, {name: int(high)}]


CHAT_OPTIONS: list[dict[str, Any]] = [
    *_bounds("temperature", TEMPERATURE),
    *_bounds("top_p", TOP_P),
    *_bounds("frequency_penalty", PENALTY),
    *_bounds("presence_penalty", PENALTY),
    {"max_tokens": MIN_MAX_TOKENS},
    {"max_tokens": 10**9},  # no upper bound in the SDK
    {"stop": "zzz"},
    {"stop": ""},
    {"stop": ["zzz"]},
    {"stop": tuple(f"z{i}" for i in range(MAX_STOP_SEQUENCES))},
]


@pytest.mark.parametrize(
    ("messages", "echoed"),
    [pytest.param(m, e, id=i) for i, m, e in MESSAGE_SHAPES],
)
@pytest.mark.parametrize("stream", [False, True])
def test_every_message_shape(
    rw: Railwail,
    fake_gateway: FakeGateway,
    messages: list[dict[str, Any]],
    echoed: str,
    stream: bool,
) -> None:
    expected = f"Echo from {CHAT_MODEL}: {echoed}".strip()
    if stream:
        with rw.chat(CHAT_MODEL, messages, stream=True) as chunks:
            text = chunks.final_text()
    else:
        text = rw.chat(CHAT_MODEL, messages).text
    assert text == expected
    assert _sent(fake_gateway, "/chat/completions")["messages"] == messages


def test_text_parts_count_as_prompt_tokens(rw: Railwail) -> None:
    response = rw.chat(CHAT_MODEL, [{"role": "user", "content": PARTS}])
    assert response.usage is not None
    assert response.usage.prompt_tokens == 3  # "look at" + "this"


@pytest.mark.parametrize("options", CHAT_OPTIONS, ids=repr)
def test_every_chat_option_at_its_bounds(
    rw: Railwail, fake_gateway: FakeGateway, options: dict[str, Any]
) -> None:
    response = rw.chat(CHAT_MODEL, [{"role": "user", "content": "one two"}], **options)
    assert response.text.startswith("Echo")
    assert response.choices[0].finish_reason in ("stop", "length")
    ((name, value),) = options.items()
    sent = _sent(fake_gateway, "/chat/completions")[name]
    assert sent == (list(value) if isinstance(value, tuple) else value)


@pytest.mark.anyio
async def test_the_async_client_sends_the_same_shapes(fake_gateway: FakeGateway) -> None:
    messages = [m for _, shape, _ in MESSAGE_SHAPES for m in shape]
    async with AsyncRailwail(fake_gateway.api_key, base_url=fake_gateway.url) as arw:
        response = await arw.chat(CHAT_MODEL, messages, temperature=TEMPERATURE[1], stop="")
    assert response.text == f"Echo from {CHAT_MODEL}: weather?"


# -- images ----------------------------------------------------------------------------------

IMAGE_OPTIONS: list[dict[str, Any]] = [
    *[{"n": n} for n in IMAGE_COUNT],
    *[{"size": size} for size in IMAGE_SIZES],
    *[{"quality": quality} for quality in IMAGE_QUALITIES],
    *[{"style": style} for style in IMAGE_STYLES],
    *[{"response_format": fmt} for fmt in IMAGE_RESPONSE_FORMATS],
    {"negative_prompt": "blurry"},
]


@pytest.mark.parametrize("options", IMAGE_OPTIONS, ids=repr)
def test_every_image_option_at_its_allowed_values(
    rw: Railwail, fake_gateway: FakeGateway, options: dict[str, Any]
) -> None:
    response = rw.image(IMAGE_MODEL, "a lighthouse", **options)
    assert len(response.data) == options.get("n", 1)
    assert all(image.read().startswith(PNG) for image in response.data)
    ((name, value),) = options.items()
    assert _sent(fake_gateway, "/images/generations")[name] == value


# -- embeddings ------------------------------------------------------------------------------

EMBED_CASES: list[tuple[Any, dict[str, Any], int, int]] = [
    # input, options, vectors, length
    ("hello", {}, 1, EMBED_NATIVE),
    (["a"], {}, 1, EMBED_NATIVE),
    (["a", "b c", " "], {}, 3, EMBED_NATIVE),
    (("a", "b"), {}, 2, EMBED_NATIVE),
    ("hello", {"dimensions": MIN_DIMENSIONS}, 1, MIN_DIMENSIONS),
    ("hello", {"dimensions": EMBED_NATIVE}, 1, EMBED_NATIVE),
    *[("hello", {"encoding_format": fmt}, 1, EMBED_NATIVE) for fmt in EMBEDDING_ENCODINGS],
]


@pytest.mark.parametrize(("input_", "options", "count", "length"), EMBED_CASES, ids=repr)
def test_every_embedding_shape(
    rw: Railwail,
    fake_gateway: FakeGateway,
    input_: Any,
    options: dict[str, Any],
    count: int,
    length: int,
) -> None:
    vectors = rw.embed(EMBED_MODEL, input_, **options).vectors
    assert [len(v) for v in vectors] == [length] * count
    sent = _sent(fake_gateway, "/embeddings")
    assert sent["input"] == (input_ if isinstance(input_, str) else list(input_))
    assert sent.get("dimensions") == options.get("dimensions")
    assert sent["encoding_format"] == options.get("encoding_format", "base64")


# -- the catalogue ---------------------------------------------------------------------------

LIST_FILTERS: list[dict[str, Any]] = [
    *[{"category": category} for category in MODEL_CATEGORIES],
    {"featured": True},
    {"featured": False},
    {"provider": "openai"},
    *[{"page_size": size} for size in PAGE_SIZE],
]


@pytest.mark.parametrize("filters", LIST_FILTERS, ids=repr)
def test_every_catalogue_filter(rw: Railwail, filters: dict[str, Any]) -> None:
    models = list(rw.models.list(**filters))
    expected = [
        m["slug"]
        for m in CATALOGUE
        if m["category"] == filters.get("category", m["category"])
        and m["featured"] == filters.get("featured", m["featured"])
        and m["owned_by"] == filters.get("provider", m["owned_by"])
    ]
    assert [m.slug for m in models] == expected


def test_every_model_can_be_fetched(rw: Railwail) -> None:
    assert [rw.models.get(m["slug"]).id for m in CATALOGUE] == [m["id"] for m in CATALOGUE]


# -- run() and the per-call options ----------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES)
def test_run_with_every_route_and_every_common_option(
    rw: Railwail, fake_gateway: FakeGateway, route: str
) -> None:
    model = {"image": IMAGE_MODEL, "chat": CHAT_MODEL, "embed": EMBED_MODEL}[route]
    result = rw.run(
        model,
        "hello",
        type=route,
        timeout=30,
        extra_headers={"X-Trace": "t1"},
        extra_query={"trace": "t1"},
        extra_body={"user": "u1"},
        idempotency_key=f"key-{route}",
        total_timeout=60,
    )
    if route == "image":
        assert result[0].read().startswith(PNG)
    elif route == "chat":
        assert result == f"Echo from {CHAT_MODEL}: hello"
    else:
        assert [len(v) for v in result] == [EMBED_NATIVE]
    (request,) = [r for r in fake_gateway.requests if r.path.startswith("/api/v1/")]
    assert request.headers["x-trace"] == "t1"
    assert request.headers["idempotency-key"] == f"key-{route}"
    assert request.query == {"trace": "t1"}
    assert request.json()["user"] == "u1"


def test_every_option_is_covered() -> None:
    covered = {
        "image": {name for options in IMAGE_OPTIONS for name in options},
        "chat": {name for options in CHAT_OPTIONS for name in options},
        "embed": {name for _, options, _, _ in EMBED_CASES for name in options},
    }
    assert covered == {route: set(ROUTE_OPTIONS[route]) for route in ROUTES}
    assert set(COMMON_OPTIONS) == {
        "timeout",
        "extra_headers",
        "extra_query",
        "extra_body",
        "idempotency_key",
        "total_timeout",
    }


# -- and refuses the messages the SDK refuses -----------------------------------------------

REFUSED_MESSAGES: list[dict[str, Any]] = [
    {"role": "robot", "content": "x"},
    {"role": "user", "content": None},
    {"role": "user"},
    {"role": "assistant", "content": None, "tool_calls": []},
    {"role": "user", "content": 5},
]


@pytest.mark.parametrize("message", REFUSED_MESSAGES, ids=repr)
def test_a_message_the_sdk_refuses_is_refused_too(
    fake_gateway: FakeGateway, message: dict[str, Any]
) -> None:
    with pytest.raises((ValueError, TypeError), match=r"messages\[0\]"):
        chat_request(CHAT_MODEL, [message], options=CallOptions())
    headers = {"Authorization": f"Bearer {fake_gateway.api_key}"}
    with httpx.Client(base_url=fake_gateway.url, headers=headers) as http:
        body = {"model": CHAT_MODEL, "messages": [message]}
        response = http.post("/chat/completions", json=body)
    assert response.status_code == 400
    assert "'messages[0]." in response.json()["error"]["message"]
