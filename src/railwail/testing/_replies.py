"""What the emulator sends back: the `Reply` value and the gateway's error bodies."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Literal

JSON_TYPE = "application/json"

# (type, code) the gateway documents per status; the rest follow the same naming pattern so
# that a client mapping errors by status sees plausible values for injected faults too.
_ERROR_KINDS: dict[int, tuple[str, str]] = {
    400: ("invalid_request_error", "bad_request"),
    401: ("authentication_error", "invalid_api_key"),
    402: ("insufficient_credits_error", "insufficient_credits"),
    403: ("permission_error", "permission_denied"),
    404: ("not_found_error", "not_found"),
    405: ("invalid_request_error", "method_not_allowed"),
    408: ("timeout_error", "request_timeout"),
    409: ("conflict_error", "conflict"),
    422: ("invalid_request_error", "unprocessable_entity"),
    429: ("rate_limit_error", "rate_limit_exceeded"),
    500: ("api_error", "internal_error"),
    502: ("api_error", "bad_gateway"),
    503: ("api_error", "service_unavailable"),
    504: ("api_error", "gateway_timeout"),
}

Action = Literal["send", "drop", "truncate"]


@dataclass(frozen=True)
class Reply:
    """One answer for the HTTP layer to write.

    `chunks` set means a streamed body (chunked transfer encoding, flushed per chunk);
    `action` lets a fault drop the connection or cut the body in half.
    """

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    chunks: tuple[bytes, ...] | None = None
    action: Action = "send"

    def full_body(self) -> bytes:
        """The body as one byte string, streamed or not."""
        return b"".join(self.chunks) if self.chunks is not None else self.body


def json_reply(status: int, payload: Any, headers: dict[str, str] | None = None) -> Reply:
    """A JSON reply with the right content type."""
    merged = {"content-type": JSON_TYPE}
    merged.update(headers or {})
    return Reply(status, json.dumps(payload, separators=(",", ":")).encode(), merged)


def error_kind(status: int) -> tuple[str, str]:
    """The (type, code) pair the gateway uses for a status."""
    if status in _ERROR_KINDS:
        return _ERROR_KINDS[status]
    return ("api_error" if status >= 500 else "invalid_request_error", f"http_{status}")


def status_phrase(status: int) -> str:
    """The reason phrase of a status, or a generic one for unregistered codes."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"


def error_payload(
    status: int, message: str | None = None, *, code: str | None = None
) -> dict[str, Any]:
    """The gateway's error body for a status."""
    type_, default_code = error_kind(status)
    return {
        "error": {
            "message": message or status_phrase(status),
            "type": type_,
            "code": code or default_code,
        }
    }


def error_reply(
    status: int,
    message: str | None = None,
    *,
    code: str | None = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    """A JSON error reply in the gateway's format."""
    return json_reply(status, error_payload(status, message, code=code), headers)


class GatewayError(Exception):
    """Raised by endpoint logic to answer with an error instead of a result."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.headers = headers or {}

    def reply(self) -> Reply:
        """The error as a reply."""
        return error_reply(self.status, self.message, code=self.code, headers=self.headers)


def bad_request(message: str) -> GatewayError:
    """A 400 naming the offending field in its message."""
    return GatewayError(400, message)
