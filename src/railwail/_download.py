"""Reading image downloads with a size cap, and downloads for images made without a client."""

from __future__ import annotations

import httpx

from ._constants import DEFAULT_CONNECTION_LIMITS, DEFAULT_MAX_DOWNLOAD_BYTES, DEFAULT_TIMEOUT
from ._exceptions import ResponseValidationError


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


def read_capped(response: httpx.Response, limit: int) -> bytes:
    """The body, refusing (and closing) as soon as it is known to be larger than ``limit``."""
    try:
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


async def aread_capped(response: httpx.Response, limit: int) -> bytes:
    """Async twin of :func:`read_capped`."""
    try:
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


def _standalone_request(url: str) -> httpx.Request:
    from ._requests import download_request

    spec = download_request(url)
    return httpx.Request("GET", spec.path, extensions={"timeout": DEFAULT_TIMEOUT.as_dict()})


def standalone_fetch(url: str) -> bytes:
    """Downloads an image built by hand (no client made it): no key is sent, no retries."""
    from ._base_client import BaseClient

    request = _standalone_request(url)
    with httpx.Client(limits=DEFAULT_CONNECTION_LIMITS) as http:
        try:
            response = http.send(request, stream=True, follow_redirects=True)
            if not response.is_success:
                response.read()
                response.close()
                raise BaseClient._status_error(response)
            return read_capped(response, DEFAULT_MAX_DOWNLOAD_BYTES)
        except httpx.HTTPError as exc:
            raise BaseClient._transport_error(exc, request) from exc


async def standalone_afetch(url: str) -> bytes:
    """Async twin of :func:`standalone_fetch`."""
    from ._base_client import BaseClient

    request = _standalone_request(url)
    async with httpx.AsyncClient(limits=DEFAULT_CONNECTION_LIMITS) as http:
        try:
            response = await http.send(request, stream=True, follow_redirects=True)
            if not response.is_success:
                await response.aread()
                await response.aclose()
                raise BaseClient._status_error(response)
            return await aread_capped(response, DEFAULT_MAX_DOWNLOAD_BYTES)
        except httpx.HTTPError as exc:
            raise BaseClient._transport_error(exc, request) from exc
