"""How an image batch runs its items side by side: ``AsyncRunner`` with asyncio tasks for
``AsyncRailwail``, ``Runner`` with threads for ``Railwail``. The driver (``_async_batch``,
and ``_batch`` generated from it) is written once against these few methods.

``Runner`` starts a daemon thread per item rather than using a ``ThreadPoolExecutor``: the
executor's threads are joined when the interpreter exits, so after a Ctrl-C a script would
hang until the generations in flight (minutes, for some models) had ended. A daemon thread
still running when the batch stops finds the manifest closed and writes nothing.
"""

from __future__ import annotations

import concurrent.futures
import threading
import time
from collections.abc import Awaitable, Callable, Collection
from typing import Any, Protocol, TypeVar, cast

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class Handle(Protocol[T_co]):
    """An item running: an asyncio task, or a future its thread completes."""

    def result(self) -> T_co: ...


class AsyncRunner:
    """Items as asyncio tasks of the running event loop."""

    def start(self, fn: Callable[..., Awaitable[T]], *args: Any) -> Handle[T]:
        import asyncio

        return asyncio.ensure_future(fn(*args))

    async def wait(self, handles: Collection[Handle[T]], timeout: float | None) -> set[Handle[T]]:
        """The handles done once one is, or ``timeout`` seconds have passed."""
        import asyncio

        if not handles:
            await asyncio.sleep(timeout or 0.0)
            return set()
        done, _ = await asyncio.wait(
            cast("Collection[asyncio.Future[T]]", handles),
            timeout=timeout,
            return_when=asyncio.FIRST_COMPLETED,
        )
        return cast("set[Handle[T]]", done)

    async def wait_all(self, handles: Collection[Handle[T]], timeout: float) -> set[Handle[T]]:
        """The handles done once all are, or ``timeout`` seconds have passed."""
        import asyncio

        if not handles:
            return set()
        done, _ = await asyncio.wait(
            cast("Collection[asyncio.Future[T]]", handles), timeout=timeout
        )
        return cast("set[Handle[T]]", done)

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` in a worker thread: file I/O that must not block the event loop."""
        import asyncio

        return await asyncio.to_thread(fn, *args)

    async def cancel(self, handles: Collection[Handle[Any]]) -> None:
        """Cancels the tasks still running and waits for them to end."""
        import asyncio

        tasks = cast("Collection[asyncio.Future[Any]]", handles)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


class Runner:
    """Items in threads of their own; ``Railwail`` is safe to share across threads."""

    def start(self, fn: Callable[..., T], *args: Any) -> Handle[T]:
        future: concurrent.futures.Future[T] = concurrent.futures.Future()

        def run() -> None:
            if not future.set_running_or_notify_cancel():
                return  # pragma: no cover - nothing cancels a future before its thread starts
            try:
                future.set_result(fn(*args))
            except BaseException as exc:  # handed to whoever reads the result
                future.set_exception(exc)

        threading.Thread(target=run, name="railwail-batch", daemon=True).start()
        return future

    def wait(self, handles: Collection[Handle[T]], timeout: float | None) -> set[Handle[T]]:
        """The handles done once one is, or ``timeout`` seconds have passed."""
        if not handles:
            time.sleep(timeout or 0.0)
            return set()
        done, _ = concurrent.futures.wait(
            cast("Collection[concurrent.futures.Future[T]]", handles),
            timeout=timeout,
            return_when=concurrent.futures.FIRST_COMPLETED,
        )
        return cast("set[Handle[T]]", done)

    def wait_all(self, handles: Collection[Handle[T]], timeout: float) -> set[Handle[T]]:
        """The handles done once all are, or ``timeout`` seconds have passed."""
        if not handles:
            return set()
        futures = cast("Collection[concurrent.futures.Future[T]]", handles)
        done, _ = concurrent.futures.wait(futures, timeout=timeout)
        return cast("set[Handle[T]]", done)

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)``, here: this thread may block."""
        return fn(*args)

    def cancel(self, handles: Collection[Handle[Any]]) -> None:
        """Nothing to do: a thread cannot be stopped; one still running finds the manifest
        closed and saves nothing."""
