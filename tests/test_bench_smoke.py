"""Smoke run of the benchmark harness (benchmarks/): structure and sanity, never timings.

Runs every section with tiny counts against the real loopback server process and checks that
the report has every figure, that each is a positive number and that nothing failed. It does
not assert any speed: the targets are for `make bench` on a quiet machine.
"""

from __future__ import annotations

import dataclasses
import json
import math
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python -m pytest` has it already; plain `pytest` may not
    sys.path.insert(0, str(ROOT))

from benchmarks import _report, parse_args, run  # noqa: E402
from benchmarks._proc import BenchServer  # noqa: E402
from benchmarks._table import render  # noqa: E402

CONTENDERS = ("railwail", "httpx", "openai")


def _positive(value: Any) -> bool:
    return isinstance(value, int | float) and math.isfinite(value) and value > 0


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    config, write = parse_args(["--quick", "--no-write", "--rounds", "1", "--n", "20"])
    assert write is False
    return run(dataclasses.replace(config, log=False))


def test_config_from_quick_flags() -> None:
    config, write = parse_args(["--quick", "--no-write", "--only", "sync", "--only", "import"])
    assert write is False
    assert config.sections == ("import", "sync")
    assert config.quick
    assert config.n < 5000


def test_default_config_matches_the_documented_run() -> None:
    config, write = parse_args([])
    assert write is True
    assert (config.rounds, config.n, config.concurrency) == (5, 5000, 64)
    assert (config.memory_n, config.memory_warmup) == (20_000, 1000)
    assert (config.stream_n, config.embed_n) == (100, 20)
    assert config.sections == (
        "import",
        "sync",
        "async",
        "payload",
        "stream",
        "embed",
        "memory",
        "cli",
        "batch",
    )


def test_report_has_machine_versions_and_config(report: dict[str, Any]) -> None:
    assert report["machine"]["cores"] >= 1
    assert report["machine"]["cpu"]
    for package in ("python", "httpx", "pydantic", "tenacity", "openai", "railwail"):
        assert report["versions"][package] != "not installed"
    assert report["config"]["n"] == 20
    assert report["config"]["rounds"] == 1
    assert json.loads(json.dumps(report))["config"]["n"] == 20  # written to results/*.json


def test_import_figures(report: dict[str, Any]) -> None:
    imp = report["results"]["import"]
    for name in ("railwail", "floor", "openai"):
        assert "error" not in imp[name], imp[name]
        assert _positive(imp[name]["in_process_ms"])
        assert _positive(imp[name]["wall_ms"])
        assert _positive(imp[name]["first_call_ms"])
        assert _positive(imp[name]["first_wall_ms"])
        assert _positive(imp[name]["peak_rss_mib"])


def test_sync_figures(report: dict[str, Any]) -> None:
    for endpoint in ("image", "chat"):
        for name in CONTENDERS:
            entry = report["results"]["sync"][endpoint][name]
            assert "error" not in entry, entry
            assert _positive(entry["us_per_call"])
            assert len(entry["samples"]) == 1


def test_async_figures(report: dict[str, Any]) -> None:
    aio = report["results"]["async"]
    assert aio["concurrency"] == 64
    for name in CONTENDERS:
        entry = aio["image"][name]
        assert "error" not in entry, entry
        assert _positive(entry["requests_per_second"])
        assert "max_connections=" in entry["limits"]


def test_payload_figures(report: dict[str, Any]) -> None:
    pay = report["results"]["payload"]
    assert pay["images_per_response"] == 4
    for name in ("railwail", "httpx"):
        assert "error" not in pay[name], pay[name]
        assert _positive(pay[name]["ms_per_request"])


@pytest.mark.parametrize("section", ["stream", "embed"])
def test_stream_and_embed_figures(report: dict[str, Any], section: str) -> None:
    part = report["results"][section]
    assert part["requests_per_round"] == 1
    for name in CONTENDERS:
        entry = part[name]
        assert "error" not in entry, entry
        assert _positive(entry["ms_per_request"])
        assert len(entry["samples"]) == 1
    for base in ("httpx", "openai"):
        assert _positive(report["ratios"][f"{section}.railwail_vs_{base}"])
        assert f"{section}.railwail_vs_{base}" in report["per_round_ratios"]


def test_server_answers_the_stream_and_embedding_variants() -> None:
    import httpx
    from benchmarks._server import EMBED_DIMENSIONS, EMBED_INPUTS, STREAM_TOKENS

    with BenchServer() as server, httpx.Client() as client:
        stream = client.post(
            server.api_base + "/chat/completions", json={"model": "m", "stream": True}
        )
        assert stream.headers["content-type"].startswith("text/event-stream")
        assert stream.text.count("data: ") == STREAM_TOKENS + 3  # role, tokens, finish, [DONE]
        floats = client.post(server.api_base + "/embeddings", json={"model": "m"}).json()
        packed = client.post(
            server.api_base + "/embeddings", json={"model": "m", "encoding_format": "base64"}
        ).json()
    assert len(floats["data"]) == len(packed["data"]) == EMBED_INPUTS
    assert len(floats["data"][0]["embedding"]) == EMBED_DIMENSIONS
    assert isinstance(packed["data"][0]["embedding"], str)


def test_memory_figures(report: dict[str, Any]) -> None:
    mem = report["results"]["memory"]
    for name in ("railwail", "floor"):
        assert _positive(mem["import_peak_rss"][name]["mib"]), mem["import_peak_rss"][name]
    for name in ("railwail", "httpx"):
        entry = mem["rss_growth"][name]
        assert "error" not in entry, entry
        assert _positive(entry["rss_before_mib"])
        assert _positive(entry["rss_after_mib"])
        assert math.isfinite(entry["growth_mib"])  # may be 0 or slightly negative


def test_cli_startup_figures(report: dict[str, Any]) -> None:
    cli = report["results"]["cli"]
    assert cli["entry"] in ("console script", "python -m railwail")
    for name in ("railwail_version", "import_railwail", "cli_image", "httpx_image", "sdk_image"):
        assert "error" not in cli[name], cli[name]
        assert _positive(cli[name]["wall_ms"])
        assert len(cli[name]["samples"]) == 1
    for key in ("cli.version_vs_import", "cli.image_vs_httpx", "cli.image_vs_sdk"):
        assert _positive(report["ratios"][key]), key


def test_batch_figures(report: dict[str, Any]) -> None:
    batch = report["results"]["batch"]
    assert (batch["limit"], batch["window"]) == (20, 0.25)
    for name, items in (("batch", 40), ("batch_async", 20), ("loop", 5), ("gather", 20)):
        entry = batch[name]
        assert "error" not in entry, entry
        assert entry["items"] == items
        assert entry["done"] + entry["failed"] == items
        assert _positive(entry["throughput_vs_limit"])
        assert entry["requests"] >= entry["done"]
        assert 0 <= entry["share_429"] <= 1
    assert batch["batch"]["done"] == 40  # image_batch fails nothing
    assert len(batch["batch"]["rss_samples"]) == 20
    assert math.isfinite(batch["batch"]["rss_growth_mib"])


def test_every_ratio_and_target_is_computed(report: dict[str, Any]) -> None:
    ratios = report["ratios"]
    may_be_zero = ("memory.rss_growth_mib", "batch.rss_growth_mib")
    for key, value in ratios.items():
        if key in may_be_zero or key.endswith("share_429"):
            assert value is not None, key
            assert math.isfinite(value), key
        else:
            assert _positive(value), key
    assert len(report["targets"]) == len(_report.TARGETS)
    for target in report["targets"]:
        assert target["status"] in ("PASS", "MISS"), target


def test_render_and_write(report: dict[str, Any], tmp_path: Path) -> None:
    markdown = render(report)
    assert "| Target |" in markdown
    assert "Errors:" not in markdown
    assert markdown.count("PASS") + markdown.count("MISS") == len(_report.TARGETS)
    written = _report.write(report, markdown, directory=tmp_path)
    assert sorted(p.name for p in written) == sorted(
        [f"{report['timestamp']}.json", "latest.json", "latest.md"]
    )
    assert json.loads((tmp_path / "latest.json").read_text())["ratios"] == report["ratios"]
    assert not list(tmp_path.glob("*.tmp"))


def test_server_routes_and_stops() -> None:
    import httpx

    with BenchServer() as server, httpx.Client() as client:
        missing = client.post(server.api_base + "/nope", json={})
        assert missing.status_code == 404
        assert missing.headers["x-request-id"]
        ok = client.post(server.api_base + "/images/generations", json={"model": "m"})
        assert ok.headers["x-ratelimit-limit"] == "60"
        proc = server.proc
        assert proc is not None
    assert proc.returncode is not None
