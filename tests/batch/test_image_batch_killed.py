"""A batch whose process is killed (SIGKILL) mid-way, then run again: it completes, and no item
is charged twice. The emulator runs here, in the test's process, and outlives the batch's."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from railwail import Railwail
from railwail.testing import FakeGateway
from support import PNG_SIGNATURE

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

COUNT = 40
PROMPTS = [f"a cat number {i}" for i in range(COUNT)]
BATCH = f"""
import sys
from railwail import Railwail

url, key, out = sys.argv[1:4]
with Railwail(key, base_url=url) as rw:
    rw.image_batch("flux-schnell", {PROMPTS!r}, out_dir=out, size="256x256")
"""


def child_env() -> dict[str, str]:
    drop = {"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"}
    return {
        k: v
        for k, v in os.environ.items()
        if k.upper() not in drop and not k.startswith("RAILWAIL_")
    }


def whole_lines(path: Path) -> list[dict[str, object]]:
    data = path.read_bytes() if path.exists() else b""
    return [json.loads(line) for line in data[: data.rfind(b"\n") + 1].splitlines()]


def test_a_killed_batch_resumes_and_charges_nothing_twice(tmp_path: Path) -> None:
    out = tmp_path / "out"
    manifest = out / "railwail-batch.jsonl"
    with FakeGateway(generation_delay=0.1) as gw:
        child = subprocess.Popen(
            [sys.executable, "-c", BATCH, gw.url, gw.api_key, str(out)],
            env=child_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            deadline = time.monotonic() + 20
            while len(whole_lines(manifest)) < 9 and time.monotonic() < deadline:
                assert child.poll() is None, child.stderr.read() if child.stderr else ""
                time.sleep(0.01)
        finally:
            child.kill()
            child.wait(10)
            if child.stderr is not None:
                child.stderr.close()
        assert child.returncode == -signal.SIGKILL
        recorded = whole_lines(manifest)[1:]
        assert 8 <= len(recorded) < COUNT
        sent = {r.headers["idempotency-key"] for r in gw.requests_to("/images/generations")}
        in_flight = sent - {str(record["key"]) for record in recorded}
        assert in_flight  # requests the gateway received, and the killed run never recorded

        with Railwail(gw.api_key, base_url=gw.url) as rw:
            result = rw.image_batch("flux-schnell", PROMPTS, out_dir=out, size="256x256")

        assert result.counts == {
            "done": COUNT - len(recorded),
            "skipped": len(recorded),
            "failed": 0,
            "pending": 0,
        }
        charges = gw.charges
        assert len(charges) == COUNT
        assert set(charges.values()) == {1}  # nothing paid for twice
        replayed = {
            r.headers["idempotency-key"]
            for r in gw.requests_to("/images/generations")
            if r.replayed
        }
        assert in_flight <= replayed  # answered from the gateway's records, not made again
        assert gw.errors == 0
    files = sorted(out.iterdir())
    assert [p.name for p in files if p.suffix == ".png"] == sorted(p.name for p in result.paths)
    assert all(p.read_bytes().startswith(PNG_SIGNATURE) for p in result.paths)
    assert not [p for p in files if p.name.endswith(".tmp")]
