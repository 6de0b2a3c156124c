"""One image type that hides whether the gateway sent a URL or base64."""

from __future__ import annotations

import base64
import binascii
import html
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Self

from pydantic import PrivateAttr

from ._exceptions import RailwailError, ResponseValidationError
from ._files import atomic_write, sniff, target_path
from ._models import APIResponse

if TYPE_CHECKING:
    import PIL.Image

__all__ = ["Image", "ImageResponse"]

Fetch = Callable[[str], bytes]
AsyncFetch = Callable[[str], Awaitable[bytes]]


@dataclass(slots=True)
class _ImageIO:
    """The bytes once known, and how to download them: through the client that made the
    image, or (for an image built by hand) through an anonymous one."""

    data: bytes | None = None
    fetch: Fetch | None = None
    afetch: AsyncFetch | None = None

    def sync_fetch(self) -> Fetch:
        if self.fetch is not None:
            return self.fetch
        if self.afetch is not None:
            raise RailwailError(
                "this image came from AsyncRailwail: use `await image.aread()` "
                "(or `await image.asave(path)`)"
            )
        from ._api_client import download_anonymously

        return download_anonymously

    def async_fetch(self) -> AsyncFetch:
        if self.afetch is not None:
            return self.afetch
        if self.fetch is not None:
            raise RailwailError(
                "this image came from Railwail (sync): use `image.read()` (or `image.save(path)`)"
            )
        from ._async_api_client import download_anonymously

        return download_anonymously


def _b64decode(encoded: str) -> bytes:
    # strict_mode: the lenient default silently drops stray characters ("!!!!" -> b""). Line
    # breaks are legal in base64 files, so they are removed before a second, strict try.
    data = encoded.encode("ascii")
    try:
        return binascii.a2b_base64(data, strict_mode=True)
    except binascii.Error:
        return binascii.a2b_base64(b"".join(data.split()), strict_mode=True)


class Image(APIResponse):
    """A generated image.

    ``read()`` returns its bytes whether the gateway sent a URL (downloaded once, through the
    client that made the request, then cached) or base64 (decoded). On images from
    ``AsyncRailwail`` use ``await image.aread()`` / ``await image.asave(path)``.

    Attributes:
        url: Where the image can be downloaded, when the gateway sent a URL.
        b64_json: The image as base64, when ``response_format="b64_json"`` was asked for.
        revised_prompt: The prompt the model actually used, when it rewrote yours.
    """

    url: str | None = None
    b64_json: str | None = None
    revised_prompt: str | None = None

    # One private slot for the bytes cache and the client's download functions: pydantic
    # initialises each private attribute of every image it builds.
    _io: _ImageIO | None = PrivateAttr(default=None)

    @property
    def _state(self) -> _ImageIO:
        if self._io is None:
            self._io = _ImageIO()
        return self._io

    def _local_bytes(self) -> bytes | None:
        state = self._state
        if state.data is not None:
            return state.data
        encoded: str | None = self.b64_json or None  # "" beside a url must not hide the url
        if encoded is None and self.url and self.url.startswith("data:"):
            header, _, encoded = self.url.partition(",")
            if ";base64" not in header:
                raise ResponseValidationError(
                    "image url is a data: URL that is not base64", body=self.url[:100]
                )
        if encoded is None:
            return None
        try:
            state.data = _b64decode(encoded)
        except (binascii.Error, ValueError) as exc:
            raise ResponseValidationError(
                f"image base64 could not be decoded ({exc})", body=encoded[:100]
            ) from None
        return state.data

    def _remote_url(self) -> str:
        if not self.url:
            raise ResponseValidationError(
                "image has neither url nor b64_json", body=self.model_dump()
            )
        return self.url

    def read(self) -> bytes:
        """The image's bytes: decoded from base64, or downloaded once and cached.

        Raises:
            APIConnectionError: The download failed or timed out (after retries).
            APIError: The image host answered with an error status (e.g. an expired URL: 404).
            ResponseValidationError: The image is larger than ``max_download_bytes`` or its
                data cannot be decoded.
        """
        data = self._local_bytes()
        if data is None:
            url = self._remote_url()
            data = self._state.data = self._state.sync_fetch()(url)
        return data

    async def aread(self) -> bytes:
        """The image's bytes, for images from ``AsyncRailwail``: decoded from base64, or
        downloaded once and cached.

        Raises:
            APIConnectionError: The download failed or timed out (after retries).
            APIError: The image host answered with an error status (e.g. an expired URL: 404).
            ResponseValidationError: The image is larger than ``max_download_bytes`` or its
                data cannot be decoded.
        """
        data = self._local_bytes()
        if data is None:
            url = self._remote_url()
            data = self._state.data = await self._state.async_fetch()(url)
        return data

    def save(self, path: str | os.PathLike[str] = ".") -> Path:
        """Writes the image to ``path`` atomically and returns the absolute path written.

        If ``path`` is a directory (or ends with a separator), the file gets a name derived from
        its content and the extension its bytes call for (``.png``, ``.jpg``, ``.webp``...).
        Missing parent directories are created. A failed download leaves no file behind.

        Raises:
            APIConnectionError: The download failed or timed out (after retries).
            APIError: The image host answered with an error status.
            ResponseValidationError: The image is too large or its data cannot be decoded.
            OSError: The file could not be written.
        """
        data = self.read()
        return atomic_write(target_path(path, data), data)

    async def asave(self, path: str | os.PathLike[str] = ".") -> Path:
        """Writes the image to ``path`` atomically, in a worker thread, and returns the absolute
        path written; for images from ``AsyncRailwail``.

        If ``path`` is a directory (or ends with a separator), the file gets a name derived from
        its content and the extension its bytes call for (``.png``, ``.jpg``, ``.webp``...).
        Missing parent directories are created. A failed download leaves no file behind.

        Raises:
            APIConnectionError: The download failed or timed out (after retries).
            APIError: The image host answered with an error status.
            ResponseValidationError: The image is too large or its data cannot be decoded.
            OSError: The file could not be written.
        """
        import asyncio  # here, so that sync users never import it

        data = await self.aread()
        return await asyncio.to_thread(atomic_write, target_path(path, data), data)

    @property
    def format(self) -> str | None:
        """The MIME type of the bytes, once they are known without I/O (else ``None``)."""
        data = self._local_bytes()
        return sniff(data)[1] if data is not None else None

    def to_pil(self) -> PIL.Image.Image:
        """The image as a ``PIL.Image.Image`` (needs Pillow: ``pip install 'railwail[pil]'``)."""
        try:
            from PIL import Image as PILImage
        except ImportError as exc:
            raise ImportError(
                "Image.to_pil() needs Pillow, which is not installed. "
                "Install it with: pip install 'railwail[pil]'"
            ) from exc
        import io

        picture = PILImage.open(io.BytesIO(self.read()))
        picture.load()
        return picture

    def _repr_png_(self) -> bytes | None:
        # Notebook display must not start network I/O: only bytes already at hand are shown.
        try:
            data = self._local_bytes()
        except RailwailError:
            return None
        return data if data is not None and sniff(data)[1] == "image/png" else None

    def _repr_html_(self) -> str | None:
        try:
            data = self._local_bytes()
        except RailwailError:
            data = None
        alt = html.escape(self.revised_prompt or "generated image", quote=True)
        if data is not None:
            mime = sniff(data)[1]
            src = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
        elif self.url and self.url.startswith(("http://", "https://")):
            src = html.escape(self.url, quote=True)
        else:
            return None
        return f'<img src="{src}" alt="{alt}" style="max-width: 100%"/>'

    def __repr__(self) -> str:
        if self.url and not self.url.startswith("data:"):
            where = f"url={self.url!r}"
        elif self.b64_json is not None or self.url:
            where = f"b64_json=<{len(self.b64_json or self.url or '')} chars>"
        else:
            where = "no data"
        extra = f", revised_prompt={self.revised_prompt!r}" if self.revised_prompt else ""
        return f"Image({where}{extra})"


class ImageResponse(APIResponse):
    """The answer to an image generation: ``created`` and the list of images in ``data``."""

    created: int | None = None
    data: list[Image]

    def bind(self, *, fetch: Fetch | None = None, afetch: AsyncFetch | None = None) -> Self:
        """Makes every image download through ``fetch`` (sync) or ``afetch`` (async)."""
        for image in self.data:
            # Straight into pydantic's private storage (see attach_meta): one write per image.
            image.__pydantic_private__["_io"] = _ImageIO(None, fetch, afetch)  # type: ignore[index]
        return self

    def __repr__(self) -> str:
        return f"ImageResponse(created={self.created!r}, data={self.data!r})"

    def _repr_html_(self) -> str | None:
        parts = [part for part in (image._repr_html_() for image in self.data) if part]
        return "".join(parts) or None
