"""Bulk generation (section ``batch``): ``image_batch`` against the emulator with a rate limit
of L requests per window of W seconds and generations that take D seconds, beside the two
loops people write without it, on the same emulator.

- ``batch``: ``Railwail.image_batch`` over 2,000 items. Targets: at least 0.9 x L items per
  window, at most 2% of its requests answered 429, and RSS flat (growth from its 500th item
  to its last under 5 MiB).
- ``batch_async``: ``AsyncRailwail.image_batch`` over 600 items (throughput and 429s).
- ``loop``: ``for prompt in prompts: rw.image(...).data[0].save(...)`` over 300 items.
- ``gather``: ``asyncio.gather`` of one ``image()`` + ``asave()`` per item over 600 items.

Each contender runs in a child process of its own (``_batch_child.py``) against a fresh
``railwail emulator`` process (so no contender inherits another's rate-limit window), once per
run: one run of the 2,000 items already spans more than 30 windows. Throughput is items done
per second of the child's own timing (model lookup included) times W, divided by L.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from ._common import Config, error_text, log, ratio
from ._proc import HERE, run_json_child
from ._startup import Emulator

CHILD = HERE / "_batch_child.py"
LIMIT, WINDOW, DELAY = 60, 1.0, 0.05  # requests per window, seconds, seconds per generation
COUNTS = {"batch": 2000, "batch_async": 600, "loop": 300, "gather": 600}
QUICK_LIMIT, QUICK_WINDOW = 20, 0.25  # --quick: two windows of the limit in half a second
QUICK_COUNTS = {"batch": 40, "batch_async": 20, "loop": 5, "gather": 20}
RSS_FROM = 500  # the item after which RSS must stay flat (a quarter of the run in quick mode)

# (label, ratio key, comparison, threshold), in the shape of _report.TARGETS
TARGETS: tuple[tuple[str, str, str, float], ...] = (
    ("image_batch items per window / rate limit L", "batch.throughput_vs_limit", ">=", 0.90),
    ("image_batch requests answered 429 (share)", "batch.share_429", "<=", 0.02),
    ("image_batch RSS growth over the run (MiB)", "batch.rss_growth_mib", "<", 5.0),
)


def run_batch(config: Config) -> dict[str, Any]:
    limit, window = (QUICK_LIMIT, QUICK_WINDOW) if config.quick else (LIMIT, WINDOW)
    counts = QUICK_COUNTS if config.quick else COUNTS
    options = ("--rate-limit", str(limit), "--rate-window", str(window))
    options += ("--generation-delay", str(DELAY))
    result: dict[str, Any] = {"limit": limit, "window": window, "generation_delay": DELAY}
    with tempfile.TemporaryDirectory(prefix="rw-bench-batch-") as tmp:
        for name, count in counts.items():
            try:
                with Emulator(*options) as emulator:
                    out = Path(tmp) / name
                    args = [str(CHILD), name, emulator.url, emulator.key, str(count), str(out)]
                    run = run_json_child(args)
            except Exception as exc:
                result[name] = {"error": error_text(exc)}
                continue
            result[name] = _figures(run, count, limit, window)
            log(config, f"  batch: {name} done ({count} items)")
    return result


def _figures(run: dict[str, Any], count: int, limit: int, window: float) -> dict[str, Any]:
    elapsed = float(run["elapsed"])
    figures: dict[str, Any] = {
        "items": count,
        "done": run["done"],
        "failed": run["failed"],
        "elapsed_s": elapsed,
        "items_per_window": run["done"] / elapsed * window,
        "throughput_vs_limit": run["done"] / elapsed * window / limit,
        "requests": run["requests"],
        "answered_429": run["status_429"],
        "share_429": run["status_429"] / run["requests"] if run["requests"] else 0.0,
    }
    samples = run.get("rss_samples")
    if samples:
        start = min(RSS_FROM, count // 4)
        after = [rss for done, rss in samples if done >= start]
        figures["rss_mib"] = {"after_first": after[0], "at_end": samples[-1][1]}
        figures["rss_growth_mib"] = samples[-1][1] - after[0]
        figures["rss_from_item"] = start
        figures["rss_samples"] = samples
    return figures


def _number(section: dict[str, Any], name: str, key: str) -> float | None:
    value = section.get(name, {}).get(key)
    return float(value) if isinstance(value, int | float) else None


def ratios(results: dict[str, Any]) -> dict[str, float | None]:
    """The section's figures for _report.ratios."""
    section = results.get("batch")
    if not isinstance(section, dict):
        return {}
    out: dict[str, float | None] = {
        "batch.throughput_vs_limit": _number(section, "batch", "throughput_vs_limit"),
        "batch.share_429": _number(section, "batch", "share_429"),
        "batch.rss_growth_mib": _number(section, "batch", "rss_growth_mib"),
    }
    for name in ("batch_async", "loop", "gather"):
        out[f"batch.{name}.throughput_vs_limit"] = _number(section, name, "throughput_vs_limit")
        out[f"batch.{name}.share_429"] = _number(section, name, "share_429")
    out["batch.vs_loop"] = ratio(
        _number(section, "batch", "items_per_window"), _number(section, "loop", "items_per_window")
    )
    out["batch.vs_gather"] = ratio(
        _number(section, "batch", "items_per_window"),
        _number(section, "gather", "items_per_window"),
    )
    return out


def table_rows(section: dict[str, Any]) -> list[tuple[str, list[str], str | None, None]]:
    """(label, cells, ratio key, None) for _table.render's ``row()``; the cells are railwail,
    baseline, openai (none here)."""
    from ._table import _cell

    where = (
        f"L={section['limit']} per {section['window']:g} s, "
        f"{section['generation_delay'] * 1000:.0f} ms generations"
    )

    def cells(key: str, baseline: str, digits: int = 2) -> list[str]:
        return [
            _cell(section, "batch", key, digits=digits),
            _cell(section, baseline, key, digits=digits),
            "—",
        ]

    rows: list[tuple[str, list[str], str | None, None]] = [
        (
            f"Bulk: items per window / L ({where}; baseline = naive loop)",
            cells("throughput_vs_limit", "loop"),
            "batch.vs_loop",
            None,
        ),
        (
            "Bulk: the same, baseline = naive asyncio.gather",
            cells("throughput_vs_limit", "gather"),
            "batch.vs_gather",
            None,
        ),
        (
            "Bulk: share of requests answered 429 (baseline = naive asyncio.gather)",
            cells("share_429", "gather", digits=3),
            None,
            None,
        ),
        (
            "Bulk: items failed (baseline = naive asyncio.gather)",
            cells("failed", "gather", digits=0),
            None,
            None,
        ),
        (
            "Bulk: async image_batch items per window / L (baseline = naive loop)",
            [
                _cell(section, "batch_async", "throughput_vs_limit", digits=2),
                _cell(section, "loop", "throughput_vs_limit", digits=2),
                "—",
            ],
            None,
            None,
        ),
    ]
    if "rss_growth_mib" in section.get("batch", {}):
        batch = section["batch"]
        rows.append(
            (
                f"Bulk: image_batch RSS growth from item {batch['rss_from_item']:,} to "
                f"{batch['items']:,} (MiB)",
                [_cell(section, "batch", "rss_growth_mib", digits=2), "—", "—"],
                None,
                None,
            )
        )
    return rows
