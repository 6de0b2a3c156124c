"""The command as users run it: a real process (``python -m railwail``) against the emulator
started here, with real stdin, stdout, stderr, exit codes, files and signals.

Each process costs ~0.2 s, so this file holds one test per property that only a real process
shows; the in-process tests cover the rest.
"""

from __future__ import annotations

import json
import os
import select
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

import httpx
import pytest
from cli_support import SUBPROCESS_TIMEOUT, Result, is_png, spawn

import railwail
from railwail.testing import FakeGateway

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and file modes")

Run = Callable[..., Result]


def gateway_env(gw: FakeGateway) -> dict[str, str]:
    return {"RAILWAIL_BASE_URL": gw.url, "RAILWAIL_API_KEY": gw.api_key}


def test_console_script_is_declared() -> None:
    (script,) = [
        ep for ep in metadata.entry_points(group="console_scripts") if ep.name == "railwail"
    ]
    assert script.value == "railwail._cli:main"
    assert script.load() is railwail._cli.main


def test_version(run_cli: Run) -> None:
    result = run_cli("--version")
    assert (result.code, result.out, result.err) == (0, f"railwail {railwail.__version__}\n", "")


def test_image_with_the_prompt_piped(
    run_cli: Run, fake_gateway: FakeGateway, workdir: Path
) -> None:
    result = run_cli(
        "image", "-m", "flux-schnell", stdin="a red fox\n", env=gateway_env(fake_gateway)
    )
    assert (result.code, result.err) == (0, "")
    path = Path(result.out.strip())
    assert path.parent == workdir
    assert is_png(path)
    assert fake_gateway.requests_to("/images/generations")[0].json()["prompt"] == "a red fox"


def test_image_command_never_imports_pydantic(
    run_cli: Run, fake_gateway: FakeGateway, workdir: Path
) -> None:
    # Its start-up budget (docs/performance.md): the answer is read without response objects.
    env = {**gateway_env(fake_gateway), "PYTHONPROFILEIMPORTTIME": "1"}
    result = run_cli("image", "a cat", "-m", "flux-schnell", "-o", "cat.png", env=env)
    assert result.code == 0, result.err
    imported = [line.rsplit("|", 1)[-1].strip() for line in result.err.splitlines()]
    assert "railwail._image_data" in imported  # the profile is there...
    assert [name for name in imported if name.startswith("pydantic")] == []  # ...without it
    assert is_png(workdir / "cat.png")


def test_chat_streams_with_piped_stdin(run_cli: Run, fake_gateway: FakeGateway) -> None:
    result = run_cli(
        "chat", "-m", "gpt-4o", "review this", stdin="+ added\n", env=gateway_env(fake_gateway)
    )
    assert (result.code, result.out, result.err) == (
        0,
        "Echo from gpt-4o: review this + added\n",
        "",
    )
    assert fake_gateway.requests_to("/chat/completions")[0].json()["messages"] == [
        {"role": "user", "content": "review this\n\n+ added"}
    ]


def test_usage_error_exit_2(run_cli: Run) -> None:
    result = run_cli("image", "a cat")
    assert result.code == 2
    assert "the following arguments are required: -m/--model" in result.err
    assert result.out == ""


def test_missing_key_one_line_exit_3(run_cli: Run, fake_gateway: FakeGateway) -> None:
    result = run_cli("models", env={"RAILWAIL_BASE_URL": fake_gateway.url})
    assert result.code == 3
    assert result.err.startswith("railwail: error: No API key: ")
    assert result.err.count("\n") == 1
    assert "Traceback" not in result.err
    assert fake_gateway.requests == []


def test_doctor_ok_and_unreachable(run_cli: Run, fake_gateway: FakeGateway) -> None:
    ok = run_cli("doctor", env=gateway_env(fake_gateway))
    assert ok.code == 0, ok.err
    assert "OK: the gateway answered and accepted the key." in ok.out
    assert fake_gateway.api_key not in ok.out + ok.err
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))  # bound, not listening: connections are refused
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/api/v1"
        down = run_cli("doctor", "--base-url", url, env={"RAILWAIL_API_KEY": "k"})
    assert down.code == 6
    assert down.err.startswith(f"railwail: error: cannot reach {url}")
    assert down.err.count("\n") == 1
    assert "Traceback" not in down.err


def test_login_stores_the_key_0600_and_every_process_uses_it(
    run_cli: Run, fake_gateway: FakeGateway, config_dir: Path
) -> None:
    url = {"RAILWAIL_BASE_URL": fake_gateway.url}
    login = run_cli("auth", "login", "--with-token", stdin=fake_gateway.api_key, env=url)
    assert login.code == 0, login.err
    path = config_dir / "api_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert fake_gateway.api_key not in login.out + login.err
    status = run_cli("auth", "status", "--json")
    assert json.loads(status.out)["source"] == f"the stored key {path}"
    models = run_cli("models", "--json", env=url)  # no key in the environment: the stored one
    assert models.code == 0, models.err
    assert fake_gateway.requests[-1].headers["authorization"] == f"Bearer {fake_gateway.api_key}"
    assert run_cli("auth", "logout").code == 0
    assert not path.exists()


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + SUBPROCESS_TIMEOUT
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def test_ctrl_c_exits_130_without_traceback_or_partial_file(
    fake_gateway: FakeGateway, config_dir: Path, workdir: Path
) -> None:
    fake_gateway.delay(SUBPROCESS_TIMEOUT, path="/images/generations")
    args = ["image", "a cat", "-m", "flux-schnell", "-o", "out/"]
    proc = spawn(args, config_dir, workdir, **gateway_env(fake_gateway))
    try:
        wait_for(lambda: bool(fake_gateway.requests_to("/images/generations")), "the request")
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=SUBPROCESS_TIMEOUT)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == 130
    assert (out, err) == ("", "")
    assert list(workdir.iterdir()) == []  # no file, no temporary file, not even out/


def test_emulator_serves_until_ctrl_c(config_dir: Path, workdir: Path) -> None:
    args = ["emulator", "--port", "0", "--key", "sk-local", "--rate-limit", "1", "--json"]
    proc = spawn(args, config_dir, workdir)
    try:
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], SUBPROCESS_TIMEOUT)
        assert ready, "the emulator printed nothing"
        info = json.loads(proc.stdout.readline())
        assert info["api_key"] == "sk-local"
        headers = {"Authorization": "Bearer sk-local"}
        with httpx.Client(timeout=SUBPROCESS_TIMEOUT) as client:
            first = client.get(info["url"] + "/models", params={"limit": 1}, headers=headers)
            second = client.get(info["url"] + "/models", params={"limit": 1}, headers=headers)
        assert (first.status_code, second.status_code) == (200, 429)
        assert first.json()["data"][0]["slug"]
        # The note comes just after the ready line: wait for it, or a Ctrl-C sent in between
        # (a busy machine may hold the process there) stops the emulator before it is printed.
        assert proc.stderr is not None
        ready, _, _ = select.select([proc.stderr], [], [], SUBPROCESS_TIMEOUT)
        assert ready, "the emulator printed no note"
        assert proc.stderr.readline() == "Press Ctrl-C to stop.\n"
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=SUBPROCESS_TIMEOUT)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == 130
    assert err == "railwail emulator stopped.\n"


def test_closed_pipe_is_quiet(fake_gateway: FakeGateway, config_dir: Path, workdir: Path) -> None:
    env = {**os.environ, **gateway_env(fake_gateway), "RAILWAIL_CONFIG_DIR": str(config_dir)}
    # ~3 MB of vectors: far more than a pipe holds, so writing fails once head has quit.
    texts = " ".join(f"t{i}" for i in range(100))
    command = f"{sys.executable} -m railwail embed -m text-embedding-3-small {texts} | head -n 1"
    done = subprocess.run(
        ["sh", "-c", command],
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT,
        env=env,
        cwd=workdir,
        check=False,
    )
    assert len(json.loads(done.stdout)) == 1536
    assert done.stderr == ""
