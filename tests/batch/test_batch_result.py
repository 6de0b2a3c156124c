"""``BatchResult``: totals, the views by status, the summary line and the repr."""

from __future__ import annotations

from pathlib import Path

from railwail import BatchItemResult, BatchResult

OUT = Path("/out")


def result(credits: float | None = 15.0) -> BatchResult:
    return BatchResult(
        items=(
            BatchItemResult(0, "a", "done", (OUT / "0-1.png", OUT / "0-2.png"), "r0"),
            BatchItemResult(1, "b", "skipped", (OUT / "1.png",), "r1", "a detailed b"),
            BatchItemResult(2, "c", "failed", error="400: no"),
            BatchItemResult(3, "d", "pending"),
        ),
        out_dir=OUT,
        manifest=OUT / "railwail-batch.jsonl",
        elapsed=2.345,
        credits_spent=credits,
        rate_limited=2,
    )


def test_views_and_totals() -> None:
    res = result()
    assert res.counts == {"done": 1, "skipped": 1, "failed": 1, "pending": 1}
    assert [i.index for i in res.done] == [0]
    assert [i.index for i in res.skipped] == [1]
    assert [i.error for i in res.failed] == ["400: no"]
    assert [i.index for i in res.pending] == [3]
    assert res.paths == [OUT / "0-1.png", OUT / "0-2.png", OUT / "1.png"]
    assert not res.ok
    assert BatchResult(res.items[:2], OUT, OUT / "m", 0.0).ok


def test_summary_and_repr() -> None:
    assert result().summary() == (
        "4 item(s): 1 done, 1 skipped, 1 failed, 1 pending in 2.3 s, about 15 credits"
    )
    finished = BatchResult(result().items[:3], OUT, OUT / "m", 1.0, None)
    assert finished.summary() == "3 item(s): 1 done, 1 skipped, 1 failed in 1.0 s"
    assert repr(result()) == ("BatchResult(done=1, skipped=1, failed=1, pending=1, out_dir='/out')")
