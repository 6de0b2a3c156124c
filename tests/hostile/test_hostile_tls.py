"""A certificate that does not verify (issue 10, item 7): not retried, since it cannot succeed,
and the error says how to pass a CA bundle. The server is a loopback TLS server whose
certificate a throwaway CA (trustme) signs in the test."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
import trustme
from hostile_servers import CHAT_OK, Conn, Request, Server, answer

from railwail import APIConnectionError, APITimeoutError
from railwail.testing import record_retry_waits
from support import API_KEY, MESSAGES, Twin, close, is_async, resolve

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def tls_server(serve: Callable[..., Server], ca: trustme.CA) -> Server:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(context)

    def handler(conn: Conn, request: Request) -> bool:
        conn.send(answer(200, CHAT_OK))
        return True

    return serve(handler, tls=context)


def trusting(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # hostname checked, certificate required
    ca.configure_trust(context)
    return context


async def test_an_unverifiable_certificate_is_not_retried_and_says_what_to_do(
    tls_server: Server, twin: Twin, sleeps: list[float]
) -> None:
    rw = twin(API_KEY, base_url=tls_server.base_url, max_retries=2)
    record_retry_waits(rw, sleeps)
    try:
        with pytest.raises(APIConnectionError) as info:
            await resolve(rw.chat("gpt-4o", MESSAGES))
    finally:
        await close(rw)
    err = info.value
    assert not isinstance(err, APITimeoutError)
    assert tls_server.handshakes == 1  # one attempt: no retry, no wait
    assert sleeps == []
    assert err.attempts == 1
    text = str(err)
    assert text.startswith("TLS certificate verification failed for 127.0.0.1: ")
    assert "certificate" in text.split(": ", 1)[1]
    assert "Not retried" in text
    assert "SSL_CERT_FILE=/path/to/ca.pem" in text
    assert "http_client=httpx.Client(verify=ssl.create_default_context(cafile=" in text
    assert isinstance(err.__cause__, httpx.ConnectError)


async def test_the_ca_bundle_passed_through_your_http_client_is_used(
    tls_server: Server, twin: Twin, ca: trustme.CA
) -> None:
    pool_class = httpx.AsyncClient if is_async(twin) else httpx.Client
    http = pool_class(verify=trusting(ca))
    rw = twin(API_KEY, base_url=tls_server.base_url, http_client=http)  # type: ignore[arg-type]
    try:
        assert (await resolve(rw.chat("gpt-4o", MESSAGES))).text == "ok"
    finally:
        await close(rw)
        await close(http)


async def test_the_ca_bundle_named_by_ssl_cert_file_is_used(
    tls_server: Server, twin: Twin, ca: trustme.CA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    rw = twin(API_KEY, base_url=tls_server.base_url)
    try:
        assert (await resolve(rw.chat("gpt-4o", MESSAGES))).text == "ok"
    finally:
        await close(rw)
