"""Fixtures for the tests of examples/: each script runs as a user would run it, in a
subprocess whose RAILWAIL_BASE_URL and RAILWAIL_API_KEY point at the test's FakeGateway."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from example_support import EXAMPLES, SUBPROCESS_TIMEOUT, RunExample, example_env

from railwail.testing import FakeGateway


@pytest.fixture
def run_example(tmp_path: Path, fake_gateway: FakeGateway) -> RunExample:
    """``run_example("stream_chat.py", "a question")``: runs examples/stream_chat.py in
    ``tmp_path`` against ``fake_gateway`` (``gateway=`` another one, or ``None`` for no key)."""

    def run(
        script: str, *args: str, gateway: FakeGateway | None = fake_gateway
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(EXAMPLES / script), *args],
            cwd=tmp_path,
            env=example_env(gateway, tmp_path / "config"),
            capture_output=True,
            text=True,
            timeout=SUBPROCESS_TIMEOUT,
            check=False,
        )

    return run
