"""``image_batch`` on both twins against the emulator over real sockets: pacing within the rate
limit, resuming, never charging twice, failures, stopping, the budget, progress, callbacks.

Windows are short (0.5-1.2 s) and generations quick, so every test runs in a few seconds.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import railwail
from railwail import (
    AsyncRailwail,
    AuthenticationError,
    BatchAbortedError,
    BudgetExceededError,
    InsufficientCreditsError,
    NotFoundError,
    Railwail,
)
from railwail.testing import FakeGateway
from railwail.types import BatchItemResult, BatchResult
from support import PNG_SIGNATURE, Client, Twin, is_async, names, resolve

MODEL = "flux-schnell"  # 5 credits an image in the emulator's catalogue
GENERATIONS = "/images/generations"
MANIFEST = "railwail-batch.jsonl"

pytestmark = pytest.mark.anyio

Gateway = Callable[..., FakeGateway]


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    """Starts emulators with the settings a test asks for; stops them after it."""
    started: list[FakeGateway] = []

    def start(**settings: Any) -> FakeGateway:
        gw = FakeGateway(**settings).start()
        started.append(gw)
        return gw

    yield start
    for gw in started:
        gw.stop()
        assert gw.errors == 0


def connect(make_client: Callable[..., Client], gw: FakeGateway, **options: Any) -> Client:
    return make_client(gw.api_key, base_url=gw.url, **options)


def prompts(count: int, word: str = "cat") -> list[str]:
    return [f"a {word} number {i}" for i in range(count)]


def posts(gw: FakeGateway) -> list[Any]:
    return gw.requests_to(GENERATIONS)


def records(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (out / MANIFEST).read_text().splitlines()[1:]]


def pngs(out: Path) -> list[str]:
    return sorted(p.name for p in out.glob("*.png"))


def no_temporary_files(out: Path) -> bool:
    return not [p for p in out.rglob("*") if p.name.endswith(".tmp")]


async def test_makes_every_item_once_within_a_tight_rate_limit(
    twin: Twin, make_client: Callable[..., Client], gateway: Gateway, tmp_path: Path
) -> None:
    # 20 requests per half second, generations of 50 ms and 4 in flight: the rate limit, not
    # the concurrency, sets the pace, over 5 windows (2.5 for the sync twin).
    count = 100 if is_async(twin) else 50
    gw = gateway(rate_limit=20, rate_window=0.5, generation_delay=0.05)
    rw = connect(make_client, gw)
    result: BatchResult = await resolve(
        rw.image_batch(MODEL, prompts(count), out_dir=tmp_path, size="256x256")
    )
    assert result.counts == {"done": count, "skipped": 0, "failed": 0, "pending": 0}
    assert result.ok
    assert result.rate_limited <= 1  # (almost) never past the window
    assert len(posts(gw)) == count + result.rate_limited
    charges = gw.charges
    assert len(charges) == count
    assert set(charges.values()) == {1}
    assert result.credits_spent == 5 * count
    files = pngs(tmp_path)
    assert len(files) == count
    assert files[0] == "00000-a-cat-number-0.png"
    assert all(path.read_bytes().startswith(PNG_SIGNATURE) for path in result.paths[:5])
    assert [item.index for item in result.items] == list(range(count))
    assert len(records(tmp_path)) == count
    assert no_temporary_files(tmp_path)


async def test_a_second_run_skips_what_is_done_and_sends_nothing(
    twin: Twin, make_client: Callable[..., Client], gateway: Gateway, tmp_path: Path
) -> None:
    gw = gateway()
    rw = connect(make_client, gw)
    first: BatchResult = await resolve(rw.image_batch(MODEL, prompts(6), out_dir=tmp_path))
    second: BatchResult = await resolve(rw.image_batch(MODEL, prompts(6), out_dir=tmp_path))
    assert second.counts == {"done": 0, "skipped": 6, "failed": 0, "pending": 0}
    assert [i.paths for i in second.items] == [i.paths for i in first.items]
    assert [i.request_id for i in second.items] == [i.request_id for i in first.items]
    assert len(posts(gw)) == 6
    assert second.credits_spent == 0
    assert len(records(tmp_path)) == 6  # nothing appended


async def test_items_whose_parameters_changed_are_made_again_and_old_files_moved(
    twin: Twin, make_client: Callable[..., Client], gateway: Gateway, tmp_path: Path
) -> None:
    gw = gateway()
    rw = connect(make_client, gw)
    await resolve(rw.image_batch(MODEL, ["a cat", "a dog", "a fox"], out_dir=tmp_path))
    old = (tmp_path / "00001-a-dog.png").read_bytes()
    (tmp_path / "00002-a-fox.png").unlink()  # deleted by hand: made again
    result: BatchResult = await resolve(
        rw.image_batch(MODEL, ["a cat", "a wolf", "a fox"], out_dir=tmp_path)
    )
    assert [i.status for i in result.items] == ["skipped", "done", "done"]
    assert names(tmp_path) == [
        "00000-a-cat.png",
        "00001-a-wolf.png",
        "00002-a-fox.png",
        MANIFEST,
        "replaced",
    ]
    assert (tmp_path / "replaced" / "00001-a-dog.png").read_bytes() == old
    # The fox is the same item with the same key: the gateway answered from its records.
    fox = [r for r in posts(gw) if r.json()["prompt"] == "a fox"]
    assert [r.replayed for r in fox] == [False, True]
    assert set(gw.charges.values()) == {1}


async def test_per_item_failures_are_recorded_and_the_rest_finish(
    twin: Twin, make_client: Callable[..., Client], gateway: Gateway, tmp_path: Path
) -> None:
    gw = gateway()
    rw = connect(make_client, gw, max_retries=1)
    gw.fail(400, times=2, path=GENERATIONS, json={"error": {"message": "Bad prompt"}})
    seen: list[BatchItemResult] = []
    result: BatchResult = await resolve(
        rw.image_batch(MODEL, prompts(8), out_dir=tmp_path, concurrency=1, on_item=seen.append)
    )
    assert [i.status for i in result.items] == ["failed"] * 2 + ["done"] * 6
    assert result.items[0].error is not None
    assert result.items[0].error.startswith("400: Bad prompt")
    assert not result.ok
    assert sorted(i.index for i in seen) == list(range(8))
    assert [r["status"] for r in records(tmp_path)] == ["failed"] * 2 + ["done"] * 6
    # The next run tries the failed items again, and only them.
    again: BatchResult = await resolve(rw.image_batch(MODEL, prompts(8), out_dir=tmp_path))
    assert [i.status for i in again.items] == ["done"] * 2 + ["skipped"] * 6
    assert len(posts(gw)) == 10


async def test_server_errors_are_retried_as_max_retries_allows(
    twin: Twin, make_client: Callable[..., Client], gateway: Gateway, tmp_path: Path
) -> None:
    gw = gateway()
    rw = connect(make_client, gw, max_retries=2)
    gw.fail(503, times=2, path=GENERATIONS, headers={"Retry-After": "0"})
    result: BatchResult = await resolve(rw.image_batch(MODEL, ["a cat"], out_dir=tmp_path))
    assert result.counts["done"] == 1
    assert len(posts(gw)) == 3
    strict = connect(make_client, gw, max_retries=0)
    gw.fail(503, times=1, path=GENERATIONS)
    failed: BatchResult = await resolve(
        strict.image_batch(MODEL, ["a dog"], out_dir=tmp_path / "strict")
    )
    assert failed.items[0].status == "failed"
    assert failed.items[0].error is not None
    assert failed.items[0].error.startswith("503")


async def test_a_429_is_waited_out_and_its_item_retried(
    twin: Twin, make_client: Callable[..., Client], gateway: Gateway, tmp_path: Path
) -> None:
    gw = gateway()
    rw = connect(make_client, gw, max_retries=0)  # 429s are not the SDK's retries to spend
    gw.fail(429, times=3, path=GENERATIONS, headers={"Retry-After": "0.2"})
    result: BatchResult = await resolve(rw.image_batch(MODEL, prompts(4), out_dir=tmp_path))
    assert result.counts["done"] == 4
    assert result.rate_limited == 3
    assert len(posts(gw)) == 7
    assert set(gw.charges.values()) == {1}


async def test_a_failed_download_fails_the_item_and_the_next_run_is_not_charged(
    twin: Twin, make_client: Callable[..., Client], gateway: Gateway, tmp_path: Path
) -> None:
    gw = gateway(credits=100)
    rw = connect(make_client, gw, max_retries=1)
    gw.fail(503, times=2, path=".png")  # the image's download, and its one retry
    first: BatchResult = await resolve(rw.image_batch(MODEL, ["a cat"], out_dir=tmp_path))
    assert len(gw.requests_to(".png")) == 2
    assert first.items[0].status == "failed"
    assert first.items[0].error is not None
    assert first.items[0].error.startswith("503")
    assert first.credits_spent == 5  # the generation was paid for
    assert names(tmp_path) == [MANIFEST]
    again: BatchResult = await resolve(rw.image_batch(MODEL, ["a cat"], out_dir=tmp_path))
    assert again.items[0].status == "done"
    assert [r.replayed for r in posts(gw)] == [False, True]
    assert gw.credits == 95


async def test_a_dropped_connection_is_retried(
    twin: Twin, make_client: Callable[..., Client], gateway: Gateway, tmp_path: Path
) -> None:
    gw = gateway()
    rw = connect(make_client, gw)
    gw.drop(path=GENERATIONS)  # not performed: the retry is the first charge
    result: BatchResult = await resolve(rw.image_batch(MODEL, ["a cat"], out_dir=tmp_path))
    assert result.counts["done"] == 1
    assert len(posts(gw)) == 2
    assert set(gw.charges.values()) == {1}


async def test_an_answer_without_images_fails_the_item(
    twin: Twin, make_client: Callable[..., Client], gateway: Gateway, tmp_path: Path
) -> None:
    gw = gateway()
    rw = connect(make_client, gw)
    gw.fail(200, path=GENERATIONS, json={"created": 1, "data": []})
    # One item at a time, so that the one-shot fault meets item 0 and not whichever of two
    # concurrent items reaches the gateway first.
    result: BatchResult = await resolve(
        rw.image_batch(MODEL, ["a", "b"], out_dir=tmp_path, concurrency=1)
    )
    assert [i.status for i in result.items] == ["failed", "done"]
    assert result.items[0].error is not None
    assert "the gateway answered with no image" in result.items[0].error


async def test_an_image_that_cannot_be_saved_stops_the_batch(
    twin: Twin, make_client: Callable[..., Client], gateway: Gateway, tmp_path: Path
) -> None:
    gw = gateway()
    rw = connect(make_client, gw)
    (tmp_path / "00001-b.png").mkdir()  # in the way of item 1's file
    with pytest.raises(BatchAbortedError, match="could not be made or saved: IsADirectoryError"):
        await resolve(rw.image_batch(MODEL, ["a", "b", "c"], out_dir=tmp_path, concurrency=1))
    assert [r["index"] for r in records(tmp_path)] == [0]
    assert len(posts(gw)) == 2
    assert no_temporary_files(tmp_path)


async def test_402_stops_launching_and_reports_what_was_done(
    twin: Twin, make_client: Callable[..., Client], gateway: Gateway, tmp_path: Path
) -> None:
    gw = gateway(credits=5 * 6, generation_delay=0.02)
    rw = connect(make_client, gw)
    with pytest.raises(BatchAbortedError) as info:
        await resolve(rw.image_batch(MODEL, prompts(20), out_dir=tmp_path, concurrency=2))
    err = info.value
    assert isinstance(err.cause, InsufficientCreditsError)
    assert err.__cause__ is err.cause
    counts = err.result.counts
    assert counts["done"] == 6
    assert 1 <= counts["failed"] <= 2  # the 402 and, maybe, the one beside it
    assert counts["pending"] == 20 - 6 - counts["failed"]
    # Nothing was launched after the first 402: at most the one in flight beside it.
    assert len(posts(gw)) == 6 + counts["failed"]
    assert "402" in str(err)
    assert "run the batch again to resume" in str(err)
    assert len([r for r in records(tmp_path) if r["status"] == "done"]) == 6
    assert no_temporary_files(tmp_path)
    # Topped up (here: another gateway without a limit), the next run makes only what is left.
    topped_up = connect(make_client, gateway())
    result: BatchResult = await resolve(topped_up.image_batch(MODEL, prompts(20), out_dir=tmp_path))
    assert result.counts == {"done": 14, "skipped": 6, "failed": 0, "pending": 0}


async def test_401_stops_the_batch(
    twin: Twin, make_client: Callable[..., Client], gateway: Gateway, tmp_path: Path
) -> None:
    gw = gateway()
    rw = connect(make_client, gw)
    gw.fail(401, times=5, path=GENERATIONS)
    with pytest.raises(BatchAbortedError, match="refused it: 401") as info:
        await resolve(rw.image_batch(MODEL, prompts(10), out_dir=tmp_path, concurrency=1))
    assert isinstance(info.value.cause, AuthenticationError)
    assert len(posts(gw)) == 1


async def test_the_budget_is_checked_before_any_image_is_requested(
    twin: Twin, make_client: Callable[..., Client], gateway: Gateway, tmp_path: Path
) -> None:
    gw = gateway()
    rw = connect(make_client, gw)
    out = tmp_path / "out"
    items = [*prompts(3), {"prompt": "two", "n": 2}]  # 5 images at 5 credits
    with pytest.raises(BudgetExceededError) as info:
        await resolve(rw.image_batch(MODEL, items, out_dir=out, max_credits=24))
    assert (info.value.estimate, info.value.images, info.value.max_credits) == (25, 5, 24)
    assert "about 25 credits, over max_credits=24" in str(info.value)
    # The price was looked up: the message says no image was requested, not that nothing was sent.
    assert "No image was requested" in str(info.value)
    assert [(r.method, r.path) for r in gw.requests] == [("GET", "/api/v1/models/flux-schnell")]
    assert not out.exists()
    result: BatchResult = await resolve(rw.image_batch(MODEL, items, out_dir=out, max_credits=25))
    assert result.counts["done"] == 4
    assert result.credits_spent == 25
    # Done items do not count against the budget of the next run.
    more = [*items, "one more"]
    again: BatchResult = await resolve(rw.image_batch(MODEL, more, out_dir=out, max_credits=5))
    assert again.counts == {"done": 1, "skipped": 4, "failed": 0, "pending": 0}


async def test_bad_items_and_unknown_models_send_no_generation(
    twin: Twin, make_client: Callable[..., Client], gateway: Gateway, tmp_path: Path
) -> None:
    gw = gateway()
    rw = connect(make_client, gw)
    with pytest.raises(ValueError, match=r"prompts\[2\]: size must be"):
        await resolve(
            rw.image_batch(MODEL, ["a", "b", {"prompt": "c", "size": "x"}], out_dir=tmp_path)
        )
    with pytest.raises(TypeError, match="concurrency must be an integer"):
        await resolve(rw.image_batch(MODEL, ["a"], out_dir=tmp_path, concurrency=2.0))
    with pytest.raises(TypeError, match="max_credits must be a number or None"):
        await resolve(rw.image_batch(MODEL, ["a"], out_dir=tmp_path, max_credits="5"))
    with pytest.raises(ValueError, match="concurrency must be from 1 to 100"):
        await resolve(rw.image_batch(MODEL, ["a"], out_dir=tmp_path, concurrency=0))
    with pytest.raises(TypeError, match="on_item must be a callable"):
        await resolve(rw.image_batch(MODEL, ["a"], out_dir=tmp_path, on_item="print"))
    with pytest.raises(ValueError, match="max_credits must be a finite number"):
        await resolve(rw.image_batch(MODEL, ["a"], out_dir=tmp_path, max_credits=-1))
    with pytest.raises(TypeError, match="progress must be True or False"):
        await resolve(rw.image_batch(MODEL, ["a"], out_dir=tmp_path, progress=1))
    with pytest.raises(TypeError, match="out_dir must be a path"):
        await resolve(rw.image_batch(MODEL, ["a"], out_dir=None))
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match="out_dir must be a directory"):
        await resolve(rw.image_batch(MODEL, ["a"], out_dir=tmp_path / "file"))
    assert gw.requests == []
    with pytest.raises(NotFoundError):
        await resolve(rw.image_batch("no-such-model", ["a"], out_dir=tmp_path / "x"))
    # The model lookup, then the catalogue the NotFoundError's "did you mean" comes from:
    # nothing is generated.
    assert [(r.method, r.path) for r in gw.requests] == [
        ("GET", "/api/v1/models/no-such-model"),
        ("GET", "/api/v1/models"),
    ]
    assert not (tmp_path / "x").exists()


async def test_on_item_raising_stops_the_batch_cleanly(
    twin: Twin, make_client: Callable[..., Client], gateway: Gateway, tmp_path: Path
) -> None:
    gw = gateway(generation_delay=0.02)
    rw = connect(make_client, gw)

    def on_item(item: BatchItemResult) -> None:
        if item.index == 2:
            raise LookupError("my UI broke")

    with pytest.raises(BatchAbortedError, match="on_item raised LookupError: my UI broke") as info:
        await resolve(
            rw.image_batch(MODEL, prompts(12), out_dir=tmp_path, concurrency=2, on_item=on_item)
        )
    cause = info.value.cause
    assert isinstance(cause, LookupError)
    counts = info.value.result.counts
    assert counts["done"] >= 3  # items 0-2, and those in flight beside item 2
    assert counts["pending"] == 12 - counts["done"] > 0
    # Nothing was launched after on_item raised, and what was in flight was recorded.
    assert len(records(tmp_path)) == len(posts(gw)) == counts["done"]


async def test_progress_bar(
    twin: Twin,
    make_client: Callable[..., Client],
    gateway: Gateway,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    gw = gateway()
    rw = connect(make_client, gw)
    await resolve(rw.image_batch(MODEL, prompts(2), out_dir=tmp_path))
    capsys.readouterr()
    await resolve(rw.image_batch(MODEL, prompts(5), out_dir=tmp_path, progress=True))
    err = capsys.readouterr().err
    assert "railwail batch" in err
    assert "5/5" in err
    assert "done=3, failed=0, skipped=2" in err


def test_the_progress_bar_shows_a_long_wait_for_the_rate_limit(
    gateway: Gateway, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gw = gateway(rate_limit=2, rate_window=1.2)
    with Railwail(gw.api_key, base_url=gw.url) as rw:
        result = rw.image_batch(MODEL, prompts(3), out_dir=tmp_path, progress=True)
    assert result.counts["done"] == 3
    assert result.rate_limited == 0  # the lookup's answer said one request was left
    err = capsys.readouterr().err
    assert "rate limit=1 s" in err  # the model lookup and one item filled the first window
    assert "done=3, failed=0, skipped=0" in err


async def test_async_and_sync_give_the_same_result(gateway: Gateway, tmp_path: Path) -> None:
    gw = gateway(rate_limit=10, rate_window=0.5)  # each run spans two windows
    items: list[Any] = [
        "a cat",
        {"prompt": "two dogs", "n": 2, "size": "512x512"},
        {"prompt": "a fox", "name": "fox", "style": "natural"},
        {"prompt": "a rendering", "response_format": "b64_json"},
        *prompts(12),
    ]
    gw.fail(400, times=1, path=GENERATIONS)  # the first item fails in the sync run
    with Railwail(gw.api_key, base_url=gw.url) as rw:
        sync = rw.image_batch(MODEL, items, out_dir=tmp_path / "sync", concurrency=1)
    gw.fail(400, times=1, path=GENERATIONS)  # and in the async one
    async with AsyncRailwail(gw.api_key, base_url=gw.url) as arw:
        aio = await arw.image_batch(MODEL, items, out_dir=tmp_path / "async", concurrency=1)

    def shape(result: BatchResult) -> list[tuple[Any, ...]]:
        return [
            (i.index, i.prompt, i.status, [p.name for p in i.paths], i.revised_prompt, i.error)
            for i in result.items
        ]

    def same(text: str) -> str:
        return re.sub(r"req_\w+", "req_...", text)

    assert same(repr(shape(sync))) == same(repr(shape(aio)))
    assert sync.items[0].error is not None
    assert sync.items[0].error.startswith("400 bad_request: Bad Request")
    assert sync.counts == aio.counts == {"done": 15, "skipped": 0, "failed": 1, "pending": 0}
    assert (sync.credits_spent, sync.rate_limited) == (aio.credits_spent, aio.rate_limited)
    for a, b in zip(sync.paths, aio.paths, strict=True):
        assert a.read_bytes() == b.read_bytes()
    strip = ("request_id", "key")
    assert same(
        repr([{k: v for k, v in r.items() if k not in strip} for r in records(sync.out_dir)])
    ) == same(repr([{k: v for k, v in r.items() if k not in strip} for r in records(aio.out_dir)]))


async def test_cancelling_the_task_records_what_finished_and_leaves_no_partial_file(
    gateway: Gateway, tmp_path: Path
) -> None:
    gw = gateway(generation_delay=0.05)
    finished: list[int] = []
    eight = asyncio.Event()

    def on_item(item: BatchItemResult) -> None:
        finished.append(item.index)
        if len(finished) == 8:
            eight.set()

    async with AsyncRailwail(gw.api_key, base_url=gw.url) as rw:
        task = asyncio.ensure_future(
            rw.image_batch(MODEL, prompts(40), out_dir=tmp_path, on_item=on_item)
        )
        await eight.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        recorded = records(tmp_path)
        assert 8 <= len(recorded) < 40
        assert no_temporary_files(tmp_path)
        assert pngs(tmp_path) == sorted(f for r in recorded for f in r["files"])
        result = await rw.image_batch(MODEL, prompts(40), out_dir=tmp_path)
    assert result.counts["skipped"] == len(recorded)
    assert result.ok
    assert set(gw.charges.values()) == {1}  # in flight when cancelled: replayed, not charged


def test_ctrl_c_records_what_finished_and_the_next_run_resumes(
    gateway: Gateway, tmp_path: Path
) -> None:
    gw = gateway(generation_delay=0.05)

    def ctrl_c(item: BatchItemResult) -> None:
        if item.index == 5:
            raise KeyboardInterrupt  # what Ctrl-C raises in the thread running the batch

    with Railwail(gw.api_key, base_url=gw.url) as rw:
        with pytest.raises(KeyboardInterrupt):
            rw.image_batch(MODEL, prompts(30), out_dir=tmp_path, on_item=ctrl_c)
        recorded = records(tmp_path)
        # Item 5 and the ones in flight beside it (given a moment) are recorded.
        assert 6 <= len(recorded) < 30
        assert len(posts(gw)) == len(recorded)  # nothing launched after Ctrl-C
        assert pngs(tmp_path) == sorted(f for r in recorded for f in r["files"])
        assert no_temporary_files(tmp_path)
        result = rw.image_batch(MODEL, prompts(30), out_dir=tmp_path)
    assert result.counts == {
        "done": 30 - len(recorded),
        "skipped": len(recorded),
        "failed": 0,
        "pending": 0,
    }
    assert set(gw.charges.values()) == {1}


def test_two_runs_into_one_directory_at_once_are_refused(gateway: Gateway, tmp_path: Path) -> None:
    gw = gateway(generation_delay=0.05)
    with Railwail(gw.api_key, base_url=gw.url) as rw:

        def second_run(item: BatchItemResult) -> None:
            if item.index == 0:
                with pytest.raises(railwail.RailwailError, match="another image_batch run"):
                    rw.image_batch(MODEL, ["x"], out_dir=tmp_path)

        result = rw.image_batch(MODEL, prompts(3), out_dir=tmp_path, on_item=second_run)
    assert result.ok
    assert len(posts(gw)) == 3


def test_import_railwail_does_not_import_tqdm() -> None:
    import subprocess

    code = "import railwail, sys; railwail.Railwail; print('tqdm' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=True
    )
    assert done.stdout.strip() == "False"
