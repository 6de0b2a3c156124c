"""An image's bytes from what the gateway sent, without the response types: strict base64,
base64 ``data:`` URLs, and the plain shape of an image generation's answer (``ImageData``).

``Image`` decodes its inline data with ``inline_bytes``. The command line's ``railwail image``
reads the whole answer with ``image_data`` and never builds an ``ImageResponse``: a one-shot
command then does not import pydantic, about 55 ms of its ~200 ms (docs/performance.md,
"Command start-up"). Both read an answer the same way; a test holds them to it.
"""

from __future__ import annotations

import binascii
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._error_mapping import decode_body
from ._exceptions import ResponseValidationError

if TYPE_CHECKING:
    import httpx

__all__ = ["ImageData", "b64decode", "download_url", "image_data", "inline_bytes"]

_TEXT_FIELDS = ("url", "b64_json", "revised_prompt")


def b64decode(encoded: str) -> bytes:
    """Strict base64: the lenient default silently drops stray characters (``"!!!!"`` gives
    ``b""``). Line breaks are legal in base64 files, so they are removed before a second,
    strict try."""
    data = encoded.encode("ascii")
    try:
        return binascii.a2b_base64(data, strict_mode=True)
    except binascii.Error:
        return binascii.a2b_base64(b"".join(data.split()), strict_mode=True)


def inline_bytes(b64_json: str | None, url: str | None) -> bytes | None:
    """The image's bytes when the gateway sent them inline (base64, or a base64 ``data:`` URL
    in ``url``); ``None`` when they must be downloaded from ``url``.

    Raises:
        ResponseValidationError: The inline data cannot be decoded.
    """
    encoded = b64_json or None  # "" beside a url must not hide the url
    if encoded is None and url and url.startswith("data:"):
        header, _, encoded = url.partition(",")
        if ";base64" not in header:
            raise ResponseValidationError(
                "image url is a data: URL that is not base64", body=url[:100]
            )
    if encoded is None:
        return None
    try:
        return b64decode(encoded)
    except (binascii.Error, ValueError) as exc:
        raise ResponseValidationError(
            f"image base64 could not be decoded ({exc})", body=encoded[:100]
        ) from None


@dataclass(frozen=True, slots=True)
class ImageData:
    """One image of an answer, as sent: what ``Image`` holds, without pydantic."""

    url: str | None = None
    b64_json: str | None = None
    revised_prompt: str | None = None

    def inline(self) -> bytes | None:
        """The bytes when they came inline, else ``None`` (download ``url``)."""
        return inline_bytes(self.b64_json, self.url)

    def download_url(self) -> str:
        """The URL to download the image from.

        Raises:
            ResponseValidationError: The image has neither a URL nor base64 data.
        """
        return download_url(self.url, {name: getattr(self, name) for name in _TEXT_FIELDS})


def download_url(url: str | None, image: object) -> str:
    """``url``, for an image whose bytes are not inline.

    Raises:
        ResponseValidationError: There is no URL either (``image``, the image's fields, is
            the error's body).
    """
    if not url:
        raise ResponseValidationError("image has neither url nor b64_json", body=image)
    return url


def image_data(response: httpx.Response) -> list[ImageData]:
    """The images of an image generation's answer, read as ``ImageResponse`` reads them: a JSON
    object whose ``data`` is a list of objects, each with ``url``, ``b64_json`` and
    ``revised_prompt`` strings (or null, or absent). Other fields are allowed and ignored.

    Raises:
        ResponseValidationError: The body is not JSON, or not that shape.
    """
    try:
        body = json.loads(response.content)
    except ValueError as exc:
        raise _invalid(response, f"body: Invalid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise _invalid(response, "body: Input should be an object")
    items = body.get("data")
    if not isinstance(items, list):
        problem = "Field required" if "data" not in body else "Input should be a valid list"
        raise _invalid(response, f"data: {problem}")
    images = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise _invalid(response, f"data.{index}: Input should be an object")
        images.append(ImageData(*(_text(response, item, index, name) for name in _TEXT_FIELDS)))
    return images


def _text(response: httpx.Response, item: dict[str, Any], index: int, name: str) -> str | None:
    value = item.get(name)
    if value is None or isinstance(value, str):
        return value
    raise _invalid(response, f"data.{index}.{name}: Input should be a valid string")


def _invalid(response: httpx.Response, problem: str) -> ResponseValidationError:
    request = response.request
    return ResponseValidationError(
        f"The gateway's answer to {request.method} {request.url.path} is not a valid "
        f"ImageResponse: {problem}",
        body=decode_body(response.content),
        request_id=response.headers.get("x-request-id"),
    )
