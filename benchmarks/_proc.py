"""Child processes: the loopback server and one-shot measurement children."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import Any

HERE = Path(__file__).resolve().parent
SERVER_SCRIPT = HERE / "_server.py"
STARTUP_TIMEOUT = 30.0
CHILD_TIMEOUT = 600.0


class BenchServer:
    """The canned-response server in its own process; a context manager that always stops it.

    ``url`` is ``http://127.0.0.1:<port>``; the API lives under ``/api/v1`` and the large-payload
    variant under ``/big/api/v1``.
    """

    def __init__(self) -> None:
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        return self.url + "/api/v1"

    @property
    def big_api_base(self) -> str:
        return self.url + "/big/api/v1"

    def start(self) -> BenchServer:
        self.proc = subprocess.Popen(
            [sys.executable, str(SERVER_SCRIPT)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=_clean_env(),
        )
        try:
            assert self.proc.stdout is not None
            ready, _, _ = select.select([self.proc.stdout], [], [], STARTUP_TIMEOUT)
            line = self.proc.stdout.readline().decode() if ready else ""
            if not line.startswith("PORT "):
                raise RuntimeError(f"benchmark server did not start (got {line!r})")
            self.port = int(line.split()[1])
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        try:
            if proc.stdin is not None:
                proc.stdin.close()  # the server exits when its stdin closes
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.terminate()
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=5)
        finally:
            if proc.stdout is not None:
                proc.stdout.close()

    def __enter__(self) -> BenchServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _clean_env() -> dict[str, str]:
    """The environment for children: no proxies, no keys or URLs that clients would pick up."""
    drop = {"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"}
    env = {
        k: v
        for k, v in os.environ.items()
        if k.upper() not in drop
        and not k.startswith(("OPENAI_", "RAILWAIL_"))
        and k not in ("PYTHONPROFILEIMPORTTIME", "COV_CORE_SOURCE")
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # use the .pyc caches, as a user's install would
    return env


def run_python(code_or_args: list[str], timeout: float = CHILD_TIMEOUT) -> tuple[float, str]:
    """Run ``python <args>``; return (wall seconds, stdout). Raise with stderr on failure."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *code_or_args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=_clean_env(),
        cwd=str(HERE.parent),
        check=False,
    )
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(
            f"child {code_or_args[:2]!r} failed ({done.returncode}): {done.stderr.strip()[-2000:]}"
        )
    return wall, done.stdout


def run_json_child(args: list[str], timeout: float = CHILD_TIMEOUT) -> dict[str, Any]:
    """Run a child that prints one JSON object as its last stdout line."""
    _, out = run_python(args, timeout)
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result
