"""Notebook display, through IPython's own display formatter: each image stored once, as its
picture plus a line of text; a URL downloaded on display (size cap, short timeout, no
retries) so that a saved notebook keeps the picture; a failure shown as text, never raised;
a response or ``run()``'s list shown as one row of pictures."""

from __future__ import annotations

import base64
import sys
from typing import Any

import httpx
import pytest
import respx
from IPython.core.formatters import DisplayFormatter

from railwail import AsyncRailwail, Railwail
from railwail.types import Image, ImageList, ImageResponse
from support import CDN_URL, GIF, IMG_URL, JPEG, PNG, PNG_SIGNATURE, WEBP, Client, resolve

AVIF = b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00-fake-avif"


def shown(obj: object) -> dict[str, Any]:
    """What a notebook stores for ``obj`` as a cell's last expression."""
    data, metadata = DisplayFormatter().format(obj)
    assert metadata == {}
    return data


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _answer(gw: respx.MockRouter, *items: dict[str, Any]) -> None:
    gw.post("/images/generations").respond(200, json={"created": 1, "data": list(items)})


@pytest.mark.parametrize(
    ("data", "mime"),
    [(PNG, "image/png"), (JPEG, "image/jpeg"), (GIF, "image/gif"), (WEBP, "image/webp")],
)
def test_a_base64_image_is_stored_once_as_its_own_type(data: bytes, mime: str) -> None:
    image = Image(b64_json=_b64(data))
    assert shown(image) == {mime: data, "text/plain": repr(image)}


@pytest.mark.anyio
async def test_a_url_image_is_downloaded_on_display_and_kept(
    gw: respx.MockRouter, rw: Client, sleeps: list[float]
) -> None:
    _answer(gw, {"url": IMG_URL, "revised_prompt": "a tabby"})
    cdn = gw.get(IMG_URL)
    cdn.side_effect = [httpx.Response(503), httpx.Response(200, content=PNG)]
    image = (await resolve(rw.image("flux-schnell", "a cat"))).data[0]
    # Display does not retry: a failed picture is a line of text, at once.
    failed = shown(image)
    assert list(failed) == ["text/plain"]
    assert failed["text/plain"].startswith(f"{image!r} (not shown: 503")
    assert sleeps == []
    assert shown(image) == {"image/png": PNG, "text/plain": repr(image)}
    request = cdn.calls.last.request
    # Short, so that a cell cannot hang (up to what the attempt's deadline left of it).
    assert request.extensions["timeout"]["read"] == pytest.approx(10.0, abs=0.5)
    assert "authorization" not in request.headers
    assert image.read() == PNG  # downloaded once, for the display and for read() alike
    assert cdn.call_count == 2


@pytest.mark.parametrize(
    ("arrange", "problem"),
    [
        (lambda route: route.respond(404, text="expired"), "404"),
        (lambda route: route.mock(side_effect=httpx.ConnectError("refused")), "refused"),
        (
            lambda route: route.respond(200, content=PNG_SIGNATURE + b"x" * 100),
            "max_download_bytes=64",
        ),
        (lambda route: route.mock(side_effect=RuntimeError("anything at all")), "anything at all"),
    ],
    ids=["404", "connection", "too-large", "unexpected"],
)
def test_a_failed_display_is_a_line_of_text(
    gw: respx.MockRouter, arrange: Any, problem: str
) -> None:
    arrange(gw.get(IMG_URL))
    with Railwail(
        "rw_test_0123456789abcdefghij",
        base_url="http://127.0.0.1:8787/api/v1",
        max_download_bytes=64,
    ) as rw:
        _answer(gw, {"url": IMG_URL})
        image = rw.image("flux-schnell", "a cat").data[0]
        data = shown(image)
    assert list(data) == ["text/plain"]
    assert data["text/plain"].startswith(f"{image!r} (not shown: ")
    assert problem in data["text/plain"]


def test_an_image_of_an_open_async_client_is_shown_too(gw: respx.MockRouter) -> None:
    import asyncio

    async def generate() -> tuple[Image, dict[str, Any]]:
        async with AsyncRailwail(
            "rw_test_0123456789abcdefghij", base_url="http://127.0.0.1:8787/api/v1"
        ) as rw:
            image = (await rw.image("flux-schnell", "a cat")).data[0]
            return image, shown(image)  # a notebook cell with top-level await

    _answer(gw, {"url": IMG_URL})
    gw.get(IMG_URL).respond(200, content=JPEG)
    image, data = asyncio.run(generate())
    assert data == {"image/jpeg": JPEG, "text/plain": repr(image)}


def test_formats_front_ends_cannot_show_are_converted_or_described(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    avif = Image(b64_json=_b64(AVIF))
    # Pillow is installed but cannot read these bytes: described, not raised.
    assert "AVIF could not be converted for display" in shown(avif)["text/plain"]
    monkeypatch.setitem(sys.modules, "PIL", None)
    assert shown(avif) == {
        "text/plain": f"{avif!r} (not shown: AVIF images need Pillow to be shown)"
    }


def test_formats_front_ends_cannot_show_are_converted_to_png() -> None:
    import io

    from PIL import Image as PILImage

    bmp = io.BytesIO()
    PILImage.new("RGB", (2, 2), (1, 2, 3)).save(bmp, format="BMP")
    image = Image(b64_json=_b64(bmp.getvalue()))
    data = shown(image)
    assert list(data) == ["image/png", "text/plain"]
    with PILImage.open(io.BytesIO(data["image/png"])) as picture:
        assert (picture.format, picture.size) == ("PNG", (2, 2))


def test_an_image_without_data_is_described() -> None:
    (line,) = shown(Image()).values()
    assert line.startswith("Image(no data) (not shown: image has neither url nor b64_json")


def test_a_response_shows_all_its_pictures_once_in_a_row(gw: respx.MockRouter) -> None:
    pictures = [PNG + b"1", JPEG, PNG + b"3"]
    res = ImageResponse(
        created=1,
        data=[
            Image(b64_json=_b64(pictures[0]), revised_prompt='a "cat" & <dog>'),
            Image(url=IMG_URL),
            Image(url=f"{CDN_URL}/gone.png"),
        ],
    )
    gw.get(IMG_URL).respond(200, content=JPEG)
    gw.get(f"{CDN_URL}/gone.png").respond(404, text="expired")
    data = shown(res)
    assert set(data) == {"text/html", "text/plain"}
    assert data["text/plain"] == repr(res)
    html = data["text/html"]
    assert html.count("<img ") == 2
    assert html.count(f"data:image/png;base64,{_b64(pictures[0])}") == 1
    assert html.count(f"data:image/jpeg;base64,{_b64(JPEG)}") == 1
    assert "1. a &quot;cat&quot; &amp; &lt;dog&gt;" in html  # captions are escaped
    assert "not shown: 404" in html
    assert IMG_URL not in html  # the picture itself, not a link that will expire


def test_run_images_show_as_a_row_and_one_image_as_itself(
    gw: respx.MockRouter, client: Railwail
) -> None:
    _answer(gw, {"b64_json": _b64(PNG)}, {"b64_json": _b64(GIF)})
    images = client.run("flux-schnell", "a cat", n=2)
    data = shown(images)
    assert set(data) == {"text/html", "text/plain"}
    assert data["text/plain"] == repr(images)
    assert "1. a cat" in data["text/html"]
    one = ImageList(images[:1])
    assert shown(one) == {"image/png": PNG, "text/plain": repr(one)}
