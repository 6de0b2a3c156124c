"""One image type that hides whether the gateway sent a URL or base64: ``Image``, its private
state (its bytes once known, how it downloads, what it was made for) and how it is saved. The
response that carries images and the list of images ``run()`` returns are in
``_image_response``."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from pydantic import PrivateAttr

from ._api_client import APIClient
from ._api_client import download_standalone as download_sync
from ._async_api_client import AsyncAPIClient
from ._async_api_client import download_standalone as download_async
from ._config import DownloadRules
from ._display import DISPLAY_TIMEOUT, Picture, bundle, failed, picture
from ._exceptions import RailwailError
from ._files import content_stem, default_stem, sniff, write_image
from ._image_data import download_url, inline_bytes
from ._models import APIResponse

if TYPE_CHECKING:
    import PIL.Image

    from ._config import ClientConfig
    from ._retry import RetryPolicy

__all__ = ["Image"]


@dataclass(frozen=True, slots=True)
class MadeFor:
    """The request an image answers: its model, its prompt and its place (from 1)."""

    model: str
    prompt: str
    index: int


@dataclass(slots=True)
class _ImageIO:
    """An image's private state: its bytes once known, how it downloads, what it was made for.

    ``client`` is the client that made the image, kept in this process only: while its pool
    is open, downloads go through it. A copy (``copy.deepcopy``, ``model_copy(deep=True)``) or
    a pickle drops it and keeps ``rules`` instead, which hold no secret: such an image
    downloads through a client of its own that sends no key and no headers of the caller's.
    """

    data: bytes | None = None
    source: str | None = None  # the url or b64_json value the bytes came from
    client: APIClient | AsyncAPIClient | None = None
    rules: DownloadRules | None = None
    made_for: MadeFor | None = None

    def detached(self) -> _ImageIO:
        """What a copy or a pickle keeps: downloaded bytes (the URL may have expired by the
        time a copy is read), never the client."""
        downloaded = self.source is not None and not self.source.startswith("data:")
        keep = downloaded and self.data is not None and self.source is not None
        rules = self.rules
        if rules is None:
            rules = self.client._config.download_rules() if self.client else DownloadRules()
        if keep:
            return _ImageIO(self.data, self.source, None, rules, self.made_for)
        return _ImageIO(None, None, None, rules, self.made_for)

    def __deepcopy__(self, memo: dict[int, Any]) -> _ImageIO:
        return self.detached()

    def __reduce__(self) -> tuple[Any, ...]:
        state = self.detached()
        return (_ImageIO, (state.data, state.source, None, state.rules, state.made_for))


def _is_open(client: APIClient | AsyncAPIClient) -> bool:
    return not client._state.http.is_closed


class Image(APIResponse):
    """A generated image.

    ``read()`` returns its bytes whether the gateway sent a URL (downloaded once, then
    cached) or base64 (decoded). A URL is downloaded through the client that made the image
    while that client is open; after it is closed (or for an image that was copied, pickled
    or built by hand) through a short-lived client of the image's own, under the same size
    cap and timeouts. On images from an open ``AsyncRailwail`` use ``await image.aread()`` /
    ``await image.asave(path)``.

    Attributes:
        url: Where the image can be downloaded, when the gateway sent a URL.
        b64_json: The image as base64, when ``response_format="b64_json"`` was asked for.
        revised_prompt: The prompt the model actually used, when it rewrote yours.
    """

    url: str | None = None
    b64_json: str | None = None
    revised_prompt: str | None = None

    # One private slot for the bytes cache, the download rules and what the image was made
    # for: pydantic initialises each private attribute of every image it builds.
    _io: _ImageIO | None = PrivateAttr(default=None)

    @property
    def _state(self) -> _ImageIO:
        if self._io is None:
            self._io = _ImageIO()
        return self._io

    @property
    def model(self) -> str | None:
        """The model slug the image was generated with (``None`` for an image built by hand)."""
        made_for = self._state.made_for
        return made_for.model if made_for else None

    @property
    def prompt(self) -> str | None:
        """The prompt sent for this image (``revised_prompt`` is the model's rewrite of it)."""
        made_for = self._state.made_for
        return made_for.prompt if made_for else None

    @property
    def index(self) -> int | None:
        """The image's place in its response, from 1."""
        made_for = self._state.made_for
        return made_for.index if made_for else None

    def _local_bytes(self) -> bytes | None:
        state = self._state
        source = self.b64_json or self.url  # "" beside a url must not hide the url
        if state.data is not None and state.source == source:
            return state.data
        data = inline_bytes(self.b64_json, self.url)
        if data is not None:
            state.data, state.source = data, source
        return data

    def _remote_url(self) -> str:
        return download_url(self.url, self.model_dump())

    def _remember(self, data: bytes, url: str) -> bytes:
        self._state.data, self._state.source = data, url
        return data

    def _standalone_args(
        self, timeout: httpx.Timeout | None
    ) -> tuple[ClientConfig | None, DownloadRules, RetryPolicy | None]:
        """How a client of the image's own downloads it: with its closed client's settings
        (the key and default headers still only for that client's origin), or anonymously
        under the rules a copy keeps; for display, with a short timeout and no retries."""
        state = self._state
        client = state.client
        if client is not None:
            config = client._config
            if timeout is not None:
                config = dataclasses.replace(config, timeout=timeout, max_retries=0)
                return config, config.download_rules(), None
            return config, config.download_rules(), client._policy
        rules = state.rules or DownloadRules()
        if timeout is not None:
            rules = dataclasses.replace(rules, timeout=timeout, max_retries=0)
        return None, rules, None

    def _download(self, url: str, timeout: httpx.Timeout | None = None) -> bytes:
        client = self._state.client
        if client is not None and _is_open(client):
            if isinstance(client, APIClient):
                if timeout is not None:
                    client = client.with_options(timeout=timeout, max_retries=0)
                return client._download(url)
            if timeout is None:  # display may download on its own (below): it never raises
                raise RailwailError(
                    "this image came from AsyncRailwail, which is still open: use "
                    "`await image.aread()` (or `await image.asave(path)`)"
                )
        return download_sync(url, *self._standalone_args(timeout))

    async def _adownload(self, url: str) -> bytes:
        client = self._state.client
        if client is not None and _is_open(client):
            if isinstance(client, AsyncAPIClient):
                return await client._download(url)
            raise RailwailError(
                "this image came from Railwail (sync), which is still open: use "
                "`image.read()` (or `image.save(path)`)"
            )
        return await download_async(url, *self._standalone_args(None))

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
            data = self._remember(self._download(url), url)
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
            data = self._remember(await self._adownload(url), url)
        return data

    def _stem(self, data: bytes) -> str:
        made_for = self._state.made_for
        if made_for is None:
            return content_stem(data)
        return default_stem(made_for.model, made_for.prompt, made_for.index)

    def save(self, path: str | os.PathLike[str] = ".") -> Path:
        """Writes the image to ``path`` atomically and returns the absolute path written.

        A file path is written as asked, replacing the file if it exists; without a suffix
        it gets the image's own (``cat`` -> ``cat.png``), and a suffix of another image format
        (``cat.jpg`` for a PNG) converts the image with Pillow. A directory (an existing one,
        or a path ending with a separator) gets a new file named after the prompt, the model
        and the image's place (``a-cat_flux-schnell_1.png``); a file already there is never
        replaced (the name gets ``-2``, ``-3``...). Missing directories are created. A failed
        download leaves no file behind.

        Raises:
            ValueError: The suffix names another image format and Pillow is not installed
                (``pip install 'railwail[pil]'``) or cannot convert it; nothing is written.
            APIConnectionError: The download failed or timed out (after retries).
            APIError: The image host answered with an error status.
            ResponseValidationError: The image is too large or its data cannot be decoded.
            OSError: The file could not be written.
        """
        data = self.read()
        return write_image(path, data, self._stem(data))

    async def asave(self, path: str | os.PathLike[str] = ".") -> Path:
        """``save(path)`` for images from ``AsyncRailwail``: downloads with ``aread()``, then
        writes (and converts) in a worker thread. Returns the absolute path written.

        Raises:
            ValueError: The suffix names another image format and Pillow is not installed
                (``pip install 'railwail[pil]'``) or cannot convert it; nothing is written.
            APIConnectionError: The download failed or timed out (after retries).
            APIError: The image host answered with an error status.
            ResponseValidationError: The image is too large or its data cannot be decoded.
            OSError: The file could not be written.
        """
        import asyncio  # here, so that sync users never import it

        data = await self.aread()
        return await asyncio.to_thread(write_image, path, data, self._stem(data))

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

    def _picture(self) -> Picture:
        """The image ready for display: downloaded if need be (within the size cap, with a
        short timeout and no retries) and cached. Never raises: a failure is described."""
        text = repr(self)
        caption = self.revised_prompt or self.prompt or ""
        try:
            data = self._local_bytes()
            if data is None:
                url = self._remote_url()
                data = self._remember(self._download(url, DISPLAY_TIMEOUT), url)
        except Exception as exc:  # a notebook cell must not fail because a picture did
            return failed(text, caption, str(exc))
        return picture(data, text, caption)

    def _repr_mimebundle_(
        self, include: Iterable[str] | None = None, exclude: Iterable[str] | None = None
    ) -> dict[str, Any]:
        # Jupyter's display: the picture once (a URL is downloaded, so that a saved notebook
        # keeps it), and its repr as the text line.
        return bundle(self._picture())

    def __eq__(self, other: object) -> bool:
        # The fields decide; what is private (cached bytes, the client, how it downloads) is
        # not part of the value, so an image equals its copies and a fresh one of its fields.
        if not isinstance(other, Image):
            return NotImplemented
        return (
            type(self) is type(other)
            and self.__dict__ == other.__dict__
            and self.__pydantic_extra__ == other.__pydantic_extra__
        )

    __hash__ = None  # type: ignore[assignment]  # mutable, like every pydantic model

    def __repr__(self) -> str:
        if self.url and not self.url.startswith("data:"):
            where = f"url={self.url!r}"
        elif self.b64_json is not None or self.url:
            where = f"b64_json=<{len(self.b64_json or self.url or '')} chars>"
        else:
            where = "no data"
        extra = f", revised_prompt={self.revised_prompt!r}" if self.revised_prompt else ""
        return f"Image({where}{extra})"


def bind(image: Image, client: APIClient | AsyncAPIClient, made_for: MadeFor) -> None:
    """Gives ``image`` the client that made it (it downloads through it while it is open) and
    the request it answers."""
    # Straight into pydantic's private storage (see attach_meta): one write per image.
    state = _ImageIO(client=client, made_for=made_for)
    image.__pydantic_private__["_io"] = state  # type: ignore[index]  # set by pydantic
