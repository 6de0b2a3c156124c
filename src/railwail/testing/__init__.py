"""A local emulator of the railwail gateway, for testing code that uses the SDK.

```python
from railwail.testing import FakeGateway

with FakeGateway() as gw:
    ...  # point a client at gw.url with gw.api_key
```

The `fake_gateway` pytest fixture (registered by the `railwail` pytest plugin) yields a
started `FakeGateway`. Exports are loaded on first use, so importing this package is cheap
and does no I/O; that also keeps the pytest plugin from importing the emulator at startup.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._catalogue import CATALOGUE
    from ._gateway import FakeGateway
    from ._records import RecordedRequest
    from ._waits import record_retry_waits

__all__ = ["CATALOGUE", "FakeGateway", "RecordedRequest", "record_retry_waits"]

_HOMES = {
    "CATALOGUE": "._catalogue",
    "FakeGateway": "._gateway",
    "RecordedRequest": "._records",
    "record_retry_waits": "._waits",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOMES[name], __name__), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
