"""The parts of ``run()`` both twins share: the checks made before any request
(``plan_run``), the per-client category cache, and the input conversions per route."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ._allowed import Route
from ._call_options import check_total_timeout
from ._exceptions import UnsupportedModelError
from ._requests import check_model
from ._routing import CATEGORY_ROUTES, check_options, check_type, route_from_slug
from ._utils import NOT_GIVEN, given

if TYPE_CHECKING:
    import asyncio

_UNKNOWN = "unknown"


class RouteCache:
    """Model slug -> catalogue category, filled by ``GET /models/{slug}`` once per client (and
    the clients ``with_options`` makes from it).

    One lock per slug makes concurrent first calls for that slug do a single lookup, while a
    slow lookup holds up no ``run()`` on another slug: thread locks for ``Railwail``, asyncio
    locks (made on first use) for ``AsyncRailwail``.
    """

    def __init__(self) -> None:
        self._categories: dict[str, str] = {}
        self._guard = threading.Lock()  # held only to find or make a slug's lock
        self._locks: dict[str, threading.Lock] = {}
        self._async_locks: dict[str, asyncio.Lock] = {}

    def lock(self, model: str) -> threading.Lock:
        with self._guard:
            lock = self._locks.get(model)
            if lock is None:
                lock = self._locks[model] = threading.Lock()
            return lock

    def async_lock(self, model: str) -> asyncio.Lock:
        with self._guard:
            lock = self._async_locks.get(model)
            if lock is None:
                import asyncio

                lock = self._async_locks[model] = asyncio.Lock()
            return lock

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


def run_total_timeout(options: Mapping[str, object], default: float | None) -> float | None:
    """The total_timeout of a ``run()`` call: its own option when given, else the client's."""
    value = options.get("total_timeout", NOT_GIVEN)
    return check_total_timeout(value) if given(value) else default
