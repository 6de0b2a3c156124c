"""The TLS context of the pools the SDK makes: httpx's default verification, with the CA
bundle read at the first handshake instead of when the client is made."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from pathlib import Path
from typing import Any

import certifi
import httpx
import pytest

from railwail import AsyncRailwail, Railwail
from railwail._tls import DeferredCAContext

SETTINGS = (
    "protocol",
    "verify_mode",
    "check_hostname",
    "verify_flags",
    "options",
    "minimum_version",
    "maximum_version",
    "security_level",
    "hostname_checks_common_name",
    "post_handshake_auth",
    "keylog_filename",
)


@pytest.fixture(autouse=True)
def _no_ca_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SSL_CERT_FILE", "SSL_CERT_DIR", "SSLKEYLOGFILE"):
        monkeypatch.delenv(name, raising=False)


def _handshake_starts(context: ssl.SSLContext) -> None:
    """Wraps a connection to be (no I/O: memory buffers), which is when CAs must be there."""
    context.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname="railwail.com")


def _cas(context: ssl.SSLContext) -> int:
    count: int = context.cert_store_stats()["x509_ca"]
    return count


def _two_certificates(path: Path) -> Path:
    pem = Path(certifi.where()).read_text(encoding="ascii")
    end = "-----END CERTIFICATE-----\n"
    path.write_text("".join(part + end for part in pem.split(end)[:2]), encoding="ascii")
    return path


def test_settings_are_those_of_the_default_context() -> None:
    reference = ssl.create_default_context(cafile=certifi.where())
    context = DeferredCAContext()
    for name in SETTINGS:
        assert getattr(context, name) == getattr(reference, name), name
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname is True
    assert context.get_ciphers() == reference.get_ciphers()


def test_certifi_loads_at_the_first_handshake_only() -> None:
    context = DeferredCAContext()
    assert _cas(context) == 0
    _handshake_starts(context)
    assert _cas(context) == _cas(ssl.create_default_context(cafile=certifi.where())) > 0
    _handshake_starts(context)  # once
    assert _cas(context) == _cas(ssl.create_default_context(cafile=certifi.where()))


def test_a_socket_handshake_loads_them_too() -> None:
    context = DeferredCAContext()
    left, right = socket.socketpair()
    with left, right:
        wrapped = context.wrap_socket(
            left, server_hostname="railwail.com", do_handshake_on_connect=False
        )
        assert _cas(context) > 0
        wrapped.close()


def test_ssl_cert_file_is_what_loads_and_it_loads_late(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(_two_certificates(tmp_path / "ca.pem")))
    context = DeferredCAContext()
    assert _cas(context) == 0
    _handshake_starts(context)
    assert _cas(context) == 2  # that bundle, not certifi's


def test_a_missing_ssl_cert_file_fails_when_the_client_is_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "missing.pem"))
    with pytest.raises(FileNotFoundError):
        Railwail("rw_test_key", base_url="http://127.0.0.1:9/api/v1")


def test_ssl_cert_dir_is_searched_instead_of_certifi(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path))
    context = DeferredCAContext()
    _handshake_starts(context)
    assert _cas(context) == 0  # a directory is searched per handshake; certifi is not read


def test_keylog_file_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSLKEYLOGFILE", str(tmp_path / "keys.log"))
    assert DeferredCAContext().keylog_filename == str(tmp_path / "keys.log")


def _pool_context(http: httpx.Client | httpx.AsyncClient) -> object:
    return http._transport._pool._ssl_context  # type: ignore[union-attr]  # httpx's default transport


@pytest.mark.anyio
async def test_the_pools_the_sdk_makes_use_it_and_yours_keep_theirs() -> None:
    with Railwail("rw_test_key", base_url="http://127.0.0.1:9/api/v1") as rw:
        assert isinstance(_pool_context(rw._state.http), DeferredCAContext)
    async with AsyncRailwail("rw_test_key", base_url="http://127.0.0.1:9/api/v1") as arw:
        assert isinstance(_pool_context(arw._state.http), DeferredCAContext)
    own = ssl.create_default_context()
    with httpx.Client(verify=own) as http:
        rw = Railwail("rw_test_key", base_url="http://127.0.0.1:9/api/v1", http_client=http)
        assert _pool_context(rw._state.http) is own


def test_concurrent_first_handshakes_load_the_bundle_once(monkeypatch: pytest.MonkeyPatch) -> None:
    context = DeferredCAContext()
    loads: list[object] = []
    real_load = ssl.SSLContext.load_verify_locations

    def slow_load(self: ssl.SSLContext, *args: Any, **kwargs: Any) -> None:
        loads.append(kwargs.get("cafile"))
        time.sleep(0.05)  # the other threads arrive while this one holds the lock
        real_load(self, *args, **kwargs)

    monkeypatch.setattr(ssl.SSLContext, "load_verify_locations", slow_load)
    start = threading.Barrier(4)

    def handshake() -> None:
        start.wait(timeout=5)
        _handshake_starts(context)

    threads = [threading.Thread(target=handshake) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=5)
    assert loads == [certifi.where()]
    assert _cas(context) > 0
    left, right = socket.socketpair()
    with left, right:
        context.wrap_socket(
            left, server_hostname="railwail.com", do_handshake_on_connect=False
        ).close()
    assert len(loads) == 1  # loaded: later handshakes do not read it again
