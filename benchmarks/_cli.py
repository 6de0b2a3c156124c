"""Command line: ``python -m benchmarks [--rounds R] [--n N] [--only SECTION] ...``."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from . import _report
from ._async import run_async
from ._batch import run_batch
from ._common import SECTIONS, Config, log
from ._embed import run_embed
from ._imports import run_imports
from ._memory import run_memory
from ._payload import run_payload
from ._proc import BenchServer
from ._startup import run_startup
from ._stream import run_stream
from ._sync import run_sync
from ._table import render

QUICK_N = 50


def parse_args(argv: list[str] | None = None) -> tuple[Config, bool]:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="railwail against raw httpx and the openai package, side by side.",
    )
    parser.add_argument("--rounds", type=int, default=None, help="rounds per figure (default 5)")
    parser.add_argument("--n", type=int, default=None, help="calls per round (default 5000)")
    parser.add_argument("--concurrency", type=int, default=64, help="async in-flight requests")
    parser.add_argument(
        "--only",
        action="append",
        choices=SECTIONS,
        help="run only this section (repeatable; default: all)",
    )
    parser.add_argument("--quick", action="store_true", help="tiny counts for a smoke run")
    parser.add_argument("--no-write", action="store_true", help="do not write benchmarks/results")
    args = parser.parse_args(argv)
    quick: bool = args.quick
    n: int = args.n if args.n is not None else (QUICK_N if quick else 5000)
    rounds: int = args.rounds if args.rounds is not None else (2 if quick else 5)
    if n < 1 or rounds < 1 or args.concurrency < 1:
        parser.error("--n, --rounds and --concurrency must be positive")
    sections = tuple(s for s in SECTIONS if s in args.only) if args.only else SECTIONS
    config = Config(
        rounds=rounds,
        n=n,
        concurrency=args.concurrency,
        sections=sections,
        quick=quick,
        payload_n=max(1, n // 500),
        stream_n=max(1, n // 50),
        embed_n=max(1, n // 250),
        memory_n=4 * n,
        memory_warmup=max(10, n // 5),
    )
    return config, not args.no_write


def run(config: Config) -> dict[str, Any]:
    """Run the selected sections, one at a time, and build the report dictionary."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    results: dict[str, Any] = {}
    with BenchServer() as server:
        log(config, f"server: {server.url} (separate process)")
        if "import" in config.sections:
            log(config, "import: fresh processes ...")
            results["import"] = run_imports(config, server.api_base)
        if "sync" in config.sections:
            log(config, f"sync: N={config.n} per client and round ...")
            results["sync"] = run_sync(config, server.api_base)
        if "async" in config.sections:
            log(config, f"async: N={config.n}, concurrency={config.concurrency} ...")
            results["async"] = run_async(config, server.api_base)
        if "payload" in config.sections:
            log(config, f"payload: {config.payload_n} requests per client and round ...")
            results["payload"] = run_payload(config, server.big_api_base)
        if "stream" in config.sections:
            log(config, f"stream: {config.stream_n} streams per client and round ...")
            results["stream"] = run_stream(config, server.api_base)
        if "embed" in config.sections:
            log(config, f"embed: {config.embed_n} requests per client and round ...")
            results["embed"] = run_embed(config, server.api_base)
        if "memory" in config.sections:
            log(config, f"memory: {config.memory_n} requests per child ...")
            results["memory"] = run_memory(config, server.api_base, results.get("import"))
    if "cli" in config.sections:
        log(config, "cli: railwail command start-up, fresh processes ...")
        results["cli"] = run_startup(config)
    if "batch" in config.sections:
        log(config, "batch: image_batch against the emulator, beside naive loops ...")
        results["batch"] = run_batch(config)
    ratio_values = _report.ratios(results)
    return {
        "timestamp": stamp,
        "machine": _report.machine(),
        "versions": _report.versions(),
        "config": {
            "rounds": config.rounds,
            "n": config.n,
            "concurrency": config.concurrency,
            "sections": list(config.sections),
            "quick": config.quick,
            "warmup": config.warmup,
            "payload_n": config.payload_n,
            "stream_n": config.stream_n,
            "embed_n": config.embed_n,
            "memory_n": config.memory_n,
            "memory_warmup": config.memory_warmup,
        },
        "results": results,
        "ratios": ratio_values,
        "per_round_ratios": _report.per_round_ratios(results),
        "targets": _report.targets(ratio_values),
    }


def main(argv: list[str] | None = None) -> int:
    config, write = parse_args(argv)
    report = run(config)
    markdown = render(report)
    print()
    print(markdown, end="")
    if write:
        for path in _report.write(report, markdown):
            print(f"wrote {path}")
    return 0
