"""Everything railwail raises, in one tree::

    RailwailError                      base of everything the SDK raises
    ├── APIError                       an error status from the gateway or an image host
    │   ├── BadRequestError            400
    │   ├── AuthenticationError        401
    │   ├── InsufficientCreditsError   402
    │   ├── PermissionDeniedError      403
    │   ├── NotFoundError              404
    │   ├── UnprocessableEntityError   422
    │   ├── RateLimitError             429 (.retry_after, .reset)
    │   └── ServerError                >= 500
    ├── APIConnectionError             no usable answer: DNS, refused, reset, TLS
    │   └── APITimeoutError
    ├── ResponseValidationError        a 2xx body that is not what the API promises
    ├── UnsupportedModelError          a model whose category this SDK cannot run yet
    ├── MissingAPIKeyError             no API key anywhere, or an empty one (also a ValueError)
    ├── BudgetExceededError            image_batch(max_credits=) refused, before any image
    └── BatchAbortedError              image_batch stopped early (401/402/403, on_item raised)

The last two are ``image_batch``'s own, in ``_batch_errors``. Every ``str(error)`` says what
happened and what to do next. None of them ever contains the API key: messages are built from
the gateway's answer and the request's method and URL only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "InsufficientCreditsError",
    "MissingAPIKeyError",
    "NotFoundError",
    "PermissionDeniedError",
    "RailwailError",
    "RateLimitError",
    "ResponseValidationError",
    "ServerError",
    "UnprocessableEntityError",
    "UnsupportedModelError",
]


class RailwailError(Exception):
    """Base class of every exception railwail raises.

    Attributes:
        attempts: How many attempts the call made before this error ended it (``None`` for an
            error raised before any request, or outside a call).
        elapsed: Seconds from the call's start to this error (``None`` likewise).
    """

    attempts: int | None = None
    elapsed: float | None = None

    def _tries(self) -> str:
        """``3 attempts over 2.5 s``: what the call did before it gave up, when known."""
        if self.attempts is None:
            return ""
        plural = "s" if self.attempts != 1 else ""
        spent = f" over {self.elapsed:.1f} s" if self.elapsed is not None else ""
        return f"{self.attempts} attempt{plural}{spent}"

    def _state(self) -> dict[str, Any] | None:
        # For pickling: the attempts made travel with the error.
        if self.attempts is None:
            return None
        return {"attempts": self.attempts, "elapsed": self.elapsed}


class APIError(RailwailError):
    """The gateway answered with an error status (or, for an image download, the image host).

    Attributes:
        status: The HTTP status code.
        type: The gateway's error ``type`` (e.g. ``"authentication_error"``), if it sent one.
        code: The gateway's error ``code`` (e.g. ``"invalid_api_key"``), if it sent one.
        message: The gateway's message, or the HTTP reason phrase when the body had none.
        request_id: The gateway's request id (``x-request-id``), for support tickets.
        body: The decoded JSON body, the raw text when it was not JSON, or ``None`` if empty.
        headers: The response headers.
        retry_after: Seconds the server asked us to wait before retrying, when it said so.
        url: For an image download the image host refused, the URL that answered: scheme,
            host and path only, never the query (often a signature). ``None`` for the
            gateway's own endpoints.
    """

    hint: str = ""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        type: str | None = None,
        code: str | None = None,
        request_id: str | None = None,
        body: object = None,
        headers: Mapping[str, str] | None = None,
        retry_after: float | None = None,
        url: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.type = type
        self.code = code
        self.request_id = request_id
        self.body = body
        self.headers: dict[str, str] = dict(headers or {})
        self.retry_after = retry_after
        self.url = url

    def __str__(self) -> str:
        label = self.code or self.type
        text = (
            f"{self.status} {label}: {self.message}" if label else f"{self.status}: {self.message}"
        )
        notes = [f"GET {self.url}"] if self.url else []
        if self.request_id:
            notes.append(f"request_id={self.request_id}")
        if self.attempts is not None and self.attempts > 1:
            notes.append(self._tries())
        if notes:
            text += f" ({'; '.join(notes)})"
        # The class's advice is about the gateway (the key, the slug, the credits): an image
        # host's refusal gets its own.
        hint = _DOWNLOAD_HINT if self.url else self._hint()
        return f"{text}. {hint}" if hint else text

    def _hint(self) -> str:
        return self.hint

    def __reduce__(self) -> tuple[Any, ...]:
        return (rebuild_error, (type(self), self.message, self._kwargs()), self._state())

    def _kwargs(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "type": self.type,
            "code": self.code,
            "request_id": self.request_id,
            "body": self.body,
            "headers": self.headers,
            "retry_after": self.retry_after,
            "url": self.url,
        }


_DOWNLOAD_HINT = (
    "The image host refused the download (not the gateway); if the image URL has expired, "
    "generate the image again"
)


def rebuild_error(cls: Callable[..., RailwailError], message: str, kwargs: dict[str, Any]) -> Any:
    """An error from its pickle: its class called with its message and keyword arguments
    (each class's ``__init__`` takes them by keyword, which pickle's default cannot pass)."""
    return cls(message, **kwargs)


class BadRequestError(APIError):
    """400: the request body was malformed or missed a required field."""

    hint = "Check the arguments against the model's documentation"


class AuthenticationError(APIError):
    """401: the API key is missing, unknown or revoked."""

    hint = (
        "Check the key passed as api_key= or set in RAILWAIL_API_KEY; "
        "keys are managed at https://railwail.com/settings"
    )


class InsufficientCreditsError(APIError):
    """402: the account has too few credits for this request."""

    hint = "Buy credits at https://railwail.com/billing, then retry"


class PermissionDeniedError(APIError):
    """403: the key may not use this model or endpoint."""

    hint = "This key is not allowed to make this request; check its permissions"


class NotFoundError(APIError):
    """404: the model or resource does not exist.

    Attributes:
        suggestions: For a model the gateway does not know (``code == "model_not_found"``),
            the catalogue's closest slugs, best first; ``[]`` when none is close or the
            catalogue could not be read.
    """

    hint = "Check the model slug; rw.models.list() lists the available models"

    def __init__(
        self,
        message: str,
        *,
        suggestions: Sequence[str] = (),
        hint: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(message, **kwargs)
        self.suggestions = list(suggestions)
        if hint is not None:
            self.hint = hint

    def _hint(self) -> str:
        if self.suggestions:
            return f"Did you mean {' or '.join(self.suggestions)}? {self.hint}"
        return self.hint

    def _kwargs(self) -> dict[str, Any]:
        hint = vars(self).get("hint")  # set on this error, not the class's
        return {**super()._kwargs(), "suggestions": self.suggestions, "hint": hint}


class UnprocessableEntityError(APIError):
    """422: the request was well-formed but the gateway could not process it."""

    hint = "The gateway rejected the values sent; check them against the model's limits"


class RateLimitError(APIError):
    """429: too many requests for this key in the current window.

    Attributes:
        retry_after: Seconds to wait before the next request, when the gateway said so.
        reset: When the rate-limit window resets (aware datetime), from ``X-RateLimit-Reset``.
    """

    def __init__(self, message: str, *, reset: datetime | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.reset = reset

    def _hint(self) -> str:
        if self.retry_after is not None:
            return (
                f"Retry after {self.retry_after:.1f} s, or lower the request rate "
                "(limits are per key: 10/min free, 60/min paid)"
            )
        return "Slow down and retry with backoff (limits are per key: 10/min free, 60/min paid)"

    def _kwargs(self) -> dict[str, Any]:
        return {**super()._kwargs(), "reset": self.reset}


class ServerError(APIError):
    """5xx: the gateway or an upstream provider failed."""

    def _hint(self) -> str:
        if self.retry_after is not None:
            return f"The gateway asked to retry after {self.retry_after:.1f} s"
        return "The gateway or the model provider failed; retry later"


class APIConnectionError(RailwailError):
    """No usable answer from the gateway: DNS failure, refused or reset connection, TLS error."""

    # What to do, when it is not the default advice (a TLS failure: pass a CA bundle).
    hint: str | None = None

    def __init__(
        self, message: str = "Connection error", *, method: str = "", url: str = ""
    ) -> None:
        super().__init__(message)
        self.message = message
        self.method = method
        self.url = url

    def __str__(self) -> str:
        return f"{self._what()}. {self.hint or self._default_hint()}"

    def _what(self) -> str:
        notes = [f"{self.method} {self.url}"] if self.url else []
        if self.attempts is not None:
            notes.append(self._tries())
        return f"{self.message} ({'; '.join(notes)})" if notes else self.message

    def _default_hint(self) -> str:
        return (
            "Check the network and base_url; such errors are retried as often as max_retries allows"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        state = self._state() or {}
        if self.hint is not None:
            state["hint"] = self.hint
        kwargs = {"method": self.method, "url": self.url}
        return (rebuild_error, (type(self), self.message, kwargs), state or None)


class APITimeoutError(APIConnectionError):
    """The request timed out (connect, read, write or waiting for a pooled connection), or
    the call's ``total_timeout`` ran out."""

    def _default_hint(self) -> str:
        return (
            "Pass a larger timeout= to the call or the client; "
            "timeouts are retried as often as max_retries allows"
        )


class ResponseValidationError(RailwailError):
    """The gateway answered 2xx with a body that is not what the API promises.

    Attributes:
        body: The raw body (decoded JSON or text) so that nothing the gateway sent is lost;
            ``None`` when there was none (an empty answer, or a failure not about a body).
        request_id: The gateway's request id, when it sent one.
    """

    def __init__(self, message: str, *, body: object = None, request_id: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.body = body
        self.request_id = request_id

    def __str__(self) -> str:
        rid = f" (request_id={self.request_id})" if self.request_id else ""
        kept = ". The raw answer is kept in .body" if self.body is not None else ""
        return f"{self.message}{rid}{kept}"

    def __reduce__(self) -> tuple[Any, ...]:
        kwargs = {"body": self.body, "request_id": self.request_id}
        return (rebuild_error, (type(self), self.message, kwargs), self._state())


class UnsupportedModelError(RailwailError, ValueError):
    """The model exists but its category (e.g. video, audio) cannot be run by this SDK yet."""


class MissingAPIKeyError(RailwailError, ValueError):
    """No API key: none passed as ``api_key=``, none in ``RAILWAIL_API_KEY``, none stored by
    ``railwail auth login``, or the one found is empty. A ``ValueError`` too, as it was before
    it had a class of its own; the message names every place that was looked at."""
