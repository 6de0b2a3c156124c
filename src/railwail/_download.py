"""Reading image downloads with a size cap and checked redirects, and downloads for images
made without a client."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

import httpx

from ._constants import DEFAULT_BASE_URL
from ._exceptions import ResponseValidationError
from ._requests import RequestSpec, download_request

if TYPE_CHECKING:
    from ._async_client import AsyncRailwail
    from ._client import Railwail

ClientT = TypeVar("ClientT", "Railwail", "AsyncRailwail")

MAX_DOWNLOAD_REDIRECTS = 10


def _too_large(response: httpx.Response, limit: int) -> ResponseValidationError:
    return ResponseValidationError(
        f"the image at {response.request.url.copy_with(query=None)} is larger than "
        f"max_download_bytes={limit}; raise the limit with "
        "Railwail(max_download_bytes=...) or .with_options(max_download_bytes=...)",
        request_id=response.headers.get("x-request-id"),
    )


def _declared_length(response: httpx.Response) -> int | None:
    try:
        return int(response.headers["content-length"])
    except (KeyError, ValueError):
        return None


def _location(response: httpx.Response) -> str:
    return str(response.url.join(response.headers.get("location", "")))


def redirect_request(original: str, location: str) -> RequestSpec:
    """The next hop of a download; a redirect away from http(s) is refused, not followed."""
    try:
        return download_request(location)
    except ValueError:
        raise ResponseValidationError(
            f"the image at {original!r} redirected to {location!r}, which is not an http(s) URL"
        ) from None


def too_many_redirects(url: str) -> ResponseValidationError:
    return ResponseValidationError(
        f"the image at {url!r} redirected more than {MAX_DOWNLOAD_REDIRECTS} times"
    )


def read_capped(response: httpx.Response, limit: int) -> bytes | str:
    """The body, refusing (and closing) as soon as it is known to be larger than ``limit``;
    for a redirect, the URL it points to."""
    try:
        if response.is_redirect:
            return _location(response)
        declared = _declared_length(response)
        if declared is not None and declared > limit:
            raise _too_large(response, limit)
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise _too_large(response, limit)
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        response.close()


async def aread_capped(response: httpx.Response, limit: int) -> bytes | str:
    """Async twin of :func:`read_capped`."""
    try:
        if response.is_redirect:
            return _location(response)
        declared = _declared_length(response)
        if declared is not None and declared > limit:
            raise _too_large(response, limit)
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > limit:
                raise _too_large(response, limit)
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        await response.aclose()


def _anonymous(cls: type[ClientT]) -> ClientT:
    # A client with no origin of its own: the placeholder key, like default headers, goes only
    # to a client's own origin, so it is never sent anywhere.
    # No retries: without a client of the caller's there is no max_retries they chose.
    client = cls("rw-anonymous-download", base_url=DEFAULT_BASE_URL, max_retries=0)
    client._origin = None
    return client


def standalone_fetch(url: str) -> bytes:
    """Downloads an image built by hand (no client made it) as a client would (size cap,
    redirects checked hop by hop, errors mapped), sending no key and not retrying."""
    from ._client import Railwail

    with _anonymous(Railwail) as client:
        return client._download(url)


async def standalone_afetch(url: str) -> bytes:
    """Async twin of :func:`standalone_fetch`."""
    from ._async_client import AsyncRailwail

    async with _anonymous(AsyncRailwail) as client:
        return await client._download(url)
