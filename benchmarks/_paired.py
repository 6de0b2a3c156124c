"""Whole requests timed one at a time, the contenders alternating request by request.

Shared by the sections whose unit is one large request (a 500-chunk stream, 256 embeddings):
each contender is made once, its answer checked against the others', warmed up, then the
rounds run with the contenders taking turns on every request (the first one rotating), so
that background load lands on all of them alike and every round is a paired sample.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from ._clients import SYNC_FACTORIES
from ._common import Config, error_text, log, median, rotated


def run_paired(
    config: Config,
    api_base: str,
    *,
    section: str,
    method: str,
    requests_per_round: int,
    check: Callable[[Any], None],
    how: dict[str, str],
) -> dict[str, Any]:
    """Time ``getattr(contender, method)()`` for every contender of SYNC_FACTORIES.

    ``check`` raises when an answer is wrong; all contenders must also return equal answers.
    Returns ms per request (median of the rounds) and the per-round samples per contender.
    """
    contenders: dict[str, Any] = {}
    calls: dict[str, Callable[[], Any]] = {}
    errors: dict[str, str] = {}
    samples: dict[str, list[float]] = {name: [] for name in SYNC_FACTORIES}
    reference: Any = None
    try:
        for name, factory in SYNC_FACTORIES.items():
            try:
                contenders[name] = factory(api_base)
                call = calls[name] = getattr(contenders[name], method)
                answer = call()
                check(answer)
                if reference is not None and answer != reference:
                    raise RuntimeError("the answer differs from the other contenders'")
                reference = answer
                for _ in range(max(1, requests_per_round // 5)):  # warm-up
                    call()
            except Exception as exc:
                errors[name] = error_text(exc)
        del reference
        live = [name for name in calls if name not in errors]
        for r in range(config.rounds):
            totals = dict.fromkeys(live, 0.0)
            for i in range(requests_per_round):
                for name in rotated(live, r + i):
                    start = time.perf_counter()
                    calls[name]()
                    totals[name] += time.perf_counter() - start
            for name in live:
                samples[name].append(totals[name] / requests_per_round * 1e3)
            log(config, f"  {section} round {r + 1}/{config.rounds} done")
    finally:
        for contender in contenders.values():
            contender.close()
    result: dict[str, Any] = {"requests_per_round": requests_per_round}
    for name in SYNC_FACTORIES:
        if name in errors:
            result[name] = {"error": errors[name], "how": how[name]}
        else:
            result[name] = {
                "ms_per_request": median(samples[name]),
                "samples": samples[name],
                "how": how[name],
            }
    return result
