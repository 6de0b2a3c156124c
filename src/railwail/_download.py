"""Reading image downloads with a size cap, and downloads for images made without a client."""

from __future__ import annotations

import httpx

from ._constants import DEFAULT_CONNECTION_LIMITS, DEFAULT_MAX_DOWNLOAD_BYTES, DEFAULT_TIMEOUT
from ._exceptions import ResponseValidationError
from ._requests import RequestSpec, download_request

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


def _standalone_request(url: str) -> httpx.Request:
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
            data = read_capped(response, DEFAULT_MAX_DOWNLOAD_BYTES)
        except httpx.HTTPError as exc:
            raise BaseClient._transport_error(exc, request) from exc
    return _followed(data, url)


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
            data = await aread_capped(response, DEFAULT_MAX_DOWNLOAD_BYTES)
        except httpx.HTTPError as exc:
            raise BaseClient._transport_error(exc, request) from exc
    return _followed(data, url)


def _followed(data: bytes | str, url: str) -> bytes:
    # httpx followed the redirects itself here; a location left over means it gave up.
    if isinstance(data, str):
        raise too_many_redirects(url)
    return data
