"""``client.models``: the model catalogue, paged lazily.

``_async_resources.py`` is the source; ``_resources.py`` is generated from it (``make unasync``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any

import httpx

from ._allowed import ModelCategory
from ._async_api_client import AsyncAPIClient
from ._call_options import CallOptions, call_options
from ._exceptions import NotFoundError
from ._hints import (
    SUGGEST_MAX_PAGES,
    SUGGEST_PAGE_SIZE,
    SUGGEST_TIMEOUT,
    base_url_hint,
    has_api_version,
    is_gateway_error,
    requested_model,
    suggest,
)
from ._logging import logger
from ._requests import RequestSpec, get_model_request, list_models_params
from ._requests import list_models_request as _page_request
from ._utils import NOT_GIVEN, NotGiven

if TYPE_CHECKING:
    from ._async_endpoints import AsyncEndpoints
    from ._models import Model


class AsyncModelPager:
    """The models ``rw.models.list()`` matches: ``async for model in pager``. Pages are
    fetched lazily, one request per ``page_size`` models, as the loop reaches them; each loop
    walks the catalogue from its first page.

    Attributes:
        pages_fetched: How many pages (requests) all loops over it have fetched so far.
    """

    def __init__(
        self,
        client: AsyncEndpoints,
        params: dict[str, Any],
        options: CallOptions,
        filters: Mapping[str, object],
        page_size: int,
    ) -> None:
        self._client = client
        self._params = params
        self._options = options
        self._filters = filters
        self._page_size = page_size
        self.pages_fetched = 0

    def __aiter__(self) -> AsyncIterator[Model]:
        return self._pages()

    async def _pages(self) -> AsyncIterator[Model]:
        from ._models import ModelPage

        parse = self._client._parser(ModelPage)
        offset = 0
        while True:
            spec = _page_request(self._params, offset, self._options)
            page = await self._client._request(spec, parse)
            self.pages_fetched += 1
            for model in page.data:
                yield model
            if not page.has_more or not page.data:
                return
            offset += len(page.data)

    def __repr__(self) -> str:
        given = [f"{name}={value!r}" for name, value in self._filters.items() if value is not None]
        arguments = ", ".join([*given, f"page_size={self._page_size}"])
        return (
            f"<{type(self).__name__} {arguments}: {self.pages_fetched} page(s) fetched so far; "
            "iterate it (async for model in ...) for the models>"
        )


class AsyncModels:
    """The gateway's model catalogue (``rw.models``)."""

    def __init__(self, client: AsyncEndpoints) -> None:
        self._client = client

    def list(
        self,
        category: ModelCategory | None = None,
        provider: str | None = None,
        featured: bool | None = None,
        page_size: int = 50,
        *,
        timeout: float | httpx.Timeout | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        total_timeout: float | NotGiven | None = NOT_GIVEN,
    ) -> AsyncModelPager:
        """Every model matching the filters, as a pager to iterate (``async for model in
        rw.models.list()``), one request per page, lazily: nothing is sent before the first
        model is asked for, and no further page once the loop stops.

        Args:
            category: Only models of this category (text, image, embedding, video, audio).
            provider: Only models of this provider (e.g. ``"openai"``).
            featured: Only featured (``True``) or only other (``False``) models.
            page_size: Models per request (1-100).
            timeout: Overrides the client's timeout for each page's request.
            extra_headers: Extra headers for each page's request.
            extra_query: Extra query parameters for each page's request.
            total_timeout: Seconds for each page's request as a whole (attempts and retry
                waits), or ``None`` for no limit; overrides the client's.

        Returns:
            A pager (``AsyncModelPager``) of ``Model``, across as many pages as there are. Each
            ``async for`` over it walks the catalogue from the first page again.

        Raises:
            ValueError: A filter is out of range, at once.
            TypeError: A filter has the wrong type, at once.
            APIError: The gateway refused a page, when that page is reached.
            APIConnectionError: No answer for a page, after the retries ``max_retries`` allows.
        """
        params = list_models_params(category, provider, featured, page_size)
        options = call_options(timeout, extra_headers, extra_query, total_timeout=total_timeout)
        filters = {"category": category, "provider": provider, "featured": featured}
        return AsyncModelPager(self._client, params, options, filters, page_size)

    async def get(
        self,
        slug: str,
        *,
        timeout: float | httpx.Timeout | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        total_timeout: float | NotGiven | None = NOT_GIVEN,
    ) -> Model:
        """One model by its slug (``GET /models/{slug}``).

        Args:
            slug: The model's slug, e.g. ``"flux-schnell"``.
            timeout: Overrides the client's timeout for this call.
            extra_headers: Extra headers for this call.
            extra_query: Extra query parameters.
            total_timeout: Seconds for the whole call (attempts and retry waits), or ``None``
                for no limit; overrides the client's.

        Returns:
            The ``Model``.

        Raises:
            NotFoundError: The catalogue has no such model.
            APIError: The gateway refused otherwise.
            APIConnectionError: No answer, after the retries ``max_retries`` allows.
        """
        options = call_options(timeout, extra_headers, extra_query, total_timeout=total_timeout)
        spec = get_model_request(slug, options)
        from ._models import Model

        return await self._client._request(spec, self._client._parser(Model))

    async def _explain_not_found(self, exc: NotFoundError, spec: RequestSpec) -> None:
        """Adds what to do to a 404: check ``base_url`` when the answer is not the gateway's
        own (or is, but for a path under a ``base_url`` without its API version), else the
        catalogue's closest slugs to a model it does not know."""
        base_url = self._client.base_url
        if not is_gateway_error(exc.body) or (
            exc.code != "model_not_found" and not has_api_version(base_url)
        ):
            exc.hint = base_url_hint(base_url)
            return
        slug = requested_model(spec)
        if exc.code != "model_not_found" or slug is None:
            return
        cache = self._client._state.slugs
        if cache.slugs is None:
            async with cache.async_lock():
                if cache.slugs is None:
                    cache.slugs = await self._catalogue_slugs()
        exc.suggestions = suggest(slug, cache.slugs)

    async def _catalogue_slugs(self) -> tuple[str, ...]:
        # Bounded and best effort: a short timeout, no retries, a few pages. If the catalogue
        # cannot be read, the error goes without a suggestion (and no second lookup is made).
        from ._models import ModelPage

        # The I/O layer's _request, not the client's: this lookup explains no 404 of its own.
        quick = self._client.with_options(timeout=SUGGEST_TIMEOUT, max_retries=0)
        options = call_options()
        params = list_models_params(None, None, None, SUGGEST_PAGE_SIZE)
        slugs: list[str] = []
        try:
            for page_number in range(SUGGEST_MAX_PAGES):
                spec = _page_request(params, len(slugs), options)
                page = await AsyncAPIClient._request(quick, spec, quick._parser(ModelPage))
                slugs.extend(model.slug or model.id for model in page.data)
                if not page.has_more or not page.data:
                    break
                logger.debug("model suggestions: catalogue page %d read", page_number + 1)
        except Exception as lookup_error:  # the 404 the caller gets matters, not this
            logger.debug("model suggestions: the catalogue could not be read: %r", lookup_error)
        return tuple(slugs)
