"""pytest plugin (entry point `railwail`): the `fake_gateway` fixture."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from ._gateway import FakeGateway


@pytest.fixture
def fake_gateway() -> Iterator[FakeGateway]:
    """A started `railwail.testing.FakeGateway`, stopped after the test.

    Point a client at `fake_gateway.url` with `fake_gateway.api_key`.
    """
    # Imported here so that loading the plugin at pytest startup stays cheap.
    from ._gateway import FakeGateway

    with FakeGateway() as gateway:
        yield gateway
