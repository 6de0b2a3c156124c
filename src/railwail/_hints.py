"""What an error adds to say what to do: the catalogue slugs closest to a model the gateway
does not know ("did you mean flux-schnell?"), and a 404 that is not the gateway's own (a
``base_url`` without ``/api/v1``). Pure: the clients fetch the catalogue, once per client."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import unquote

import httpx

from ._constants import DEFAULT_BASE_URL

if TYPE_CHECKING:
    import asyncio

    from ._requests import RequestSpec

# The catalogue lookup behind a suggestion is bounded: one short try per page, no retries, a
# few pages at most. A lookup that fails gives no suggestion; the original error stands.
SUGGEST_TIMEOUT = httpx.Timeout(3.0)
SUGGEST_PAGE_SIZE = 100
SUGGEST_MAX_PAGES = 3
MAX_SUGGESTIONS = 3
# difflib's similarity from 0 to 1: "flux-schnel" -> "flux-schnell" is 0.96, "gtp-4o" ->
# "gpt-4o" 0.83, while "flux-dev" (0.63), only of the same family, is not what was meant.
SUGGEST_CUTOFF = 0.75


class SlugCache:
    """The catalogue's slugs, fetched at most once per client (and the clients
    ``with_options`` made from it) for suggestions; ``()`` once a lookup failed."""

    def __init__(self) -> None:
        self.slugs: tuple[str, ...] | None = None
        self._lock = threading.Lock()
        self._async_lock: asyncio.Lock | None = None

    def lock(self) -> threading.Lock:
        return self._lock

    def async_lock(self) -> asyncio.Lock:
        if self._async_lock is None:
            import asyncio

            self._async_lock = asyncio.Lock()
        return self._async_lock


def is_gateway_error(body: object) -> bool:
    """Whether an error body is the gateway's envelope, ``{"error": {"message": ...}}``."""
    return isinstance(body, dict) and isinstance(body.get("error"), dict)


def requested_model(spec: RequestSpec) -> str | None:
    """The model slug a request names: the body's ``model``, or ``/models/{slug}``'s."""
    if spec.json is not None:
        model = spec.json.get("model")
        return model if isinstance(model, str) else None
    if spec.path.startswith("/models/"):
        return unquote(spec.path[len("/models/") :]) or None
    return None


def suggest(slug: str, slugs: Iterable[str]) -> list[str]:
    """The catalogue slugs closest to ``slug``, best first (at most three)."""
    import difflib  # only on this error path

    known = {s.lower(): s for s in slugs}
    wanted = slug.strip().lower()
    matches = difflib.get_close_matches(wanted, list(known), MAX_SUGGESTIONS, SUGGEST_CUTOFF)
    return [known[match] for match in matches]


def has_api_version(base_url: str) -> bool:
    """Whether ``base_url``'s path ends with an API version (``/v1``, ``/api/v1``...): the
    gateway's routes live below it, so a 404 under a ``base_url`` without one is the path's."""
    last = httpx.URL(base_url).path.rstrip("/").rpartition("/")[2]
    return last[:1] == "v" and last[1:].isdigit()


def base_url_hint(base_url: str) -> str:
    """For a 404 that is the path's fault, not the model's: no gateway error body, or a
    ``base_url`` without its ``/api/v1``."""
    return (
        f"The server at base_url {base_url!r} has no such path, so base_url is likely wrong: "
        f"it should end with /api/v1 (e.g. {DEFAULT_BASE_URL!r})"
    )
