"""The governor's launch decisions, on an injected clock: concurrency, the window's remaining
count and reset as answers report them, 429s, and never a busy loop."""

from __future__ import annotations

import pytest

from railwail._batch_governor import PROBE_DELAY, RESET_MARGIN, Governor, Observation
from support import T0, Clock


@pytest.fixture
def clock() -> Clock:
    return Clock()


def launches(governor: Governor) -> int:
    """Launch while the governor says "now"; how many it allowed."""
    count = 0
    while governor.delay() == 0.0:
        governor.launch()
        count += 1
        assert count < 1000, "the governor never said wait"
    return count


def test_before_any_answer_only_concurrency_limits(clock: Clock) -> None:
    governor = Governor(4, clock)
    assert launches(governor) == 4
    assert governor.delay() is None  # wait for one to finish
    governor.completed(None)  # an answer without rate-limit headers
    assert launches(governor) == 1


def test_remaining_minus_requests_in_flight_is_what_may_still_launch(clock: Clock) -> None:
    governor = Governor(10, clock)
    assert launches(governor) == 10
    # The first answer: 5 left in the window; 9 others are in flight and may not have been
    # counted yet, so none may launch until the window resets.
    governor.completed(Observation(limit=20, remaining=5, reset=T0 + 2))
    assert governor.tokens == -4
    assert governor.delay() == pytest.approx(2 + RESET_MARGIN)
    # Later answers of the same window never raise the estimate.
    governor.completed(Observation(limit=20, remaining=7, reset=T0 + 2))
    assert governor.tokens == -4


def test_launches_are_counted_against_the_window(clock: Clock) -> None:
    governor = Governor(4, clock)
    governor.launch()
    governor.completed(Observation(limit=10, remaining=3, reset=T0 + 60))
    assert launches(governor) == 3
    assert governor.delay() == pytest.approx(60 + RESET_MARGIN)


def test_a_new_window_after_its_reset(clock: Clock) -> None:
    governor = Governor(8, clock)
    governor.launch()
    governor.completed(Observation(limit=5, remaining=0, reset=T0 + 2))
    assert governor.delay() == pytest.approx(2 + RESET_MARGIN)
    clock.now = T0 + 2  # not yet: the margin
    assert governor.delay() == pytest.approx(RESET_MARGIN)
    clock.now = T0 + 2 + RESET_MARGIN
    assert launches(governor) == 5  # the limit, as nothing is in flight
    assert governor.delay() is None  # the new window's reset is not known yet: ask an answer
    # A late answer from the old window changes nothing.
    governor.completed(Observation(limit=5, remaining=0, reset=T0 + 2))
    assert governor.reset is None
    assert governor.tokens == 0
    # An answer of the new window: 2 left, 3 others in flight.
    governor.completed(Observation(limit=5, remaining=2, reset=T0 + 4))
    assert governor.reset == T0 + 4
    assert governor.tokens == -1


def test_in_flight_requests_are_deducted_from_a_new_window(clock: Clock) -> None:
    governor = Governor(8, clock)
    governor.launch()
    governor.completed(Observation(limit=5, remaining=0, reset=T0 + 2))
    governor.launch()  # (a probe sent anyway)
    clock.now = T0 + 3
    assert launches(governor) == 4  # 5 minus the one in flight


def test_a_server_window_that_ended_before_ours_is_believed(clock: Clock) -> None:
    governor = Governor(8, clock)
    governor.launch()
    governor.completed(Observation(limit=5, remaining=0, reset=T0 + 2))
    governor.launch()
    # The server's clock ran ahead: its next window has already begun.
    governor.completed(Observation(limit=5, remaining=4, reset=T0 + 4))
    assert governor.tokens == 4
    assert launches(governor) == 4


def test_a_429_blocks_until_its_hint(clock: Clock) -> None:
    governor = Governor(8, clock)
    for _ in range(4):
        governor.launch()
    governor.rate_limited(Observation(limit=5, remaining=0, reset=T0 + 1.5), retry_after=1.5)
    assert governor.delay() == pytest.approx(1.5 + RESET_MARGIN)
    clock.now = T0 + 1.6
    assert launches(governor) == 2  # the limit minus the 3 still in flight
    assert governor.strikes == 1
    governor.completed(None)
    assert governor.strikes == 0


def test_a_429_while_the_window_has_room_waits_its_hint_only(clock: Clock) -> None:
    # Not the window's limit (another limit of the gateway's): the hint says when to try again.
    governor = Governor(4, clock)
    governor.launch()
    governor.rate_limited(Observation(limit=60, remaining=50, reset=T0 + 60), retry_after=0.2)
    assert governor.delay() == pytest.approx(0.2 + RESET_MARGIN)
    clock.now += 0.3
    assert launches(governor) == 4


def test_the_429s_of_one_burst_count_as_one_strike(clock: Clock) -> None:
    governor = Governor(4, clock, backoff=lambda n: 10.0 * 2**n)
    assert launches(governor) == 4
    for _ in range(3):
        governor.rate_limited(None, retry_after=0.2)
    assert governor.strikes == 1
    assert governor.delay() == pytest.approx(0.2 + RESET_MARGIN)
    clock.now += 0.3
    assert launches(governor) == 3
    governor.rate_limited(None, retry_after=0.2)  # after the wait: refused again
    assert governor.strikes == 2
    assert governor.delay() == pytest.approx(20 + RESET_MARGIN)


def test_429s_without_a_hint_back_off_and_never_busy_loop(clock: Clock) -> None:
    governor = Governor(1, clock, backoff=lambda n: 0.5 * 2**n)
    waits = []
    for _ in range(4):
        assert launches(governor) == 1
        governor.rate_limited(None, retry_after=None)
        wait = governor.delay()
        assert wait is not None
        waits.append(wait)
        clock.now += wait
    assert waits == pytest.approx([0.5 + RESET_MARGIN, 1 + RESET_MARGIN, 2 + RESET_MARGIN, 4.02])


def test_repeated_429s_wait_at_least_the_backoff_even_with_a_zero_hint(clock: Clock) -> None:
    # A clock ahead of the server's: it says "reset now" while its window has not ended.
    governor = Governor(1, clock, backoff=lambda n: 0.5 * 2**n)
    governor.launch()
    governor.rate_limited(Observation(5, 0, T0), retry_after=0.0)
    assert governor.delay() == pytest.approx(RESET_MARGIN)  # the first: as told
    clock.now += RESET_MARGIN
    assert launches(governor) == 1
    governor.rate_limited(Observation(5, 0, T0), retry_after=0.0)
    assert governor.delay() == pytest.approx(1 + RESET_MARGIN)  # then: backing off


def test_an_exhausted_window_without_reset_waits_for_an_answer_or_probes(clock: Clock) -> None:
    governor = Governor(4, clock)
    governor.launch()
    governor.launch()
    governor.completed(Observation(limit=None, remaining=0, reset=None))
    assert governor.delay() is None  # the one in flight will answer
    governor.completed(Observation(limit=None, remaining=0, reset=None))
    assert governor.delay() == PROBE_DELAY  # nothing in flight: try one after a pause
    assert governor.delay() == pytest.approx(PROBE_DELAY)
    clock.now += PROBE_DELAY
    assert launches(governor) == 1


def test_without_any_headers_only_concurrency_paces(clock: Clock) -> None:
    governor = Governor(2, clock)
    for _ in range(50):
        expected = 2 - governor.in_flight
        assert launches(governor) == expected
        governor.completed(None)
    assert governor.tokens is None


def test_the_default_backoff_doubles_to_8_s(clock: Clock) -> None:
    governor = Governor(1, clock)
    waits = []
    for _ in range(6):
        governor.launch()
        governor.rate_limited(None, retry_after=None)
        wait = governor.delay()
        assert wait is not None
        waits.append(round(wait - RESET_MARGIN, 3))
        clock.now += wait
    assert waits == [0.5, 1, 2, 4, 8, 8]


def test_an_answer_from_an_older_window_is_ignored(clock: Clock) -> None:
    governor = Governor(8, clock)
    governor.launch()
    governor.launch()
    governor.completed(Observation(limit=10, remaining=5, reset=T0 + 4))
    governor.completed(Observation(limit=10, remaining=9, reset=T0 + 2))  # arrived late
    assert (governor.reset, governor.tokens) == (T0 + 4, 4)


def test_a_reset_without_a_remaining_count_is_still_learnt(clock: Clock) -> None:
    governor = Governor(8, clock)
    governor.launch()
    governor.completed(Observation(limit=10, remaining=None, reset=T0 + 5))
    assert (governor.limit, governor.reset, governor.tokens) == (10, T0 + 5, None)
    assert governor.delay() == 0.0
