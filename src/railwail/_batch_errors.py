"""The errors of ``image_batch``, in the tree drawn in ``_exceptions``: ``BudgetExceededError``
(refused before any image is requested) and ``BatchAbortedError`` (stopped early)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._exceptions import RailwailError, rebuild_error

if TYPE_CHECKING:
    from ._batch_result import BatchResult

__all__ = ["BatchAbortedError", "BudgetExceededError"]


class BudgetExceededError(RailwailError, ValueError):
    """``image_batch(max_credits=...)``: the batch would cost more than the budget (or its cost
    cannot be estimated), found before any image was requested (the price comes from the
    catalogue: ``GET /models/{slug}`` is the one request made).

    Attributes:
        estimate: Credits the images still to make would cost, when the price is known.
        max_credits: The budget given.
        images: How many images the batch still has to make.
    """

    def __init__(
        self, message: str, *, estimate: float | None, max_credits: float, images: int
    ) -> None:
        super().__init__(message)
        self.estimate = estimate
        self.max_credits = max_credits
        self.images = images

    def __reduce__(self) -> tuple[Any, ...]:
        kwargs = {"estimate": self.estimate, "max_credits": self.max_credits, "images": self.images}
        return (rebuild_error, (type(self), str(self), kwargs))


class BatchAbortedError(RailwailError):
    """``image_batch`` stopped before its end: the gateway refused the key (401), its
    permissions (403) or its credits (402), an item could not be saved, or ``on_item`` raised.
    No item was launched after that; the items in flight were let finish and recorded in the
    manifest, so running the same batch again resumes it.

    Attributes:
        result: The ``BatchResult`` so far (items never started are ``pending``).
        cause: The exception that stopped the batch (also its ``__cause__``).
    """

    def __init__(self, message: str, result: BatchResult, cause: BaseException) -> None:
        super().__init__(message)
        self.message = message
        self.result = result
        self.cause = cause

    def __str__(self) -> str:
        return (
            f"{self.message}. {self.result.summary()}; run the batch again to resume "
            "(finished items are skipped)"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.message, self.result, self.cause))
