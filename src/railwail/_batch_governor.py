"""When a batch may send its next request: at most ``concurrency`` in flight, and never more
than the gateway's rate-limit window allows, as its answers report it.

No limiter library is used, on purpose: aiolimiter, pyrate-limiter and limits are token or
leaky buckets configured with a rate up front that refill on their own clock. The gateway
instead says, in every answer, how many requests its current window has left and when it
resets (``X-RateLimit-Remaining``, ``X-RateLimit-Reset``, an absolute time), and that state
also moves with requests other clients of the same key make. A bucket cannot be told
"3 left, reset at 12:00:07"; the few rules below read it directly.

The rules, conservatively (a 429 costs a round trip and a wait, never credits):

- The window's remaining count, as of an answer, minus every request in flight at the time
  (any of them may not have been counted yet), minus every request launched since, is what
  may still be launched in that window.
- When none may, wait until the window resets (plus a small margin), then launch again; an
  answer from the new window corrects the estimate.
- A 429 blocks every launch until its ``Retry-After`` (or the window's reset); repeated 429s
  with no such hint back off exponentially, so that the batch never busy-loops.

Times are Unix times (``X-RateLimit-Reset`` is one); the clock is injectable for tests.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

# Launch this long after a window's announced reset: a request that arrived a moment early
# would be counted in the old window and refused.
RESET_MARGIN = 0.02
# With the window spent, its reset unknown and nothing in flight to learn it from: try one.
PROBE_DELAY = 1.0


def _double(strikes: int) -> float:
    return float(min(0.5 * 2**strikes, 8.0))


@dataclass(frozen=True, slots=True)
class Observation:
    """The rate-limit headers of one answer."""

    limit: int | None
    remaining: int | None
    reset: float | None  # Unix time


@dataclass
class Governor:
    """The launch decisions of one batch run (used from one thread only)."""

    concurrency: int
    clock: Callable[[], float] = time.time
    backoff: Callable[[int], float] = _double
    in_flight: int = 0
    limit: int | None = None
    # Requests the current window still allows us; None while no answer has said.
    tokens: int | None = None
    reset: float | None = None  # when the current window ends
    blocked_until: float = 0.0
    strikes: int = 0  # 429s in a row (those of one burst count once)
    _ended: float | None = field(default=None, repr=False)  # the reset of the last window

    def delay(self) -> float | None:
        """``0.0``: launch one now; a positive number: wait that long, then ask again;
        ``None``: wait until an item in flight finishes."""
        if self.in_flight >= self.concurrency:
            return None
        now = self.clock()
        if now < self.blocked_until:
            return self.blocked_until - now
        if self.reset is not None and now >= self.reset + RESET_MARGIN:
            self._next_window()
        if self.tokens is None or self.tokens > 0:
            return 0.0
        if self.reset is not None:
            return self.reset + RESET_MARGIN - now
        if self.in_flight:
            return None  # its answer will say when the window resets
        self.blocked_until = now + PROBE_DELAY
        self.tokens = 1
        return PROBE_DELAY

    def launch(self) -> None:
        self.in_flight += 1
        if self.tokens is not None:
            self.tokens -= 1

    def completed(self, seen: Observation | None) -> None:
        """An answer other than 429 (or none at all) for a request in flight."""
        self.in_flight -= 1
        self.strikes = 0
        if seen is not None:
            self.observe(seen)

    def rate_limited(self, seen: Observation | None, retry_after: float | None) -> None:
        """A 429: no launch until the server's hint, or a growing backoff without one."""
        self.in_flight -= 1
        now = self.clock()
        if now >= self.blocked_until:
            self.strikes += 1  # not one more answer of a burst already being waited out
        if seen is not None:
            self.observe(seen)
        wait = retry_after
        if wait is None or self.strikes > 1:
            wait = max(wait or 0.0, self.backoff(self.strikes - 1))
        self.blocked_until = max(self.blocked_until, now + wait + RESET_MARGIN)

    def observe(self, seen: Observation) -> None:
        """Takes in an answer's headers (the answering request is no longer in flight)."""
        if seen.limit is not None:
            self.limit = seen.limit
        if seen.reset is not None:
            if (self._ended is not None and seen.reset <= self._ended) or (
                self.reset is not None and seen.reset < self.reset
            ):
                return  # an answer from a window that has ended
            if self.reset is not None and seen.reset > self.reset:
                self.tokens = None  # the server's window ended before ours did
            self.reset = seen.reset
        if seen.remaining is None:
            return
        estimate = seen.remaining - self.in_flight
        self.tokens = estimate if self.tokens is None else min(self.tokens, estimate)

    def _next_window(self) -> None:
        self._ended, self.reset = self.reset, None
        self.tokens = None if self.limit is None else self.limit - self.in_flight
