"""Injected faults: what to do instead of (or before) answering normally."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Literal

FaultKind = Literal["fail", "delay", "drop_before", "drop_mid", "malformed"]
DROP_WHEN = ("before_response", "mid_body")


@dataclass
class Fault:
    """One armed fault; `times` counts down as requests consume it."""

    kind: FaultKind
    times: int
    path: str | None = None
    status: int = 0
    headers: dict[str, str] | None = None
    body: bytes | None = None
    json: Any = None
    seconds: float = 0.0

    def matches(self, path: str) -> bool:
        """Whether a request to `path` triggers this fault."""
        return self.path is None or path.endswith(self.path)


def check_common(times: int, path: str | None) -> None:
    """Validate the arguments every fault method shares."""
    if isinstance(times, bool) or not isinstance(times, int) or times < 1:
        raise ValueError(f"times must be an int >= 1, got {times!r}")
    if path is not None and (not isinstance(path, str) or not path):
        raise ValueError(f"path must be a non-empty path suffix or None, got {path!r}")


class FaultQueue:
    """Thread-safe FIFO of armed faults; the first match wins."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        """Arm a fault."""
        with self._lock:
            self._faults.append(fault)

    def take(self, path: str) -> Fault | None:
        """Consume one use of the first fault matching `path`, if any."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(path):
                    fault.times -= 1
                    if fault.times == 0:
                        self._faults.remove(fault)
                    return fault
            return None

    def clear(self) -> None:
        """Disarm every fault."""
        with self._lock:
            self._faults.clear()
