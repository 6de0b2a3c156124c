# Generated from _async_batch.py by scripts/unasync.py: do not edit.
# Edit _async_batch.py and run `make unasync`; `make lint` fails while the two differ.
"""``Railwail.image_batch``: runs an image batch on the decisions of ``BatchEngine``
(when to launch, what an outcome means), doing the I/O itself: the generations, their
downloads, the files and the manifest.

``_async_batch.py`` is the source; ``_batch.py`` is generated from it (``make unasync``): the
same loop, whose items run as asyncio tasks here and as threads there (``_batch_runners``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import _batch_manifest as manifest_file
from ._batch_engine import BatchEngine, Job, Kind, Outcome, describe, error_kind
from ._batch_errors import BatchAbortedError
from ._batch_governor import Observation
from ._batch_manifest import Manifest, Record
from ._batch_plan import (
    batch_identity,
    check_budget,
    idempotency_key,
    plan_items,
    shared_options,
)
from ._batch_result import BatchItemResult, BatchResult
from ._batch_runners import Runner
from ._exceptions import APIError, RailwailError, ResponseValidationError
from ._files import sniff

if TYPE_CHECKING:
    from ._batch_progress import Progress
    from ._batch_runners import Handle
    from ._client import Railwail
    from ._image import Image
    from ._models import RateLimit
    from ._retry import RetryPolicy

# How long a run stopped by Ctrl-C (or cancelled) waits for the items in flight to finish and
# be recorded; those still running then are made again, at no charge, by the next run.
GRACE_SECONDS = 5.0
MAX_CONCURRENCY = 100  # the connections a client's pool keeps

OnItem = Callable[[BatchItemResult], object]


@dataclass
class _Run:
    """What every attempt of one run shares."""

    client: Railwail  # with max_retries=0: 429s and retries are the batch's to pace
    model: str
    manifest: Manifest
    runner: Runner
    policy: RetryPolicy
    max_retries: int
    on_item: OnItem | None
    bar: Progress | None = None
    callback_error: BaseException | None = field(default=None, repr=False)


def run_batch(
    client: Railwail,
    model: str,
    prompts: Iterable[str | Mapping[str, Any]],
    *,
    out_dir: str | os.PathLike[str],
    concurrency: int,
    max_credits: float | None,
    progress: bool,
    on_item: OnItem | None,
    options: Mapping[str, Any],
) -> BatchResult:
    """Checks everything, then runs the batch (see ``Railwail.image_batch``)."""
    started = time.monotonic()
    shared = shared_options(model, options)
    items = plan_items(model, prompts, shared)
    directory = _check_run(out_dir, concurrency, max_credits, progress, on_item)
    runner = Runner()
    # Before anything else: an unknown model fails here, once, and its price is known.
    found = client.models.get(model)
    price = found.pricing.credit_cost_fixed if found.pricing is not None else None
    contents = runner.call(manifest_file.read, directory)
    complete = runner.call(manifest_file.complete, directory, contents.records)
    identity = batch_identity(model, shared)
    header = contents.header or manifest_file.new_header(identity, model)
    policy = client._policy
    engine = BatchEngine(
        items,
        contents.records,
        complete,
        out_dir=directory,
        manifest=directory / manifest_file.MANIFEST_NAME,
        keys=lambda item: idempotency_key(identity, header.salt, item),
        price=price,
        concurrency=concurrency,
        backoff=policy.backoff,
    )
    seen = _observation(found.rate_limit)
    if seen is not None:
        engine.governor.observe(seen)  # the window's state before the first launch
    check_budget(model, price, sum(item.n for item in engine.to_make), max_credits)
    manifest = runner.call(Manifest.open, directory, contents, header)
    run = _Run(
        client.with_options(max_retries=0),
        model,
        manifest,
        runner,
        policy,
        client.max_retries,
        on_item,
    )
    try:
        runner.call(manifest_file.retire, directory, engine.stale_files)
        skipped = engine.result(0.0).skipped
        if progress:
            from ._batch_progress import Progress

            run.bar = Progress(len(items), skipped=len(skipped))
        for done_before in skipped:
            _call_on_item(engine, run, done_before)
        _drive(engine, run)
    finally:
        runner.call(manifest.close)
        if run.bar is not None:
            run.bar.close()
    result = engine.result(time.monotonic() - started)
    cause = engine.stopped_by
    if cause is not None:
        raise BatchAbortedError(_why(cause, run), result, cause) from cause
    return result


def _check_run(
    out_dir: object, concurrency: object, max_credits: object, progress: object, on_item: object
) -> Path:
    if not isinstance(out_dir, str | os.PathLike):
        raise TypeError(f"out_dir must be a path (str or os.PathLike); got {out_dir!r}")
    directory = Path(out_dir).expanduser().resolve()
    if directory.exists() and not directory.is_dir():
        raise ValueError(f"out_dir must be a directory; {str(directory)!r} is a file")
    if isinstance(concurrency, bool) or not isinstance(concurrency, int):
        raise TypeError(f"concurrency must be an integer; got {concurrency!r}")
    if not 1 <= concurrency <= MAX_CONCURRENCY:
        raise ValueError(f"concurrency must be from 1 to {MAX_CONCURRENCY}; got {concurrency}")
    if max_credits is not None and (
        isinstance(max_credits, bool) or not isinstance(max_credits, int | float)
    ):
        raise TypeError(f"max_credits must be a number or None; got {max_credits!r}")
    if max_credits is not None and not 0 <= max_credits < float("inf"):
        raise ValueError(f"max_credits must be a finite number of at least 0; got {max_credits!r}")
    if not isinstance(progress, bool):
        raise TypeError(f"progress must be True or False; got {progress!r}")
    if on_item is not None and not callable(on_item):
        raise TypeError(f"on_item must be a callable or None; got {on_item!r}")
    return directory


def _drive(engine: BatchEngine, run: _Run) -> None:
    """Launches items as the engine allows until none is left and none is in flight."""
    running: dict[Handle[Outcome], Job] = {}
    try:
        while True:
            step = engine.next_step()
            if step.job is not None:
                running[run.runner.start(_attempt, step.job, run)] = step.job
                continue
            if step.finished:
                return
            if run.bar is not None:
                run.bar.waiting(step.delay)
            for handle in run.runner.wait(running, step.delay):
                job = running.pop(handle)
                result = engine.finish(job, handle.result())
                if result is not None:
                    _notify(engine, run, result)
    except BaseException:
        # Ctrl-C, a cancelled task, or an error of our own: launch nothing more, give the
        # items in flight a moment to finish and be recorded, then stop the others.
        try:
            for handle in run.runner.wait_all(running, GRACE_SECONDS):
                job = running.pop(handle)
                outcome = _outcome(handle)
                if outcome is not None:
                    engine.finish(job, outcome)
        finally:
            run.runner.call(run.manifest.close)
            run.runner.cancel(running)
        raise


def _outcome(handle: Handle[Outcome]) -> Outcome | None:
    """The outcome of an item that ended while the run was stopping (``None`` if its task
    was cancelled)."""
    try:
        return handle.result()
    except BaseException:
        return None


def _notify(engine: BatchEngine, run: _Run, result: BatchItemResult) -> None:
    if run.bar is not None:
        run.bar.finished(result.status)
    _call_on_item(engine, run, result)


def _call_on_item(engine: BatchEngine, run: _Run, result: BatchItemResult) -> None:
    if run.on_item is None or run.callback_error is not None:
        return
    try:
        run.on_item(result)
    except Exception as exc:
        run.callback_error = exc
        engine.stop(exc)


def _why(cause: BaseException, run: _Run) -> str:
    if cause is run.callback_error:
        return f"The batch stopped because on_item raised {type(cause).__name__}: {cause}"
    if isinstance(cause, APIError):
        return f"The batch stopped because the gateway refused it: {describe(cause)}"
    return f"The batch stopped because an item could not be made or saved: {describe(cause)}"


def _attempt(job: Job, run: _Run) -> Outcome:
    """One try at one item: generate, download, save, record."""
    try:
        return _generate(job, run)
    except Exception as exc:  # a full disk, a read-only directory: every item would fail
        return Outcome(job.item.index, "fatal", error=exc)


def _generate(job: Job, run: _Run) -> Outcome:
    item = job.item
    try:
        response = run.client.image(run.model, item.prompt, **item.kwargs, idempotency_key=job.key)
    except RailwailError as exc:
        return _refused(job, run, exc)
    seen = _observation(response.rate_limit)
    count = len(response.data)
    try:
        if not response.data:
            raise ResponseValidationError(
                "the gateway answered with no image", request_id=response.request_id
            )
        blobs = [_read(image, run) for image in response.data]
    except RailwailError as exc:
        # Paid for, but not saved: the next run sends the same key and is answered from the
        # gateway's idempotency records.
        record = _failed(job, exc, response.request_id)
        saved = run.runner.call(run.manifest.save, [], record)
        kind: Kind = "failed" if saved else "discarded"
        return Outcome(item.index, kind, seen, record, exc, images=count)
    names = job.file_names([sniff(blob)[0] for blob in blobs])
    revised = next((image.revised_prompt for image in response.data if image.revised_prompt), None)
    record = Record(
        index=item.index,
        hash=item.hash,
        status="done",
        files=tuple(names),
        request_id=response.request_id,
        revised_prompt=revised,
        key=job.key,
    )
    files = list(zip(names, blobs, strict=True))
    saved = run.runner.call(run.manifest.save, files, record)
    return Outcome(item.index, "done" if saved else "discarded", seen, record, images=count)


def _refused(job: Job, run: _Run, exc: RailwailError) -> Outcome:
    """The outcome of a generation the gateway did not answer with images."""
    index = job.item.index
    seen = _observation_of(exc)
    kind = error_kind(exc, job.attempt, run.max_retries)
    if kind == "rate_limited":
        return Outcome(index, kind, seen, error=exc, retry_after=_retry_after(exc))
    if kind == "retry":
        delay = run.policy.delay_after(exc, job.attempt - 1)
        return Outcome(index, kind, seen, error=exc, retry_after=delay)
    record = _failed(job, exc, exc.request_id if isinstance(exc, APIError) else None)
    saved = run.runner.call(run.manifest.save, [], record)
    return Outcome(index, kind if saved else "discarded", seen, record, exc)


def _read(image: Image, run: _Run) -> bytes:
    """The image's bytes, retrying a failed download as the client's own calls would."""
    retries = 0
    while True:
        try:
            return image.read()
        except RailwailError as exc:
            if retries >= run.max_retries or not run.policy.should_retry(exc):
                raise
            run.policy.sleep(run.policy.delay_after(exc, retries))
            retries += 1


def _failed(job: Job, exc: BaseException, request_id: str | None) -> Record:
    item = job.item
    return Record(
        index=item.index,
        hash=item.hash,
        status="failed",
        request_id=request_id,
        error=describe(exc),
        key=job.key,
    )


def _observation(rate_limit: RateLimit | None) -> Observation | None:
    if rate_limit is None:
        return None
    reset = rate_limit.reset.timestamp() if rate_limit.reset is not None else None
    return Observation(rate_limit.limit, rate_limit.remaining, reset)


def _observation_of(exc: RailwailError) -> Observation | None:
    if not isinstance(exc, APIError):
        return None
    from ._models import RateLimit

    return _observation(RateLimit.from_headers(exc.headers))


def _retry_after(exc: RailwailError) -> float | None:
    return exc.retry_after if isinstance(exc, APIError) else None
