"""The parts of ``run()`` both twins share: the checks made before any request
(``plan_run``), the per-client category cache, and the input conversions per route."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ._allowed import Route
from ._exceptions import UnsupportedModelError
from ._requests import check_model
from ._routing import CATEGORY_ROUTES, check_options, check_type, route_from_slug

if TYPE_CHECKING:
    import asyncio

_UNKNOWN = "unknown"


class RouteCache:
    """Model slug -> catalogue category, filled by ``GET /models/{slug}`` once per client.

    The locks make concurrent first calls for one slug do a single lookup: the thread lock for
    ``Railwail``, an asyncio lock (made on first use, in the running loop) for ``AsyncRailwail``.
    """

    def __init__(self) -> None:
        self._categories: dict[str, str] = {}
        self._lock = threading.Lock()
        self._async_lock: asyncio.Lock | None = None

    def lock(self) -> threading.Lock:
        return self._lock

    def async_lock(self) -> asyncio.Lock:
        if self._async_lock is None:
            import asyncio

            self._async_lock = asyncio.Lock()
        return self._async_lock

    def get(self, model: str) -> str | None:
        return self._categories.get(model)

    def store(self, model: str, category: str | None) -> str:
        value = category or _UNKNOWN
        self._categories[model] = value
        return value

    def __len__(self) -> int:
        return len(self._categories)


def plan_run(
    model: object, input: object, type_: object, options: dict[str, object], cache: RouteCache
) -> Route | None:
    """Checks a ``run()`` call before anything is sent. Returns its route when ``type=``, the
    slug or the client's category cache decides it, with the options checked against it;
    ``None`` when only the catalogue can tell (``GET /models/{slug}``).

    Raises:
        TypeError: An unknown option, one of another route, or an input of the wrong type.
        ValueError: An empty model or input, or an unknown ``type``.
        UnsupportedModelError: The cached category is one no route serves.
    """
    route = check_type(type_)
    check_options(options, route)
    slug = check_model(model)
    check_run_input(input)
    if route is None:
        route, category = route_or_lookup(slug, cache)
        if route is None and category is not None:
            raise unsupported(slug, category)
        if route is not None:
            check_options(options, route)
    return route


def route_or_lookup(model: str, cache: RouteCache) -> tuple[Route | None, str | None]:
    """(route, category): the route when the slug or a cached category decides it; else the
    cached category that no route serves, or ``(None, None)`` when a lookup is needed."""
    route = route_from_slug(model)
    if route is not None:
        return route, None
    category = cache.get(model)
    if category is None:
        return None, None
    return CATEGORY_ROUTES.get(category), category


def unsupported(model: str, category: str | None) -> UnsupportedModelError:
    if category in (None, _UNKNOWN):
        return UnsupportedModelError(
            f"The catalogue gives no category for {model!r}, so run() cannot tell how to call "
            "it; pass type='image', 'chat' or 'embed', or call image()/chat()/embed()"
        )
    article = "an" if category[:1] in ("a", "e", "i", "o", "u") else "a"
    return UnsupportedModelError(
        f"{model!r} is {article} {category} model, and this SDK cannot run {category} models yet "
        "(run() handles image, text and embedding models)"
    )


def check_run_input(value: object) -> None:
    if isinstance(value, str):
        if not value.strip():
            raise ValueError("input must be a non-empty prompt string, message list or text list")
        return
    if isinstance(value, Sequence) and not isinstance(value, bytes):
        if not value:
            raise ValueError("input must not be an empty list")
        return
    raise TypeError(
        "input must be a prompt string, a list of chat messages or a list of strings to embed; "
        f"got {type(value).__name__}"
    )


def chat_messages(value: object) -> Sequence[Mapping[str, Any]]:
    if isinstance(value, str):
        return [{"role": "user", "content": value}]
    if isinstance(value, Sequence) and all(isinstance(m, Mapping) for m in value):
        return value
    raise TypeError(
        "run() input for a chat model must be a prompt string or a list of "
        "{'role': ..., 'content': ...} messages"
    )


def image_prompt(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(
            f"run() input for an image model must be a prompt string; got {type(value).__name__}"
        )
    return value
