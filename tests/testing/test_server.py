"""Lifecycle, robustness and raw HTTP framing of the emulator; the package and the plugin."""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

import railwail.testing
from railwail.testing import FakeGateway, _png, _server

PACKAGE_DIR = Path(railwail.testing.__file__).parent


def _fresh(module_name: str, filename: str) -> ModuleType:
    """Execute a fresh copy of one of the package's files.

    The package and its pytest plugin are imported when pytest loads plugins, before
    coverage starts; running the file again is how their module-level code gets measured.
    """
    spec = importlib.util.spec_from_file_location(module_name, PACKAGE_DIR / filename)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _raw(gw: FakeGateway, request: bytes) -> bytes:
    """Send raw bytes and read until the server closes the connection."""
    host, port = gw.origin.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


# --- package and plugin ----------------------------------------------------------------------


def test_package_exports_load_lazily() -> None:
    fresh = _fresh("railwail.testing", "__init__.py")
    assert "FakeGateway" not in vars(fresh)
    assert fresh.FakeGateway is FakeGateway
    assert "FakeGateway" in vars(fresh)  # cached after the first lookup
    assert fresh.__all__ == ["CATALOGUE", "FakeGateway", "RecordedRequest", "record_retry_waits"]
    assert {"CATALOGUE", "RecordedRequest"} <= set(dir(fresh))


def test_import_does_no_io_and_loads_no_server() -> None:
    code = (
        "import sys, railwail.testing\n"
        "loaded = [m for m in sys.modules if m.startswith('railwail.testing.')]\n"
        "print(loaded, 'http.server' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[] False"


def test_plugin_fixture_runs_a_gateway_for_the_test_and_stops_it() -> None:
    plugin = _fresh("railwail.testing._pytest_plugin", "_pytest_plugin.py")
    assert plugin.fake_gateway.__name__ == "fake_gateway"
    steps = plugin.fake_gateway.__wrapped__()  # the fixture function pytest drives
    gateway = next(steps)  # what a test gets
    assert isinstance(gateway, FakeGateway)
    with httpx.Client() as c:
        headers = {"Authorization": f"Bearer {gateway.api_key}"}
        response = c.get(gateway.url + "/models/gpt-4o", headers=headers)
    assert response.json()["slug"] == "gpt-4o"
    with pytest.raises(StopIteration):
        next(steps)  # the teardown after the test
    assert repr(gateway) == "<FakeGateway stopped>"


def test_fixture_yields_a_running_gateway(fake_gateway: FakeGateway) -> None:
    with httpx.Client() as c:
        headers = {"Authorization": "Bearer rw_test_emulator"}
        response = c.get(fake_gateway.url + "/models/gpt-4o", headers=headers)
    assert response.json()["slug"] == "gpt-4o"
    assert fake_gateway.url == fake_gateway.origin + "/api/v1"
    assert fake_gateway.origin.startswith("http://127.0.0.1:")


# --- lifecycle -------------------------------------------------------------------------------


def test_start_and_stop_are_idempotent_and_restartable() -> None:
    gw = FakeGateway()
    assert repr(gw) == "<FakeGateway stopped>"
    with pytest.raises(RuntimeError, match="not running"):
        _ = gw.url
    assert gw.start() is gw
    first_origin = gw.origin
    assert gw.start().origin == first_origin
    assert repr(gw) == f"<FakeGateway {first_origin}>"
    gw.stop()
    gw.stop()
    with pytest.raises(httpx.ConnectError), httpx.Client() as c:
        c.get(first_origin + "/api/v1/models")
    with gw, httpx.Client() as c:
        response = c.get(gw.url + "/models", headers={"Authorization": f"Bearer {gw.api_key}"})
        assert response.status_code == 200
    assert repr(gw) == "<FakeGateway stopped>"


def test_fixed_port() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with FakeGateway(port=port) as gw:
        assert gw.origin == f"http://127.0.0.1:{port}"


def test_stop_returns_quickly_while_a_request_is_delayed() -> None:
    gw = FakeGateway().start()
    gw.delay(30)
    outcome: list[Any] = []

    def call() -> None:
        with httpx.Client(timeout=10) as c:
            try:
                outcome.append(c.get(gw.url + "/models"))
            except httpx.HTTPError as exc:
                outcome.append(exc)

    thread = threading.Thread(target=call)
    thread.start()
    deadline = time.monotonic() + 5
    while not gw.requests and time.monotonic() < deadline:
        time.sleep(0.01)
    started = time.monotonic()
    gw.stop()
    elapsed = time.monotonic() - started
    thread.join(5)
    assert elapsed < 1.0
    assert len(outcome) == 1
    assert isinstance(outcome[0], httpx.RemoteProtocolError)
    assert gw.errors == 0


def test_stop_ends_idle_keep_alive_connections() -> None:
    gw = FakeGateway().start()
    with httpx.Client(headers={"Authorization": f"Bearer {gw.api_key}"}) as c:
        assert c.get(gw.url + "/models").status_code == 200  # leaves a pooled connection
        started = time.monotonic()
        gw.stop()
        assert time.monotonic() - started < 1.0


def test_fifty_concurrent_connections(fake_gateway: FakeGateway) -> None:
    count = 60
    fake_gateway.delay(0.3, times=count)
    limits = httpx.Limits(max_connections=count)
    headers = {"Authorization": f"Bearer {fake_gateway.api_key}"}
    with httpx.Client(limits=limits, headers=headers, timeout=20) as c:
        started = time.monotonic()
        with ThreadPoolExecutor(count) as pool:
            statuses = list(
                pool.map(lambda _: c.get(fake_gateway.url + "/models").status_code, range(count))
            )
        elapsed = time.monotonic() - started
    assert statuses == [200] * count
    assert elapsed < 6  # served side by side, not one after another (60 x 0.3 s = 18 s)
    assert len(fake_gateway.requests) == count
    assert fake_gateway.errors == 0


# --- robustness ------------------------------------------------------------------------------


def test_client_disconnecting_mid_response_is_quiet(
    fake_gateway: FakeGateway, capfd: pytest.CaptureFixture[str]
) -> None:
    body = (
        b'{"model": "flux-schnell", "prompt": "big", "size": "1792x1024", "n": 4,'
        b' "response_format": "b64_json"}'
    )
    request = (
        b"POST /api/v1/images/generations HTTP/1.1\r\nHost: x\r\n"
        b"Authorization: Bearer rw_test_emulator\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
    )
    host, port = fake_gateway.origin.removeprefix("http://").split(":")
    for _ in range(5):
        with socket.create_connection((host, int(port)), timeout=5) as sock:
            sock.sendall(request)
            sock.recv(10)  # the answer has started; hang up on it
    assert fake_gateway.requests[-1].json()["prompt"] == "big"
    # A later request still works and nothing was printed or counted.
    with httpx.Client() as c:
        assert (
            c.get(
                fake_gateway.url + "/models", headers={"Authorization": "Bearer rw_test_emulator"}
            ).status_code
            == 200
        )
    assert fake_gateway.errors == 0
    captured = capfd.readouterr()
    assert captured.err == ""
    assert captured.out == ""


@pytest.mark.parametrize(
    "framing",
    [
        b"Content-Length: 200\r\n\r\n" + b'{"model": "flux-schnell", "prompt": "cut',
        b"Transfer-Encoding: chunked\r\n\r\n" + b'c8\r\n{"model": "flux-schnell"',
        b"Transfer-Encoding: chunked\r\n\r\n" + b'4\r\n{"mo\r\n',
    ],
    ids=["content-length", "chunk-cut", "no-last-chunk"],
)
def test_a_client_gone_mid_body_sent_no_request(
    fake_gateway: FakeGateway, capfd: pytest.CaptureFixture[str], framing: bytes
) -> None:
    # A killed process leaves half a request behind: nothing is recorded, answered or charged.
    head = (
        b"POST /api/v1/images/generations HTTP/1.1\r\nHost: x\r\n"
        b"Authorization: Bearer rw_test_emulator\r\nIdempotency-Key: k\r\n"
    )
    host, port = fake_gateway.origin.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(head + framing)
        sock.shutdown(socket.SHUT_WR)  # the client's side ends mid-body
        assert sock.recv(100) == b""  # and no answer comes
    assert fake_gateway.requests == []
    assert fake_gateway.charges == {}
    assert fake_gateway.errors == 0
    assert capfd.readouterr() == ("", "")


def test_http_10_stream_ends_at_eof(fake_gateway: FakeGateway) -> None:
    body = b'{"model": "gpt-4o", "stream": true, "messages": [{"role": "user", "content": "hi"}]}'
    raw = _raw(
        fake_gateway,
        b"POST /api/v1/chat/completions HTTP/1.0\r\nAuthorization: Bearer rw_test_emulator\r\n"
        b"Content-Length: %d\r\n\r\n%s" % (len(body), body),
    )
    head, _, payload = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    assert b"Transfer-Encoding" not in head
    assert b"Connection: close" in head
    assert payload.startswith(b"data: {")
    assert payload.endswith(b"data: [DONE]\n\n")


def test_chunked_request_with_trailers(fake_gateway: FakeGateway) -> None:
    raw = _raw(
        fake_gateway,
        b"GET /api/v1/models/gpt-4o HTTP/1.1\r\nAuthorization: Bearer rw_test_emulator\r\n"
        b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        b"3;ext=1\r\nabc\r\n0\r\nX-Trailer: 1\r\n\r\n",
    )
    assert raw.startswith(b"HTTP/1.1 200")
    assert fake_gateway.requests[-1].body == b"abc"


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"BREW /api/v1/models HTTP/1.1\r\n\r\n", b"501"),
        (b"POST /api/v1/embeddings HTTP/1.1\r\nContent-Length: abc\r\n\r\n", b"400"),
        (b"POST /api/v1/embeddings HTTP/1.1\r\nContent-Length: -5\r\n\r\n", b"400"),
        (b"POST /api/v1/embeddings HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", b"400"),
    ],
)
def test_protocol_errors_get_json_bodies(
    fake_gateway: FakeGateway, request_bytes: bytes, status: bytes
) -> None:
    raw = _raw(fake_gateway, request_bytes)
    head, _, payload = raw.partition(b"\r\n\r\n")
    assert head.split(b" ")[1] == status
    assert b"Connection: close" in head
    assert payload.startswith(b'{"error":{')


def test_bad_request_line_gets_a_json_body(fake_gateway: FakeGateway) -> None:
    raw = _raw(fake_gateway, b"GARBAGE\r\n\r\n")
    # No protocol version was given, so the answer is HTTP/0.9 style: a body, no head.
    assert raw.startswith(b'{"error":{"message":"Bad request syntax')


def test_emulator_bug_is_a_500_and_counted(
    fake_gateway: FakeGateway, client: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(query: dict[str, str]) -> Any:
        raise RuntimeError("bug")

    monkeypatch.setattr("railwail.testing._core.list_models", broken)
    response = client.get("/models")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"
    assert response.headers["x-request-id"].startswith("req_")
    assert fake_gateway.errors == 1
    fake_gateway.reset()
    assert fake_gateway.errors == 0


def test_failure_while_writing_is_counted_not_printed(
    fake_gateway: FakeGateway,
    client: httpx.Client,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    def broken_write(self: Any, reply: Any) -> None:
        raise RuntimeError("bug while writing")

    monkeypatch.setattr(_server._Handler, "_write", broken_write)
    with pytest.raises(httpx.RemoteProtocolError):
        client.get("/models")
    assert fake_gateway.errors == 1
    assert capfd.readouterr().err == ""


# --- png -------------------------------------------------------------------------------------


def test_encode_png_checks_its_rows() -> None:
    with pytest.raises(ValueError, match="rows"):
        _png.encode_png(2, 1, [b"\x00" * 5])
    tiny = _png.encode_png(1, 2, [b"\x01\x02\x03", b"\x01\x02\x03"])
    assert tiny.startswith(b"\x89PNG")
