"""models.list() pages lazily through the catalogue; models.get() returns one Model."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from typing import Any

import httpx
import pytest
import respx

from railwail import NotFoundError, Railwail
from railwail.types import Model
from support import Client, collect, each, resolve


def _entry(i: int) -> dict[str, Any]:
    return {
        "id": f"model_{i:03d}",
        "object": "model",
        "slug": f"model-{i}",
        "name": f"Model {i}",
        "category": "image",
        "owned_by": "black-forest-labs",
        "pricing": {
            "credit_cost_fixed": 5,
            "credit_cost_input_per_1k": 0,
            "credit_cost_output_per_1k": 0,
            "currency": "credits",
        },
    }


def _pages(request: httpx.Request) -> httpx.Response:
    """Seven models served in pages of ``limit``, like the gateway's limit/offset paging."""
    limit = int(request.url.params["limit"])
    offset = int(request.url.params["offset"])
    data = [_entry(i) for i in range(offset, min(offset + limit, 7))]
    body = {"object": "list", "data": data, "has_more": offset + limit < 7, "total": 7}
    return httpx.Response(200, json=body, headers={"x-request-id": f"req_{offset}"})


@pytest.mark.anyio
async def test_list_iterates_every_page_lazily(gw: respx.MockRouter, rw: Client) -> None:
    route = gw.get("/models").mock(side_effect=_pages)
    pager = rw.models.list(category="image", provider="openai", featured=True, page_size=3)
    assert route.call_count == 0  # nothing is fetched before iteration
    iterator = aiter(pager) if isinstance(pager, AsyncIterable) else iter(pager)
    first = await anext(iterator) if isinstance(iterator, AsyncIterator) else next(iterator)
    assert route.call_count == 1
    rest = await collect(iterator)
    models = [first, *rest]
    assert [m.slug for m in models] == [f"model-{i}" for i in range(7)]
    assert route.call_count == 3
    params = [dict(call.request.url.params) for call in route.calls]
    assert params == [
        {"limit": "3", "category": "image", "provider": "openai", "featured": "true", "offset": o}
        for o in ("0", "3", "6")
    ]
    assert models[0].pricing is not None
    assert models[0].pricing.credit_cost_fixed == 5
    assert models[4].request_id == "req_3"


@pytest.mark.anyio
async def test_list_stops_fetching_when_the_caller_stops(gw: respx.MockRouter, rw: Client) -> None:
    route = gw.get("/models").mock(side_effect=_pages)
    seen: list[str] = []
    async for model in each(rw.models.list(page_size=2)):
        seen.append(model.slug)
        if model.slug == "model-1":
            break
    assert seen == ["model-0", "model-1"]
    assert route.call_count == 1


def test_list_stops_on_an_empty_page_even_if_has_more_lies(
    gw: respx.MockRouter, client: Railwail
) -> None:
    route = gw.get("/models").mock(
        side_effect=[
            httpx.Response(200, json={"data": [_entry(0)], "has_more": True}),
            httpx.Response(200, json={"data": [], "has_more": True}),
        ]
    )
    assert [m.id for m in client.models.list()] == ["model_000"]
    assert route.call_count == 2
    assert route.calls[0].request.url.params["limit"] == "50"
    assert "category" not in route.calls[0].request.url.params


@pytest.mark.anyio
async def test_list_argument_checks_are_eager(gw: respx.MockRouter, rw: Client) -> None:
    # Raised by list() itself, not on the first iteration: before any request (every check,
    # with its message, is in tests/test_requests.py).
    with pytest.raises(ValueError, match="page_size must be an integer from 1 to 100"):
        rw.models.list(page_size=0)
    with pytest.raises(ValueError, match="category must be one of 'text', 'image'"):
        rw.models.list(category="music")  # type: ignore[arg-type]
    assert len(gw.calls) == 0


@pytest.mark.anyio
async def test_get_argument_checks_run_before_any_request(gw: respx.MockRouter, rw: Client) -> None:
    route = gw.get(url__regex=r"/models/.*").respond(200, json=_entry(1))
    with pytest.raises(ValueError, match="model must be a non-empty model slug"):
        await resolve(rw.models.get(""))
    with pytest.raises(TypeError, match="extra_headers must be a mapping of str to str"):
        await resolve(rw.models.get("flux-schnell", extra_headers={"X-A": 1}))  # type: ignore[dict-item]
    assert route.call_count == 0


@pytest.mark.anyio
async def test_get_returns_the_full_model(gw: respx.MockRouter, rw: Client) -> None:
    body = {
        **_entry(1),
        "created": 1700000000,
        "description": "Fast image generation",
        "provider_model_id": "black-forest-labs/flux-schnell",
        "image": "http://127.0.0.2:8788/models/flux-schnell.jpg",
        "capabilities": {"sizes": ["1024x1024"]},
        "metadata": {"tags": ["fast"]},
        "brand_new_field": {"x": 1},
    }
    route = gw.get("/models/flux-1.1-pro").respond(200, json=body)
    model = await resolve(rw.models.get("flux-1.1-pro"))
    assert isinstance(model, Model)
    assert route.calls.last.request.url.path == "/api/v1/models/flux-1.1-pro"
    assert model.capabilities == {"sizes": ["1024x1024"]}
    assert model.metadata == {"tags": ["fast"]}
    assert model.provider_model_id == "black-forest-labs/flux-schnell"
    assert model.brand_new_field == {"x": 1}


def test_get_quotes_the_slug_and_maps_404(gw: respx.MockRouter, client: Railwail) -> None:
    route = gw.get(url__regex=r"/models/.+").respond(404, json={"error": {"message": "nope"}})
    with pytest.raises(NotFoundError, match="nope"):
        client.models.get("org/model x")
    assert route.calls.last.request.url.raw_path == b"/api/v1/models/org%2Fmodel%20x"
