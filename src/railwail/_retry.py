"""The one retry policy both clients run under tenacity (the headers that steer it are read
in ``_headers``)."""

from __future__ import annotations

import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx

from ._constants import INITIAL_RETRY_DELAY, MAX_RETRY_AFTER, MAX_RETRY_DELAY, RETRYABLE_STATUSES
from ._error_mapping import certificate_failure
from ._exceptions import APIConnectionError, APIError

if TYPE_CHECKING:
    # tenacity loads with the first retry: a call that succeeds at once never needs it.
    from tenacity import AsyncRetrying, RetryCallState, Retrying


BeforeWait = Callable[[BaseException | None, float], None]


def is_retryable(exc: BaseException, max_retry_after: float = MAX_RETRY_AFTER) -> bool:
    """Connection errors and timeouts, and the retryable statuses unless the server asked for a
    wait longer than the cap (then the caller gets the error at once, with ``.retry_after``)."""
    if isinstance(exc, APIConnectionError):
        # A redirect to file:// or ftp://, or a certificate that does not verify, fails the
        # same way every time.
        return not isinstance(exc.__cause__, httpx.UnsupportedProtocol) and (
            certificate_failure(exc.__cause__) is None
        )
    if isinstance(exc, APIError) and exc.status in RETRYABLE_STATUSES:
        return exc.retry_after is None or exc.retry_after <= max_retry_after
    return False


def _sleep(seconds: float) -> None:
    time.sleep(seconds)


async def _async_sleep(seconds: float) -> None:
    # asyncio (and tenacity's async half) load on first async use: sync users never pay for it.
    import asyncio

    await asyncio.sleep(seconds)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """When to retry and how long to wait. One object drives ``Retrying`` and ``AsyncRetrying``.

    ``sleep``/``asleep`` and ``random`` are injectable so that tests run without sleeping.
    """

    max_retries: int
    initial_delay: float = INITIAL_RETRY_DELAY
    max_delay: float = MAX_RETRY_DELAY
    max_retry_after: float = MAX_RETRY_AFTER
    sleep: Callable[[float], None] = _sleep
    asleep: Callable[[float], Awaitable[None]] = _async_sleep
    random: Callable[[], float] = field(default=random.random)

    def should_retry(self, exc: BaseException) -> bool:
        return is_retryable(exc, self.max_retry_after)

    def backoff(self, retries_taken: int) -> float:
        """Exponential from ``initial_delay`` doubling to ``max_delay``, shortened by up to 25%
        jitter so that clients that failed together do not come back together."""
        delay = min(self.initial_delay * 2.0**retries_taken, self.max_delay)
        return delay * (1.0 - 0.25 * self.random())

    def delay_after(self, exc: BaseException | None, retries_taken: int) -> float:
        """The wait before the next attempt: the server's hint, else jittered backoff."""
        if isinstance(exc, APIError) and exc.retry_after is not None:
            return exc.retry_after
        return self.backoff(retries_taken)

    def wait(self, retry_state: RetryCallState) -> float:
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        # The first attempt ran before tenacity's loop: its attempt 1 is the call's retry 1.
        return self.delay_after(exc, retry_state.attempt_number)

    def _checked_wait(self, before_wait: BeforeWait | None) -> Callable[[RetryCallState], float]:
        if before_wait is None:
            return self.wait

        def wait(retry_state: RetryCallState) -> float:
            delay = self.wait(retry_state)
            exc = retry_state.outcome.exception() if retry_state.outcome else None
            before_wait(exc, delay)  # may raise: the call's total_timeout would run out
            return delay

        return wait

    def first_retry_delay(self, exc: BaseException) -> float | None:
        """After a failed first attempt: how long to wait before retrying, or ``None`` when
        the error is not to be retried."""
        if self.max_retries == 0 or not self.should_retry(exc):
            return None
        return self.delay_after(exc, 0)

    def _tenacity_kwargs(self, before_wait: BeforeWait | None) -> dict[str, Any]:
        # Tenacity runs the retries only: the first attempt runs before it (see the clients'
        # _request), so that a call that succeeds pays nothing for the machinery, not even
        # its import.
        from tenacity import retry_if_exception, stop_after_attempt

        return {
            "stop": stop_after_attempt(self.max_retries),
            "wait": self._checked_wait(before_wait),
            "retry": retry_if_exception(self.should_retry),
            "reraise": True,
        }

    def retrying(self, before_wait: BeforeWait | None = None) -> Retrying:
        """A tenacity ``Retrying`` for the retries of one call (after its first attempt);
        ``before_wait(error, seconds)`` sees each wait before it is slept, and may raise."""
        from tenacity import Retrying

        return Retrying(sleep=self.sleep, **self._tenacity_kwargs(before_wait))

    def async_retrying(self, before_wait: BeforeWait | None = None) -> AsyncRetrying:
        """A tenacity ``AsyncRetrying`` for the retries of one call (after its first attempt);
        ``before_wait(error, seconds)`` sees each wait before it is slept, and may raise."""
        from tenacity import AsyncRetrying

        return AsyncRetrying(sleep=self.asleep, **self._tenacity_kwargs(before_wait))
