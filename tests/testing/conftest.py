"""Shared fixtures for the emulator's own tests."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from railwail.testing import FakeGateway


@pytest.fixture
def client(fake_gateway: FakeGateway) -> Iterator[httpx.Client]:
    """A plain httpx client authenticated against the `fake_gateway` fixture."""
    headers = {"Authorization": f"Bearer {fake_gateway.api_key}"}
    with httpx.Client(base_url=fake_gateway.url, headers=headers, timeout=10) as c:
        yield c
