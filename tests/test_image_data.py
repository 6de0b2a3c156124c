"""``_image_data``: an image answer read without pydantic (as ``railwail image`` reads it) must
read every answer the way ``ImageResponse`` does: the same images from a good answer, a
``ResponseValidationError`` for the same bad ones, and the same bytes from inline data."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest

from railwail import ResponseValidationError
from railwail._image_data import ImageData, image_data, inline_bytes
from railwail._image_response import ImageResponse
from support import GENERATIONS_URL, IMG_URL, PNG

B64 = base64.b64encode(PNG).decode()


def answer(body: Any, *, raw: bytes | None = None) -> httpx.Response:
    content = raw if raw is not None else json.dumps(body).encode()
    return httpx.Response(
        200,
        content=content,
        headers={"x-request-id": "req_1"},
        request=httpx.Request("POST", GENERATIONS_URL),
    )


GOOD = [
    {"data": [{"url": IMG_URL}]},
    {"created": 1, "data": [{"b64_json": B64, "revised_prompt": "a red fox, at dawn"}]},
    {"data": [{"url": IMG_URL, "b64_json": None, "revised_prompt": None, "seed": 7}]},
    {"data": [{"url": IMG_URL}, {"url": IMG_URL + "?n=2"}], "usage": {"credits": 2}},
    {"data": []},
    {"data": [{}]},  # neither url nor data: found out when the image is read
]
BAD = [
    {"created": 1},
    {"data": None},
    {"data": {"url": IMG_URL}},
    {"data": ["https://example.invalid/a.png"]},
    {"data": [{"url": 7}]},
    {"data": [{"b64_json": True}]},
    {"data": [{"url": IMG_URL, "revised_prompt": ["a", "fox"]}]},
    [{"url": IMG_URL}],
    "data",
]


@pytest.mark.parametrize("body", GOOD, ids=range(len(GOOD)))
def test_a_good_answer_gives_the_images_image_response_gives(body: dict[str, Any]) -> None:
    expected = ImageResponse._from_response(answer(body)).data
    got = image_data(answer(body))
    assert got == [ImageData(i.url, i.b64_json, i.revised_prompt) for i in expected]


@pytest.mark.parametrize("body", BAD, ids=range(len(BAD)))
def test_a_bad_answer_is_refused_as_image_response_refuses_it(body: Any) -> None:
    with pytest.raises(ResponseValidationError) as sdk:
        ImageResponse._from_response(answer(body))
    with pytest.raises(ResponseValidationError) as lean:
        image_data(answer(body))
    prefix = (
        "The gateway's answer to POST /api/v1/images/generations is not a valid ImageResponse: "
    )
    assert str(sdk.value).startswith(prefix)
    assert str(lean.value).startswith(prefix)
    # The same place is named: "body", "data", "data.0", "data.0.url"...
    assert (
        str(lean.value)[len(prefix) :].split(":")[0] == str(sdk.value)[len(prefix) :].split(":")[0]
    )
    assert (lean.value.body, lean.value.request_id) == (body, "req_1")


@pytest.mark.parametrize("raw", [b"<html>busy</html>", b"", b'{"data": [', b"\xff\xfe"])
def test_a_body_that_is_not_json_is_refused(raw: bytes) -> None:
    with pytest.raises(ResponseValidationError):
        ImageResponse._from_response(answer(None, raw=raw))
    with pytest.raises(ResponseValidationError, match="Invalid JSON") as lean:
        image_data(answer(None, raw=raw))
    assert lean.value.request_id == "req_1"


@pytest.mark.parametrize(
    ("b64_json", "url", "expected"),
    [
        (B64, None, PNG),
        (B64, IMG_URL, PNG),  # inline data wins over a url
        ("", IMG_URL, None),  # "" beside a url must not hide the url
        (None, IMG_URL, None),
        (None, f"data:image/png;base64,{B64}", PNG),
        (B64[:40] + "\n" + B64[40:], None, PNG),  # line breaks are legal in base64
        (None, None, None),
    ],
)
def test_inline_bytes(b64_json: str | None, url: str | None, expected: bytes | None) -> None:
    assert inline_bytes(b64_json, url) == expected


@pytest.mark.parametrize(
    ("b64_json", "url", "problem"),
    [
        ("!!!!", None, "could not be decoded"),  # the lenient decoder would give b""
        ("abc", None, "could not be decoded"),
        ("ü", None, "could not be decoded"),
        (None, "data:image/png,raw-bytes", "not base64"),
    ],
)
def test_inline_data_that_cannot_be_decoded_is_refused(
    b64_json: str | None, url: str | None, problem: str
) -> None:
    with pytest.raises(ResponseValidationError, match=problem):
        inline_bytes(b64_json, url)


def test_an_image_without_url_or_data_says_so_when_read() -> None:
    (image,) = image_data(answer({"data": [{"revised_prompt": "x"}]}))
    assert image.inline() is None
    with pytest.raises(ResponseValidationError, match="neither url nor b64_json") as caught:
        image.download_url()
    assert caught.value.body == {"url": None, "b64_json": None, "revised_prompt": "x"}
    assert ImageData(url=IMG_URL).download_url() == IMG_URL
