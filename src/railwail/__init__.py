"""railwail: the Python client for the railwail model gateway.

    from railwail import railwail

    rw = railwail()                       # reads RAILWAIL_API_KEY
    images = rw.run("flux-schnell", "A cat in space")
    images[0].save("cat.png")

Importing this package creates no client and does no I/O. The response types (``Image``,
``ChatResponse``, ...) load on first use, so ``import railwail`` stays close to the cost of
importing httpx itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import httpx

from ._async_client import AsyncRailwail
from ._batch_errors import BatchAbortedError, BudgetExceededError
from ._client import Railwail
from ._config import InsecureBaseURLWarning
from ._constants import DEFAULT_MAX_DOWNLOAD_BYTES as _DEFAULT_MAX_DOWNLOAD_BYTES
from ._constants import DEFAULT_MAX_RESPONSE_BYTES as _DEFAULT_MAX_RESPONSE_BYTES
from ._constants import DEFAULT_MAX_RETRIES as _DEFAULT_MAX_RETRIES
from ._exceptions import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    InsufficientCreditsError,
    MissingAPIKeyError,
    NotFoundError,
    PermissionDeniedError,
    RailwailError,
    RateLimitError,
    ResponseValidationError,
    ServerError,
    UnprocessableEntityError,
    UnsupportedModelError,
)
from ._utils import NOT_GIVEN, NotGiven
from ._version import __version__

if TYPE_CHECKING:
    from .types import (
        AsyncChatStream,
        BatchItemResult,
        BatchResult,
        ChatChunk,
        ChatMessage,
        ChatResponse,
        ChatStream,
        EmbeddingResponse,
        Image,
        ImageList,
        ImageResponse,
        Model,
        RateLimit,
    )

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AsyncChatStream",
    "AsyncRailwail",
    "AuthenticationError",
    "BadRequestError",
    "BatchAbortedError",
    "BatchItemResult",
    "BatchResult",
    "BudgetExceededError",
    "ChatChunk",
    "ChatMessage",
    "ChatResponse",
    "ChatStream",
    "EmbeddingResponse",
    "Image",
    "ImageList",
    "ImageResponse",
    "InsecureBaseURLWarning",
    "InsufficientCreditsError",
    "MissingAPIKeyError",
    "Model",
    "NOT_GIVEN",
    "NotFoundError",
    "NotGiven",
    "PermissionDeniedError",
    "Railwail",
    "RailwailError",
    "RateLimit",
    "RateLimitError",
    "ResponseValidationError",
    "ServerError",
    "UnprocessableEntityError",
    "UnsupportedModelError",
    "__version__",
    "railwail",
]

_LAZY_TYPES = frozenset(
    {
        "AsyncChatStream",
        "BatchItemResult",
        "BatchResult",
        "ChatChunk",
        "ChatMessage",
        "ChatResponse",
        "ChatStream",
        "EmbeddingResponse",
        "Image",
        "ImageList",
        "ImageResponse",
        "Model",
        "RateLimit",
    }
)


# Public names report this module as theirs (as httpx does): tracebacks and reprs say
# railwail.NotFoundError, not railwail._exceptions.NotFoundError. The response types report
# railwail.types (see there).
for _name in __all__:
    _value = globals().get(_name)
    if isinstance(_value, type):
        _value.__module__ = __name__
del _name, _value


def __dir__() -> list[str]:
    """The public API, the lazily loaded types included (not the modules this one imports)."""
    loaded = {"testing"} & set(globals())  # once `import railwail.testing` has run
    return sorted({*__all__, "types", *loaded})


def __getattr__(name: str) -> Any:
    # The response types pull in pydantic's model machinery: loaded on first use, by an import
    # inside this function (docs/architecture.md).
    if name == "types":  # the submodule, imported on first use like the types in it
        import importlib

        return importlib.import_module(f"{__name__}.types")
    if name in _LAZY_TYPES:
        from . import types

        value = getattr(types, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'railwail' has no attribute {name!r}")


def railwail(
    api_key: str | None = None,
    *,
    base_url: str | None = None,
    timeout: float | httpx.Timeout | NotGiven = NOT_GIVEN,
    max_retries: int = _DEFAULT_MAX_RETRIES,
    default_headers: Mapping[str, str] | None = None,
    http_client: httpx.Client | None = None,
    max_download_bytes: int = _DEFAULT_MAX_DOWNLOAD_BYTES,
    max_response_bytes: int = _DEFAULT_MAX_RESPONSE_BYTES,
    total_timeout: float | None = None,
) -> Railwail:
    """Creates a ``Railwail`` client: ``rw = railwail("rw_live_...")``.

    With no ``api_key``, ``RAILWAIL_API_KEY`` is used, then the key ``railwail auth login``
    stored. The options are those of [`Railwail`][railwail.Railwail].

    Returns:
        A new ``Railwail``; close it when done (``rw.close()``, or ``with railwail() as rw:``).
    """
    return Railwail(
        api_key,
        base_url=base_url,
        timeout=timeout,
        max_retries=max_retries,
        default_headers=default_headers,
        http_client=http_client,
        max_download_bytes=max_download_bytes,
        max_response_bytes=max_response_bytes,
        total_timeout=total_timeout,
    )
