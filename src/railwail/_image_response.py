"""The images of one generation: ``ImageResponse``, the gateway's answer (which knows the
model and prompt it was made for), and ``ImageList``, the list of images ``run()`` returns.
Both save all their images at once and show them all in a notebook."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Self, SupportsIndex, overload

from pydantic import PrivateAttr

from ._api_client import APIClient
from ._async_api_client import AsyncAPIClient
from ._display import row
from ._files import save_new, sniff
from ._image import Image, MadeFor, bind
from ._models import APIResponse

__all__ = ["ImageList", "ImageResponse"]


def _write_all(
    directory: str | os.PathLike[str], images: Sequence[tuple[bytes, str]]
) -> list[Path]:
    target = Path(directory).expanduser()
    return [save_new(target, stem, sniff(data)[0], data) for data, stem in images]


class ImageList(list[Image]):
    """The images ``run()`` returns: a ``list`` of ``Image`` that can also save them all at
    once (``save_all``) and shows them all in a notebook."""

    def save_all(self, directory: str | os.PathLike[str] = ".") -> list[Path]:
        """Saves every image into ``directory`` (created if missing) and returns the paths,
        in order. Each file is named after its prompt, model and place
        (``a-cat_flux-schnell_1.png``) and never replaces a file: a taken name gets ``-2``,
        ``-3``..., also against other processes saving into the same directory. Every image
        is read before the first is written, so a failed download writes nothing.

        Raises:
            APIConnectionError: A download failed or timed out (after retries).
            APIError: An image host answered with an error status.
            ResponseValidationError: An image is too large or its data cannot be decoded.
            OSError: A file could not be written.
        """
        pending = []
        for image in self:
            data = image.read()
            pending.append((data, image._stem(data)))
        return _write_all(directory, pending)

    async def asave_all(self, directory: str | os.PathLike[str] = ".") -> list[Path]:
        """``save_all(directory)`` for images from ``AsyncRailwail``: downloads them
        concurrently, then writes in a worker thread. Returns the paths, in order.

        Raises:
            APIConnectionError: A download failed or timed out (after retries).
            APIError: An image host answered with an error status.
            ResponseValidationError: An image is too large or its data cannot be decoded.
            OSError: A file could not be written.
        """
        import asyncio

        blobs = await asyncio.gather(*(image.aread() for image in self))
        pending = [(data, image._stem(data)) for image, data in zip(self, blobs, strict=True)]
        return await asyncio.to_thread(_write_all, directory, pending)

    def _repr_mimebundle_(
        self, include: Iterable[str] | None = None, exclude: Iterable[str] | None = None
    ) -> dict[str, Any]:
        return row([image._picture() for image in self], repr(self))

    @overload
    def __getitem__(self, index: SupportsIndex) -> Image: ...
    @overload
    def __getitem__(self, index: slice) -> ImageList: ...
    def __getitem__(self, index: SupportsIndex | slice) -> Image | ImageList:
        if isinstance(index, slice):
            return ImageList(super().__getitem__(index))
        return super().__getitem__(index)


class ImageResponse(APIResponse):
    """The answer to an image generation: ``created`` and the list of images in ``data``.

    It also knows the ``model`` and ``prompt`` it was made for, saves all its images at once
    (``save_all``) and shows them all in a notebook.

    Attributes:
        created: When the images were made (Unix time).
        data: The images, in order (``images`` is the same list as an ``ImageList``).
    """

    created: int | None = None
    data: list[Image]

    _made_for: tuple[str, str] | None = PrivateAttr(default=None)

    @property
    def model(self) -> str | None:
        """The model slug the images were generated with."""
        return self._made_for[0] if self._made_for else None

    @property
    def prompt(self) -> str | None:
        """The prompt sent."""
        return self._made_for[1] if self._made_for else None

    def _made_by(self, client: APIClient | AsyncAPIClient, model: str, prompt: str) -> Self:
        """Gives the response, and each image, the request it answers and the client that
        made it (images download through it while it is open)."""
        self._made_for = (model, prompt)
        for index, image in enumerate(self.data, start=1):
            bind(image, client, MadeFor(model, prompt, index))
        return self

    @property
    def images(self) -> ImageList:
        """``data`` as an ``ImageList`` (the same ``Image`` objects)."""
        return ImageList(self.data)

    def save_all(self, directory: str | os.PathLike[str] = ".") -> list[Path]:
        """Saves every image into ``directory``: see ``ImageList.save_all``.

        Raises:
            APIConnectionError: A download failed or timed out (after retries).
            APIError: An image host answered with an error status.
            ResponseValidationError: An image is too large or its data cannot be decoded.
            OSError: A file could not be written.
        """
        return self.images.save_all(directory)

    async def asave_all(self, directory: str | os.PathLike[str] = ".") -> list[Path]:
        """Saves every image into ``directory``, for responses from ``AsyncRailwail``: see
        ``ImageList.asave_all``.

        Raises:
            APIConnectionError: A download failed or timed out (after retries).
            APIError: An image host answered with an error status.
            ResponseValidationError: An image is too large or its data cannot be decoded.
            OSError: A file could not be written.
        """
        return await self.images.asave_all(directory)

    def __repr__(self) -> str:
        return f"ImageResponse(created={self.created!r}, data={self.data!r})"

    def _repr_mimebundle_(
        self, include: Iterable[str] | None = None, exclude: Iterable[str] | None = None
    ) -> dict[str, Any]:
        return row([image._picture() for image in self.data], repr(self))
