"""Retry waits recorded instead of slept, so tests of retrying code run at full speed."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from railwail import AsyncRailwail, Railwail


def record_retry_waits(
    client: Railwail | AsyncRailwail,
    into: list[float] | None = None,
    *,
    jitter: float | None = None,
) -> list[float]:
    """Makes ``client`` record its retry waits instead of sleeping them.

    Retries still happen, in the same number and with the same computed waits (server hints,
    backoff); the waits are appended to the returned list instead of being slept.

    Args:
        client: A ``Railwail`` or ``AsyncRailwail`` (clients made from it later with
            ``with_options`` inherit the recording).
        into: The list to append to; a new one when left out.
        jitter: A fixed jitter draw from 0 to 1 instead of a random one: 0 gives the full
            backoff (0.5 s, 1 s, 2 s, ...), 1 the shortest (75% of it).

    Returns:
        The list the waits are appended to, in order, in seconds.

    Raises:
        ValueError: ``jitter`` is not from 0 to 1.
    """
    waits: list[float] = [] if into is None else into
    if jitter is not None and not 0 <= jitter <= 1:
        raise ValueError(f"jitter must be from 0 to 1, or None for random; got {jitter!r}")

    async def asleep(seconds: float) -> None:
        waits.append(seconds)

    changes: dict[str, object] = {"sleep": waits.append, "asleep": asleep}
    if jitter is not None:
        draw = float(jitter)
        changes["random"] = lambda: draw
    client._policy = dataclasses.replace(client._policy, **changes)  # type: ignore[arg-type]
    return waits
