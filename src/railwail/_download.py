"""The pure parts of an image download: the size cap's checks and errors, and the next hop
of a redirect. The reading itself is ``read_capped`` in ``_async_api_client`` (and its
generated sync twin)."""

from __future__ import annotations

import httpx

from ._exceptions import ResponseValidationError
from ._requests import RequestSpec, download_request

MAX_DOWNLOAD_REDIRECTS = 10


def too_large(response: httpx.Response, limit: int) -> ResponseValidationError:
    return ResponseValidationError(
        f"the image at {response.request.url.copy_with(query=None)} is larger than "
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
