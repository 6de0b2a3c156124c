"""The emulator's endpoints, validation, auth, credits, rate limits, log and idempotency."""

from __future__ import annotations

import base64
import io
import json
import math
import struct
import threading
import time
from typing import Any

import httpx
import pytest
from PIL import Image

import railwail.testing as testing_pkg
from railwail.testing import CATALOGUE, FakeGateway, RecordedRequest

CHAT = "/chat/completions"
IMAGES = "/images/generations"


def _user(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


def _client(gw: FakeGateway) -> httpx.Client:
    return httpx.Client(base_url=gw.url, headers={"Authorization": f"Bearer {gw.api_key}"})


def _error(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"message", "type", "code"}
    return dict(body["error"])


# --- package surface -------------------------------------------------------------------------


def test_exports_are_sorted_and_resolve() -> None:
    assert testing_pkg.__all__ == sorted(testing_pkg.__all__)
    assert set(testing_pkg.__all__) <= set(dir(testing_pkg))
    assert testing_pkg.FakeGateway.DEFAULT_API_KEY == "rw_test_emulator"
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = testing_pkg.nope  # type: ignore[attr-defined]


def test_catalogue_covers_the_documented_slugs() -> None:
    slugs = {m["slug"]: m["category"] for m in CATALOGUE}
    image = {
        "sd-3-5-medium-stability",
        "flux-schnell",
        "flux-1.1-pro",
        "flux-dev",
        "dall-e-3",
        "dall-e-2",
        "stable-diffusion-3.5-large",
        "ideogram-v2",
        "recraft-v3",
        "mystic-2",
    }
    text = {"gpt-4o", "gpt-4o-mini", "claude-sonnet-4-5-20250929", "gemini-pro", "sonar-pro"}
    assert all(slugs[s] == "image" for s in image)
    assert all(slugs[s] == "text" for s in text)
    assert slugs["text-embedding-3-small"] == slugs["text-embedding-3-large"] == "embedding"
    assert slugs["kling-v1-6"] == "video"
    assert slugs["whisper-large-v3"] == "audio"
    assert len({m["id"] for m in CATALOGUE}) == len(CATALOGUE) >= 20
    assert all(m["id"].startswith("model_") and m["object"] == "model" for m in CATALOGUE)


# --- models ----------------------------------------------------------------------------------


def test_list_models_defaults(client: httpx.Client) -> None:
    response = client.get("/models")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["object"] == "list"
    assert body["total"] == len(CATALOGUE)
    assert body["has_more"] is False
    assert [m["slug"] for m in body["data"]] == [m["slug"] for m in CATALOGUE]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"category": "embedding"}, ["text-embedding-3-small", "text-embedding-3-large"]),
        ({"category": "video"}, ["kling-v1-6"]),
        ({"provider": "anthropic"}, ["claude-sonnet-4-5-20250929"]),
        ({"provider": "OpenAI", "category": "text"}, ["gpt-4o", "gpt-4o-mini"]),
        (
            {"featured": "true"},
            [
                "flux-schnell",
                "dall-e-3",
                "gpt-4o",
                "claude-sonnet-4-5-20250929",
                "text-embedding-3-small",
            ],
        ),
        ({"featured": "false", "category": "embedding"}, ["text-embedding-3-large"]),
    ],
)
def test_list_models_filters(
    client: httpx.Client, query: dict[str, str], expected: list[str]
) -> None:
    body = client.get("/models", params=query).json()
    assert [m["slug"] for m in body["data"]] == expected
    assert body["total"] == len(expected)


def test_list_models_pages(client: httpx.Client) -> None:
    first = client.get("/models", params={"category": "image", "limit": 4}).json()
    last = client.get("/models", params={"category": "image", "limit": 4, "offset": 8}).json()
    beyond = client.get("/models", params={"offset": 500}).json()
    assert [len(first["data"]), first["has_more"], first["total"]] == [4, True, 10]
    assert [len(last["data"]), last["has_more"], last["total"]] == [2, False, 10]
    assert [beyond["data"], beyond["has_more"]] == [[], False]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"category": "music"}, "category"),
        ({"featured": "yes"}, "featured"),
    ],
)
def test_list_models_rejects_bad_query(
    client: httpx.Client, query: dict[str, str], field: str
) -> None:
    response = client.get("/models", params=query)
    assert response.status_code == 400
    error = _error(response)
    assert (error["type"], error["code"]) == ("invalid_request_error", "bad_request")
    assert f"'{field}'" in error["message"]


def test_get_model(client: httpx.Client) -> None:
    model = client.get("/models/flux-1.1-pro").json()
    assert model["slug"] == "flux-1.1-pro"
    assert model["category"] == "image"
    assert model["owned_by"] == "black-forest-labs"
    assert model["provider_model_id"] == "black-forest-labs/flux-1.1-pro"
    assert model["pricing"] == {
        "credit_cost_fixed": 8,
        "credit_cost_input_per_1k": 0,
        "credit_cost_output_per_1k": 0,
        "currency": "credits",
    }
    assert {"id", "created", "name", "description", "image", "capabilities", "metadata"} <= set(
        model
    )


def test_get_unknown_model_is_404(client: httpx.Client) -> None:
    response = client.get("/models/no-such-model")
    assert response.status_code == 404
    assert _error(response)["code"] == "model_not_found"
    assert _error(response)["type"] == "not_found_error"


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/nothing", 404, "not_found"),
        ("GET", "/models/flux-dev/extra", 404, "not_found"),
        ("GET", "/models/", 404, "not_found"),
        ("POST", "/models", 405, "method_not_allowed"),
        ("DELETE", "/models/flux-dev", 405, "method_not_allowed"),
        ("GET", CHAT, 405, "method_not_allowed"),
    ],
)
def test_unknown_routes_and_methods(
    client: httpx.Client, method: str, path: str, status: int, code: str
) -> None:
    response = client.request(method, path)
    assert response.status_code == status
    assert _error(response)["code"] == code
    if status == 405:
        assert response.headers["allow"] in ("GET", "POST")


def test_paths_outside_the_api_are_404_without_auth(fake_gateway: FakeGateway) -> None:
    with httpx.Client() as c:
        response = c.get(fake_gateway.origin + "/v1/models")
        missing_file = c.get(fake_gateway.origin + "/files/0000.png")
        not_png = c.get(fake_gateway.origin + "/files/readme.txt")
    assert [response.status_code, missing_file.status_code, not_png.status_code] == [404] * 3
    assert _error(response)["code"] == "not_found"


# --- auth ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic rw_test_emulator"}],
)
def test_auth_errors(fake_gateway: FakeGateway, headers: dict[str, str]) -> None:
    with httpx.Client(base_url=fake_gateway.url, headers=headers) as c:
        response = c.get("/models")
    assert response.status_code == 401
    error = _error(response)
    assert (error["type"], error["code"]) == ("authentication_error", "invalid_api_key")
    assert response.headers["x-request-id"].startswith("req_")
    assert response.headers["x-ratelimit-limit"] == "60"


def test_custom_api_keys() -> None:
    with FakeGateway(api_keys=["rw_live_a", "rw-live-b"]) as gw, httpx.Client() as c:
        assert gw.api_key == "rw_live_a"
        ok = c.get(gw.url + "/models/gpt-4o", headers={"Authorization": "bearer rw-live-b"})
        default = c.get(gw.url + "/models", headers={"Authorization": "Bearer rw_test_emulator"})
    assert [ok.status_code, default.status_code] == [200, 401]


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"api_keys": []}, "api_keys"),
        ({"api_keys": "rw_live_x"}, "api_keys"),
        ({"api_keys": [""]}, "api_keys"),
        ({"credits": -1}, "credits"),
        ({"credits": True}, "credits"),
        ({"rate_limit": 0}, "rate_limit"),
        ({"rate_limit": 2.5}, "rate_limit"),
        ({"rate_window": 0}, "rate_window"),
        ({"rate_window": "2"}, "rate_window"),
        ({"rate_window": True}, "rate_window"),
        ({"generation_delay": -0.1}, "generation_delay"),
        ({"generation_delay": 3601}, "generation_delay"),
    ],
)
def test_constructor_validates(kwargs: dict[str, Any], name: str) -> None:
    with pytest.raises(ValueError, match=name):
        FakeGateway(**kwargs)


# --- images ----------------------------------------------------------------------------------


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    assert (depth, colour) == (8, 2)  # 8-bit RGB
    with Image.open(io.BytesIO(data)) as picture:
        picture.load()
        assert picture.size == (width, height)
        assert picture.mode == "RGB"
    return width, height


@pytest.mark.parametrize("size", ["256x256", "512x512", "1024x1024", "1024x1792", "1792x1024"])
def test_images_by_url_are_real_pngs(
    fake_gateway: FakeGateway, client: httpx.Client, size: str
) -> None:
    response = client.post(IMAGES, json={"model": "flux-schnell", "prompt": "A cat", "size": size})
    assert response.status_code == 200
    body = response.json()
    assert body["created"] == pytest.approx(time.time(), abs=5)
    (item,) = body["data"]
    assert set(item) == {"url"}  # revised_prompt is dall-e-3 only
    assert item["url"].startswith(fake_gateway.origin + "/files/")
    with httpx.Client() as cdn:  # no Authorization: the files route is like a CDN
        picture = cdn.get(item["url"])
    assert picture.headers["content-type"] == "image/png"
    assert _png_size(picture.content) == tuple(int(v) for v in size.split("x"))


def test_images_b64_and_revised_prompt(client: httpx.Client) -> None:
    body = {
        "model": "dall-e-3",
        "prompt": "A fox",
        "n": 3,
        "size": "256x256",
        "response_format": "b64_json",
        "quality": "hd",
        "style": "natural",
        "negative_prompt": "blur",
        "seed": 7,
    }
    data = client.post(IMAGES, json=body).json()["data"]
    assert len(data) == 3
    pictures = [base64.b64decode(d["b64_json"]) for d in data]
    assert all(_png_size(p) == (256, 256) for p in pictures)
    assert len(set(pictures)) == 3  # each index is its own picture
    assert all("A fox" in d["revised_prompt"] and "url" not in d for d in data)


def test_images_are_deterministic(client: httpx.Client) -> None:
    body = {
        "model": "flux-dev",
        "prompt": "Tokyo",
        "size": "512x512",
        "response_format": "b64_json",
    }
    first = client.post(IMAGES, json=body).json()["data"][0]["b64_json"]
    again = client.post(IMAGES, json=body).json()["data"][0]["b64_json"]
    other = client.post(IMAGES, json={**body, "prompt": "Paris"}).json()["data"][0]["b64_json"]
    assert first == again != other
    url1 = client.post(IMAGES, json={**body, "response_format": "url"}).json()["data"][0]["url"]
    url2 = client.post(IMAGES, json={**body, "response_format": "url"}).json()["data"][0]["url"]
    assert url1 == url2


def test_a_large_size_gives_a_whole_image_of_that_size(client: httpx.Client) -> None:
    # How fast the emulator draws it is not asserted here (no timed assertions in tests).
    body = {"model": "recraft-v3", "prompt": "tall", "size": "1024x1792"}
    response = client.post(IMAGES, json={**body, "response_format": "b64_json"})
    assert response.status_code == 200
    picture = Image.open(io.BytesIO(base64.b64decode(response.json()["data"][0]["b64_json"])))
    picture.load()  # every row decodes
    assert (picture.format, picture.size) == ("PNG", (1024, 1792))


@pytest.mark.parametrize(
    ("patch", "status", "field"),
    [
        ({"model": None}, 400, "model"),
        ({"model": "gpt-4o"}, 400, "model"),
        ({"model": "nope"}, 404, None),
        ({"prompt": ""}, 400, "prompt"),
        ({"prompt": 5}, 400, "prompt"),
        ({"n": 0}, 400, "n"),
        ({"n": 5}, 400, "n"),
        ({"n": True}, 400, "n"),
        ({"n": 1.5}, 400, "n"),
        ({"size": "100x100"}, 400, "size"),
        ({"quality": "ultra"}, 400, "quality"),
        ({"style": "noir"}, 400, "style"),
        ({"response_format": "png"}, 400, "response_format"),
        ({"negative_prompt": 3}, 400, "negative_prompt"),
    ],
)
def test_images_validation(
    client: httpx.Client, patch: dict[str, Any], status: int, field: str | None
) -> None:
    body = {"model": "flux-schnell", "prompt": "A cat", **patch}
    response = client.post(IMAGES, json={k: v for k, v in body.items() if v is not None})
    assert response.status_code == status
    error = _error(response)
    if field is None:
        assert error["code"] == "model_not_found"
    else:
        assert f"'{field}'" in error["message"]
        assert error["code"] == "bad_request"


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"not json", "not valid JSON"), (b"[1, 2]", "JSON object"), (b"", "not valid JSON")],
)
def test_bodies_that_are_not_json_objects(
    client: httpx.Client, content: bytes, message: str
) -> None:
    response = client.post(IMAGES, content=content, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert message in _error(response)["message"]


def test_chunked_request_body(client: httpx.Client) -> None:
    parts = [b'{"model": "gpt-4o", ', b'"messages": [{"role": "user", "content": "hi"}]}']
    response = client.post(CHAT, content=iter(parts))
    assert response.status_code == 200
    assert response.json()["choices"][0]["message"]["content"] == "Echo from gpt-4o: hi"


# --- chat ------------------------------------------------------------------------------------


def test_chat_completion(client: httpx.Client) -> None:
    messages = [
        {"role": "system", "content": "Be brief"},
        {"role": "user", "content": "first question"},
        {"role": "assistant", "content": "an answer"},
        {"role": "user", "content": "Hello   there!"},
    ]
    body = client.post(
        CHAT,
        json={
            "model": "claude-sonnet-4-5-20250929",
            "messages": messages,
            "temperature": 0.5,
            "top_p": 1,
            "presence_penalty": -2,
            "frequency_penalty": 2,
            "tools": [],
        },
    ).json()
    assert body["id"].startswith("chatcmpl-")
    assert body["object"] == "chat.completion"
    assert body["model"] == "claude-sonnet-4-5-20250929"
    (choice,) = body["choices"]
    assert choice["message"] == {
        "role": "assistant",
        "content": "Echo from claude-sonnet-4-5-20250929: Hello there!",
    }
    assert choice["finish_reason"] == "stop"
    assert body["usage"] == {"prompt_tokens": 8, "completion_tokens": 5, "total_tokens": 13}


def test_chat_max_tokens_and_stop(client: httpx.Client) -> None:
    text = "one two three four five"
    cut = client.post(CHAT, json={"model": "gpt-4o", "messages": _user(text), "max_tokens": 4})
    stopped = client.post(
        CHAT, json={"model": "gpt-4o", "messages": _user(text), "stop": ["four", "three"]}
    )
    single = client.post(CHAT, json={"model": "gpt-4o", "messages": _user(text), "stop": "two"})
    cut_choice = cut.json()["choices"][0]
    assert cut_choice["message"]["content"] == "Echo from gpt-4o: one"
    assert cut_choice["finish_reason"] == "length"
    assert cut.json()["usage"]["completion_tokens"] == 4
    assert stopped.json()["choices"][0]["message"]["content"] == "Echo from gpt-4o: one two"
    assert stopped.json()["choices"][0]["finish_reason"] == "stop"
    assert single.json()["choices"][0]["message"]["content"] == "Echo from gpt-4o: one"


def test_chat_without_user_message(client: httpx.Client) -> None:
    messages = [{"role": "system", "content": "You are terse."}]
    body = client.post(CHAT, json={"model": "sonar-pro", "messages": messages}).json()
    assert body["choices"][0]["message"]["content"] == "Echo from sonar-pro:"


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"model": "flux-schnell"}, "model"),
        ({"messages": []}, "messages"),
        ({"messages": "hi"}, "messages"),
        ({"messages": ["hi"]}, "messages[0]"),
        ({"messages": [{"role": "robot", "content": "x"}]}, "messages[0].role"),
        ({"messages": [{"role": "user", "content": None}]}, "messages[0].content"),
        ({"temperature": 2.5}, "temperature"),
        ({"temperature": "hot"}, "temperature"),
        ({"top_p": -0.1}, "top_p"),
        ({"max_tokens": 0}, "max_tokens"),
        ({"frequency_penalty": 3}, "frequency_penalty"),
        ({"presence_penalty": -3}, "presence_penalty"),
        ({"stop": ["a", "b", "c", "d", "e"]}, "stop"),
        ({"stop": 3}, "stop"),
        ({"stop": [""]}, "stop"),
        ({"stream": "yes"}, "stream"),
    ],
)
def test_chat_validation(client: httpx.Client, patch: dict[str, Any], field: str) -> None:
    body = {"model": "gpt-4o", "messages": _user("hi"), **patch}
    response = client.post(CHAT, json=body)
    assert response.status_code == 400
    assert f"'{field}'" in _error(response)["message"]


def _sse_events(raw: str) -> list[str]:
    assert raw.endswith("data: [DONE]\n\n")
    events = raw.split("\n\n")
    assert events[-1] == ""
    assert all(e.startswith("data: ") for e in events[:-1])
    return [e[len("data: ") :] for e in events[:-1]]


def test_chat_stream_sse_framing(client: httpx.Client) -> None:
    body = {"model": "gpt-4o-mini", "messages": _user("stream me please"), "stream": True}
    with client.stream("POST", CHAT, json=body) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["transfer-encoding"] == "chunked"
        assert "content-length" not in response.headers
        raw = response.read().decode()
    events = _sse_events(raw)
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert len({c["id"] for c in chunks}) == 1
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert text == "Echo from gpt-4o-mini: stream me please"
    assert len(chunks) == 1 + 6 + 1  # role, one per word, finish
    assert [c["choices"][0]["finish_reason"] for c in chunks[-2:]] == [None, "stop"]
    # The connection stays usable: chunked framing ended cleanly.
    assert client.get("/models/gpt-4o").status_code == 200


def test_chat_stream_length(client: httpx.Client) -> None:
    body = {"model": "gpt-4o", "messages": _user("a b c"), "stream": True, "max_tokens": 2}
    events = _sse_events(client.post(CHAT, json=body).text)
    last = json.loads(events[-2])
    assert last["choices"][0] == {
        "index": 0,
        "delta": {},
        "logprobs": None,
        "finish_reason": "length",
    }


# --- embeddings ------------------------------------------------------------------------------


def test_embeddings(client: httpx.Client) -> None:
    body = client.post(
        "/embeddings", json={"model": "text-embedding-3-small", "input": ["hello world", "bye"]}
    ).json()
    assert body["object"] == "list"
    assert body["model"] == "text-embedding-3-small"
    assert body["usage"] == {"prompt_tokens": 3, "total_tokens": 3}
    assert [d["index"] for d in body["data"]] == [0, 1]
    vectors = [d["embedding"] for d in body["data"]]
    assert [len(v) for v in vectors] == [1536, 1536]
    assert all(math.isclose(math.fsum(x * x for x in v), 1.0) for v in vectors)
    assert vectors[0] != vectors[1]
    single = client.post(
        "/embeddings", json={"model": "text-embedding-3-small", "input": "hello world"}
    ).json()
    assert single["data"][0]["embedding"] == vectors[0]  # deterministic


def test_embeddings_large_dimensions_and_base64(client: httpx.Client) -> None:
    large = client.post("/embeddings", json={"model": "text-embedding-3-large", "input": "x"})
    assert len(large.json()["data"][0]["embedding"]) == 3072
    body = {"model": "text-embedding-3-large", "input": "x", "dimensions": 8}
    short = client.post("/embeddings", json=body).json()["data"][0]["embedding"]
    packed = client.post("/embeddings", json={**body, "encoding_format": "base64"}).json()
    raw = base64.b64decode(packed["data"][0]["embedding"])
    decoded = struct.unpack("<8f", raw)
    assert len(short) == 8
    assert math.isclose(math.fsum(x * x for x in short), 1.0)
    assert decoded == pytest.approx(short, abs=1e-6)


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"model": "gpt-4o"}, "model"),
        ({"input": []}, "input"),
        ({"input": ""}, "input"),
        ({"input": [1, 2]}, "input"),
        ({"input": None}, "input"),
        ({"dimensions": 0}, "dimensions"),
        ({"dimensions": 2000}, "dimensions"),
        ({"encoding_format": "hex"}, "encoding_format"),
    ],
)
def test_embeddings_validation(client: httpx.Client, patch: dict[str, Any], field: str) -> None:
    body = {"model": "text-embedding-3-small", "input": "x", **patch}
    response = client.post("/embeddings", json=body)
    assert response.status_code == 400
    assert f"'{field}'" in _error(response)["message"]


# --- credits ---------------------------------------------------------------------------------


def test_credits_are_charged_and_402_is_not_performed() -> None:
    with FakeGateway(credits=20) as gw, _client(gw) as c:
        assert gw.credits == 20
        images = c.post(IMAGES, json={"model": "flux-schnell", "prompt": "x", "n": 3})
        assert images.status_code == 200
        assert gw.credits == 5  # 5 credits x 3 images
        assert c.post(CHAT, json={"model": "gpt-4o", "messages": _user("hi")}).status_code == 200
        assert gw.credits == 3  # chat: credit_cost_fixed (2), at least 1
        assert (
            c.post(
                "/embeddings", json={"model": "text-embedding-3-small", "input": "x"}
            ).status_code
            == 200
        )
        assert gw.credits == 2
        refused = c.post(IMAGES, json={"model": "flux-schnell", "prompt": "y"})
        assert refused.status_code == 402
        error = _error(refused)
        assert (error["type"], error["code"]) == (
            "insufficient_credits_error",
            "insufficient_credits",
        )
        assert "costs 5" in error["message"]
        assert gw.credits == 2  # nothing charged
        assert c.get("/models").status_code == 200  # reading the catalogue is free
        gw.reset()
        assert gw.credits == 20


def test_unlimited_credits_by_default(fake_gateway: FakeGateway, client: httpx.Client) -> None:
    client.post(IMAGES, json={"model": "dall-e-3", "prompt": "x", "n": 4})
    assert fake_gateway.credits is None


# --- rate limits -----------------------------------------------------------------------------


def test_rate_limit_headers_on_every_response(client: httpx.Client) -> None:
    first = client.get("/models")
    second = client.get("/models/nope")
    for response in (first, second):
        assert response.headers["x-request-id"].startswith("req_")
        assert response.headers["x-ratelimit-limit"] == "60"
        reset = int(response.headers["x-ratelimit-reset"])
        assert time.time() < reset <= time.time() + 61
    assert first.headers["x-request-id"] != second.headers["x-request-id"]
    assert [first.headers["x-ratelimit-remaining"], second.headers["x-ratelimit-remaining"]] == [
        "59",
        "58",
    ]


def test_rate_limit_enforced_per_key() -> None:
    keys = ["rw_live_a", "rw_live_b"]
    with FakeGateway(api_keys=keys, rate_limit=3) as gw, httpx.Client(base_url=gw.url) as c:
        a = {"Authorization": "Bearer rw_live_a"}
        statuses = [c.get("/models/gpt-4o", headers=a).status_code for _ in range(4)]
        limited = c.get("/models/gpt-4o", headers=a)
        other = c.get("/models/gpt-4o", headers={"Authorization": "Bearer rw_live_b"})
        assert statuses == [200, 200, 200, 429]
        assert limited.status_code == 429
        error = _error(limited)
        assert (error["type"], error["code"]) == ("rate_limit_error", "rate_limit_exceeded")
        assert "retry-after" not in limited.headers
        assert limited.headers["x-ratelimit-remaining"] == "0"
        assert limited.headers["x-ratelimit-limit"] == "3"
        assert time.time() < int(limited.headers["x-ratelimit-reset"]) <= time.time() + 61
        assert other.status_code == 200
        assert other.headers["x-ratelimit-remaining"] == "2"
        gw.reset()
        assert c.get("/models/gpt-4o", headers=a).status_code == 200


def test_rate_limit_window_rolls_over(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [1_000_000.0]
    monkeypatch.setattr("railwail.testing._core.time.time", lambda: clock[0])
    with FakeGateway(rate_limit=1) as gw, _client(gw) as c:
        assert c.get("/models").headers["x-ratelimit-reset"] == "1000060"
        assert c.get("/models").status_code == 429
        clock[0] += 60
        fresh = c.get("/models")
        assert fresh.status_code == 200
        assert fresh.headers["x-ratelimit-reset"] == "1000120"


def test_a_short_rate_window_rolls_over_and_reports_milliseconds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = [1_000_000.25]
    monkeypatch.setattr("railwail.testing._core.time.time", lambda: clock[0])
    with FakeGateway(rate_limit=2, rate_window=2.0) as gw, _client(gw) as c:
        first = c.get("/models")
        assert first.headers["x-ratelimit-reset"] == "1000002.250"
        assert first.headers["x-ratelimit-remaining"] == "1"
        assert c.get("/models").status_code == 200
        limited = c.get("/models")
        assert limited.status_code == 429
        assert _error(limited)["message"] == "Rate limit of 2 requests per 2 s exceeded"
        clock[0] += 1.999
        assert c.get("/models").status_code == 429  # the window has not ended yet
        clock[0] += 0.001
        fresh = c.get("/models")
        assert fresh.status_code == 200
        assert fresh.headers["x-ratelimit-reset"] == "1000004.250"
        assert fresh.headers["x-ratelimit-remaining"] == "1"


def test_generation_delay_holds_posts_but_not_reads_or_replays() -> None:
    with FakeGateway(generation_delay=0.3) as gw, _client(gw) as c:
        start = time.monotonic()
        c.get("/models")
        read = time.monotonic() - start
        body = {"model": "flux-schnell", "prompt": "x"}
        start = time.monotonic()
        first = c.post(IMAGES, json=body, headers={"Idempotency-Key": "k"})
        generated = time.monotonic() - start
        start = time.monotonic()
        again = c.post(IMAGES, json=body, headers={"Idempotency-Key": "k"})
        replayed = time.monotonic() - start
    assert (first.status_code, again.status_code) == (200, 200)
    assert generated >= 0.3
    assert read < 0.3
    assert replayed < 0.3
    assert again.headers["idempotent-replayed"] == "true"


def test_a_key_is_in_progress_while_its_generation_runs() -> None:

    with FakeGateway(generation_delay=0.5) as gw, _client(gw) as c, _client(gw) as other:
        body = {"model": "flux-schnell", "prompt": "x"}
        answers: list[int] = []
        worker = threading.Thread(
            target=lambda: answers.append(
                c.post(IMAGES, json=body, headers={"Idempotency-Key": "k"}).status_code
            )
        )
        worker.start()
        deadline = time.monotonic() + 5
        while not gw.requests_to(IMAGES) and time.monotonic() < deadline:
            time.sleep(0.01)
        busy = other.post(IMAGES, json=body, headers={"Idempotency-Key": "k"})
        worker.join(5)
        assert busy.status_code == 409
        assert _error(busy)["code"] == "idempotency_key_in_use"
        assert answers == [200]
        assert gw.charges == {"k": 1}


def test_stop_cuts_a_generation_short_and_keeps_its_answer_for_a_replay() -> None:

    gw = FakeGateway(generation_delay=30).start()
    body = {"model": "flux-schnell", "prompt": "x"}
    errors: list[type[BaseException]] = []

    def send() -> None:
        with _client(gw) as c:
            try:
                c.post(IMAGES, json=body, headers={"Idempotency-Key": "k"})
            except httpx.HTTPError as exc:
                errors.append(type(exc))

    worker = threading.Thread(target=send)
    worker.start()
    deadline = time.monotonic() + 5
    while not gw.requests_to(IMAGES) and time.monotonic() < deadline:
        time.sleep(0.01)
    start = time.monotonic()
    gw.stop()
    worker.join(5)
    assert time.monotonic() - start < 3
    assert errors == [httpx.RemoteProtocolError]  # the answer was lost
    assert gw.charges == {"k": 1}  # but the work was done and paid for
    with gw, _client(gw) as c:
        replay = c.post(IMAGES, json=body, headers={"Idempotency-Key": "k"})
        assert replay.status_code == 200
        assert replay.headers["idempotent-replayed"] == "true"
        assert gw.charges == {"k": 1}


def test_charges_count_performed_posts_by_idempotency_key() -> None:
    with FakeGateway(credits=100) as gw, _client(gw) as c:
        body = {"model": "flux-schnell", "prompt": "x"}
        c.post(IMAGES, json=body, headers={"Idempotency-Key": "a"})
        c.post(IMAGES, json=body, headers={"Idempotency-Key": "a"})  # replayed: not charged
        c.post(IMAGES, json=body, headers={"Idempotency-Key": "b"})
        c.post(IMAGES, json={**body, "n": 5}, headers={"Idempotency-Key": "c"})  # refused (n > 4)
        c.get("/models")
        charges = gw.charges
        charges["a"] = 99  # a copy
        assert gw.charges == {"a": 1, "b": 1}
        assert gw.credits == 90
        gw.reset()
        assert gw.charges == {}


def test_charges_without_a_key_are_counted_together(fake_gateway: FakeGateway) -> None:
    with _client(fake_gateway) as c:
        c.post(IMAGES, json={"model": "flux-schnell", "prompt": "x"})
        c.post(CHAT, json={"model": "gpt-4o", "messages": _user("hi")})
    assert fake_gateway.charges == {"": 2}


# --- request log and idempotency -------------------------------------------------------------


def test_request_log(fake_gateway: FakeGateway, client: httpx.Client) -> None:
    client.get("/models", params={"category": "image", "limit": "2"})
    client.post(CHAT, json={"model": "gpt-4o", "messages": _user("hi")}, headers={"X-Custom": "1"})
    first, second = fake_gateway.requests
    assert isinstance(first, RecordedRequest)
    assert (first.method, first.path, first.query) == (
        "GET",
        "/api/v1/models",
        {"category": "image", "limit": "2"},
    )
    assert first.body == b""
    assert second.method == "POST"
    assert second.headers["x-custom"] == "1"
    assert second.headers["authorization"] == f"Bearer {fake_gateway.api_key}"
    assert second.json() == {"model": "gpt-4o", "messages": _user("hi")}
    assert second.replayed is False
    assert fake_gateway.requests_to("/chat/completions") == [second]
    assert fake_gateway.requests_to("/embeddings") == []
    fake_gateway.reset()
    assert fake_gateway.requests == []


def test_idempotent_replay_never_double_charges() -> None:
    with FakeGateway(credits=100) as gw, _client(gw) as c:
        body = {"model": "gpt-4o", "messages": _user("hi")}
        key = {"Idempotency-Key": "abc"}
        first = c.post(CHAT, json=body, headers=key)
        again = c.post(CHAT, json=body, headers=key)
        assert gw.credits == 98
        assert again.json() == first.json()  # same id, same created
        assert again.headers["idempotent-replayed"] == "true"
        assert again.headers["x-request-id"] != first.headers["x-request-id"]
        assert [r.replayed for r in gw.requests] == [False, True]
        # Another path or another key is a new request.
        c.post(CHAT, json=body, headers={"Idempotency-Key": "other"})
        assert gw.credits == 96
        reused = c.post(CHAT, json={**body, "model": "gpt-4o-mini"}, headers=key)
        assert reused.status_code == 400
        assert _error(reused)["code"] == "idempotency_key_reused"
        # Failures are not stored: the retry is performed.
        bad = {"model": "gpt-4o", "messages": []}
        assert c.post(CHAT, json=bad, headers={"Idempotency-Key": "k2"}).status_code == 400
        assert c.post(CHAT, json=bad, headers={"Idempotency-Key": "k2"}).status_code == 400
        assert gw.requests[-1].replayed is False


def test_replay_mark_skips_requests_already_cleared(fake_gateway: FakeGateway) -> None:
    # A reset() between receiving a request and replaying it must not resurrect the entry.
    fake_gateway._core._mark_replayed(RecordedRequest("POST", "/api/v1/embeddings"))
    assert fake_gateway.requests == []


def test_idempotent_replay_of_a_stream(client: httpx.Client) -> None:
    body = {"model": "gpt-4o", "messages": _user("again"), "stream": True}
    first = client.post(CHAT, json=body, headers={"Idempotency-Key": "s"}).text
    second = client.post(CHAT, json=body, headers={"Idempotency-Key": "s"}).text
    assert first == second
    assert _sse_events(first)[-1] == "[DONE]"
