"""The state machine of one image-batch run, with no I/O: which item to launch next and when,
what an item's outcome means (done, retry, wait out a 429, failed, stop the batch), and the
result. The drivers (``_async_batch``, and ``_batch`` generated from it) do the I/O and ask
this module at every step, so the sync and async twins decide alike.
"""

from __future__ import annotations

import heapq
import itertools
import time
from collections import deque
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ._batch_governor import Governor, Observation
from ._batch_manifest import Record
from ._batch_plan import BatchItem, file_name, index_width
from ._batch_result import BatchItemResult, BatchResult
from ._exceptions import (
    APIError,
    AuthenticationError,
    InsufficientCreditsError,
    PermissionDeniedError,
    RailwailError,
    RateLimitError,
)
from ._retry import is_retryable

# Statuses after which no item is launched: the key, its permissions or its credits.
FATAL_ERRORS = (AuthenticationError, PermissionDeniedError, InsufficientCreditsError)
# A 409 says that a request with the item's idempotency key is still being made (a run that
# died left it in flight): worth waiting for, with backoff, well beyond max_retries (about a
# minute more), since it ends in the answer already paid for.
IN_PROGRESS_RETRIES = 10

Kind = Literal["done", "retry", "rate_limited", "failed", "fatal", "discarded"]


def error_kind(exc: BaseException, attempt: int, max_retries: int) -> Kind:
    """What a failed generation attempt (the ``attempt``-th, from 1) means for its item."""
    if isinstance(exc, RateLimitError):
        return "rate_limited"
    if isinstance(exc, FATAL_ERRORS):
        return "fatal"
    if isinstance(exc, APIError) and exc.status == 409:
        max_retries += IN_PROGRESS_RETRIES
    if isinstance(exc, RailwailError):
        return "retry" if attempt <= max_retries and is_retryable(exc) else "failed"
    return "fatal"  # not the gateway's answer: a file that cannot be written, a bug


def describe(exc: BaseException) -> str:
    """An error on one line, for the manifest and the result."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if isinstance(exc, RailwailError) else f"{type(exc).__name__}: {text}"


@dataclass(frozen=True, slots=True)
class Job:
    """One attempt at one item: everything the driver needs to make and save it."""

    item: BatchItem
    key: str
    attempt: int
    width: int

    def file_names(self, suffixes: Collection[str]) -> list[str]:
        count = len(suffixes)
        return [
            file_name(self.item, image, count, suffix, self.width)
            for image, suffix in enumerate(suffixes)
        ]


@dataclass(frozen=True, slots=True)
class Outcome:
    """How an attempt ended. ``record`` is what the manifest now says about the item (for
    ``done``, ``failed`` and ``fatal``); ``images`` counts the images the gateway returned."""

    index: int
    kind: Kind
    seen: Observation | None = None
    record: Record | None = None
    error: BaseException | None = None
    retry_after: float | None = None
    images: int = 0


@dataclass(frozen=True, slots=True)
class Step:
    """The driver's next move: launch ``job``; or wait ``delay`` seconds (``None``: until an
    item in flight finishes) and ask again; or stop (``finished``: nothing in flight and
    nothing left to launch)."""

    job: Job | None = None
    delay: float | None = None
    finished: bool = False


class BatchEngine:
    """Every decision of one run, in the order the driver reports events."""

    def __init__(
        self,
        items: list[BatchItem],
        records: Mapping[int, Record],
        complete: Collection[int],
        *,
        out_dir: Path,
        manifest: Path,
        keys: Callable[[BatchItem], str],
        price: float | None,
        concurrency: int,
        backoff: Callable[[int], float],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._items = items
        self._out_dir = out_dir
        self._manifest = manifest
        self._keys = keys
        self._price = price
        self._clock = clock
        self._width = index_width(len(items))
        self.governor = Governor(concurrency, clock, backoff)
        self.results: dict[int, BatchItemResult] = {}
        self.stale_files: list[str] = []
        self._queue: deque[tuple[BatchItem, int]] = deque()
        self._later: list[tuple[float, int, BatchItem, int]] = []  # (when, order, item, attempt)
        self._order = itertools.count()
        self.stopped_by: BaseException | None = None
        self.images_made = 0
        self.rate_limited = 0
        for item in items:
            record = records.get(item.index)
            if record is not None and record.status == "done" and record.hash == item.hash:
                if item.index in complete:
                    self.results[item.index] = self._result(item, "skipped", record)
                    continue
            elif record is not None and record.status == "done":
                self.stale_files.extend(record.files)  # made with other parameters
            self._queue.append((item, 1))
        self._check_names_free()

    def _check_names_free(self) -> None:
        """An item to make must not be saved over the file of an item an earlier run made
        (which keeps the name it was saved under, even if its ``name`` changed since).

        Raises:
            ValueError: Naming both items.
        """
        taken = {
            Path(path.name).stem: index
            for index, result in self.results.items()
            for path in result.paths
        }
        for item, _ in self._queue:
            for image in range(item.n):
                stem = file_name(item, image, item.n, "", self._width)
                other = taken.get(stem)
                if other is not None:
                    raise ValueError(
                        f"prompts[{item.index}]: its file name {stem!r} is taken by the file "
                        f"prompts[{other}] was saved as by an earlier run; give it another 'name'"
                    )

    # -- what to do next -------------------------------------------------------------------

    @property
    def to_make(self) -> list[BatchItem]:
        """The items this run still has to make (for the budget check)."""
        return [item for item, _ in self._queue]

    def next_step(self) -> Step:
        governor = self.governor
        if self.stopped_by is None:
            now = self._clock()
            while self._later and self._later[0][0] <= now:
                _, _, item, attempt = heapq.heappop(self._later)
                self._queue.append((item, attempt))
            if self._queue:
                delay = governor.delay()
                if delay == 0.0:
                    item, attempt = self._queue.popleft()
                    governor.launch()
                    return Step(job=Job(item, self._keys(item), attempt, self._width))
                return Step(delay=delay)
            if self._later:
                wait = self._later[0][0] - now
                return Step(delay=wait)
        if governor.in_flight == 0:
            return Step(finished=True)
        return Step(delay=None)

    def stop(self, cause: BaseException) -> None:
        """Launch nothing more (the first cause is kept); items in flight still finish."""
        if self.stopped_by is None:
            self.stopped_by = cause

    # -- what an attempt's outcome means -----------------------------------------------------

    def finish(self, job: Job, outcome: Outcome) -> BatchItemResult | None:
        """Takes in an attempt's outcome; returns the item's result once it is final."""
        item, governor = job.item, self.governor
        self.images_made += outcome.images
        if outcome.kind == "rate_limited":
            self.rate_limited += 1
            governor.rate_limited(outcome.seen, outcome.retry_after)
            self._queue.appendleft((item, job.attempt))  # a 429 is not an attempt
            return None
        governor.completed(outcome.seen)
        if outcome.kind == "retry":
            when = self._clock() + (outcome.retry_after or 0.0)
            heapq.heappush(self._later, (when, next(self._order), item, job.attempt + 1))
            return None
        if outcome.kind == "discarded":
            return None  # the run had already stopped; nothing was saved
        if outcome.kind == "fatal" and outcome.error is not None:
            self.stop(outcome.error)
        status: Literal["done", "failed"] = "done" if outcome.kind == "done" else "failed"
        result = self._result(item, status, outcome.record, outcome.error)
        self.results[item.index] = result
        return result

    def _result(
        self,
        item: BatchItem,
        status: Literal["done", "skipped", "failed"],
        record: Record | None,
        error: BaseException | None = None,
    ) -> BatchItemResult:
        files = record.files if record is not None and status != "failed" else ()
        return BatchItemResult(
            index=item.index,
            prompt=item.prompt,
            status=status,
            paths=tuple(self._out_dir / name for name in files),
            request_id=record.request_id if record is not None else None,
            revised_prompt=record.revised_prompt if record is not None else None,
            error=describe(error) if error is not None else None,
        )

    # -- the result --------------------------------------------------------------------------

    def result(self, elapsed: float) -> BatchResult:
        """The run's result so far: items without a final outcome are ``pending``."""
        items = tuple(
            self.results.get(item.index)
            or BatchItemResult(index=item.index, prompt=item.prompt, status="pending")
            for item in self._items
        )
        spent = None if self._price is None else self._price * self.images_made
        return BatchResult(
            items=items,
            out_dir=self._out_dir,
            manifest=self._manifest,
            elapsed=elapsed,
            credits_spent=spent,
            rate_limited=self.rate_limited,
        )
