"""From what httpx saw to what railwail raises: an error status becomes the ``APIError``
subclass for it (``error_class_for``), with the message, type and code read from whatever body
came (``decode_body``, ``error_fields``); a transport failure becomes an
``APIConnectionError``. Pure: no I/O. The error classes themselves are in ``_exceptions``."""

from __future__ import annotations

import json
import ssl
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

import httpx

from ._exceptions import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    InsufficientCreditsError,
    NotFoundError,
    PermissionDeniedError,
    RailwailError,
    RateLimitError,
    ResponseValidationError,
    ServerError,
    UnprocessableEntityError,
)
from ._headers import reset_datetime, retry_after_from_headers
from ._secrets import shown_url
from ._utils import mask_key

_STATUS_CLASSES: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: InsufficientCreditsError,
    403: PermissionDeniedError,
    404: NotFoundError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def error_class_for(status: int) -> type[APIError]:
    if status >= 500:
        return ServerError
    return _STATUS_CLASSES.get(status, APIError)


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "HTTP error"


def decode_body(content: bytes) -> object:
    """The body as JSON when it parses, else as text, else ``None`` when empty."""
    if not content.strip():
        return None
    try:
        return json.loads(content)
    except ValueError:
        return content.decode("utf-8", errors="replace")


def error_fields(body: object, status: int) -> tuple[str, str | None, str | None]:
    """(message, type, code) from any body: the gateway's envelope, a bare message, or junk."""
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict):
            message = err.get("message")
            etype = err.get("type")
            code = err.get("code")
            return (
                message if isinstance(message, str) and message else _reason(status),
                etype if isinstance(etype, str) else None,
                str(code) if isinstance(code, str | int) and not isinstance(code, bool) else None,
            )
        if isinstance(err, str) and err:
            return err, None, None
    return _reason(status), None, None


def status_error(
    response: httpx.Response, secret: str | None = None, *, download: bool = False
) -> APIError:
    """The error for a response with an error status (or an unexpected redirect), with
    ``secret`` (our key) masked wherever the body echoes it. For an image ``download``, it
    names the URL that answered (without its query)."""
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
        "url": shown_url(response.request.url) if download else None,
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
    bad_certificate = certificate_failure(exc)
    if bad_certificate is not None:
        error = APIConnectionError(
            f"TLS certificate verification failed for {request.url.host}: "
            f"{bad_certificate.verify_message or bad_certificate.reason or bad_certificate}",
            method=request.method,
            url=url,
        )
        error.hint = (
            "Not retried: it cannot succeed. If a proxy or a private CA signs this host's "
            "certificate, give its CA bundle: set SSL_CERT_FILE=/path/to/ca.pem, or pass "
            "http_client=httpx.Client(verify=ssl.create_default_context(cafile='/path/to/ca.pem'))"
            " (httpx.AsyncClient for AsyncRailwail)"
        )
        return error
    return APIConnectionError(f"Connection error: {detail}", method=request.method, url=url)


def certificate_failure(exc: BaseException | None) -> ssl.SSLCertVerificationError | None:
    """The certificate verification failure behind an error, if that is what it is."""
    seen = 0
    while exc is not None and seen < 16:
        if isinstance(exc, ssl.SSLCertVerificationError):
            return exc
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return None


def describe_failure(exc: BaseException) -> str:
    """What went wrong in an attempt, in a word or two (for the retry log)."""
    if isinstance(exc, APIError):
        return str(exc.status)
    if isinstance(exc, APITimeoutError):
        return "timeout"
    cause = exc.__cause__
    return type(cause).__name__ if cause is not None else type(exc).__name__


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


# An error inside a 200 answer names its kind by code or type; these map to a status.
_CODE_STATUS = {
    "bad_request": 400,
    "invalid_request_error": 400,
    "invalid_api_key": 401,
    "authentication_error": 401,
    "insufficient_credits": 402,
    "permission_denied": 403,
    "not_found": 404,
    "model_not_found": 404,
    "rate_limit_exceeded": 429,
    "rate_limit_error": 429,
}


def error_in_body(payload: Any, headers: Mapping[str, str]) -> APIError:
    """An error sent inside a 200 answer (a stream's ``error`` event, or a JSON error body
    where a stream was asked for), as the error class its code or status implies."""
    err = payload.get("error", payload) if isinstance(payload, dict) else {}
    status = err.get("status") if isinstance(err, dict) else None
    if not isinstance(status, int) or isinstance(status, bool):
        code = err.get("code") if isinstance(err, dict) else None
        etype = err.get("type") if isinstance(err, dict) else None
        status = _CODE_STATUS.get(str(code), _CODE_STATUS.get(str(etype), 500))
    message, etype, code = error_fields(payload, status)
    return error_class_for(status)(
        message,
        status=status,
        type=etype,
        code=code,
        request_id=headers.get("x-request-id"),
        body=payload,
        headers=dict(headers),
    )


def not_an_event_stream(response: httpx.Response) -> RailwailError:
    """The error for a 2xx answer to ``stream=True`` that is not ``text/event-stream``: the
    error its body carries, else a ``ResponseValidationError`` saying what came instead."""
    mime = response.headers.get("content-type", "").partition(";")[0].strip() or "no content type"
    body = decode_body(response.content)
    if isinstance(body, dict) and "error" in body:
        return error_in_body(body, response.headers)
    if body is None:
        what = f"an empty answer ({mime})"
    elif isinstance(body, dict) and ("choices" in body or body.get("object") == "chat.completion"):
        what = f"a whole chat.completion ({mime}): the gateway ignored stream=True"
    else:
        what = f"{mime}, starting {response.content[:60]!r}"
    return ResponseValidationError(
        f"chat(stream=True) expects an event stream (text/event-stream); the gateway answered "
        f"{what}",
        body=body,
        request_id=response.headers.get("x-request-id"),
    )


def invalid_redirect(exc: httpx.InvalidURL, request: httpx.Request) -> ResponseValidationError:
    """The error for an answer that redirects to a URL httpx cannot even parse."""
    url = request.url.copy_with(query=None)
    return ResponseValidationError(
        f"{request.method} {url} was answered with a redirect to a URL that is not valid ({exc})"
    )
