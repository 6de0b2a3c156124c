"""doctor, auth and emulator, and what every command shares (global options, errors, -v),
run in-process."""

from __future__ import annotations

import json
import logging
import os
import socket
import stat
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cli_support import Cli

import railwail
from railwail.testing import FakeGateway

KEY = "rw_test_0123456789abcdefghij"  # long enough for its last four characters to show


@pytest.fixture
def refused_port() -> Iterator[int]:
    """A loopback port bound by nobody's listener: connecting is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))  # bound, never listening
        yield sock.getsockname()[1]


@pytest.fixture
def keyed_gw(gw: FakeGateway, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGateway]:
    """An emulator that accepts KEY (a key long enough to be shown masked as ****ghij)."""
    with FakeGateway(api_keys=[KEY]) as gateway:
        monkeypatch.setenv("RAILWAIL_BASE_URL", gateway.url)
        monkeypatch.setenv("RAILWAIL_API_KEY", KEY)
        yield gateway


# -- doctor -------------------------------------------------------------------------------------


def rows_of(report: str) -> dict[str, str]:
    """doctor's label/value table as a dict (the values start in one column)."""
    lines = [line for line in report.splitlines() if line.strip()]
    column = lines[0].index(railwail.__version__)
    return {line[:column].strip(): line[column:] for line in lines if line[:column].strip()}


def test_doctor_reports_the_setup_and_one_live_request(cli: Cli, keyed_gw: FakeGateway) -> None:
    result = cli("doctor")
    assert result.code == 0, result.err
    rows = rows_of(result.out.split("\n\nOK:")[0])
    assert rows["railwail"] == railwail.__version__
    assert rows["Python"].startswith(f"{sys.version_info.major}.{sys.version_info.minor}.")
    assert {"httpx", "pydantic", "tenacity"} <= set(rows)
    assert rows["base URL"] == f"{keyed_gw.url} (from RAILWAIL_BASE_URL)"
    assert rows["API key"] == "****ghij (from RAILWAIL_API_KEY)"
    assert KEY not in result.out + result.err
    assert rows["timeout"] == "connect 5 s, read 300 s, write 60 s, pool 30 s"
    assert rows["retries"] == "2"
    assert rows["GET /models"].startswith("200 OK in ")
    assert "(request_id req_" in rows["GET /models"]
    assert rows["rate limit"].startswith("59 of 60 left, resets ")
    assert result.out.endswith("\n\nOK: the gateway answered and accepted the key.\n")
    (probe,) = keyed_gw.requests
    assert (probe.method, probe.path, probe.query) == (
        "GET",
        "/api/v1/models",
        {"limit": "1", "offset": "0"},
    )


def test_doctor_json(cli: Cli, keyed_gw: FakeGateway, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://user:s3cret@proxy.example:3128")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/bundle.pem")
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    result = cli("doctor", "--json", "--timeout", "7", "--max-retries", "4")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert report["ok"] is True
    assert report["versions"]["railwail"] == railwail.__version__
    assert report["api_key"] == {"masked": "****ghij", "source": "RAILWAIL_API_KEY"}
    assert report["base_url"] == {"value": keyed_gw.url, "source": "RAILWAIL_BASE_URL"}
    assert report["proxy"] == {
        "HTTPS_PROXY": "http://****@proxy.example:3128",
        "no_proxy": "127.0.0.1,localhost",
    }
    assert "s3cret" not in result.out
    assert report["ca"]["source"] == "certifi"
    assert report["ca"]["ignored"] == ["REQUESTS_CA_BUNDLE"]
    assert report["timeout"] == {"connect": 7.0, "read": 7.0, "write": 7.0, "pool": 7.0}
    assert report["max_retries"] == 4
    check = report["check"]
    assert (check["ok"], check["status"], check["error"]) == (True, 200, None)
    assert check["request_id"].startswith("req_")
    assert check["rate_limit"]["limit"] == 60
    assert check["latency_ms"] > 0


def test_doctor_unreachable_gateway(cli: Cli, refused_port: int) -> None:
    url = f"http://127.0.0.1:{refused_port}/api/v1"
    result = cli("doctor", "--api-key", KEY, "--base-url", url)
    assert result.code == 6
    assert "no answer (in " in result.out
    assert "Connection refused" in result.out
    assert result.err == (
        f"railwail: error: cannot reach {url} (Connection error: [Errno 111] Connection "
        "refused): check the network, the base URL and the proxy settings above\n"
    )


@pytest.mark.parametrize(
    ("status", "code", "fix"),
    [
        (401, 3, "the gateway refused the key from RAILWAIL_API_KEY: store a valid key with"),
        (403, 3, "the key may not list models"),
        (402, 4, "the account is out of credits"),
        (429, 5, "the key is rate limited: wait 30 s"),
        (404, 1, "does not look like the gateway's API (404 on /models)"),
        (503, 1, "the gateway failed (503); try again later"),
        (418, 1, "418: I'm a Teapot"),
    ],
)
def test_doctor_says_what_to_fix(
    cli: Cli, gw: FakeGateway, status: int, code: int, fix: str
) -> None:
    gw.fail(status, headers={"Retry-After": "30"} if status == 429 else None)
    result = cli("doctor")
    assert result.code == code
    assert result.err.startswith("railwail: error: ")
    assert fix in result.err
    assert result.err.count("\n") == 1
    assert len(gw.requests) == 1  # one request, never retried


def test_doctor_timeout(cli: Cli, gw: FakeGateway) -> None:
    gw.delay(2)
    result = cli("doctor", "--timeout", "0.2")
    assert result.code == 6
    assert "no answer from" in result.err
    assert "in time" in result.err


def test_doctor_without_a_key(cli: Cli, gw: FakeGateway, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RAILWAIL_API_KEY")
    result = cli("doctor")
    assert result.code == 3
    rows = rows_of(result.out)
    assert rows["API key"] == "none"
    assert rows["gateway"].startswith("not checked: No API key")
    assert result.err == (
        "railwail: error: no API key: run `railwail auth login`, set RAILWAIL_API_KEY or pass "
        "--api-key\n"
    )
    assert gw.requests == []


def test_doctor_with_a_missing_ca_file(
    cli: Cli, gw: FakeGateway, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    missing = tmp_path / "nope.pem"
    monkeypatch.setenv("SSL_CERT_FILE", str(missing))
    result = cli("doctor")
    assert result.code == 1
    assert f"{missing} (from SSL_CERT_FILE)  MISSING: fix or unset the variable" in result.out
    assert "No such file or directory" in result.err


def test_doctor_with_a_ca_directory(
    cli: Cli, gw: FakeGateway, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path))
    report = json.loads(cli("doctor", "--json").out)
    assert report["ca"] == {
        "source": "SSL_CERT_DIR",
        "path": str(tmp_path),
        "exists": True,
        "ignored": [],
    }


# -- auth ---------------------------------------------------------------------------------------


def test_login_with_token_checks_and_stores_the_key(
    cli: Cli, keyed_gw: FakeGateway, config_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RAILWAIL_API_KEY")
    result = cli("auth", "login", "--with-token", stdin=KEY + "\n")
    assert result.code == 0, result.err
    path = config_dir / "api_key"
    assert result.out == f"Stored the key ****ghij, accepted by the gateway, in {path} " + (
        "(readable by you only).\n"
    )
    assert path.read_text() == KEY + "\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(config_dir.stat().st_mode) == 0o700
    assert keyed_gw.requests[0].headers["authorization"] == f"Bearer {KEY}"
    assert os.listdir(config_dir) == ["api_key"]  # no temporary file left


def test_login_refused_key_is_not_stored(cli: Cli, gw: FakeGateway, config_dir: Path) -> None:
    result = cli("auth", "login", "--with-token", stdin="rw_wrong_key_000000000000")
    assert result.code == 3
    assert result.err.startswith("railwail: error: 401")
    assert result.err.endswith("(the key was not stored)\n")
    assert not (config_dir / "api_key").exists()


def test_login_from_the_hidden_prompt_without_verifying(
    cli: Cli, config_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import getpass

    prompts: list[str] = []
    monkeypatch.setattr(getpass, "getpass", lambda prompt: prompts.append(prompt) or f" {KEY} ")
    monkeypatch.setenv("RAILWAIL_API_KEY", "other")
    result = cli("auth", "login", "--no-verify", "--json", tty=True)
    assert result.code == 0, result.err
    assert prompts == ["railwail API key (input hidden): "]
    path = config_dir / "api_key"
    assert json.loads(result.out) == {
        "stored": True,
        "path": str(path),
        "key": "****ghij",
        "verified": False,
    }
    assert "RAILWAIL_API_KEY is set in this environment and is used before it" in result.err
    assert path.read_text() == KEY + "\n"


@pytest.mark.parametrize(
    ("args", "stdin", "tty", "message"),
    [
        ([], "", False, "stdin is not a terminal"),
        (["--with-token"], "  \n", False, "no key was given"),
        (["--with-token"], "two words", False, "without spaces or line breaks"),
    ],
)
def test_login_usage_errors(
    cli: Cli, config_dir: Path, args: list[str], stdin: str, tty: bool, message: str
) -> None:
    result = cli("auth", "login", *args, stdin=stdin, tty=tty)
    assert result.code == 2
    assert message in result.err
    assert not config_dir.exists()


def test_status_logout_and_the_library_use_the_stored_key(
    cli: Cli, config_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli("auth", "login", "--with-token", "--no-verify", stdin=KEY).code == 0
    path = config_dir / "api_key"
    status = cli("auth", "status")
    assert (status.code, status.err) == (0, "")
    assert status.out == (
        f"Using the key ****ghij from the stored key {path}.\nStored key: {path}\n"
    )
    client = railwail.Railwail()
    assert f"api_key='****ghij' (from the stored key {path})" in repr(client)
    client.close()
    path.chmod(0o644)
    loose = cli("auth", "status", "--json")
    assert json.loads(loose.out)["mode"] == "0644"
    assert f"Warning: {path} can be read by others (mode 0644); run: chmod 600" in loose.err
    monkeypatch.setenv("RAILWAIL_API_KEY", "from-env")
    assert json.loads(cli("auth", "status", "--json").out)["source"] == "RAILWAIL_API_KEY"
    logout = cli("auth", "logout")
    assert logout.out == f"Removed the stored key {path}.\n"
    assert "RAILWAIL_API_KEY is still set" in logout.err
    assert not path.exists()
    again = cli("auth", "logout", "--json")
    assert json.loads(again.out) == {"removed": False, "path": str(path)}


def test_status_without_any_key(cli: Cli, config_dir: Path) -> None:
    result = cli("auth", "status")
    assert result.code == 3
    assert result.out == ""
    assert result.err == (
        "railwail: error: no key is configured: run `railwail auth login`, set "
        "RAILWAIL_API_KEY or pass --api-key\n"
    )


def test_status_with_an_empty_key(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAILWAIL_API_KEY", " ")
    result = cli("auth", "status")
    assert result.code == 3
    assert "the key from RAILWAIL_API_KEY is empty" in result.err


def test_auth_without_action_shows_its_help(cli: Cli) -> None:
    result = cli("auth")
    assert result.code == 2
    assert "login" in result.err
    assert "logout" in result.err


# -- emulator (its serving loop is stopped by a Ctrl-C stand-in) ---------------------------------


def test_emulator_prints_its_address_and_stops_on_ctrl_c(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    from railwail._cli import _emulator

    seen: list[str] = []

    def interrupt(seconds: float) -> None:
        out = sys.stdout.getvalue()  # type: ignore[attr-defined]
        seen.append(out)
        info = json.loads(out)
        import httpx

        answer = httpx.get(
            info["url"] + "/models?limit=1", headers={"Authorization": "Bearer sk-custom"}
        )
        seen.append(str(answer.status_code))
        raise KeyboardInterrupt

    monkeypatch.setattr(_emulator.time, "sleep", interrupt)
    result = cli("emulator", "--port", "0", "--key", "sk-custom", "--json")
    assert result.code == 130
    info = json.loads(seen[0])
    assert info["api_key"] == "sk-custom"
    assert info["url"].startswith("http://127.0.0.1:")
    assert info["url"].endswith("/api/v1")
    assert seen[1] == "200"
    assert result.err == "Press Ctrl-C to stop.\nrailwail emulator stopped.\n"


def test_emulator_text_output(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    from railwail._cli import _emulator

    def interrupt(seconds: float) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(_emulator.time, "sleep", interrupt)
    result = cli("emulator", "--port", "0", "--rate-limit", "5", "--credits", "10")
    lines = result.out.splitlines()
    assert lines[0].startswith("railwail emulator listening on http://127.0.0.1:")
    url = lines[0].rsplit(" ", 1)[1]
    assert lines[1:] == [
        f"  export RAILWAIL_BASE_URL={url}",
        "  export RAILWAIL_API_KEY=rw_test_emulator",
        f'  curl -H "Authorization: Bearer rw_test_emulator" {url}/models',
    ]


def test_emulator_short_windows_and_generation_delay(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    from railwail._cli import _emulator

    seen: list[httpx.Response] = []

    def interrupt(seconds: float) -> None:
        url = json.loads(sys.stdout.getvalue())["url"]  # type: ignore[attr-defined]
        headers = {"Authorization": "Bearer rw_test_emulator"}
        with httpx.Client(base_url=url, headers=headers) as client:
            body = {"model": "flux-schnell", "prompt": "x", "size": "256x256"}
            start = time.monotonic()
            seen.append(client.post("/images/generations", json=body))
            seen.append(client.get("/models?limit=1"))
            seen.append(httpx.Response(200, text=str(time.monotonic() - start)))
        raise KeyboardInterrupt

    monkeypatch.setattr(_emulator.time, "sleep", interrupt)
    result = cli(
        "emulator", "--port", "0", "--json", "--rate-limit", "1", "--rate-window", "2",
        "--generation-delay", "0.2",
    )  # fmt: skip
    assert result.code == 130
    generated, limited, took = seen
    assert generated.status_code == 200
    assert limited.status_code == 429
    assert "per 2 s" in limited.json()["error"]["message"]
    assert "." in limited.headers["x-ratelimit-reset"]  # milliseconds for a short window
    assert float(took.text) >= 0.2


def test_emulator_port_in_use(cli: Cli) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cli("emulator", "--port", str(port))
    assert result.code == 1
    assert result.err.startswith(f"railwail: error: cannot listen on 127.0.0.1:{port}: ")
    assert result.err.endswith("choose another --port (0 picks a free one)\n")


# -- global options, errors, logging --------------------------------------------------------------


def test_version_and_help(cli: Cli) -> None:
    assert cli("--version").out == f"railwail {railwail.__version__}\n"
    assert cli("image", "--version").out == f"railwail {railwail.__version__}\n"
    help_text = cli("--help").out
    for name in ("image", "chat", "run", "embed", "models", "doctor", "auth", "emulator"):
        assert f"\n    {name} " in help_text
    assert "130 interrupted" in help_text
    image_help = cli("image", "--help").out
    assert 'examples:\n  railwail image "a lighthouse at dawn" -m flux-schnell' in image_help
    assert "--api-key KEY" in image_help


def test_no_command_and_an_unknown_one_are_usage_errors(cli: Cli) -> None:
    bare = cli()
    assert bare.code == 2
    assert "usage: railwail" in bare.err
    typo = cli("imgae")
    assert typo.code == 2
    assert "invalid choice: 'imgae' (choose from 'image', 'chat'," in typo.err
    missing = cli("image", "a cat")
    assert missing.code == 2
    assert "the following arguments are required: -m/--model" in missing.err


def test_global_options_before_or_after_the_command(cli: Cli, gw: FakeGateway) -> None:
    before = cli("--json", "--max-retries", "0", "chat", "-m", "gpt-4o", "hi")
    after = cli("chat", "-m", "gpt-4o", "hi", "--json", "--max-retries", "0")
    assert json.loads(before.out)["choices"] == json.loads(after.out)["choices"]


def test_missing_key_is_exit_3_naming_the_option(cli: Cli, config_dir: Path) -> None:
    result = cli("chat", "-m", "gpt-4o", "hi")
    assert result.code == 3
    assert result.err == (
        "railwail: error: No API key: pass --api-key KEY, set the "
        "RAILWAIL_API_KEY environment variable, or store one with `railwail auth login` (none "
        f"is stored at {config_dir / 'api_key'}). Keys are created at "
        "https://railwail.com/settings\n"
    )


def test_an_empty_key_option_is_exit_3_naming_the_option(cli: Cli, config_dir: Path) -> None:
    result = cli("chat", "-m", "gpt-4o", "hi", "--api-key", "  ")
    assert result.code == 3
    assert result.err == (
        "railwail: error: --api-key is empty: pass the key itself, or leave --api-key out to "
        "use RAILWAIL_API_KEY or the key `railwail auth login` stored\n"
    )


def test_an_empty_key_elsewhere_keeps_the_sdk_message(
    cli: Cli, config_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from railwail import MissingAPIKeyError, Railwail

    monkeypatch.setenv("RAILWAIL_API_KEY", " ")
    with pytest.raises(MissingAPIKeyError) as sdk:
        Railwail()
    result = cli("chat", "-m", "gpt-4o", "hi")
    assert result.code == 3
    assert result.err == f"railwail: error: {sdk.value}\n"
    assert "RAILWAIL_API_KEY" in result.err


def test_bad_global_option_values(cli: Cli, gw: FakeGateway) -> None:
    bad_url = cli("chat", "-m", "gpt-4o", "hi", "--base-url", "not a url")
    assert bad_url.code == 2
    assert "base_url must be an absolute http(s) URL" in bad_url.err
    bad_retries = cli("chat", "-m", "gpt-4o", "hi", "--max-retries", "-1")
    assert bad_retries.code == 2
    assert cli("chat", "-m", "gpt-4o", "hi", "--timeout", "soon").code == 2  # argparse


@pytest.mark.parametrize(("status", "code"), [(401, 3), (403, 3), (402, 4), (429, 5), (500, 1)])
def test_gateway_errors_map_to_exit_codes(
    cli: Cli, gw: FakeGateway, status: int, code: int
) -> None:
    gw.fail(status, times=3)
    result = cli("chat", "-m", "gpt-4o", "hi", "--max-retries", "0")
    assert result.code == code
    assert result.err.startswith(f"railwail: error: {status}")
    assert "Traceback" not in result.err


def test_connection_error_is_exit_6(cli: Cli, refused_port: int) -> None:
    url = f"http://127.0.0.1:{refused_port}/api/v1"
    result = cli("embed", "-m", "e", "x", "--api-key", KEY, "--base-url", url, "--max-retries", "0")
    assert result.code == 6
    assert result.err.startswith("railwail: error: Connection error: ")


def test_verbose_logs_requests_without_the_key_and_shows_tracebacks(
    cli: Cli, keyed_gw: FakeGateway
) -> None:
    handlers = list(logging.getLogger("railwail").handlers)
    ok = cli("-v", "chat", "-m", "gpt-4o", "hi")
    assert ok.code == 0
    assert "railwail.cli DEBUG client: Railwail(" in ok.err
    assert "POST " + keyed_gw.url + "/chat/completions -> 200 (attempt 1" in ok.err
    assert "'authorization': '<redacted>'" in ok.err
    assert KEY not in ok.err
    keyed_gw.fail(500)
    failed = cli("chat", "-m", "gpt-4o", "hi", "-v", "--max-retries", "0")
    assert failed.code == 1
    assert "Traceback (most recent call last)" in failed.err
    assert failed.err.rstrip().splitlines()[-1].startswith("railwail: error: 500")
    assert KEY not in failed.err
    assert logging.getLogger("railwail").handlers == handlers  # the handler was removed


def test_a_closed_pipe_ends_quietly(
    cli: Cli, gw: FakeGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    from railwail._cli import _common

    def closed(self: object, text: str = "") -> None:
        raise BrokenPipeError

    monkeypatch.setattr(_common.Context, "line", closed)
    result = cli("models")
    assert (result.code, result.err) == (1, "")
