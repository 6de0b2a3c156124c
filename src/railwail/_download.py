"""The pure parts of an image download: the size cap's checks and errors, the next hop of a
redirect, and whether an answer is an image at all. The reading itself (decoded bytes counted
as they arrive, within the attempt's deadline) is ``read_answer`` in ``_async_api_client``
(and its generated sync twin).

Messages show URLs without their query (``_secrets.shown_url``): an image host's URLs are often
signed (``?sig=...``), and the signature is a credential of its own.
"""

from __future__ import annotations

import httpx

from ._exceptions import ResponseValidationError
from ._requests import RequestSpec, download_request
from ._secrets import shown_url

MAX_DOWNLOAD_REDIRECTS = 10

# Magic bytes of the image formats a model may answer with (beyond those _files names).
_IMAGE_MAGIC = (
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",
    b"GIF87a",
    b"GIF89a",
    b"BM",
    b"II*\x00",
    b"MM\x00*",
    b"\x00\x00\x01\x00",  # ico
    b"\xff\x0a",  # JPEG XL codestream
    b"\x00\x00\x00\x0cJXL ",
)
# Generic types a CDN may label any file with: the bytes decide.
_GENERIC_TYPES = ("", "application/octet-stream", "binary/octet-stream")


def too_large(response: httpx.Response, limit: int) -> ResponseValidationError:
    return ResponseValidationError(
        f"the image at {shown_url(response.request.url)} is larger than "
        f"max_download_bytes={limit}; raise the limit with "
        "Railwail(max_download_bytes=...) or .with_options(max_download_bytes=...)",
        request_id=response.headers.get("x-request-id"),
    )


def declared_length(response: httpx.Response) -> int | None:
    try:
        return int(response.headers["content-length"])
    except (KeyError, ValueError):
        return None


def location(response: httpx.Response) -> str:
    """The URL a redirect points to, resolved against the one it came from."""
    target = response.headers.get("location", "")
    try:
        return str(response.url.join(target))
    except httpx.InvalidURL:
        raise ResponseValidationError(
            f"the image at {shown_url(response.url)} redirected to a URL that is not "
            f"valid ({shown_url(target)[:200]!r})"
        ) from None


def first_request(url: str) -> RequestSpec:
    """The request for an image's own URL; one that is not an absolute http(s) URL is
    refused (the gateway's answer, or a hand-built image, is what is wrong)."""
    try:
        return download_request(url)
    except ValueError as exc:
        raise ResponseValidationError(
            f"cannot download the image at {shown_url(url)[:200]!r}: {exc}"
        ) from None


def redirect_request(original: str, location: str) -> RequestSpec:
    """The next hop of a download; a redirect away from http(s) is refused, not followed."""
    try:
        return download_request(location)
    except ValueError:
        raise ResponseValidationError(
            f"the image at {shown_url(original)!r} redirected to "
            f"{shown_url(location)[:200]!r}, which is not an http(s) URL"
        ) from None


def too_many_redirects(url: str) -> ResponseValidationError:
    return ResponseValidationError(
        f"the image at {shown_url(url)!r} redirected more than {MAX_DOWNLOAD_REDIRECTS} times"
    )


def is_image_bytes(data: bytes) -> bool:
    """Whether ``data`` starts like an image file (a raster format, or SVG)."""
    if data.startswith(_IMAGE_MAGIC):
        return True
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return True
    if data[4:8] == b"ftyp":  # AVIF, HEIC and the other ISO media images
        return True
    head = data[:1024].lstrip().lower()
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    return head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in head)


def _looks_like_text(data: bytes) -> bool:
    head = data[:512].lstrip()
    return head[:1] in (b"<", b"{", b"[") or not head


def image_bytes(response: httpx.Response) -> bytes:
    """The body of a download, once it is known to be an image: bytes of a known image format
    whatever the label, else bytes labelled ``image/*`` that do not look like a document.

    Raises:
        ResponseValidationError: An HTML page, JSON, text or an empty answer.
    """
    data = response.content
    if is_image_bytes(data):
        return data
    mime = response.headers.get("content-type", "").partition(";")[0].strip().lower()
    if mime.startswith("image/") and not _looks_like_text(data):
        return data  # a format this SDK does not know by its magic bytes
    what = f"a {mime} answer" if mime not in _GENERIC_TYPES else "an answer"
    shown = "empty" if not data else f"starting {data[:40]!r}"
    raise ResponseValidationError(
        f"the image at {shown_url(response.request.url)} is not an image: {what}, "
        f"{shown} (an expired link or an error page?)",
        body=data[:2048].decode("utf-8", errors="replace") if data else None,
        request_id=response.headers.get("x-request-id"),
    )
