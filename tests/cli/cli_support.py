"""Helpers shared by the command-line tests (imported by name: this directory is on sys.path
when pytest collects it)."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

SUBPROCESS_TIMEOUT = 30  # seconds; a subprocess test that hangs fails instead of blocking CI
_PROXY_VARS = {"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"}


@dataclass
class Result:
    code: int
    out: str
    err: str


class FakeStdin(io.StringIO):
    """stdin with a chosen answer to isatty(): piped text, or a terminal."""

    def __init__(self, text: str, tty: bool) -> None:
        super().__init__(text)
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


Cli = Callable[..., Result]


def child_env(config_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a subprocess: no RAILWAIL_* or proxy settings of the machine's."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("RAILWAIL_") and k.upper() not in _PROXY_VARS
    }
    env["RAILWAIL_CONFIG_DIR"] = str(config_dir)
    env.update(extra)
    return env


def default_sigint() -> None:
    # A job started in the background by a non-interactive shell inherits SIGINT ignored, and
    # Python then installs no KeyboardInterrupt handler: give the child the default.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def spawn(args: list[str], config_dir: Path, cwd: Path, **env: str) -> subprocess.Popen[str]:
    """``python -m railwail ARGS`` started in the background (for signals)."""
    return subprocess.Popen(
        [sys.executable, "-m", "railwail", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env(config_dir, **env),
        cwd=cwd,
        preexec_fn=default_sigint,
    )


def is_png(path: Path) -> bool:
    return path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
