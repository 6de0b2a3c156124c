"""``client.models``: the model catalogue, paged lazily.

``_async_resources.py`` is the source; ``_resources.py`` is generated from it (``make unasync``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any

import httpx

from ._allowed import ModelCategory
from ._requests import CallOptions, call_options, get_model_request, list_models_params
from ._requests import list_models_request as _page_request
from ._utils import NOT_GIVEN, NotGiven

if TYPE_CHECKING:
    from ._async_client import AsyncRailwail
    from ._models import Model


class AsyncModels:
    """The gateway's model catalogue (``rw.models``)."""

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
        total_timeout: float | NotGiven | None = NOT_GIVEN,
    ) -> AsyncIterator[Model]:
        """Iterates every model matching the filters (``async for model in ...``), one request
        per page, lazily: nothing is sent before the first model is asked for.

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
            An iterator of ``Model``, across as many pages as there are.

        Raises:
            ValueError: A filter is out of range, at once.
            TypeError: A filter has the wrong type, at once.
            APIError: The gateway refused a page, when that page is reached.
            APIConnectionError: No answer for a page, after the retries ``max_retries`` allows.
        """
        params = list_models_params(category, provider, featured, page_size)
        options = call_options(timeout, extra_headers, extra_query, total_timeout=total_timeout)
        return self._pages(params, options)

    async def _pages(self, params: dict[str, Any], options: CallOptions) -> AsyncIterator[Model]:
        from ._models import ModelPage

        parse = self._client._parser(ModelPage)
        offset = 0
        while True:
            page = await self._client._request(_page_request(params, offset, options), parse)
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
