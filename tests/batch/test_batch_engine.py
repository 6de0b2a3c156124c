"""The run's state machine, without I/O: what is skipped, what is launched and when, what
each outcome means, and the result."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from railwail import (
    APIConnectionError,
    APIError,
    AuthenticationError,
    BadRequestError,
    InsufficientCreditsError,
    PermissionDeniedError,
    RateLimitError,
    ResponseValidationError,
    ServerError,
)
from railwail._batch_engine import BatchEngine, Job, Outcome, Step, describe, error_kind
from railwail._batch_governor import Observation
from railwail._batch_manifest import Record
from railwail._batch_plan import BatchItem, plan_items
from support import T0, Clock

OUT = Path("/batch/out")


def items(count: int) -> list[BatchItem]:
    return plan_items("flux-schnell", [f"prompt {i}" for i in range(count)], {})


def engine(
    batch: list[BatchItem],
    records: dict[int, Record] | None = None,
    complete: set[int] | None = None,
    **kwargs: Any,
) -> BatchEngine:
    options: dict[str, Any] = {
        "out_dir": OUT,
        "manifest": OUT / "railwail-batch.jsonl",
        "keys": lambda item: f"key-{item.index}",
        "price": 5.0,
        "concurrency": 2,
        "backoff": lambda n: 0.5 * 2**n,
        "clock": Clock(),
        **kwargs,
    }
    return BatchEngine(batch, records or {}, complete or set(), **options)


def done(job: Job, images: int = 1, seen: Observation | None = None) -> Outcome:
    files = tuple(f"{job.item.index}-{i}.png" for i in range(images))
    record = Record(job.item.index, job.item.hash, "done", files, f"req-{job.item.index}")
    return Outcome(job.item.index, "done", seen, record, images=images)


def launch(eng: BatchEngine) -> Job:
    step = eng.next_step()
    assert step.job is not None, step
    return step.job


def test_done_items_with_their_files_are_skipped_the_rest_queued() -> None:
    batch = items(5)
    records = {
        0: Record(0, batch[0].hash, "done", ("a.png",), "r0", "revised"),
        1: Record(1, batch[1].hash, "done", ("b.png",)),  # its file is gone
        2: Record(2, "changed", "done", ("c.png", "c2.png")),  # other parameters
        3: Record(3, batch[3].hash, "failed", error="500"),
    }
    eng = engine(batch, records, complete={0, 2})
    assert eng.stale_files == ["c.png", "c2.png"]
    assert [item.index for item in eng.to_make] == [1, 2, 3, 4]
    result = eng.result(1.5)
    assert [item.status for item in result.items] == [
        "skipped",
        "pending",
        "pending",
        "pending",
        "pending",
    ]
    assert result.items[0].paths == (OUT / "a.png",)
    assert (result.items[0].request_id, result.items[0].revised_prompt) == ("r0", "revised")
    assert result.elapsed == 1.5
    assert result.credits_spent == 0


def test_launches_in_order_with_keys_up_to_concurrency() -> None:
    eng = engine(items(3))
    first, second = launch(eng), launch(eng)
    assert [(j.item.index, j.key, j.attempt) for j in (first, second)] == [
        (0, "key-0", 1),
        (1, "key-1", 1),
    ]
    assert eng.next_step() == Step(delay=None)  # wait for one to finish
    result = eng.finish(first, done(first))
    assert result is not None
    assert result.status == "done"
    assert result.paths == (OUT / "0-0.png",)
    assert result.request_id == "req-0"
    assert launch(eng).item.index == 2
    eng.finish(second, done(second, images=2))
    assert eng.next_step() == Step(delay=None)


def test_the_run_finishes_when_nothing_is_left_or_in_flight() -> None:
    eng = engine(items(1))
    job = launch(eng)
    eng.finish(job, done(job, images=3))
    assert eng.next_step() == Step(finished=True)
    result = eng.result(2.0)
    assert result.counts == {"done": 1, "skipped": 0, "failed": 0, "pending": 0}
    assert result.credits_spent == 15.0  # 3 images at 5 credits


def test_a_429_puts_its_item_first_again_without_counting_an_attempt() -> None:
    clock = Clock()
    eng = engine(items(3), clock=clock)
    first, _ = launch(eng), launch(eng)
    limited = Outcome(0, "rate_limited", Observation(5, 0, T0 + 1), retry_after=1.0)
    assert eng.finish(first, limited) is None
    assert eng.rate_limited == 1
    step = eng.next_step()
    assert step.delay == pytest.approx(1.02)
    clock.now = T0 + 1.1
    again = launch(eng)
    assert (again.item.index, again.attempt) == (0, 1)


def test_a_retryable_failure_waits_its_delay_then_tries_again() -> None:
    clock = Clock()
    eng = engine(items(1), clock=clock)
    job = launch(eng)
    error = ServerError("boom", status=503)
    assert eng.finish(job, Outcome(0, "retry", error=error, retry_after=0.75)) is None
    assert eng.next_step() == Step(delay=0.75)
    clock.now += 0.75
    retry = launch(eng)
    assert (retry.item.index, retry.attempt) == (0, 2)


def test_a_failure_is_final_and_the_batch_goes_on() -> None:
    eng = engine(items(2))
    first = launch(eng)
    error = BadRequestError("no", status=400, code="bad_request")
    record = Record(0, first.item.hash, "failed", request_id="r", error=describe(error))
    result = eng.finish(first, Outcome(0, "failed", record=record, error=error))
    assert result is not None
    assert (result.status, result.error, result.paths) == ("failed", record.error, ())
    assert (
        result.error == "400 bad_request: no. Check the arguments against the model's documentation"
    )
    assert result.request_id == "r"
    assert launch(eng).item.index == 1


def test_a_fatal_error_stops_launching_but_lets_items_in_flight_finish() -> None:
    eng = engine(items(4))
    first, second = launch(eng), launch(eng)
    error = InsufficientCreditsError("no credits", status=402)
    eng.finish(first, Outcome(0, "fatal", error=error))
    assert eng.stopped_by is error
    assert eng.next_step() == Step(delay=None)  # the second is still in flight
    eng.finish(second, done(second))
    assert eng.next_step() == Step(finished=True)
    eng.stop(ValueError("later"))
    assert eng.stopped_by is error  # the first cause is kept
    assert [item.status for item in eng.result(1).items] == ["failed", "done", "pending", "pending"]


def test_a_discarded_outcome_frees_its_slot_only() -> None:
    eng = engine(items(1))
    job = launch(eng)
    assert eng.finish(job, Outcome(0, "discarded")) is None
    assert eng.governor.in_flight == 0
    assert eng.result(0).items[0].status == "pending"


def test_without_a_price_no_credits_are_estimated() -> None:
    eng = engine(items(1), price=None)
    job = launch(eng)
    eng.finish(job, done(job))
    assert eng.result(0).credits_spent is None


def _error(status: int) -> Exception:
    return {
        400: BadRequestError("x", status=400),
        401: AuthenticationError("x", status=401),
        402: InsufficientCreditsError("x", status=402),
        403: PermissionDeniedError("x", status=403),
        429: RateLimitError("x", status=429),
        409: APIError("x", status=409, code="idempotency_key_in_use"),
        503: ServerError("x", status=503),
        504: ServerError("x", status=504, retry_after=3600),  # longer than the SDK waits
    }[status]


@pytest.mark.parametrize(
    ("exc", "attempt", "kind"),
    [
        (_error(429), 9, "rate_limited"),
        (_error(401), 1, "fatal"),
        (_error(402), 1, "fatal"),
        (_error(403), 1, "fatal"),
        (_error(400), 1, "failed"),
        (_error(503), 1, "retry"),
        (_error(503), 2, "retry"),
        (_error(503), 3, "failed"),  # max_retries=2: three attempts
        (_error(504), 1, "failed"),
        (_error(409), 3, "retry"),  # still being made: waited for beyond max_retries
        (_error(409), 12, "retry"),
        (_error(409), 13, "failed"),
        (APIConnectionError("reset"), 1, "retry"),
        (ResponseValidationError("junk"), 1, "failed"),
        (OSError("disk full"), 1, "fatal"),
    ],
)
def test_error_kinds(exc: Exception, attempt: int, kind: str) -> None:
    assert error_kind(exc, attempt, max_retries=2) == kind


def test_describe() -> None:
    api = BadRequestError("Bad size", status=400, code="bad_request", request_id="r1")
    assert describe(api).startswith("400 bad_request: Bad size (request_id=r1).")
    assert describe(OSError(28, "No space left on device")) == (
        "OSError: [Errno 28] No space left on device"
    )
    assert describe(ValueError()) == "ValueError: ValueError"
    wrapped = APIConnectionError("Connection reset", method="POST", url="http://h/x")
    assert "\n" not in describe(wrapped)


def test_batch_aborted_error_says_what_was_done_and_survives_pickle() -> None:
    import pickle

    from railwail import BatchAbortedError

    eng = engine(items(3))
    job = launch(eng)
    eng.finish(job, done(job))
    cause = InsufficientCreditsError("no credits", status=402, request_id="r9")
    err = BatchAbortedError("The batch stopped", eng.result(1.25), cause)
    assert str(err) == (
        "The batch stopped. 3 item(s): 1 done, 0 skipped, 0 failed, 2 pending in 1.2 s, "
        "about 5 credits; run the batch again to resume (finished items are skipped)"
    )
    copy = pickle.loads(pickle.dumps(err))
    assert str(copy) == str(err)
    assert copy.result == err.result
    assert isinstance(copy.cause, InsufficientCreditsError)
    assert copy.cause.request_id == "r9"


def test_an_item_to_make_may_not_take_the_file_of_one_made_before() -> None:
    batch = plan_items("flux-schnell", ["x", {"prompt": "y", "name": "cover"}], {})
    records = {0: Record(0, batch[0].hash, "done", ("cover.png",))}  # saved when named so
    with pytest.raises(ValueError, match=r"prompts\[1\]: its file name 'cover' is taken by"):
        engine(batch, records, complete={0})
    engine(batch, records, complete=set())  # the file is gone: item 0 is made again
