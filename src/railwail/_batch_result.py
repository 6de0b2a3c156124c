"""What ``image_batch`` returns: ``BatchResult``, with a ``BatchItemResult`` per item."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

__all__ = ["BatchItemResult", "BatchResult", "BatchStatus"]

BatchStatus = Literal["done", "skipped", "failed", "pending"]
"""An item's status in a ``BatchResult``: ``"done"`` (made in this run), ``"skipped"`` (made
by an earlier run into the same directory), ``"failed"`` (tried again by the next run) or
``"pending"`` (not finished: the batch stopped first)."""
STATUSES: tuple[BatchStatus, ...] = ("done", "skipped", "failed", "pending")


@dataclass(frozen=True, slots=True)
class BatchItemResult:
    """One item of a batch, as this run left it.

    Attributes:
        index: The item's position in ``prompts`` (from 0).
        prompt: The item's prompt.
        status: ``"done"`` (made and saved in this run), ``"skipped"`` (done by an earlier run
            into the same directory: its files are there), ``"failed"`` (the gateway refused
            it, or its images could not be downloaded, after the retries ``max_retries``
            allows; the next run tries it again) or ``"pending"`` (not finished: the batch
            stopped first; the next run makes it).
        paths: The saved files (absolute), for done and skipped items.
        request_id: The gateway's request id of the generation, when it answered.
        revised_prompt: The prompt the model actually used, when it rewrote the item's.
        error: What went wrong, for a failed item.
    """

    index: int
    prompt: str
    status: BatchStatus
    paths: tuple[Path, ...] = ()
    request_id: str | None = None
    revised_prompt: str | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class BatchResult:
    """The outcome of ``image_batch``: every item in ``prompts`` order, and totals.

    Attributes:
        items: One ``BatchItemResult`` per item, in the order of ``prompts``.
        out_dir: The directory the images were saved in (absolute).
        manifest: The manifest that lets a re-run resume (``out_dir/railwail-batch.jsonl``).
        elapsed: Seconds the run took.
        credits_spent: An estimate of the credits this run spent: the model's
            ``pricing.credit_cost_fixed`` times the images the gateway returned (a request
            answered from the gateway's idempotency records may have cost nothing). ``None``
            when the catalogue gives no fixed price.
        rate_limited: How many answers were 429 (each waited out and its item retried).
    """

    items: tuple[BatchItemResult, ...]
    out_dir: Path
    manifest: Path
    elapsed: float
    credits_spent: float | None = None
    rate_limited: int = 0

    def _with(self, status: BatchStatus) -> tuple[BatchItemResult, ...]:
        return tuple(item for item in self.items if item.status == status)

    @property
    def done(self) -> tuple[BatchItemResult, ...]:
        """The items made in this run."""
        return self._with("done")

    @property
    def skipped(self) -> tuple[BatchItemResult, ...]:
        """The items an earlier run made (their files are in ``out_dir``)."""
        return self._with("skipped")

    @property
    def failed(self) -> tuple[BatchItemResult, ...]:
        """The items that failed; the next run tries them again."""
        return self._with("failed")

    @property
    def pending(self) -> tuple[BatchItemResult, ...]:
        """The items not finished because the batch stopped first."""
        return self._with("pending")

    @property
    def counts(self) -> dict[BatchStatus, int]:
        """How many items have each status: ``{"done": 3, "skipped": 0, ...}``."""
        counts = dict.fromkeys(STATUSES, 0)
        for item in self.items:
            counts[item.status] += 1
        return counts

    @property
    def ok(self) -> bool:
        """Whether every item is done or skipped."""
        return all(item.status in ("done", "skipped") for item in self.items)

    @property
    def paths(self) -> list[Path]:
        """Every saved file of the done and skipped items, in item order."""
        return [path for item in self.items for path in item.paths]

    def summary(self) -> str:
        """One line for people, such as
        ``"3 item(s): 2 done, 1 skipped, 0 failed in 1.2 s, about 10 credits"`` (the credits
        when the catalogue gives a price; the pending items when there are any)."""
        counts = self.counts
        parts = [f"{counts[s]} {s}" for s in STATUSES if s != "pending" or counts[s]]
        text = f"{len(self.items)} item(s): {', '.join(parts)} in {self.elapsed:.1f} s"
        if self.credits_spent is not None:
            text += f", about {self.credits_spent:g} credits"
        return text

    def __repr__(self) -> str:
        counts = ", ".join(f"{status}={number}" for status, number in self.counts.items())
        return f"BatchResult({counts}, out_dir={str(self.out_dir)!r})"
