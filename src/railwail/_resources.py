"""``client.models``: the model catalogue, paged lazily, for both clients."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import httpx

from . import _lazy
from ._allowed import ModelCategory
from ._requests import CallOptions, call_options, get_model_request, list_models_params
from ._requests import list_models_request as _page_request
from ._utils import NOT_GIVEN, NotGiven

if TYPE_CHECKING:
    from ._async_client import AsyncRailwail
    from ._client import Railwail
    from ._models import Model


class Models:
    """The gateway's model catalogue (``rw.models``)."""

    def __init__(self, client: Railwail) -> None:
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
    ) -> Iterator[Model]:
        """Iterates every model matching the filters, one request per page, lazily.

        Args:
            category: Only models of this category.
            provider: Only models of this provider (e.g. ``"openai"``).
            featured: Only featured (``True``) or only other (``False``) models.
            page_size: Models per request (1-100).
        """
        params = list_models_params(category, provider, featured, page_size)
        options = call_options(timeout, extra_headers, extra_query)
        return self._pages(params, options)

    def _pages(self, params: dict[str, Any], options: CallOptions) -> Iterator[Model]:
        offset = 0
        while True:
            page = self._client._request(
                _page_request(params, offset, options), self._client._parser(_lazy.model_page())
            )
            yield from page.data
            if not page.has_more or not page.data:
                return
            offset += len(page.data)

    def get(
        self,
        slug: str,
        *,
        timeout: float | httpx.Timeout | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
    ) -> Model:
        """One model by its slug (e.g. ``"flux-schnell"``); ``NotFoundError`` if unknown."""
        spec = get_model_request(slug, call_options(timeout, extra_headers, extra_query))
        return self._client._request(spec, self._client._parser(_lazy.model()))


class AsyncModels:
    """Async twin of :class:`Models` (``async for m in rw.models.list()``)."""

    def __init__(self, client: AsyncRailwail) -> None:
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
    ) -> AsyncIterator[Model]:
        """Async twin of :meth:`Models.list`."""
        params = list_models_params(category, provider, featured, page_size)
        options = call_options(timeout, extra_headers, extra_query)
        return self._pages(params, options)

    async def _pages(self, params: dict[str, Any], options: CallOptions) -> AsyncIterator[Model]:
        offset = 0
        while True:
            page = await self._client._request(
                _page_request(params, offset, options), self._client._parser(_lazy.model_page())
            )
            for model in page.data:
                yield model
            if not page.has_more or not page.data:
                return
            offset += len(page.data)

    async def get(
        self,
        slug: str,
        *,
        timeout: float | httpx.Timeout | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
    ) -> Model:
        """Async twin of :meth:`Models.get`."""
        spec = get_model_request(slug, call_options(timeout, extra_headers, extra_query))
        return await self._client._request(spec, self._client._parser(_lazy.model()))
