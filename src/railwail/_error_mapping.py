"""From what httpx saw to what railwail raises: an error status becomes the ``APIError``
subclass for it, a transport failure an ``APIConnectionError``. Pure: no I/O."""

from __future__ import annotations

import json
from typing import Any

import httpx

from ._exceptions import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    RateLimitError,
    decode_body,
    error_class_for,
    error_fields,
)
from ._headers import reset_datetime, retry_after_from_headers
from ._utils import mask_key


def status_error(response: httpx.Response, secret: str | None = None) -> APIError:
    """The error for a response with an error status (or an unexpected redirect), with
    ``secret`` (our key) masked wherever the body echoes it."""
    status = response.status_code
    headers = response.headers
    body = _scrub(decode_body(response.content), secret)
    message, etype, code = error_fields(body, status)
    if 300 <= status < 400:
        location = headers.get("location", "")
        message = f"the gateway redirected to {location!r}; set base_url to the final URL"
    kwargs: dict[str, Any] = {
        "status": status,
        "type": etype,
        "code": code,
        "request_id": headers.get("x-request-id") or headers.get("request-id"),
        "body": body,
        "headers": dict(headers),
        "retry_after": retry_after_from_headers(headers, status),
    }
    cls = error_class_for(status)
    if cls is RateLimitError:
        return RateLimitError(message, reset=reset_datetime(headers), **kwargs)
    return cls(message, **kwargs)


def transport_error(exc: httpx.HTTPError, request: httpx.Request) -> APIConnectionError:
    """The error for a request that got no usable answer (the URL shown without its query)."""
    url = str(request.url.copy_with(query=None))
    if isinstance(exc, httpx.TimeoutException):
        kind = type(exc).__name__.replace("Timeout", " timeout").strip().lower()
        return APITimeoutError(f"Request timed out ({kind})", method=request.method, url=url)
    detail = str(exc) or type(exc).__name__
    return APIConnectionError(f"Connection error: {detail}", method=request.method, url=url)


def _scrub(body: object, secret: str | None) -> object:
    """The body with our own key masked, should a gateway or proxy echo it back."""
    if not secret:
        return body
    if isinstance(body, str):
        return body.replace(secret, mask_key(secret))
    if isinstance(body, dict | list):
        text = json.dumps(body)
        if secret in text:
            return json.loads(text.replace(secret, mask_key(secret)))
    return body
