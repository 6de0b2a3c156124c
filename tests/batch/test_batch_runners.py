"""The two ways a batch runs its items: asyncio tasks and threads, behind the same methods."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from railwail._batch_runners import AsyncRunner, Runner


def test_threads_hand_back_results_and_errors() -> None:
    runner = Runner()
    ok = runner.start(lambda x: x * 2, 21)
    bad = runner.start(lambda: 1 / 0)
    assert runner.wait_all({ok, bad}, 5) == {ok, bad}
    assert ok.result() == 42
    with pytest.raises(ZeroDivisionError):
        bad.result()
    assert runner.call(lambda a, b: a + b, 1, 2) == 3


def test_threads_are_daemons_and_nothing_cancels_them() -> None:
    runner = Runner()
    release = threading.Event()
    names: list[tuple[str, bool]] = []

    def work() -> str:
        thread = threading.current_thread()
        names.append((thread.name, thread.daemon))
        release.wait(5)
        return "finished"

    handle = runner.start(work)
    assert runner.wait({handle}, 0.05) == set()  # not done yet: the wait timed out
    runner.cancel({handle})
    release.set()
    assert runner.wait({handle}, 5) == {handle}
    assert handle.result() == "finished"
    assert names == [("railwail-batch", True)]


def test_waiting_on_nothing_sleeps_the_timeout() -> None:
    runner = Runner()
    start = time.monotonic()
    assert runner.wait(set(), 0.05) == set()
    assert time.monotonic() - start >= 0.05
    assert runner.wait_all(set(), 5) == set()


@pytest.mark.anyio
async def test_tasks_hand_back_results_and_can_be_cancelled() -> None:
    runner = AsyncRunner()

    async def double(x: int) -> int:
        return x * 2

    async def forever() -> None:
        await asyncio.sleep(60)

    ok = runner.start(double, 21)
    slow = runner.start(forever)
    assert await runner.wait({ok, slow}, 5) == {ok}
    assert ok.result() == 42
    assert await runner.wait_all({slow}, 0.05) == set()
    await runner.cancel({slow})
    with pytest.raises(asyncio.CancelledError):
        slow.result()
    assert await runner.wait_all(set(), 5) == set()
    start = time.monotonic()
    assert await runner.wait(set(), 0.05) == set()
    assert time.monotonic() - start >= 0.05
    assert await runner.call(sum, [1, 2]) == 3
