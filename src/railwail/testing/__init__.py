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

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._catalogue import CATALOGUE
    from ._gateway import FakeGateway
    from ._records import RecordedRequest
    from ._waits import record_retry_waits

__all__ = ["CATALOGUE", "FakeGateway", "RecordedRequest", "record_retry_waits"]


def __getattr__(name: str) -> Any:
    # Loaded on first use, by an import inside this function (docs/architecture.md).
    value: Any
    if name == "CATALOGUE":
        from ._catalogue import CATALOGUE as value
    elif name == "FakeGateway":
        from ._gateway import FakeGateway as value
    elif name == "RecordedRequest":
        from ._records import RecordedRequest as value
    elif name == "record_retry_waits":
        from ._waits import record_retry_waits as value
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
