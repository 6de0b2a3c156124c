"""The progress bar of ``image_batch(progress=True)``: tqdm's ``auto`` bar (a widget in
Jupyter, a text bar on stderr in a terminal), with the counts of done, failed and skipped
items, the rate and the time left. tqdm is imported here, only when a bar is asked for, so
that ``import railwail`` never loads it."""

from __future__ import annotations

from typing import Any

from ._batch_result import BatchStatus

# A wait for the rate limit shorter than this is not worth a word on the bar.
_SHOWN_WAIT = 1.0


class Progress:
    """One bar for one run."""

    def __init__(self, total: int, *, skipped: int) -> None:
        try:
            from tqdm.auto import tqdm
        except ImportError:  # a dependency of railwail: only a broken install lacks it
            raise ImportError(
                "image_batch(progress=True) draws its bar with tqdm, which is not installed; "
                "reinstall railwail or run: pip install tqdm"
            ) from None
        self._counts: dict[BatchStatus, int] = {"skipped": skipped}
        self._bar: Any = tqdm(
            total=total,
            initial=skipped,
            unit="item",
            desc="railwail batch",
            dynamic_ncols=True,
        )
        self._waiting = False
        self._show()

    def finished(self, status: BatchStatus) -> None:
        """One more item reached ``status``."""
        self._counts[status] = self._counts.get(status, 0) + 1
        self._waiting = False
        self._show()
        self._bar.update(1)

    def waiting(self, seconds: float | None) -> None:
        """The batch waits ``seconds`` for the rate limit (shown when long enough)."""
        waiting = seconds is not None and seconds >= _SHOWN_WAIT
        if waiting or self._waiting:
            self._waiting = waiting
            self._show(f"{seconds:.0f} s" if waiting else None)
            self._bar.refresh()

    def _show(self, wait: str | None = None) -> None:
        postfix: dict[str, object] = {
            status: self._counts.get(status, 0) for status in ("done", "failed", "skipped")
        }
        if wait is not None:
            postfix["rate limit"] = wait
        self._bar.set_postfix(postfix, refresh=False)

    def close(self) -> None:
        self._bar.close()
