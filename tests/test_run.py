"""run(): routing by type=, by slug family and by the catalogue, and the plain results."""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

import pytest
import respx

from railwail import AsyncRailwail, NotFoundError, Railwail, UnsupportedModelError
from railwail.types import Image
from support import CDN_URL, CHAT_OK, IMAGES_OK, Client, resolve

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
def test_slug_family_picks_the_route_without_asking_the_catalogue(
    gw: respx.MockRouter, client: Railwail, slug: str, route: str | None
) -> None:
    endpoints = {
        "image": gw.post("/images/generations").respond(200, json=IMAGES_OK),
        "chat": gw.post("/chat/completions").respond(200, json=CHAT_OK),
        "embed": gw.post("/embeddings").respond(200, json=EMBED),
    }
    lookup = gw.get(url__regex=r"/models/.+").respond(200, json=_model(slug, "text"))
    client.run(slug, "hi")
    if route is None:  # no known family: the catalogue decides (here: a text model, so chat)
        assert lookup.call_count == 1
        route = "chat"
    else:
        assert lookup.call_count == 0
    assert {name: r.call_count for name, r in endpoints.items()} == {
        name: int(name == route) for name in endpoints
    }


@pytest.mark.anyio
async def test_image_route_returns_images(gw: respx.MockRouter, rw: Client) -> None:
    route = gw.post("/images/generations").respond(200, json=IMAGES_OK)
    images = await resolve(rw.run("flux-schnell", "A cat in space", n=1, size="512x512"))
    assert isinstance(images, list)
    assert isinstance(images[0], Image)
    assert images[0].url == f"{CDN_URL}/a.png"
    assert json.loads(route.calls.last.request.content) == {
        "model": "flux-schnell",
        "prompt": "A cat in space",
        "n": 1,
        "size": "512x512",
    }


@pytest.mark.anyio
async def test_chat_route_returns_the_text(gw: respx.MockRouter, rw: Client) -> None:
    route = gw.post("/chat/completions").respond(200, json=CHAT_OK)
    text = await resolve(rw.run("gpt-4o", "Explain quantum computing simply", temperature=0.2))
    assert text == "42"
    assert json.loads(route.calls.last.request.content) == {
        "model": "gpt-4o",
        "messages": [{"role": "user", "content": "Explain quantum computing simply"}],
        "temperature": 0.2,
    }
    messages = [{"role": "system", "content": "Be brief"}, {"role": "user", "content": "Hi"}]
    assert await resolve(rw.run("claude-sonnet-4-5-20250929", messages)) == "42"
    assert json.loads(route.calls.last.request.content)["messages"] == messages


@pytest.mark.anyio
async def test_embed_route_returns_vectors(gw: respx.MockRouter, rw: Client) -> None:
    route = gw.post("/embeddings").respond(200, json=EMBED)
    vectors = await resolve(rw.run("text-embedding-3-small", ["a", "b"]))
    assert vectors == [[1.0, 0.0], [0.0, 1.0]]
    assert json.loads(route.calls.last.request.content) == {
        "model": "text-embedding-3-small",
        "input": ["a", "b"],
        "encoding_format": "base64",
    }


@pytest.mark.anyio
async def test_type_forces_the_route(gw: respx.MockRouter, rw: Client) -> None:
    chat = gw.post("/chat/completions").respond(200, json=CHAT_OK)
    images = gw.post("/images/generations").respond(200, json=IMAGES_OK)
    lookup = gw.get(url__regex=r"/models/.*").respond(200, json=_model("x", "video"))
    assert await resolve(rw.run("my-finetune", "hello", type="chat")) == "42"
    drawn = await resolve(rw.run("gpt-4o", "a drawing", type="image"))
    assert drawn[0].url.endswith("a.png")
    assert (chat.call_count, images.call_count, lookup.call_count) == (1, 1, 0)


def test_catalogue_fallback_is_looked_up_once_per_client(
    gw: respx.MockRouter, client: Railwail
) -> None:
    lookup = gw.get("/models/mystic-2").respond(200, json=_model("mystic-2", "image"))
    gw.post("/images/generations").respond(200, json=IMAGES_OK)
    for _ in range(5):
        assert len(client.run("mystic-2", "a fox")) == 1
    derived = client.with_options(timeout=30, max_retries=0)  # shares the client's cache
    assert len(derived.run("mystic-2", "a fox")) == 1
    assert lookup.call_count == 1


@pytest.mark.anyio
async def test_unknown_slug_raises_not_found(gw: respx.MockRouter, rw: Client) -> None:
    lookup = gw.get("/models/no-such-model").respond(
        404, json={"error": {"message": "Model not found", "code": "model_not_found"}}
    )
    for _ in range(2):
        with pytest.raises(NotFoundError, match="Model not found"):
            await resolve(rw.run("no-such-model", "hi"))
    assert lookup.call_count == 2  # a failed lookup is not remembered: asked again


@pytest.mark.anyio
@pytest.mark.parametrize("category", ["video", "audio"])
async def test_category_the_sdk_cannot_run_yet(
    gw: respx.MockRouter, rw: Client, category: str
) -> None:
    lookup = gw.get("/models/kling-v1-6").respond(200, json=_model("kling-v1-6", category))
    for _ in range(2):
        with pytest.raises(UnsupportedModelError, match=f"is an? {category} model") as info:
            await resolve(rw.run("kling-v1-6", "a dancing cat"))
        assert f"cannot run {category} models yet" in str(info.value)
    assert lookup.call_count == 1
    assert isinstance(info.value, ValueError)


def test_catalogue_without_category(gw: respx.MockRouter, client: Railwail) -> None:
    gw.get("/models/odd-one").respond(200, json={"id": "model_odd"})
    with pytest.raises(UnsupportedModelError, match="pass type='image', 'chat' or 'embed'"):
        client.run("odd-one", "hi")


@pytest.mark.parametrize(
    ("model", "kwargs", "exc", "match"),
    [
        ("flux-schnell", {"type": "video"}, ValueError, "type must be one of 'image', 'chat'"),
        ("flux-schnell", {"bogus": 1}, TypeError, "unexpected keyword argument 'bogus'"),
        ("flux-schnell", {"temperature": 0.5}, TypeError, "'temperature', which does not apply"),
        (
            "flux-schnell",
            {"type": "embed", "n": 2},
            TypeError,
            "'n', which does not apply to embed",
        ),
        ("gpt-4o", {"n": 2}, TypeError, "'n', which does not apply to chat"),
        ("flux-schnell", {"stream": True}, TypeError, "unexpected keyword argument 'stream'"),
    ],
)
def test_run_argument_checks(
    gw: respx.MockRouter,
    client: Railwail,
    model: str,
    kwargs: dict[str, Any],
    exc: type,
    match: str,
) -> None:
    with pytest.raises(exc, match=match):
        client.run(model, "a cat", **kwargs)
    assert len(gw.calls) == 0


@pytest.mark.anyio
async def test_run_argument_checks_run_before_any_request(gw: respx.MockRouter, rw: Client) -> None:
    route = gw.route().respond(200, json=CHAT_OK)
    with pytest.raises(ValueError, match="type must be one of 'image', 'chat', 'embed'"):
        await resolve(rw.run("flux-schnell", "a cat", type="video"))  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="'temperature', which does not apply to image"):
        await resolve(rw.run("flux-schnell", "a cat", temperature=0.5))
    # The checks of the method run() calls (tests/test_requests.py) come first too.
    with pytest.raises(ValueError, match="n must be an integer from 1 to 4"):
        await resolve(rw.run("flux-schnell", "a cat", n=9))
    assert route.call_count == 0


def test_foreign_option_after_catalogue_lookup(gw: respx.MockRouter, client: Railwail) -> None:
    gw.get("/models/mystic-2").respond(200, json=_model("mystic-2", "image"))
    images = gw.post("/images/generations").respond(200, json=IMAGES_OK)
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


# -- concurrency --------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_async_catalogue_lookup_once_for_many_tasks(
    gw: respx.MockRouter, aclient: AsyncRailwail
) -> None:
    lookup = gw.get("/models/mystic-2").respond(200, json=_model("mystic-2", "image"))
    gw.post("/images/generations").respond(200, json=IMAGES_OK)
    results = await asyncio.gather(*(aclient.run("mystic-2", "a fox") for _ in range(10)))
    assert [len(r) for r in results] == [1] * 10
    assert lookup.call_count == 1


def test_catalogue_lookup_is_single_flight_across_threads(
    gw: respx.MockRouter, client: Railwail
) -> None:
    lookup = gw.get("/models/sonar-pro").respond(200, json=_model("sonar-pro", "text"))
    gw.post("/chat/completions").respond(200, json=CHAT_OK)
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
