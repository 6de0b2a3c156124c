"""The request log's entry type."""

from __future__ import annotations

import json as _json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RecordedRequest:
    """One request the emulator received, as it arrived.

    Attributes:
        method: HTTP method, upper case.
        path: Full path without the query string, e.g. `/api/v1/models`.
        query: Query parameters (the last value wins when a name repeats).
        headers: Request headers with lower-case names.
        body: Raw request body.
        replayed: True when the answer was an idempotent replay of an earlier one.
    """

    method: str
    path: str
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    replayed: bool = False

    def json(self) -> Any:
        """The body decoded as JSON (raises `ValueError` if it is not JSON)."""
        return _json.loads(self.body)
