"""Shared fixtures: a respx-mocked gateway on a loopback base URL, and clients (sync, async, or
either twin through one test body) whose retry waits are recorded instead of slept.

A test that takes ``rw`` runs twice, ids ``[sync]`` and ``[async]``; it is ``async def``, marked
``anyio``, and reaches the twin's methods through the helpers in tests/support.py::

    @pytest.mark.anyio
    async def test_x(rw: Client, gw: respx.MockRouter) -> None:
        res = await resolve(rw.image("flux-schnell", "a cat"))
        assert await read(res.data[0], rw) == ...
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
import respx

from railwail import AsyncRailwail, Railwail
from railwail.testing import record_retry_waits
from support import API_KEY, BASE_URL, Client, Twin, close


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session", autouse=True)
def _one_tls_context() -> Iterator[None]:
    """Each httpx pool loads the CA bundle into a new TLS context (about 30 ms, most of what
    making a client costs). Nothing here speaks TLS (respx mocks, plain http on loopback), so
    the pools made during the tests share one context per set of arguments."""
    make = ssl.create_default_context
    made: dict[tuple[Any, ...], ssl.SSLContext] = {}

    def shared(
        purpose: ssl.Purpose = ssl.Purpose.SERVER_AUTH,
        *,
        cafile: Any = None,
        capath: Any = None,
        cadata: Any = None,
    ) -> ssl.SSLContext:
        key = (purpose, cafile, capath, cadata)
        if key not in made:
            made[key] = make(purpose, cafile=cafile, capath=capath, cadata=cadata)
        return made[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ssl, "create_default_context", shared)
        yield


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    for name in ("RAILWAIL_API_KEY", "RAILWAIL_BASE_URL", "RAILWAIL_LOG"):
        monkeypatch.delenv(name, raising=False)
    # A directory nobody writes to: a key stored by `railwail auth login` on this machine
    # must not reach the tests (clients fall back to it when no other key is given).
    monkeypatch.setenv("RAILWAIL_CONFIG_DIR", str(tmp_path_factory.getbasetemp() / "no-config"))
    # The terminal's size: tqdm 4.66 (the lowest session's) cuts its bars to COLUMNS when
    # they do not go to a terminal, and the tests read whole bars. An xdist worker always has
    # COLUMNS=80 and LINES=24: GNU readline, imported in the pytest process, exports them.
    for name in ("COLUMNS", "LINES"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def gw() -> Iterator[respx.MockRouter]:
    """The mocked gateway: routes are relative to BASE_URL (``gw.post("/images/generations")``);
    a route given a full URL (``gw.get(IMG_URL)``) matches that URL on any host."""
    with respx.mock(base_url=BASE_URL, assert_all_called=False) as router:
        yield router


@pytest.fixture
def sleeps() -> list[float]:
    """The retry waits the clients asked for, in order (nothing actually sleeps)."""
    return []


@pytest.fixture
def client(sleeps: list[float]) -> Iterator[Railwail]:
    """A sync client, for what only the sync twin has (threads, ``for`` over a stream)."""
    with Railwail(API_KEY, base_url=BASE_URL) as rw:
        record_retry_waits(rw, sleeps)
        yield rw


@pytest.fixture
async def aclient(sleeps: list[float]) -> AsyncIterator[AsyncRailwail]:
    """An async client, for what only the async twin has (tasks, async finalisers)."""
    async with AsyncRailwail(API_KEY, base_url=BASE_URL) as rw:
        record_retry_waits(rw, sleeps)
        yield rw


@pytest.fixture(params=[Railwail, AsyncRailwail], ids=["sync", "async"])
def twin(request: pytest.FixtureRequest) -> Twin:
    """The client class under test: ``Railwail``, then ``AsyncRailwail``."""
    cls: Twin = request.param
    return cls


@pytest.fixture
async def make_client(twin: Twin, sleeps: list[float]) -> AsyncIterator[Callable[..., Client]]:
    """Builds clients of the twin under test (``base_url`` defaults to BASE_URL) with their
    retry waits recorded in ``sleeps``; closes them after the test."""
    made: list[Client] = []

    def make(*args: Any, **kwargs: Any) -> Client:
        kwargs.setdefault("base_url", BASE_URL)
        client = twin(*args, **kwargs)
        record_retry_waits(client, sleeps)
        made.append(client)
        return client

    yield make
    for client in made:
        await close(client)  # closing twice is harmless


@pytest.fixture
def rw(make_client: Callable[..., Client]) -> Client:
    """A client of the twin under test: ``Railwail``, then ``AsyncRailwail``."""
    return make_client(API_KEY)
