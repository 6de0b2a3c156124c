"""run(): routing by type=, by slug family and by the catalogue, and the plain results."""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

import httpx
import pytest
import respx

from railwail import AsyncRailwail, NotFoundError, Railwail, UnsupportedModelError
from railwail._routing import route_from_slug
from railwail.types import Image

IMAGES = {"created": 1, "data": [{"url": "http://127.0.0.2:8788/a.png"}]}
CHAT = {"choices": [{"message": {"role": "assistant", "content": "42"}}]}
EMBED = {"data": [{"index": 0, "embedding": [1.0, 0.0]}, {"index": 1, "embedding": [0.0, 1.0]}]}


def _model(slug: str, category: str) -> dict[str, Any]:
    return {"id": f"model_{slug}", "object": "model", "slug": slug, "category": category}


@pytest.mark.parametrize(
    ("slug", "route"),
    [
        ("sd-3-5-medium-stability", "image"),
        ("flux-schnell", "image"),
        ("flux-1.1-pro", "image"),
        ("flux-dev", "image"),
        ("dall-e-3", "image"),
        ("dall-e-2", "image"),
        ("stable-diffusion-3.5-large", "image"),
        ("ideogram-v2", "image"),
        ("recraft-v3", "image"),
        ("gpt-image-1", "image"),
        ("gemini-2.5-flash-image", "image"),
        ("imagen-4", "image"),
        ("gpt-4o", "chat"),
        ("gpt-4o-mini", "chat"),
        ("o3-mini", "chat"),
        ("claude-sonnet-4-5-20250929", "chat"),
        ("gemini-pro", "chat"),
        ("llama-3.1-70b-instruct", "chat"),
        ("meta-llama/llama-3-8b", "chat"),
        ("mistral-large", "chat"),
        ("mixtral-8x7b", "chat"),
        ("deepseek-r1", "chat"),
        ("qwen-2.5-72b", "chat"),
        ("text-embedding-3-small", "embed"),
        ("text-embedding-3-large", "embed"),
        ("nomic-embed-text-v1.5", "embed"),
        ("bge-m3", "embed"),
        ("mystic-2", None),
        ("sonar-pro", None),
        ("kling-v1-6", None),
        ("whisper-large-v3", None),
    ],
)
def test_slug_families(slug: str, route: str | None) -> None:
    assert route_from_slug(slug) == route


def test_image_route_returns_images(gw: respx.MockRouter, client: Railwail) -> None:
    route = gw.post("/images/generations").respond(200, json=IMAGES)
    images = client.run("flux-schnell", "A cat in space", n=1, size="512x512")
    assert isinstance(images, list)
    assert isinstance(images[0], Image)
    assert images[0].url == "http://127.0.0.2:8788/a.png"
    assert json.loads(route.calls.last.request.content) == {
        "model": "flux-schnell",
        "prompt": "A cat in space",
        "n": 1,
        "size": "512x512",
    }


def test_chat_route_returns_the_text(gw: respx.MockRouter, client: Railwail) -> None:
    route = gw.post("/chat/completions").respond(200, json=CHAT)
    assert client.run("gpt-4o", "Explain quantum computing simply", temperature=0.2) == "42"
    assert json.loads(route.calls.last.request.content) == {
        "model": "gpt-4o",
        "messages": [{"role": "user", "content": "Explain quantum computing simply"}],
        "temperature": 0.2,
    }
    messages = [{"role": "system", "content": "Be brief"}, {"role": "user", "content": "Hi"}]
    assert client.run("claude-sonnet-4-5-20250929", messages) == "42"
    assert json.loads(route.calls.last.request.content)["messages"] == messages


def test_embed_route_returns_vectors(gw: respx.MockRouter, client: Railwail) -> None:
    route = gw.post("/embeddings").respond(200, json=EMBED)
    assert client.run("text-embedding-3-small", ["a", "b"]) == [[1.0, 0.0], [0.0, 1.0]]
    assert json.loads(route.calls.last.request.content) == {
        "model": "text-embedding-3-small",
        "input": ["a", "b"],
        "encoding_format": "base64",
    }


def test_type_forces_the_route(gw: respx.MockRouter, client: Railwail) -> None:
    chat = gw.post("/chat/completions").respond(200, json=CHAT)
    images = gw.post("/images/generations").respond(200, json=IMAGES)
    lookup = gw.get(url__regex=r"/models/.*").respond(200, json=_model("x", "video"))
    assert client.run("my-finetune", "hello", type="chat") == "42"
    assert client.run("gpt-4o", "a drawing", type="image")[0].url.endswith("a.png")
    assert (chat.call_count, images.call_count, lookup.call_count) == (1, 1, 0)


def test_catalogue_fallback_is_looked_up_once_per_client(
    gw: respx.MockRouter, client: Railwail
) -> None:
    lookup = gw.get("/models/mystic-2").respond(200, json=_model("mystic-2", "image"))
    gw.post("/images/generations").respond(200, json=IMAGES)
    for _ in range(5):
        assert len(client.run("mystic-2", "a fox")) == 1
    derived = client.with_options(timeout=30)
    assert len(derived.run("mystic-2", "a fox")) == 1
    assert lookup.call_count == 1


def test_catalogue_lookup_is_single_flight_across_threads(
    gw: respx.MockRouter, client: Railwail
) -> None:
    lookup = gw.get("/models/sonar-pro").respond(200, json=_model("sonar-pro", "text"))
    gw.post("/chat/completions").respond(200, json=CHAT)
    results: list[str] = []
    barrier = threading.Barrier(8)

    def call() -> None:
        barrier.wait()
        results.append(client.run("sonar-pro", "hi"))

    threads = [threading.Thread(target=call) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == ["42"] * 8
    assert lookup.call_count == 1


def test_unknown_slug_raises_not_found(gw: respx.MockRouter, client: Railwail) -> None:
    gw.get("/models/no-such-model").respond(
        404, json={"error": {"message": "Model not found", "code": "model_not_found"}}
    )
    with pytest.raises(NotFoundError, match="Model not found"):
        client.run("no-such-model", "hi")


@pytest.mark.parametrize("category", ["video", "audio"])
def test_category_the_sdk_cannot_run_yet(
    gw: respx.MockRouter, client: Railwail, category: str
) -> None:
    lookup = gw.get("/models/kling-v1-6").respond(200, json=_model("kling-v1-6", category))
    for _ in range(2):
        with pytest.raises(UnsupportedModelError, match=f"is an? {category} model") as info:
            client.run("kling-v1-6", "a dancing cat")
        assert f"cannot run {category} models yet" in str(info.value)
    assert lookup.call_count == 1
    assert isinstance(info.value, ValueError)


def test_catalogue_without_category(gw: respx.MockRouter, client: Railwail) -> None:
    gw.get("/models/odd-one").respond(200, json={"id": "model_odd"})
    with pytest.raises(UnsupportedModelError, match="pass type='image', 'chat' or 'embed'"):
        client.run("odd-one", "hi")


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"type": "video"}, ValueError, "type must be one of 'image', 'chat', 'embed'"),
        ({"bogus": 1}, TypeError, "unexpected keyword argument 'bogus'"),
        ({"temperature": 0.5}, TypeError, "'temperature', which does not apply to image"),
        ({"type": "embed", "n": 2}, TypeError, "'n', which does not apply to embed"),
        ({"stream": True}, TypeError, "unexpected keyword argument 'stream'"),
    ],
)
def test_run_argument_checks(
    gw: respx.MockRouter, client: Railwail, kwargs: dict[str, Any], exc: type, match: str
) -> None:
    with pytest.raises(exc, match=match):
        client.run("flux-schnell", "a cat", **kwargs)
    assert len(gw.calls) == 0


def test_foreign_option_after_catalogue_lookup(gw: respx.MockRouter, client: Railwail) -> None:
    gw.get("/models/mystic-2").respond(200, json=_model("mystic-2", "image"))
    images = gw.post("/images/generations").respond(200, json=IMAGES)
    with pytest.raises(TypeError, match="'max_tokens', which does not apply to image"):
        client.run("mystic-2", "a cat", max_tokens=5)
    assert images.call_count == 0


@pytest.mark.parametrize(
    ("model", "value", "exc", "match"),
    [
        ("flux-schnell", "", ValueError, "input must be a non-empty"),
        ("flux-schnell", [], ValueError, "input must not be an empty list"),
        ("flux-schnell", 3, TypeError, "input must be a prompt string"),
        ("flux-schnell", ["a"], TypeError, "input for an image model must be a prompt string"),
        ("gpt-4o", ["a", "b"], TypeError, "input for a chat model must be a prompt string"),
        ("", "x", ValueError, "model must be a non-empty"),
    ],
)
def test_run_input_checks(
    gw: respx.MockRouter, client: Railwail, model: str, value: Any, exc: type, match: str
) -> None:
    with pytest.raises(exc, match=match):
        client.run(model, value)
    assert len(gw.calls) == 0


# -- async ------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_async_routes(gw: respx.MockRouter, aclient: AsyncRailwail) -> None:
    gw.post("/images/generations").respond(200, json=IMAGES)
    gw.post("/chat/completions").respond(200, json=CHAT)
    gw.post("/embeddings").respond(200, json=EMBED)
    images = await aclient.run("flux-schnell", "a cat")
    assert images[0].url.endswith("a.png")
    assert await aclient.run("gpt-4o", "hi") == "42"
    assert await aclient.run("text-embedding-3-small", ["a", "b"]) == [[1.0, 0.0], [0.0, 1.0]]
    assert await aclient.run("anything", "hi", type="chat") == "42"


@pytest.mark.anyio
async def test_async_catalogue_lookup_once_for_many_tasks(
    gw: respx.MockRouter, aclient: AsyncRailwail
) -> None:
    lookup = gw.get("/models/mystic-2").respond(200, json=_model("mystic-2", "image"))
    gw.post("/images/generations").respond(200, json=IMAGES)
    results = await asyncio.gather(*(aclient.run("mystic-2", "a fox") for _ in range(10)))
    assert [len(r) for r in results] == [1] * 10
    assert lookup.call_count == 1


@pytest.mark.anyio
async def test_async_unsupported_and_not_found(
    gw: respx.MockRouter, aclient: AsyncRailwail
) -> None:
    gw.get("/models/whisper-large-v3").respond(200, json=_model("whisper-large-v3", "audio"))
    gw.get("/models/nope").respond(404, json={"error": {"message": "Model not found"}})
    with pytest.raises(UnsupportedModelError, match="is an audio model"):
        await aclient.run("whisper-large-v3", "hello")
    with pytest.raises(NotFoundError):
        await aclient.run("nope", "hello")
    with pytest.raises(TypeError, match="'n', which does not apply to chat"):
        await aclient.run("gpt-4o", "hi", n=2)


def test_cache_is_shared_but_lookups_use_the_right_client(gw: respx.MockRouter) -> None:
    lookup = gw.get("/models/mystic-2").mock(
        return_value=httpx.Response(200, json=_model("mystic-2", "text"))
    )
    gw.post("/chat/completions").respond(200, json=CHAT)
    with Railwail("rw_test_key_for_cache_check", base_url="http://127.0.0.1:8787/api/v1") as rw:
        assert rw.run("mystic-2", "hi") == "42"
        assert rw.with_options(max_retries=0).run("mystic-2", "hi") == "42"
    assert lookup.call_count == 1
