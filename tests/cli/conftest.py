"""Fixtures for the command-line tests: the command run in-process (fast, and measured by
coverage) or as a real subprocess (exit codes, signals, stdin, the console script)."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_support import SUBPROCESS_TIMEOUT, Cli, FakeStdin, Result, child_env

from railwail._cli import main
from railwail.testing import FakeGateway

_MACHINE_SETTINGS = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
)


@pytest.fixture(autouse=True)
def _no_machine_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """doctor reports these; the tests set the ones they need."""
    for name in _MACHINE_SETTINGS:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


@pytest.fixture
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty config directory of the test's own (RAILWAIL_CONFIG_DIR)."""
    path = tmp_path / "config"
    monkeypatch.setenv("RAILWAIL_CONFIG_DIR", str(path))
    return path


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The current directory of the command (where images go by default)."""
    path = tmp_path / "work"
    path.mkdir()
    monkeypatch.chdir(path)
    return path


@pytest.fixture
def gw(fake_gateway: FakeGateway, monkeypatch: pytest.MonkeyPatch) -> FakeGateway:
    """The emulator, with RAILWAIL_BASE_URL and RAILWAIL_API_KEY pointing at it."""
    monkeypatch.setenv("RAILWAIL_BASE_URL", fake_gateway.url)
    monkeypatch.setenv("RAILWAIL_API_KEY", fake_gateway.api_key)
    return fake_gateway


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, config_dir: Path, workdir: Path) -> Cli:
    """Runs ``railwail ARGS`` in this process: ``cli("image", "a cat", stdin="...")``."""

    def run(*args: str, stdin: str | None = "", tty: bool = False) -> Result:
        out, err = io.StringIO(), io.StringIO()
        monkeypatch.setattr(sys, "stdin", None if stdin is None else FakeStdin(stdin, tty))
        monkeypatch.setattr(sys, "stdout", out)
        monkeypatch.setattr(sys, "stderr", err)
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse: --help, --version, usage errors
            code = exc.code if isinstance(exc.code, int) else 1
        return Result(code, out.getvalue(), err.getvalue())

    return run


@pytest.fixture
def run_cli(config_dir: Path, workdir: Path) -> Callable[..., Result]:
    """Runs ``python -m railwail ARGS`` as a subprocess in ``workdir``, bounded in time."""

    def run(*args: str, stdin: str = "", env: dict[str, str] | None = None) -> Result:
        done = subprocess.run(
            [sys.executable, "-m", "railwail", *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=SUBPROCESS_TIMEOUT,
            env=child_env(config_dir, **(env or {})),
            cwd=workdir,
            check=False,
        )
        return Result(done.returncode, done.stdout, done.stderr)

    return run
