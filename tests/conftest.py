"""Shared fixtures: a respx-mocked gateway on a loopback base URL and clients whose retry
waits are recorded instead of slept."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import respx

from railwail import AsyncRailwail, Railwail
from railwail.testing import record_retry_waits

# Loopback only: respx intercepts every request, and nothing here may ever leave the machine.
BASE_URL = "http://127.0.0.1:8787/api/v1"
CDN_URL = "http://127.0.0.2:8788"
API_KEY = "rw_test_0123456789abcdefghij"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    for name in ("RAILWAIL_API_KEY", "RAILWAIL_BASE_URL", "RAILWAIL_LOG"):
        monkeypatch.delenv(name, raising=False)
    # A directory nobody writes to: a key stored by `railwail auth login` on this machine
    # must not reach the tests (clients fall back to it when no other key is given).
    monkeypatch.setenv("RAILWAIL_CONFIG_DIR", str(tmp_path_factory.getbasetemp() / "no-config"))


@pytest.fixture
def gw() -> Iterator[respx.MockRouter]:
    """The mocked gateway: routes are relative to BASE_URL (``gw.post("/images/generations")``)."""
    with respx.mock(base_url=BASE_URL, assert_all_called=False) as router:
        yield router


@pytest.fixture
def sleeps() -> list[float]:
    """The retry waits the clients asked for, in order (nothing actually sleeps)."""
    return []


@pytest.fixture
def client(sleeps: list[float]) -> Iterator[Railwail]:
    with Railwail(API_KEY, base_url=BASE_URL) as rw:
        record_retry_waits(rw, sleeps)
        yield rw


@pytest.fixture
async def aclient(sleeps: list[float]) -> AsyncIterator[AsyncRailwail]:
    async with AsyncRailwail(API_KEY, base_url=BASE_URL) as rw:
        record_retry_waits(rw, sleeps)
        yield rw
