"""What a new user meets first: ``dir(railwail)``, the module names in reprs and tracebacks,
``close()`` on both clients, ``text`` the same on responses, chunks and streams, and the
pager ``rw.models.list()`` returns."""

from __future__ import annotations

import pickle
import subprocess
import sys
import traceback

import pytest
import respx

import railwail
import railwail.types
from railwail import AsyncRailwail, NotFoundError, RailwailError
from support import API_KEY, BASE_URL, MESSAGES, MODEL_OK, STREAM_OK, Client, collect, resolve

# -- dir() and __module__ -------------------------------------------------------------------------


def test_dir_shows_the_public_api() -> None:
    names = dir(railwail)
    assert names == sorted(names)
    assert set(railwail.__all__) <= set(names)
    assert {"Image", "ChatResponse", "ImageList", "types"} <= set(names)  # lazy ones too
    for private in ("Any", "Mapping", "httpx", "TYPE_CHECKING", "annotations"):
        assert private not in names
    assert set(names) - set(railwail.__all__) <= {"types", "testing"}
    assert dir(railwail.types) == railwail.types.__all__


def test_public_classes_report_their_public_module() -> None:
    for name in railwail.__all__:
        value = getattr(railwail, name)
        if isinstance(value, type):
            expected = "railwail.types" if name in railwail.types.__all__ else "railwail"
            assert value.__module__ == expected, name
    for name in railwail.types.__all__:
        assert getattr(railwail.types, name).__module__ == "railwail.types", name
    assert repr(railwail.ChatStream) == "<class 'railwail.types.ChatStream'>"


def test_tracebacks_name_the_public_module() -> None:
    try:
        raise NotFoundError("no such model", status=404)
    except NotFoundError:
        text = traceback.format_exc()
    assert "railwail.NotFoundError: 404: no such model" in text
    assert "_exceptions" not in text


def test_errors_and_types_still_pickle() -> None:
    error = pickle.loads(pickle.dumps(NotFoundError("gone", status=404, code="model_not_found")))
    assert type(error) is NotFoundError
    assert (error.status, error.code) == (404, "model_not_found")
    image = pickle.loads(pickle.dumps(railwail.Image(url="http://127.0.0.2/a.png")))
    assert type(image) is railwail.Image


def test_every_public_model_builds_on_first_use_in_a_fresh_process() -> None:
    # Pydantic builds the models lazily, resolving annotations in the module __module__
    # names: each must still build now that it reports railwail.types.
    code = (
        "import railwail.types as t\n"
        "t.ChatResponse.model_validate({'choices': [{'message': {'content': 'x'}}],"
        " 'usage': {}})\n"
        "t.ChatChunk.model_validate({'choices': [{'delta': {'content': 'x'}}]})\n"
        "t.EmbeddingResponse.model_validate({'data': [{'embedding': [1.0]}], 'usage': {}})\n"
        "t.Model.model_validate({'id': 'm', 'pricing': {}, 'capabilities': {'a': 1}})\n"
        "t.ImageResponse.model_validate({'data': [{'url': 'http://127.0.0.2/a.png'}]})\n"
        "import typing; typing.get_type_hints(t.ChatMessage)\n"
        "print('built')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.stdout.strip() == "built", result.stderr


# -- close() --------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_await_close_closes_the_async_client(gw: respx.MockRouter) -> None:
    gw.get("/models/flux-schnell").respond(200, json=MODEL_OK)
    arw = AsyncRailwail(API_KEY, base_url=BASE_URL)
    assert (await arw.models.get("flux-schnell")).id == "flux-schnell"
    await arw.close()  # what openai's AsyncOpenAI accepts too
    with pytest.raises(RailwailError, match="AsyncRailwail is closed"):
        await arw.models.get("flux-schnell")
    await arw.aclose()  # idempotent, whichever name was used first
    await arw.close()


# -- text ---------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_text_is_a_property_on_responses_chunks_and_streams(
    gw: respx.MockRouter, rw: Client
) -> None:
    gw.post("/chat/completions").respond(
        200, content=STREAM_OK, headers={"content-type": "text/event-stream"}
    )
    stream = await resolve(rw.chat("gpt-4o", MESSAGES, stream=True))
    assert stream.text == ""
    chunks = await collect(stream)
    assert [chunk.text for chunk in chunks] == ["42"]
    assert stream.text == "42"
    assert isinstance(type(stream).text, property)
    assert isinstance(railwail.ChatChunk.text, property)
    assert isinstance(railwail.ChatResponse.text, property)


# -- the models pager -----------------------------------------------------------------------------


def _one_page(gw: respx.MockRouter) -> respx.Route:
    body = {"object": "list", "data": [MODEL_OK], "has_more": False, "total": 1}
    return gw.get("/models").respond(200, json=body)


@pytest.mark.anyio
async def test_models_list_is_a_lazy_pager_with_a_useful_repr(
    gw: respx.MockRouter, rw: Client
) -> None:
    route = _one_page(gw)
    pager = rw.models.list(category="image", page_size=20)
    name = "AsyncModelPager" if isinstance(rw, AsyncRailwail) else "ModelPager"
    loop = "async for" if isinstance(rw, AsyncRailwail) else "for"
    assert repr(pager) == (
        f"<{name} category='image', page_size=20: 0 page(s) fetched so far; "
        f"iterate it ({loop} model in ...) for the models>"
    )
    assert route.call_count == 0
    assert [m.id for m in await collect(pager)] == ["flux-schnell"]
    assert [m.id for m in await collect(pager)] == ["flux-schnell"]  # again, from page one
    assert route.call_count == 2
    assert pager.pages_fetched == 2
    assert "2 page(s) fetched so far" in repr(pager)
    assert dict(route.calls.last.request.url.params) == {
        "category": "image",
        "limit": "20",
        "offset": "0",
    }
