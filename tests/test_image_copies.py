"""An image outlives its client, and can be copied and pickled: after the client is closed it
downloads through a short-lived client of its own under the same rules; a copy or a pickle
keeps those rules but no key, and downloads without credentials."""

from __future__ import annotations

import asyncio
import base64
import copy
import pickle
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import respx

from railwail import Railwail, ResponseValidationError
from railwail.testing import FakeGateway
from railwail.types import Image, ImageList, ImageResponse
from support import (
    API_KEY,
    CDN_URL,
    IMG_URL,
    ORIGIN,
    PNG,
    PNG_SIGNATURE,
    Client,
    close,
    read,
    resolve,
)

OWN_URL = f"{ORIGIN}/files/a.png"  # an image served by the gateway's own origin
SECRET_HEADER = {"X-Team-Secret": "s3cret-header-value"}


def _answer(gw: respx.MockRouter, *items: dict[str, Any]) -> None:
    gw.post("/images/generations").respond(200, json={"created": 1, "data": list(items)})


def _cdn(gw: respx.MockRouter, url: str = IMG_URL, data: bytes = PNG) -> respx.Route:
    return gw.get(url).respond(200, content=data, headers={"content-type": "image/png"})


async def _generate(rw: Client, gw: respx.MockRouter, *items: dict[str, Any]) -> ImageResponse:
    _answer(gw, *items)
    res: ImageResponse = await resolve(rw.image("flux-schnell", "a cat"))
    return res


COPIES: dict[str, Callable[[Any], Any]] = {
    "pickle": lambda obj: pickle.loads(pickle.dumps(obj)),
    "deepcopy": copy.deepcopy,
    "model_copy-deep": lambda obj: (
        obj.model_copy(deep=True) if hasattr(obj, "model_copy") else copy.deepcopy(obj)
    ),
}


# -- after the client is closed -----------------------------------------------------------------


@pytest.mark.anyio
async def test_image_reads_after_its_client_is_closed(
    gw: respx.MockRouter, make_client: Callable[..., Client]
) -> None:
    rw = make_client(API_KEY, default_headers=SECRET_HEADER)
    res = await _generate(rw, gw, {"url": IMG_URL}, {"url": OWN_URL})
    cdn, own = _cdn(gw), _cdn(gw, OWN_URL)
    await close(rw)
    assert await read(res.data[0], rw) == PNG
    assert await read(res.data[1], rw) == PNG
    # The same rules as the client's: the key and default headers for its own origin only.
    cdn_headers = cdn.calls.last.request.headers
    assert "authorization" not in cdn_headers
    assert "x-team-secret" not in cdn_headers
    own_headers = own.calls.last.request.headers
    assert own_headers["authorization"] == f"Bearer {API_KEY}"
    assert own_headers["x-team-secret"] == "s3cret-header-value"


@pytest.mark.anyio
async def test_after_close_the_size_cap_and_retries_still_hold(
    gw: respx.MockRouter, make_client: Callable[..., Client], sleeps: list[float]
) -> None:
    rw = make_client(API_KEY, max_download_bytes=64, max_retries=1)
    res = await _generate(rw, gw, {"url": IMG_URL}, {"url": f"{CDN_URL}/flaky.png"})
    gw.get(IMG_URL).respond(200, content=PNG_SIGNATURE + b"x" * 100)
    flaky = gw.get(f"{CDN_URL}/flaky.png")
    flaky.side_effect = [httpx.Response(503), httpx.Response(200, content=PNG)]
    await close(rw)
    with pytest.raises(ResponseValidationError, match="max_download_bytes=64"):
        await read(res.data[0], rw)
    assert await read(res.data[1], rw) == PNG
    assert flaky.call_count == 2
    assert len(sleeps) == 1  # the client's own retry policy, waits and all


def test_an_async_image_reads_in_sync_code_once_its_client_is_closed(
    gw: respx.MockRouter, tmp_path: Any
) -> None:
    from railwail import AsyncRailwail

    async def generate() -> ImageList:
        async with AsyncRailwail(API_KEY, base_url=f"{ORIGIN}/api/v1") as rw:
            images: ImageList = await rw.run("flux-schnell", "a cat")
            return images

    _answer(gw, {"url": IMG_URL})
    cdn = _cdn(gw)
    images = asyncio.run(generate())
    assert images[0].read() == PNG
    assert images.save_all(tmp_path) == [tmp_path / "a-cat_flux-schnell_1.png"]
    assert cdn.call_count == 1


def test_the_readme_testing_sample(fake_gateway: FakeGateway) -> None:
    with Railwail(fake_gateway.api_key, base_url=fake_gateway.url) as rw:
        images = rw.run("flux-schnell", "a cat")
    assert images[0].read().startswith(PNG_SIGNATURE)
    (download,) = fake_gateway.requests_to(".png")
    assert download.method == "GET"


# -- copies and pickles --------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("how", sorted(COPIES))
async def test_copies_of_url_images_download_without_credentials(
    gw: respx.MockRouter, make_client: Callable[..., Client], how: str
) -> None:
    rw = make_client(API_KEY, default_headers=SECRET_HEADER)
    res = await _generate(rw, gw, {"url": OWN_URL, "revised_prompt": "a tabby cat"})
    own = _cdn(gw, OWN_URL)
    duplicate = COPIES[how](res)
    assert isinstance(duplicate, ImageResponse)
    assert duplicate == res
    assert duplicate.request_id == res.request_id
    assert (duplicate.model, duplicate.prompt) == ("flux-schnell", "a cat")
    image = duplicate.data[0]
    assert (image.prompt, image.index, image.revised_prompt) == ("a cat", 1, "a tabby cat")
    # A copy downloads on its own (sync or async alike), with no key even for the gateway's
    # own origin: nothing secret travels with it.
    assert image.read() == PNG
    headers = own.calls.last.request.headers
    assert "authorization" not in headers
    assert "x-team-secret" not in headers
    # The original still downloads through its client, with the key.
    assert await read(res.data[0], rw) == PNG
    assert own.calls.last.request.headers["authorization"] == f"Bearer {API_KEY}"


@pytest.mark.anyio
async def test_a_pickle_holds_neither_the_key_nor_the_headers(
    gw: respx.MockRouter, make_client: Callable[..., Client]
) -> None:
    rw = make_client(API_KEY, default_headers=SECRET_HEADER)
    res = await _generate(rw, gw, {"url": IMG_URL}, {"b64_json": base64.b64encode(PNG).decode()})
    _cdn(gw)
    await read(res.data[0], rw)
    blob = pickle.dumps(res)
    assert API_KEY.encode() not in blob
    assert b"s3cret-header-value" not in blob
    assert pickle.dumps(res.data[0]).count(PNG) == 1  # downloaded bytes travel: URLs expire
    assert PNG not in pickle.dumps(res.data[1])  # base64 bytes do not: they decode again


@pytest.mark.anyio
async def test_copies_keep_the_size_cap(
    gw: respx.MockRouter, make_client: Callable[..., Client]
) -> None:
    rw = make_client(API_KEY, max_download_bytes=64)
    res = await _generate(rw, gw, {"url": IMG_URL})
    gw.get(IMG_URL).respond(200, content=PNG_SIGNATURE + b"x" * 100)
    for how, duplicate in COPIES.items():
        with pytest.raises(ResponseValidationError, match="max_download_bytes=64"):
            await read(duplicate(res).data[0], rw)
        assert how


@pytest.mark.anyio
async def test_a_downloaded_image_is_not_downloaded_again_by_its_copies(
    gw: respx.MockRouter, rw: Client
) -> None:
    res = await _generate(rw, gw, {"url": IMG_URL})
    cdn = _cdn(gw)
    await read(res.data[0], rw)
    for duplicate in COPIES.values():
        assert duplicate(res).data[0].read() == PNG
    assert cdn.call_count == 1


@pytest.mark.anyio
@pytest.mark.parametrize("how", sorted(COPIES))
async def test_the_list_run_returns_copies_as_an_image_list(
    gw: respx.MockRouter, rw: Client, how: str
) -> None:
    _answer(gw, {"b64_json": base64.b64encode(PNG).decode()}, {"url": IMG_URL})
    _cdn(gw)
    images = await resolve(rw.run("flux-schnell", "a cat", n=2))
    duplicate = COPIES[how](images)
    assert type(duplicate) is ImageList
    assert duplicate == images
    assert [image.read() for image in duplicate] == [PNG, PNG]


def test_shallow_copies_share_the_client(gw: respx.MockRouter, client: Railwail) -> None:
    _answer(gw, {"url": OWN_URL})
    own = _cdn(gw, OWN_URL)
    image = client.image("flux-schnell", "a cat").data[0]
    for duplicate in (copy.copy(image), image.model_copy()):
        assert duplicate.read() == PNG
        assert own.calls.last.request.headers["authorization"] == f"Bearer {API_KEY}"


def test_a_copy_with_another_url_does_not_reuse_the_bytes(
    gw: respx.MockRouter, client: Railwail
) -> None:
    _answer(gw, {"url": IMG_URL})
    _cdn(gw)
    other = _cdn(gw, f"{CDN_URL}/b.png", PNG + b"other")
    image = client.image("flux-schnell", "a cat").data[0]
    assert image.read() == PNG
    moved = image.model_copy(update={"url": f"{CDN_URL}/b.png"})
    assert moved.read() == PNG + b"other"
    assert other.call_count == 1
    assert image.read() == PNG


@pytest.mark.anyio
async def test_a_copy_of_a_copy_keeps_the_rules(
    gw: respx.MockRouter, make_client: Callable[..., Client]
) -> None:
    rw = make_client(API_KEY, max_download_bytes=64)
    res = await _generate(rw, gw, {"url": IMG_URL})
    gw.get(IMG_URL).respond(200, content=PNG_SIGNATURE + b"x" * 100)
    twice = pickle.loads(pickle.dumps(copy.deepcopy(res)))
    with pytest.raises(ResponseValidationError, match="max_download_bytes=64"):
        twice.data[0].read()
    assert twice.data[0] != "an image"  # only images compare equal to images
    assert twice.data[0] == Image(url=IMG_URL)


def test_images_built_by_hand_copy_too(gw: respx.MockRouter) -> None:
    cdn = _cdn(gw)
    for duplicate in COPIES.values():
        image = duplicate(Image(url=IMG_URL))
        assert image.read() == PNG
        assert image.prompt is None
    b64 = Image(b64_json=base64.b64encode(PNG).decode())
    assert pickle.loads(pickle.dumps(b64)).read() == PNG
    assert cdn.call_count == len(COPIES)
