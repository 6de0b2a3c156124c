"""run(type=...) also takes the catalogue's category names: "text" for chat models and
"embedding" for embedding models. (That its options are typed: tests/typing/run_options.py.)"""

from __future__ import annotations

import pytest
import respx

from support import CHAT_OK, EMBED_OK, Client, resolve, sent_json


@pytest.mark.anyio
async def test_text_is_chat(gw: respx.MockRouter, rw: Client) -> None:
    route = gw.post("/chat/completions").respond(200, json=CHAT_OK)
    assert await resolve(rw.run("my-finetune", "Hi", type="text", max_tokens=5)) == "42"
    assert sent_json(route.calls.last.request) == {
        "model": "my-finetune",
        "messages": [{"role": "user", "content": "Hi"}],
        "max_tokens": 5,
    }
    assert len(gw.calls) == 1  # no catalogue lookup: type= decided


@pytest.mark.anyio
async def test_embedding_is_embed(gw: respx.MockRouter, rw: Client) -> None:
    route = gw.post("/embeddings").respond(200, json=EMBED_OK)
    vectors = await resolve(rw.run("my-embedder", ["a"], type="embedding", dimensions=2))
    assert vectors == [[0.25, -0.5]]
    sent = sent_json(route.calls.last.request)
    assert (sent["model"], sent["input"], sent["dimensions"]) == ("my-embedder", ["a"], 2)


@pytest.mark.anyio
async def test_an_alias_checks_the_options_of_its_route(gw: respx.MockRouter, rw: Client) -> None:
    with pytest.raises(TypeError, match="'n', which does not apply to chat models"):
        await resolve(rw.run("my-finetune", "Hi", type="text", n=2))
    with pytest.raises(
        ValueError,
        match="type must be one of 'image', 'chat', 'embed', 'text', 'embedding' or None; "
        "got 'video'",
    ):
        await resolve(rw.run("kling-v1-6", "Hi", type="video"))
    assert not gw.calls
