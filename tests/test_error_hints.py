"""Errors that say what to do: the closest catalogue slugs for a model the gateway does not
know (looked up once per client, briefly, never at the cost of the original error), a 404
that is not the gateway's pointing at ``base_url``, and a missing key that is a
``RailwailError`` as well as a ``ValueError``."""

from __future__ import annotations

import pickle
from collections.abc import Callable

import httpx
import pytest
import respx

from railwail import MissingAPIKeyError, NotFoundError, Railwail, RailwailError
from railwail.testing import FakeGateway
from support import API_KEY, BASE_URL, IMG_URL, Client, read, resolve

NOT_FOUND = {
    "error": {
        "message": "Model 'flux-schnel' not found",
        "type": "not_found_error",
        "code": "model_not_found",
    }
}
SLUGS = ["flux-schnell", "flux-dev", "gpt-4o", "dall-e-3", "text-embedding-3-small"]


def _catalogue(gw: respx.MockRouter, slugs: list[str] = SLUGS) -> respx.Route:
    data = [{"id": slug, "slug": slug, "category": "image"} for slug in slugs]
    body = {"object": "list", "data": data, "has_more": False, "total": len(data)}
    return gw.get("/models").respond(200, json=body)


# -- did you mean ---------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_an_unknown_model_suggests_the_closest_slugs(
    gw: respx.MockRouter, rw: Client, sleeps: list[float]
) -> None:
    gw.post("/images/generations").respond(404, json=NOT_FOUND)
    catalogue = _catalogue(gw)
    with pytest.raises(NotFoundError) as info:
        await resolve(rw.image("flux-schnel", "a cat"))
    error = info.value
    assert error.suggestions == ["flux-schnell"]
    assert str(error) == (
        "404 model_not_found: Model 'flux-schnel' not found. Did you mean flux-schnell? "
        "Check the model slug; rw.models.list() lists the available models"
    )
    # The lookup: one page of 100, a short timeout, no retries.
    request = catalogue.calls.last.request
    assert dict(request.url.params) == {"limit": "100", "offset": "0"}
    # Up to what the attempt's deadline left of it (the SDK clips the read timeout).
    assert request.extensions["timeout"]["read"] == pytest.approx(3.0, abs=0.5)
    assert sleeps == []


@pytest.mark.anyio
async def test_the_catalogue_is_read_once_per_client(gw: respx.MockRouter, rw: Client) -> None:
    gw.post("/chat/completions").respond(404, json=NOT_FOUND)
    gw.get("/models/gtp-4o").respond(404, json=NOT_FOUND)
    catalogue = _catalogue(gw)
    for _ in range(2):
        with pytest.raises(NotFoundError) as info:
            await resolve(rw.chat("gtp-4o", [{"role": "user", "content": "hi"}]))
        assert info.value.suggestions == ["gpt-4o"]
    with pytest.raises(NotFoundError) as info:
        await resolve(rw.with_options(timeout=9).models.get("gtp-4o"))  # shares the cache
    assert info.value.suggestions == ["gpt-4o"]
    assert catalogue.call_count == 1


@pytest.mark.anyio
async def test_a_failed_lookup_leaves_the_original_error(
    gw: respx.MockRouter, rw: Client, sleeps: list[float]
) -> None:
    gw.post("/embeddings").respond(404, json=NOT_FOUND)
    catalogue = gw.get("/models").mock(side_effect=httpx.ConnectError("refused"))
    for _ in range(2):
        with pytest.raises(NotFoundError) as info:
            await resolve(rw.embed("text-embeding-3-small", "hi"))
        assert info.value.suggestions == []
        assert info.value.message == "Model 'flux-schnel' not found"
        assert "Did you mean" not in str(info.value)
    assert catalogue.call_count == 1  # not retried, and not tried again
    assert sleeps == []


@pytest.mark.anyio
async def test_no_suggestion_when_nothing_is_close(gw: respx.MockRouter, rw: Client) -> None:
    gw.post("/images/generations").respond(404, json=NOT_FOUND)
    _catalogue(gw)
    with pytest.raises(NotFoundError) as info:
        await resolve(rw.image("zzzzzzzz", "a cat"))
    assert info.value.suggestions == []
    assert str(info.value).endswith(
        ". Check the model slug; rw.models.list() lists the available models"
    )


@pytest.mark.anyio
async def test_other_404s_of_the_gateway_look_nothing_up(gw: respx.MockRouter, rw: Client) -> None:
    body = {"error": {"message": "No such thing", "type": "not_found_error", "code": "not_found"}}
    gw.get("/models/flux-schnell").respond(404, json=body)
    catalogue = _catalogue(gw)
    with pytest.raises(NotFoundError) as info:
        await resolve(rw.models.get("flux-schnell"))
    assert info.value.suggestions == []
    assert catalogue.call_count == 0


def test_the_emulator_suggests_too(fake_gateway: FakeGateway) -> None:
    with Railwail(fake_gateway.api_key, base_url=fake_gateway.url) as rw:
        with pytest.raises(NotFoundError, match=r"Did you mean flux-schnell\?") as info:
            rw.run("flux-schnel", "a cat")
        with pytest.raises(NotFoundError, match=r"Did you mean dall-e-3 or dall-e-2\?"):
            rw.models.get("dall-e-4")
    assert info.value.suggestions == ["flux-schnell"]
    assert len(fake_gateway.requests_to("/models")) == 1  # once per client


def test_suggestions_survive_pickling() -> None:
    error = NotFoundError("gone", status=404, code="model_not_found", suggestions=["flux-schnell"])
    copy = pickle.loads(pickle.dumps(error))
    assert copy.suggestions == ["flux-schnell"]
    assert str(copy) == str(error)


# -- a 404 that is not the gateway's ---------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize(
    "answer",
    [
        {"text": "<html><body>404 page not found</body></html>"},
        {"json": {"detail": "Not Found"}},
        {"text": ""},
    ],
    ids=["html", "other-json", "empty"],
)
async def test_a_404_that_is_not_the_gateways_points_at_base_url(
    gw: respx.MockRouter, make_client: Callable[..., Client], answer: dict[str, object]
) -> None:
    wrong = "http://127.0.0.1:8787/v1"  # no /api
    gw.post(f"{wrong}/images/generations").respond(404, **answer)  # type: ignore[arg-type]
    catalogue = gw.get(f"{wrong}/models")
    rw = make_client(API_KEY, base_url=wrong)
    with pytest.raises(NotFoundError) as info:
        await resolve(rw.image("flux-schnell", "a cat"))
    text = str(info.value)
    assert text.startswith("404: Not Found. The server at base_url 'http://127.0.0.1:8787/v1'")
    assert "base_url is likely wrong: it should end with /api/v1" in text
    assert "model slug" not in text
    assert catalogue.call_count == 0
    copy = pickle.loads(pickle.dumps(info.value))
    assert str(copy) == text


@pytest.mark.anyio
async def test_a_gateway_shaped_404_under_a_base_url_without_its_version_points_at_base_url(
    gw: respx.MockRouter, make_client: Callable[..., Client]
) -> None:
    # The server behind a base_url that lacks /api/v1 may answer in the gateway's own error
    # shape (the emulator does): it is still the path that is wrong, not the model.
    wrong = "http://127.0.0.1:8787"
    body = {"error": {"message": "No route for /images/generations", "code": "not_found"}}
    route = gw.post(f"{wrong}/images/generations").respond(404, json=body)
    catalogue = gw.get(f"{wrong}/models")
    rw = make_client(API_KEY, base_url=wrong)
    with pytest.raises(NotFoundError) as info:
        await resolve(rw.image("flux-schnell", "a cat"))
    assert route.call_count == 1
    assert "base_url is likely wrong: it should end with /api/v1" in str(info.value)
    assert "model slug" not in str(info.value)
    assert catalogue.call_count == 0


@pytest.mark.anyio
async def test_a_model_404_under_a_versioned_base_url_keeps_the_slug_advice(
    gw: respx.MockRouter, rw: Client
) -> None:
    body = {"error": {"message": "Model 'x' not found", "code": "not_found"}}
    gw.post("/images/generations").respond(404, json=body)
    with pytest.raises(NotFoundError) as info:
        await resolve(rw.image("x", "a cat"))
    assert "base_url" not in str(info.value)
    assert "Check the model slug" in str(info.value)


@pytest.mark.anyio
async def test_an_image_hosts_404_keeps_its_own_message(gw: respx.MockRouter, rw: Client) -> None:
    gw.post("/images/generations").respond(200, json={"data": [{"url": IMG_URL}]})
    gw.get(IMG_URL).respond(404, text="<html>gone</html>")
    image = (await resolve(rw.image("flux-schnell", "a cat"))).data[0]
    with pytest.raises(NotFoundError) as info:
        await read(image, rw)
    assert "base_url" not in str(info.value)


# -- a missing key --------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("key", [None, "", "   "], ids=["none", "empty", "blank"])
async def test_a_missing_key_is_a_railwail_error_and_a_value_error(
    make_client: Callable[..., Client], key: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    if key is not None:
        monkeypatch.setenv("RAILWAIL_API_KEY", key)
    with pytest.raises(MissingAPIKeyError) as info:
        make_client(base_url=BASE_URL)
    assert isinstance(info.value, RailwailError)
    assert isinstance(info.value, ValueError)
    assert "RAILWAIL_API_KEY" in str(info.value)
    if key is None:
        assert "railwail auth login" in str(info.value)
        assert "none is stored at " in str(info.value)


def test_the_quickstarts_except_catches_a_missing_key() -> None:
    try:
        Railwail(base_url=BASE_URL)
    except RailwailError as exc:  # what examples/quickstart.py catches
        caught: Exception = exc
    assert type(caught) is MissingAPIKeyError


@pytest.mark.anyio
async def test_concurrent_errors_read_the_catalogue_once(gw: respx.MockRouter, rw: Client) -> None:
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    gw.post("/images/generations").respond(404, json=NOT_FOUND)
    catalogue = _catalogue(gw)

    async def attempt() -> list[str]:
        try:
            await resolve(rw.image("flux-schnel", "a cat"))
        except NotFoundError as exc:
            return exc.suggestions
        raise AssertionError("no error")

    if isinstance(rw, Railwail):
        with ThreadPoolExecutor(max_workers=4) as pool:
            futures = [pool.submit(asyncio.run, attempt()) for _ in range(4)]
            results = [future.result() for future in futures]
    else:
        results = await asyncio.gather(*(attempt() for _ in range(4)))
    assert results == [["flux-schnell"]] * 4
    assert catalogue.call_count == 1


@pytest.mark.anyio
async def test_the_lookup_reads_a_few_pages_at_most(gw: respx.MockRouter, rw: Client) -> None:
    gw.post("/images/generations").respond(404, json=NOT_FOUND)

    def page(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params["offset"])
        data = [{"id": f"model-{offset + i}"} for i in range(100)]
        if offset == 200:
            data[5] = {"id": "flux-schnell", "slug": "flux-schnell"}
        return httpx.Response(200, json={"data": data, "has_more": True})

    catalogue = gw.get("/models").mock(side_effect=page)
    with pytest.raises(NotFoundError) as info:
        await resolve(rw.image("flux-schnel", "a cat"))
    assert info.value.suggestions == ["flux-schnell"]
    offsets = [call.request.url.params["offset"] for call in catalogue.calls]
    assert offsets == ["0", "100", "200"]  # three pages, though the catalogue says there is more
