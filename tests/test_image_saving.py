"""Saving images as a person expects: the right extension, a suffix that matches the bytes
(converted with Pillow, or refused before anything is written), every image of a response or
of ``run()``'s list at once with names that never collide, and names that tell the prompt
and model an image was made for."""

from __future__ import annotations

import base64
import io
import sys
from pathlib import Path
from typing import Any

import pytest
import respx
from PIL import Image as PILImage

from railwail import ImageList, NotFoundError, Railwail
from railwail.types import ImageResponse
from support import (
    CDN_URL,
    IMG_URL,
    PNG,
    Client,
    generated_name,
    is_async,
    names,
    read,
    resolve,
    save,
)


def _real_png() -> bytes:
    buf = io.BytesIO()
    PILImage.new("RGB", (4, 3), (200, 30, 60)).save(buf, format="PNG")
    return buf.getvalue()


def _b64(data: bytes) -> dict[str, Any]:
    return {"b64_json": base64.b64encode(data).decode()}


def _answer(gw: respx.MockRouter, *items: dict[str, Any]) -> respx.Route:
    return gw.post("/images/generations").respond(200, json={"created": 1, "data": list(items)})


async def _generate(rw: Client, gw: respx.MockRouter, *items: dict[str, Any]) -> ImageResponse:
    _answer(gw, *items)
    res: ImageResponse = await resolve(rw.image("flux-schnell", "A cat in space", n=len(items)))
    return res


# -- what the response knows it was made for ------------------------------------------------------


@pytest.mark.anyio
async def test_responses_and_images_know_their_model_prompt_and_place(
    gw: respx.MockRouter, rw: Client
) -> None:
    res = await _generate(rw, gw, _b64(PNG), _b64(PNG))
    assert (res.model, res.prompt) == ("flux-schnell", "A cat in space")
    assert [(i.model, i.prompt, i.index) for i in res.data] == [
        ("flux-schnell", "A cat in space", 1),
        ("flux-schnell", "A cat in space", 2),
    ]
    _answer(gw, _b64(PNG))
    images = await resolve(rw.run("dall-e-3", "a fox"))
    assert isinstance(images, list)
    assert type(images) is ImageList
    assert [(i.model, i.prompt, i.index) for i in images] == [("dall-e-3", "a fox", 1)]


def test_image_list_slices_are_image_lists(gw: respx.MockRouter, client: Railwail) -> None:
    _answer(gw, _b64(PNG), _b64(PNG), _b64(PNG))
    images = client.run("flux-schnell", "x", n=3)
    assert type(images[1:]) is ImageList
    assert len(images[1:]) == 2
    assert images[0] is images[:1][0]


# -- save(path): the suffix ------------------------------------------------------------------------


@pytest.mark.anyio
async def test_save_without_a_suffix_adds_the_real_one(
    gw: respx.MockRouter, rw: Client, tmp_path: Path
) -> None:
    res = await _generate(rw, gw, {"url": IMG_URL})
    gw.get(IMG_URL).respond(200, content=PNG)
    written = await save(res.data[0], rw, tmp_path / "cat")
    assert written == tmp_path / "cat.png"
    assert written.read_bytes() == PNG
    assert names(tmp_path) == ["cat.png"]


@pytest.mark.anyio
async def test_save_with_another_format_converts_with_pillow(
    gw: respx.MockRouter, rw: Client, tmp_path: Path
) -> None:
    res = await _generate(rw, gw, _b64(_real_png()))
    written = await save(res.data[0], rw, tmp_path / "cat.jpg")
    assert written == tmp_path / "cat.jpg"
    with PILImage.open(written) as picture:
        assert (picture.format, picture.size) == ("JPEG", (4, 3))
    assert await read(res.data[0], rw) == _real_png()  # the image itself is unchanged


@pytest.mark.anyio
async def test_save_with_another_format_without_pillow_writes_nothing(
    gw: respx.MockRouter, rw: Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    res = await _generate(rw, gw, _b64(PNG))
    (tmp_path / "cat.jpg").write_bytes(b"an older picture")
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(ValueError, match=r"'cat\.jpg' asks for JPEG but the image is PNG"):
        await save(res.data[0], rw, tmp_path / "cat.jpg")
    assert names(tmp_path) == ["cat.jpg"]
    assert (tmp_path / "cat.jpg").read_bytes() == b"an older picture"


# -- save_all: every image, names that never collide -----------------------------------------------


async def _save_all(target: ImageResponse | ImageList, rw: Client, directory: Any) -> list[Path]:
    """``save_all``, or ``asave_all`` for the async twin."""
    if is_async(rw):
        return await target.asave_all(directory)
    return target.save_all(directory)


@pytest.mark.anyio
async def test_save_all_keeps_every_image(gw: respx.MockRouter, rw: Client, tmp_path: Path) -> None:
    res = await _generate(rw, gw, _b64(PNG + b"1"), {"url": IMG_URL}, _b64(PNG + b"3"))
    gw.get(IMG_URL).respond(200, content=PNG + b"2")
    paths = await _save_all(res, rw, tmp_path / "out")
    stem = "a-cat-in-space_flux-schnell"
    assert paths == [tmp_path / "out" / f"{stem}_{i}.png" for i in (1, 2, 3)]
    assert [p.read_bytes() for p in paths] == [PNG + b"1", PNG + b"2", PNG + b"3"]
    # Again into the same directory: nothing is replaced, the new files are numbered.
    again = await _save_all(res.images, rw, tmp_path / "out")
    assert [p.name for p in again] == [f"{stem}_{i}-2.png" for i in (1, 2, 3)]
    assert len(names(tmp_path / "out")) == 6


@pytest.mark.anyio
async def test_save_all_of_run_images(gw: respx.MockRouter, rw: Client, cwd: Path) -> None:
    _answer(gw, _b64(PNG), _b64(PNG), _b64(PNG))
    images = await resolve(rw.run("flux-schnell", "x", n=3))
    paths = await _save_all(images, rw, ".")
    assert [p.name for p in paths] == [
        "x_flux-schnell_1.png",
        "x_flux-schnell_2.png",
        "x_flux-schnell_3.png",
    ]
    assert all(p.parent == cwd for p in paths)


@pytest.mark.anyio
async def test_save_all_writes_nothing_when_a_download_fails(
    gw: respx.MockRouter, rw: Client, tmp_path: Path
) -> None:
    res = await _generate(rw, gw, _b64(PNG), {"url": f"{CDN_URL}/gone.png"})
    gw.get(f"{CDN_URL}/gone.png").respond(404, text="expired")
    with pytest.raises(NotFoundError):
        await _save_all(res, rw, tmp_path)
    assert names(tmp_path) == []


def test_images_without_a_prompt_are_named_by_content(tmp_path: Path) -> None:
    from railwail import Image

    paths = ImageList([Image(**_b64(PNG))]).save_all(tmp_path)
    assert [p.name for p in paths] == [generated_name(PNG, ".png")]


@pytest.fixture
def cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path.resolve()
