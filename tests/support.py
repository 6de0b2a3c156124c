"""What the test modules share: the loopback addresses and key the mocks answer on, the
gateway answers most tests need, and the helpers that let one test body drive either twin.

Imported as ``support`` from every folder under tests/ (``pythonpath`` in pyproject.toml).
The fixtures built on it (``twin``, ``rw``, ``make_client``, ``gw``, ``sleeps``) are in
tests/conftest.py.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
from collections.abc import AsyncIterable, AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import httpx

from railwail import AsyncRailwail, Railwail
from railwail.types import Image

T = TypeVar("T")

# Loopback only: respx intercepts every request, and nothing here may ever leave the machine.
ORIGIN = "http://127.0.0.1:8787"
BASE_URL = f"{ORIGIN}/api/v1"
CDN_URL = "http://127.0.0.2:8788"  # another host: where generated images are downloaded from
API_KEY = "rw_test_0123456789abcdefghij"

GENERATIONS_URL = f"{BASE_URL}/images/generations"
EMBED_URL = f"{BASE_URL}/embeddings"
IMG_URL = f"{CDN_URL}/img/a.png"

MESSAGES = [{"role": "user", "content": "Hello!"}]

# The smallest valid answer of each endpoint.
IMAGES_OK: dict[str, Any] = {"created": 1, "data": [{"url": f"{CDN_URL}/a.png"}]}
CHAT_OK: dict[str, Any] = {"choices": [{"message": {"role": "assistant", "content": "42"}}]}
EMBED_OK: dict[str, Any] = {
    "object": "list",
    "data": [{"object": "embedding", "index": 0, "embedding": [0.25, -0.5]}],
    "model": "text-embedding-3-small",
}
MODEL_OK: dict[str, Any] = {"id": "flux-schnell", "object": "model", "category": "image"}
# A streamed chat answer: one chunk, then the end marker.
STREAM_OK = b'data: {"choices": [{"index": 0, "delta": {"content": "42"}}]}\n\ndata: [DONE]\n\n'

# Just enough of each format for the SDK's sniffing (file extension, MIME type) to know it.
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG = PNG_SIGNATURE + b"\x00\x00\x00\rIHDR-fake-png-body"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00-fake-jpeg"
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 -fake-webp"
GIF = b"GIF89a\x01\x00\x01\x00-fake-gif"

Client = Railwail | AsyncRailwail
Twin = type[Railwail] | type[AsyncRailwail]


def sent_json(request: httpx.Request) -> Any:
    """The JSON body of a request the SDK sent."""
    return json.loads(request.content)


def names(directory: Path) -> list[str]:
    """The names in a directory, sorted: what a save left behind."""
    return sorted(p.name for p in directory.iterdir())


def generated_name(data: bytes, ext: str) -> str:
    """The name ``save()`` gives an image saved into a directory: from its content."""
    return f"railwail-{hashlib.sha256(data).hexdigest()[:16]}{ext}"


# -- one test body, either twin -------------------------------------------------------------


def is_async(twin: Client | Twin) -> bool:
    """Whether ``twin`` (a client or a client class) is the async one."""
    return isinstance(twin, AsyncRailwail) or twin is AsyncRailwail


async def resolve(value: Any) -> Any:
    """The value a twin's method gave: awaited if the async twin gave an awaitable."""
    return await value if inspect.isawaitable(value) else value


async def close(closable: Any) -> None:
    """``aclose()`` if it has one (the async twin, its streams), else ``close()``."""
    if hasattr(closable, "aclose"):
        await closable.aclose()
    else:
        closable.close()


@asynccontextmanager
async def entered(manager: Any) -> AsyncIterator[Any]:
    """``async with manager`` if it is an async context manager, else ``with manager``."""
    if hasattr(manager, "__aenter__"):
        async with manager as value:
            yield value
    else:
        with manager as value:
            yield value


async def read(image: Image, twin: Client | Twin) -> bytes:
    """``image.read()``, or ``image.aread()`` for the async twin."""
    return await image.aread() if is_async(twin) else image.read()


async def save(image: Image, twin: Client | Twin, path: str | os.PathLike[str] = ".") -> Path:
    """``image.save(path)``, or ``image.asave(path)`` for the async twin."""
    return await image.asave(path) if is_async(twin) else image.save(path)


async def each(items: Iterable[T] | AsyncIterable[T]) -> AsyncIterator[T]:
    """Iterates a sync or an async iterable alike (``async for x in each(...)``)."""
    if isinstance(items, AsyncIterable):
        async for item in items:
            yield item
    else:
        for item in items:
            yield item


async def collect(items: Iterable[T] | AsyncIterable[T]) -> list[T]:
    """Everything a sync or an async iterable yields, in order."""
    return [item async for item in each(items)]


T0 = 1_700_000_000.0  # the wall-clock time a Clock starts at


class Clock:
    """A clock a test turns by hand (``clock.now += 1.5``); calling it gives the time."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now
