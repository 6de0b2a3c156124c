"""Fixtures of the hostile-network suite: ``serve(handler)`` starts a scripted server on
127.0.0.1 (stopped after the test), and ``real_client`` builds clients of the twin under test
whose retry waits are really slept (total_timeout counts them)."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
from hostile_servers import Handler, Server

from support import API_KEY, Client, Twin, close


@pytest.fixture
def serve() -> Iterator[Callable[..., Server]]:
    """Starts scripted servers: ``serve(handler, tls=None)``; all are stopped after the test."""
    started: list[Server] = []

    def start(handler: Handler, tls: ssl.SSLContext | None = None) -> Server:
        server = Server(handler, tls)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
async def real_client(twin: Twin) -> AsyncIterator[Callable[..., Client]]:
    """Builds clients of the twin under test (closed after the test) that sleep their retry
    waits for real, for what total_timeout and the elapsed time in errors count."""
    made: list[Client] = []

    def make(server: Server, **kwargs: Any) -> Client:
        client = twin(kwargs.pop("api_key", API_KEY), base_url=server.base_url, **kwargs)
        made.append(client)
        return client

    yield make
    for client in made:
        await close(client)


@pytest.fixture
def client_for(make_client: Callable[..., Client]) -> Callable[..., Client]:
    """Builds clients of the twin under test for a scripted server (retry waits recorded, not
    slept: see ``make_client``)."""

    def make(server: Server, **kwargs: Any) -> Client:
        return make_client(kwargs.pop("api_key", API_KEY), base_url=server.base_url, **kwargs)

    return make
