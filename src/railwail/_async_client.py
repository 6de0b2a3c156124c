"""``AsyncRailwail``, the client for the railwail gateway: the endpoint methods of
``AsyncEndpoints`` (``_async_endpoints.py``), and the methods built on them: ``run()``, which
routes any model to its endpoint, and ``image_batch()``.

``_async_client.py`` is the source; ``_client.py`` is generated from it (``make unasync``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, Unpack, overload

from ._allowed import ImageQuality, ImageResponseFormat, ImageStyle, Route, RunType
from ._async_endpoints import AsyncEndpoints
from ._call_options import Timeout
from ._deadline import CallScope
from ._requests import Messages
from ._routing import check_options
from ._run import (
    chat_messages,
    image_prompt,
    plan_run,
    route_or_lookup,
    run_total_timeout,
    unsupported,
)
from ._utils import NOT_GIVEN

if TYPE_CHECKING:
    from ._batch_result import BatchItemResult, BatchResult
    from ._image_response import ImageList
    from ._options import ChatOptions, EmbedOptions, ImageOptions, RunOptions


class AsyncRailwail(AsyncEndpoints):
    """Client for the railwail gateway. Create one and reuse it: it is safe to share
    across tasks. Close it when done: ``async with AsyncRailwail() as rw:`` or
    ``await rw.aclose()``.

    Args:
        api_key: Your key (``rw_live_...``). Defaults to ``RAILWAIL_API_KEY``, then the key
            ``railwail auth login`` stored.
        base_url: Defaults to ``RAILWAIL_BASE_URL``, then ``https://railwail.com/api/v1``.
        timeout: Seconds, or an ``httpx.Timeout``, for each attempt of every call
            (default: 5 s to connect, 300 s to read; with ``http_client=``, the timeout set
            on that client, unless this is given).
        max_retries: Retries after a connection error, timeout, 408, 409, 429, 500, 502, 503
            or 504 (default 2).
        default_headers: Headers sent with every request.
        http_client: Your own ``httpx.AsyncClient`` (proxies, CA bundles, transports). You
            close it.
        max_download_bytes: The largest image ``await image.aread()`` downloads (default 50 MiB).
        max_response_bytes: The largest API answer read, counted after decompression
            (default 64 MiB).
        total_timeout: Seconds for each call as a whole: every attempt and retry wait (default
            ``None``: no overall limit; each attempt is still bounded by ``timeout``).

    Raises:
        MissingAPIKeyError: No API key anywhere, or an empty one (also a ``ValueError``).
        ValueError: An option out of range.
        TypeError: An option of the wrong type.
    """

    @overload
    async def run(
        self,
        model: str,
        input: str,
        *,
        type: Literal["image"],
        **options: Unpack[ImageOptions],
    ) -> ImageList: ...
    @overload
    async def run(
        self,
        model: str,
        input: str | Messages,
        *,
        type: Literal["chat", "text"],
        **options: Unpack[ChatOptions],
    ) -> str: ...
    @overload
    async def run(
        self,
        model: str,
        input: str | Sequence[str],
        *,
        type: Literal["embed", "embedding"],
        **options: Unpack[EmbedOptions],
    ) -> list[list[float]]: ...
    @overload
    async def run(
        self,
        model: str,
        input: str | Messages | Sequence[str],
        *,
        type: None = None,
        **options: Unpack[RunOptions],
    ) -> Any: ...
    async def run(
        self,
        model: str,
        input: str | Messages | Sequence[str],
        *,
        type: RunType | None = None,
        **options: Any,
    ) -> Any:
        """Runs any model and returns the plain result.

        The route comes from ``type=`` when given, else from the slug's family (flux,
        dall-e, sd-, gpt, claude, ...embedding...), else from the catalogue's category
        (``GET /models/{slug}``, asked once per client).

        With a ``total_timeout`` (the call's or the client's), it bounds the whole run: the
        catalogue lookup, the request, and for an image model the download of the images,
        which ``run()`` then makes before returning (without one, images download when read).

        Args:
            model: Any model slug.
            input: A prompt string; for chat models also a list of messages, for embedding
                models also a list of strings.
            type: ``"image"``, ``"chat"`` or ``"embed"`` to skip the routing (the
                catalogue's category names ``"text"`` and ``"embedding"`` work too).
            **options: Those of ``image()``, ``chat()`` (but not ``stream``) or ``embed()``,
                by route, and ``total_timeout``; typed, so a type checker refuses a misspelled
                one.

        Returns:
            For an image model an ``ImageList`` (a ``list[Image]`` that can ``save_all()``);
            for chat ``str`` (the first choice's content); for embeddings
            ``list[list[float]]``.

        Raises:
            TypeError: An option the route does not take, or an input of the wrong type.
            ValueError: An argument is out of range, before anything is sent.
            UnsupportedModelError: The catalogue's category is one ``run()`` cannot call.
            APIError: The gateway refused (one subclass per status, e.g. ``RateLimitError``).
            APIConnectionError: No answer, after the retries ``max_retries`` allows.
        """
        route = plan_run(model, input, type, options, self._state.routes)
        total = run_total_timeout(options, self._config.total_timeout)
        # One budget for the whole run: the lookup, the request and, for images, the download.
        with CallScope(total):
            if route is None:
                route = await self._look_up_route(model)
                check_options(options, route)
            if route == "image":
                images = await self.image(model, image_prompt(input), **options)
                if total is not None:
                    for image in images.images:
                        await image.aread()
                return images.images
            if route == "chat":
                reply = await self.chat(model, chat_messages(input), **options)
                return reply.text
            embeddings = await self.embed(model, input, **options)  # type: ignore[arg-type]  # checked by embed()
            return embeddings.vectors

    async def image_batch(
        self,
        model: str,
        prompts: Iterable[str | Mapping[str, Any]],
        *,
        out_dir: str | os.PathLike[str],
        concurrency: int = 4,
        max_credits: float | None = None,
        progress: bool = False,
        on_item: Callable[[BatchItemResult], object] | None = None,
        n: int | None = None,
        size: str | None = None,
        quality: ImageQuality | None = None,
        style: ImageStyle | None = None,
        negative_prompt: str | None = None,
        response_format: ImageResponseFormat | None = None,
        timeout: Timeout = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> BatchResult:
        """Generates an image (or ``n``) per prompt into ``out_dir``, within the gateway's rate
        limit, resumably, and never asking twice for an image it already has (the docs' guide
        "Bulk generation" has the details).

        Every item is checked before any image is requested. Launches are paced by the
        ``X-RateLimit-*`` headers; a 429 is waited out and its item sent again; other
        failures are retried as ``max_retries`` allows, then recorded, and the batch goes
        on. Finished items are recorded in ``out_dir/railwail-batch.jsonl``: the same batch
        run into the same ``out_dir`` again skips them, and sends the rest with the same
        idempotency keys. Stopped by Ctrl-C (or a cancelled task), it launches nothing more,
        gives the items in flight up to 5 s to finish and be recorded, and lets the
        interruption through.

        Args:
            model: An image model slug, e.g. ``"flux-schnell"``.
            prompts: Prompt strings, or dicts with a ``"prompt"`` and any of ``"name"`` (the
                file name), ``"n"``, ``"size"``, ``"quality"``, ``"style"``,
                ``"negative_prompt"``, ``"response_format"``; other keys are sent as extra
                body fields of that item.
            out_dir: The directory for the images and the manifest (created if missing).
                Images are named ``00000-a-red-fox-in-the-snow.png`` (the item's index and
                the first words of its prompt), or after the item's ``"name"``.
            concurrency: Requests in flight at most, 1-100 (default 4).
            max_credits: Refuse to start if the images still to make would cost more, by
                the catalogue's ``pricing.credit_cost_fixed``.
            progress: Show a progress bar (tqdm: on stderr in a terminal, a widget in
                Jupyter).
            on_item: Called with each item's ``BatchItemResult`` once final in this run
                (skipped items first). If it raises, the batch stops with
                ``BatchAbortedError``.
            n: Images per item, 1-4.
            size: ``"WIDTHxHEIGHT"``.
            quality: ``"standard"`` or ``"hd"``.
            style: ``"vivid"`` or ``"natural"``.
            negative_prompt: What to leave out of every image.
            response_format: ``"url"`` or ``"b64_json"``.
            timeout: Overrides the client's timeout for each request.
            extra_headers: Extra headers for every request.
            extra_query: Extra query parameters for every request.
            extra_body: Extra JSON fields for every request (an item's own fields win).

        Returns:
            The ``BatchResult``: each item's status (done, skipped, failed, pending), files,
            request id, revised prompt or error; the totals and the credits spent.

        Raises:
            ValueError: An argument or an item is out of range (naming the item's index and
                field), before any image is requested.
            TypeError: An argument or an item has the wrong type, before any image is
                requested.
            BudgetExceededError: Over ``max_credits``, before any image is requested.
            NotFoundError: The model is not in the catalogue, before any image is requested.
            BatchAbortedError: The gateway refused the key (401), its permissions (403) or
                its credits (402), an image could not be saved, or ``on_item`` raised: the
                items in flight were let finish and recorded; ``.result`` has the items so
                far, ``.cause`` the error.
            RailwailError: Another run is writing to ``out_dir``.
        """
        from ._async_batch import run_batch

        options = {
            "n": n,
            "size": size,
            "quality": quality,
            "style": style,
            "negative_prompt": negative_prompt,
            "response_format": response_format,
            "timeout": timeout,
            "extra_headers": extra_headers,
            "extra_query": extra_query,
            "extra_body": extra_body,
        }
        return await run_batch(
            self,
            model,
            prompts,
            out_dir=out_dir,
            concurrency=concurrency,
            max_credits=max_credits,
            progress=progress,
            on_item=on_item,
            options=options,
        )

    async def _look_up_route(self, model: str) -> Route:
        # The catalogue's category, asked once per client: concurrent first calls for one
        # slug wait for a single lookup (calls for other slugs do not wait for it).
        cache = self._state.routes
        async with cache.async_lock(model):
            route, category = route_or_lookup(model, cache)
            if route is None and category is None:
                found = await self.models.get(model)
                category = cache.store(model, found.category)
                route, category = route_or_lookup(model, cache)
        if route is None:
            raise unsupported(model, category)
        return route
