"""``Image``: reading (base64, data: URL, download through the client), saving atomically,
the download's size cap, the URLs and redirects it refuses, retries, Pillow, notebook display,
and the sync/async guards. Which hosts get the key and default headers: tests/test_security.py."""

from __future__ import annotations

import base64
import gzip
import io
import os
import pickle
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from PIL import Image as PILImage

from railwail import (
    APIConnectionError,
    AsyncRailwail,
    NotFoundError,
    PermissionDeniedError,
    Railwail,
    RailwailError,
    ResponseValidationError,
    ServerError,
)
from railwail.types import Image, ImageResponse
from support import (
    API_KEY,
    BASE_URL,
    CDN_URL,
    GIF,
    IMG_URL,
    JPEG,
    PNG,
    WEBP,
    Client,
    Twin,
    is_async,
    names,
    read,
    resolve,
    save,
)

UNKNOWN = b"just some bytes"
# The file name save() gives an image of "flux-schnell" for "a cat" (the first of its response).
STEM = "a-cat_flux-schnell_1"

SIGNATURES = [(PNG, ".png"), (JPEG, ".jpg"), (WEBP, ".webp"), (GIF, ".gif"), (UNKNOWN, ".bin")]

SIGNATURE_IDS = ["png", "jpeg", "webp", "gif", "unknown"]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _real_png(width: int, height: int) -> bytes:
    buf = io.BytesIO()
    PILImage.new("RGB", (width, height), (200, 30, 60)).save(buf, format="PNG")
    return buf.getvalue()


def _mock_generation(gw: respx.MockRouter, item: dict[str, Any]) -> respx.Route:
    return gw.post("/images/generations").respond(200, json={"created": 1, "data": [item]})


def sync_image(gw: respx.MockRouter, client: Railwail, **item: Any) -> Image:
    """An image as ``client.image()`` returns it, for a gateway that answered ``item``."""
    _mock_generation(gw, item)
    return client.image("flux-schnell", "a cat").data[0]


async def image_of(gw: respx.MockRouter, rw: Client, **item: Any) -> Image:
    """An image as ``rw.image()`` returns it (either twin), for a gateway that answered ``item``."""
    _mock_generation(gw, item)
    return (await resolve(rw.image("flux-schnell", "a cat"))).data[0]


@pytest.fixture
def cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The test's own working directory (``tmp_path``, resolved), for relative save paths."""
    monkeypatch.chdir(tmp_path)
    return tmp_path.resolve()


def _cdn(gw: respx.MockRouter, data: bytes, url: str = IMG_URL) -> respx.Route:
    return gw.get(url).respond(200, content=data, headers={"content-type": "image/png"})


def _downloads(gw: respx.MockRouter) -> list[httpx.Request]:
    return [call.request for call in gw.calls if call.request.method == "GET"]


# -- read(): base64, data: URLs, downloads -----------------------------------------------------


@pytest.mark.anyio
async def test_read_b64(gw: respx.MockRouter, rw: Client) -> None:
    image = await image_of(gw, rw, b64_json=_b64(JPEG))
    assert await read(image, rw) == JPEG
    assert await read(image, rw) is await read(image, rw)  # decoded once
    assert image.format == "image/jpeg"
    assert len(gw.calls) == 1  # the generation only


@pytest.mark.anyio
async def test_read_data_url(gw: respx.MockRouter, rw: Client) -> None:
    image = await image_of(gw, rw, url=f"data:image/gif;base64,{_b64(GIF)}")
    assert await read(image, rw) == GIF
    assert _downloads(gw) == []


@pytest.mark.anyio
async def test_read_url_downloads_once(gw: respx.MockRouter, rw: Client) -> None:
    cdn = _cdn(gw, PNG)
    image = await image_of(gw, rw, url=IMG_URL)
    assert image.format is None  # unknown until downloaded, and asking does no I/O
    assert cdn.call_count == 0
    assert await read(image, rw) == PNG
    assert await read(image, rw) == PNG
    assert cdn.call_count == 1
    assert image.format == "image/png"
    request = cdn.calls.last.request
    assert request.method == "GET"
    assert request.url == IMG_URL
    assert request.content == b""


def test_empty_b64_beside_a_url_downloads_the_url(gw: respx.MockRouter, client: Railwail) -> None:
    cdn = _cdn(gw, PNG)
    image = sync_image(gw, client, url=IMG_URL, b64_json="")
    assert image.read() == PNG
    assert cdn.call_count == 1


def test_save_after_read_does_not_download_again(
    gw: respx.MockRouter, client: Railwail, tmp_path: Path
) -> None:
    cdn = _cdn(gw, PNG)
    image = sync_image(gw, client, url=IMG_URL)
    image.read()
    image.save(tmp_path / "a.png")
    image.save(tmp_path / "b.png")
    assert cdn.call_count == 1
    assert (tmp_path / "b.png").read_bytes() == PNG


# -- save() ------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_save_writes_exact_bytes(gw: respx.MockRouter, rw: Client, tmp_path: Path) -> None:
    _cdn(gw, PNG)
    image = await image_of(gw, rw, url=IMG_URL)
    target = tmp_path / "deep" / "er" / "out.png"
    written = await save(image, rw, target)
    assert written == target
    assert written.is_absolute()
    assert target.read_bytes() == PNG
    assert names(target.parent) == ["out.png"]


def test_save_relative_path_returns_absolute(
    gw: respx.MockRouter, client: Railwail, cwd: Path
) -> None:
    image = sync_image(gw, client, b64_json=_b64(JPEG))
    written = image.save("sub/cat.jpg")
    assert written.is_absolute()
    assert written == cwd / "sub" / "cat.jpg"
    assert written.read_bytes() == JPEG


def test_save_overwrites(gw: respx.MockRouter, client: Railwail, tmp_path: Path) -> None:
    target = tmp_path / "out.png"
    target.write_bytes(b"old content")
    image = sync_image(gw, client, b64_json=_b64(PNG))
    assert image.save(target) == target
    assert target.read_bytes() == PNG
    assert names(tmp_path) == ["out.png"]


def test_save_default_is_current_directory(
    gw: respx.MockRouter, client: Railwail, cwd: Path
) -> None:
    image = sync_image(gw, client, b64_json=_b64(GIF))
    written = image.save()
    assert written == cwd / f"{STEM}.gif"
    assert written.read_bytes() == GIF


@pytest.mark.parametrize(("data", "ext"), SIGNATURES, ids=SIGNATURE_IDS)
def test_save_into_directory_names_by_prompt_model_and_place(
    gw: respx.MockRouter, client: Railwail, tmp_path: Path, data: bytes, ext: str
) -> None:
    image = sync_image(gw, client, b64_json=_b64(data))
    written = image.save(tmp_path)
    assert written == tmp_path / f"{STEM}{ext}"
    assert written.read_bytes() == data
    assert names(tmp_path) == [written.name]


@pytest.mark.anyio
@pytest.mark.parametrize(("data", "ext"), SIGNATURES, ids=SIGNATURE_IDS)
async def test_save_trailing_slash_creates_directory(
    gw: respx.MockRouter, rw: Client, cwd: Path, data: bytes, ext: str
) -> None:
    _cdn(gw, data)
    image = await image_of(gw, rw, url=IMG_URL)
    written = await save(image, rw, "new/dir/")
    assert written == cwd / "new" / "dir" / f"{STEM}{ext}"
    assert written.read_bytes() == data


def test_save_to_a_name_near_the_length_limit(
    gw: respx.MockRouter, client: Railwail, tmp_path: Path
) -> None:
    name = "a" * 251 + ".png"  # 255 bytes: the usual limit for one file name
    path = sync_image(gw, client, b64_json=base64.b64encode(PNG).decode()).save(tmp_path / name)
    assert path.read_bytes() == PNG
    assert names(tmp_path) == [name]


# -- failed downloads leave no file ------------------------------------------------------------


FAULTS = ["404", "connection", "too-large"]


def _arrange_fault(gw: respx.MockRouter, fault: str) -> tuple[respx.Route, type[Exception], int]:
    """Mocks the CDN failing as ``fault``; returns the route, the error and the attempts made."""
    route = gw.get(IMG_URL)
    if fault == "404":
        route.respond(404, text="expired")
        return route, NotFoundError, 1
    if fault == "connection":
        route.mock(side_effect=httpx.ConnectError("connection refused"))
        return route, APIConnectionError, 3
    route.respond(200, content=b"\x89PNG\r\n\x1a\n" + b"x" * 100)  # over the 64-byte cap below
    return route, ResponseValidationError, 1


def _prepare_target(tmp_path: Path, kind: str) -> Path:
    if kind == "existing":
        (tmp_path / "out.png").write_bytes(b"precious old picture")
        return tmp_path / "out.png"
    if kind == "directory":
        return tmp_path
    return tmp_path / "out.png"


def _check_nothing_written(tmp_path: Path, kind: str) -> None:
    if kind == "existing":
        assert names(tmp_path) == ["out.png"]
        assert (tmp_path / "out.png").read_bytes() == b"precious old picture"
    else:
        assert names(tmp_path) == []


@pytest.mark.anyio
@pytest.mark.parametrize("kind", ["new", "existing", "directory"])
@pytest.mark.parametrize("fault", FAULTS)
async def test_failed_download_leaves_no_file(
    gw: respx.MockRouter,
    rw: Client,
    sleeps: list[float],
    tmp_path: Path,
    fault: str,
    kind: str,
) -> None:
    route, error, attempts = _arrange_fault(gw, fault)
    capped = rw.with_options(max_download_bytes=64)
    image = await image_of(gw, capped, url=IMG_URL)
    target = _prepare_target(tmp_path, kind)
    with pytest.raises(error):
        await save(image, rw, target)
    assert route.call_count == attempts
    assert len(sleeps) == attempts - 1
    _check_nothing_written(tmp_path, kind)


def test_failed_download_is_not_cached(gw: respx.MockRouter, client: Railwail) -> None:
    route = gw.get(IMG_URL)
    route.side_effect = [httpx.Response(404), httpx.Response(200, content=PNG)]
    image = sync_image(gw, client, url=IMG_URL)
    with pytest.raises(NotFoundError) as info:
        image.read()
    assert info.value.status == 404
    assert image.read() == PNG  # a later read tries again
    assert route.call_count == 2


# -- the size cap ------------------------------------------------------------------------------


def _pieces(pulled: list[int]) -> Iterator[bytes]:
    """A 1000-byte body in 100 pieces, noting in ``pulled`` each piece the SDK asked for."""
    for i in range(100):
        pulled.append(i)
        yield b"z" * 10


async def _apieces(pulled: list[int]) -> AsyncIterator[bytes]:
    for piece in _pieces(pulled):
        yield piece


@pytest.mark.anyio
async def test_size_cap_from_content_length(
    gw: respx.MockRouter, make_client: Callable[..., Client]
) -> None:
    big = _cdn(gw, b"x" * 11, url=f"{CDN_URL}/big.png")
    exact = _cdn(gw, b"y" * 10, url=f"{CDN_URL}/exact.png")
    gw.post("/images/generations").respond(
        200, json={"data": [{"url": f"{CDN_URL}/big.png"}, {"url": f"{CDN_URL}/exact.png"}]}
    )
    rw = make_client(API_KEY, max_download_bytes=10)
    too_big, just_fits = (await resolve(rw.image("flux-schnell", "p"))).data
    with pytest.raises(ResponseValidationError, match=r"max_download_bytes=10") as info:
        await read(too_big, rw)
    assert "/big.png" in str(info.value)
    assert "with_options(max_download_bytes=...)" in str(info.value)
    assert await read(just_fits, rw) == b"y" * 10  # exactly the limit is fine
    assert big.call_count == 1  # not retried
    assert big.calls.last.response.headers["content-length"] == "11"
    assert exact.call_count == 1


def test_size_cap_declared_length_refused_before_reading(
    gw: respx.MockRouter, client: Railwail
) -> None:
    pulled: list[int] = []
    gw.get(IMG_URL).mock(
        side_effect=lambda request: httpx.Response(
            200, headers={"content-length": "1000"}, content=_pieces(pulled)
        )
    )
    image = sync_image(gw, client.with_options(max_download_bytes=999), url=IMG_URL)
    with pytest.raises(ResponseValidationError, match="max_download_bytes=999"):
        image.read()
    assert pulled == []


@pytest.mark.anyio
async def test_size_cap_streamed_without_content_length(gw: respx.MockRouter, rw: Client) -> None:
    pulled: list[int] = []
    body = _apieces if is_async(rw) else _pieces
    route = gw.get(IMG_URL).mock(
        side_effect=lambda request: httpx.Response(200, content=body(pulled))
    )
    image = await image_of(gw, rw.with_options(max_download_bytes=35), url=IMG_URL)
    with pytest.raises(ResponseValidationError, match="max_download_bytes=35"):
        await read(image, rw)
    assert "content-length" not in route.calls.last.response.headers
    assert len(pulled) < 10  # refused while streaming, not after reading it all


def test_size_cap_counts_decoded_bytes(gw: respx.MockRouter, client: Railwail) -> None:
    # A small gzip body that inflates past the cap must not get through.
    compressed = gzip.compress(b"\x00" * 10_000)
    assert len(compressed) < 100
    gw.get(IMG_URL).respond(200, content=compressed, headers={"content-encoding": "gzip"})
    image = sync_image(gw, client.with_options(max_download_bytes=1000), url=IMG_URL)
    with pytest.raises(ResponseValidationError, match="max_download_bytes=1000"):
        image.read()


def test_size_cap_with_options_leaves_parent_alone(gw: respx.MockRouter, client: Railwail) -> None:
    _cdn(gw, b"x" * 50)
    capped = sync_image(gw, client.with_options(max_download_bytes=49), url=IMG_URL)
    with pytest.raises(ResponseValidationError, match="max_download_bytes=49"):
        capped.read()
    plain = sync_image(gw, client, url=IMG_URL)
    assert plain.read() == b"x" * 50


def test_max_download_bytes_checked(gw: respx.MockRouter) -> None:
    for bad in (0, -1, True, "10"):
        with pytest.raises(ValueError, match="max_download_bytes must be a positive integer"):
            Railwail(API_KEY, base_url=BASE_URL, max_download_bytes=bad)  # type: ignore[arg-type]  # checked at runtime
    assert not gw.calls


# -- URLs and redirects a download refuses (who gets the key: tests/test_security.py) ----------


@pytest.mark.anyio
async def test_non_http_url_refused_before_any_request(
    gw: respx.MockRouter, rw: Client, tmp_path: Path
) -> None:
    # Which URLs are refused: test_download_request_refuses_what_is_not_http.
    image = await image_of(gw, rw, url="file:///etc/passwd")
    with pytest.raises(ResponseValidationError, match=r"image url must be an http\(s\) URL"):
        await read(image, rw)
    with pytest.raises(ResponseValidationError, match=r"image url must be an http\(s\) URL"):
        await save(image, rw, tmp_path / "x.png")
    assert _downloads(gw) == []
    assert names(tmp_path) == []


@pytest.mark.anyio
async def test_non_http_url_refused_without_client(gw: respx.MockRouter, twin: Twin) -> None:
    with pytest.raises(ResponseValidationError, match=r"image url must be an http\(s\) URL"):
        await read(Image(url="ftp://127.0.0.2/a.png"), twin)
    assert not gw.calls


@pytest.mark.anyio
@pytest.mark.parametrize("location", ["file:///etc/passwd", "ftp://127.0.0.2/a.png"])
async def test_redirect_to_a_non_http_scheme_is_refused_and_not_retried(
    gw: respx.MockRouter, rw: Client, sleeps: list[float], location: str
) -> None:
    first = gw.get(IMG_URL).respond(302, headers={"location": location})
    image = await image_of(gw, rw, url=IMG_URL)
    scheme = location.split(":")[0]
    with pytest.raises(ResponseValidationError, match=rf"redirected to '{scheme}:.*not an http"):
        await read(image, rw)
    assert first.call_count == 1
    assert sleeps == []


@pytest.mark.anyio
async def test_ten_redirects_are_followed_to_the_image(gw: respx.MockRouter, rw: Client) -> None:
    hops = [f"{CDN_URL}/hop/{i}.png" for i in range(1, 11)]
    for here, there in zip([IMG_URL, *hops[:-1]], hops, strict=True):
        gw.get(here).respond(302, headers={"location": there})
    final = gw.get(hops[-1]).respond(200, content=PNG, headers={"content-type": "image/png"})
    image = await image_of(gw, rw, url=IMG_URL)
    assert await read(image, rw) == PNG
    assert final.call_count == 1


@pytest.mark.anyio
@pytest.mark.parametrize("status", [301, 302])
async def test_redirect_loop_ends(gw: respx.MockRouter, rw: Client, status: int) -> None:
    loop = gw.get(IMG_URL).respond(status, headers={"location": IMG_URL})
    image = await image_of(gw, rw, url=IMG_URL)
    with pytest.raises(ResponseValidationError, match="redirected more than 10 times"):
        await read(image, rw)
    assert loop.call_count == 11  # the first request and 10 redirects followed


# -- retries -----------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_download_retried_on_503(
    gw: respx.MockRouter, rw: Client, sleeps: list[float]
) -> None:
    route = gw.get(IMG_URL)
    route.side_effect = [httpx.Response(503), httpx.Response(200, content=PNG)]
    image = await image_of(gw, rw, url=IMG_URL)
    assert await read(image, rw) == PNG
    assert route.call_count == 2
    assert len(sleeps) == 1


def test_download_gives_up_after_max_retries(
    gw: respx.MockRouter, client: Railwail, sleeps: list[float]
) -> None:
    route = gw.get(IMG_URL).respond(503)
    image = sync_image(gw, client, url=IMG_URL)
    with pytest.raises(ServerError) as info:
        image.read()
    assert info.value.status == 503
    assert route.call_count == 3
    assert len(sleeps) == 2


@pytest.mark.anyio
async def test_download_404_not_retried(
    gw: respx.MockRouter, rw: Client, sleeps: list[float]
) -> None:
    route = gw.get(IMG_URL).respond(404, json={"error": {"message": "expired"}})
    image = await image_of(gw, rw, url=IMG_URL)
    with pytest.raises(NotFoundError) as info:
        await read(image, rw)
    assert info.value.status == 404
    assert info.value.message == "expired"
    assert route.call_count == 1
    assert sleeps == []


@pytest.mark.anyio
async def test_a_refused_download_names_its_url_without_the_query(
    gw: respx.MockRouter, rw: Client
) -> None:
    # The image host's refusal says which URL it was, and that it was not the gateway's: but
    # never the query (a signature) nor a user:password@, also on a redirect's hop.
    signed = "http://user:pass@127.0.0.3:8789/final/b.png?X-Amz-Signature=s3cr3t#part"
    gw.get(IMG_URL).respond(302, headers={"location": signed})
    gw.get("http://127.0.0.3:8789/final/b.png").respond(403, text="AccessDenied")
    image = await image_of(gw, rw, url=IMG_URL + "?sig=first")
    with pytest.raises(PermissionDeniedError) as info:
        await read(image, rw)
    err = info.value
    assert err.url == "http://127.0.0.3:8789/final/b.png"
    assert str(err) == (
        "403: Forbidden (GET http://127.0.0.3:8789/final/b.png). The image host refused the "
        "download (not the gateway); if the image URL has expired, generate the image again"
    )
    assert pickle.loads(pickle.dumps(err)).url == err.url
    for secret in ("s3cr3t", "sig=first", "pass", "#part"):
        assert secret not in str(err) + repr(err) + repr(vars(err))


@pytest.mark.anyio
async def test_an_error_of_the_gateway_names_no_url(gw: respx.MockRouter, rw: Client) -> None:
    gw.post("/images/generations").respond(404, json={"error": {"message": "no such model"}})
    with pytest.raises(NotFoundError) as info:
        await resolve(rw.image("flux-schnell", "a cat"))
    assert info.value.url is None
    assert "GET" not in str(info.value)
    assert "Check the model slug" in str(info.value)


# -- Pillow ------------------------------------------------------------------------------------


def test_to_pil_from_b64(gw: respx.MockRouter, client: Railwail) -> None:
    image = sync_image(gw, client, b64_json=_b64(_real_png(5, 3)))
    picture = image.to_pil()
    assert isinstance(picture, PILImage.Image)
    assert picture.size == (5, 3)
    assert picture.format == "PNG"
    assert picture.getpixel((0, 0)) == (200, 30, 60)


def test_to_pil_from_url(gw: respx.MockRouter, client: Railwail) -> None:
    cdn = _cdn(gw, _real_png(4, 7))
    image = sync_image(gw, client, url=IMG_URL)
    assert image.to_pil().size == (4, 7)
    assert image.to_pil().size == (4, 7)
    assert cdn.call_count == 1


def test_to_pil_without_pillow(
    gw: respx.MockRouter, client: Railwail, monkeypatch: pytest.MonkeyPatch
) -> None:
    cdn = _cdn(gw, _real_png(2, 2))
    image = sync_image(gw, client, url=IMG_URL)
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(ImportError, match=r"pip install 'railwail\[pil\]'") as info:
        image.to_pil()
    assert "Pillow" in str(info.value)
    assert cdn.call_count == 0  # failed before downloading anything


# -- repr ----------------------------------------------------------------------------------------


def test_repr_does_not_dump_base64() -> None:
    big = _b64(b"\x89PNG\r\n\x1a\n" + os.urandom(300_000))
    image = Image(b64_json=big, revised_prompt="a cat")
    text = repr(image)
    assert len(text) < 200
    assert big[:50] not in text
    assert f"<{len(big)} chars>" in text
    assert "revised_prompt='a cat'" in text
    data_url = Image(url=f"data:image/png;base64,{big}")
    assert len(repr(data_url)) < 200
    res = ImageResponse(created=7, data=[image, data_url])
    assert len(repr(res)) < 400
    assert "created=7" in repr(res)


def test_repr_url_and_empty() -> None:
    assert repr(Image(url=IMG_URL)) == f"Image(url={IMG_URL!r})"
    assert repr(Image()) == "Image(no data)"


# -- sync/async guards -------------------------------------------------------------------------


@pytest.mark.anyio
async def test_read_on_async_url_image_is_refused(
    gw: respx.MockRouter, aclient: AsyncRailwail, tmp_path: Path
) -> None:
    cdn = _cdn(gw, PNG)
    image = await image_of(gw, aclient, url=IMG_URL)
    with pytest.raises(RailwailError, match=r"AsyncRailwail.*await image\.aread\(\)"):
        image.read()
    with pytest.raises(RailwailError, match=r"asave"):
        image.save(tmp_path)
    assert cdn.call_count == 0
    assert names(tmp_path) == []


@pytest.mark.anyio
async def test_aread_on_sync_url_image_is_refused(
    gw: respx.MockRouter, client: Railwail, tmp_path: Path
) -> None:
    cdn = _cdn(gw, PNG)
    image = sync_image(gw, client, url=IMG_URL)
    with pytest.raises(RailwailError, match=r"Railwail \(sync\).*image\.read\(\)"):
        await image.aread()
    with pytest.raises(RailwailError, match=r"image\.save"):
        await image.asave(tmp_path)
    assert cdn.call_count == 0
    assert names(tmp_path) == []


@pytest.mark.anyio
async def test_local_bytes_work_across_twins(
    gw: respx.MockRouter, client: Railwail, aclient: AsyncRailwail, tmp_path: Path
) -> None:
    # No I/O is needed for base64, so either method works on either client's images.
    from_async = await image_of(gw, aclient, b64_json=_b64(PNG))
    assert from_async.read() == PNG
    assert from_async.save(tmp_path / "a.png").read_bytes() == PNG
    from_sync = sync_image(gw, client, b64_json=_b64(GIF))
    assert await from_sync.aread() == GIF
    assert (await from_sync.asave(tmp_path / "b.gif")).read_bytes() == GIF


# -- images built by hand ----------------------------------------------------------------------


@pytest.mark.anyio
async def test_hand_built_image_errors(gw: respx.MockRouter, twin: Twin, tmp_path: Path) -> None:
    gw.get(IMG_URL).respond(404)
    with pytest.raises(NotFoundError):
        await save(Image(url=IMG_URL), twin, tmp_path / "x.png")
    down = gw.get(f"{CDN_URL}/down.png").mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(APIConnectionError):
        await read(Image(url=f"{CDN_URL}/down.png"), twin)
    assert down.call_count == 1  # no client, no retry policy
    final_url = "http://127.0.0.3:8789/final.gif"
    gw.get(f"{CDN_URL}/redirect.png").respond(302, headers={"location": final_url})
    _cdn(gw, GIF, url=final_url)
    assert await read(Image(url=f"{CDN_URL}/redirect.png"), twin) == GIF
    assert names(tmp_path) == []


# -- invalid data ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "encoded",
    [
        "a",
        "abc",
        "aGVsbG8",  # missing padding
        "!!!!!",  # used to decode to b"" and be saved as an empty file
        "aGVs!bG8=",  # a stray character used to be dropped silently
        "aGVs\x00bG8=",
    ],
)
@pytest.mark.anyio
async def test_invalid_base64(gw: respx.MockRouter, rw: Client, encoded: str) -> None:
    image = await image_of(gw, rw, b64_json=encoded)
    with pytest.raises(ResponseValidationError, match="base64") as info:
        await read(image, rw)
    assert info.value.body == encoded
    assert _downloads(gw) == []


def test_wrapped_base64_is_accepted(gw: respx.MockRouter, client: Railwail) -> None:
    # Some encoders wrap base64 at 76 columns; line breaks are not corruption.
    encoded = base64.encodebytes(PNG * 10).decode("ascii")
    assert "\n" in encoded
    assert sync_image(gw, client, b64_json=encoded).read() == PNG * 10
    assert Image(url=f"data:image/png;base64,{encoded}").read() == PNG * 10


def test_data_url_not_base64() -> None:
    with pytest.raises(ResponseValidationError, match="not base64") as info:
        Image(url="data:image/png,%89PNG").read()
    assert info.value.body == "data:image/png,%89PNG"


@pytest.mark.anyio
@pytest.mark.parametrize("url", [None, ""], ids=["no-url", "empty-url"])
async def test_neither_url_nor_b64(
    gw: respx.MockRouter, rw: Client, tmp_path: Path, url: str | None
) -> None:
    image = await image_of(gw, rw, url=url, revised_prompt="nothing here")
    with pytest.raises(ResponseValidationError, match="neither url nor b64_json") as info:
        await read(image, rw)
    assert info.value.body == {"url": url, "b64_json": None, "revised_prompt": "nothing here"}
    with pytest.raises(ResponseValidationError):
        await save(image, rw, tmp_path)
    assert names(tmp_path) == []
    assert _downloads(gw) == []
