"""Server-sent events: the pure decoder both stream twins feed (``_streaming``).

The WHATWG event-stream rules, linear in the bytes however they are split, with every line and
every event's data capped (``MAX_STREAM_LINE_BYTES``): a hostile stream cannot make it slow or
fill the memory.
"""

from __future__ import annotations

from typing import NamedTuple

from ._constants import MAX_STREAM_LINE_BYTES
from ._exceptions import ResponseValidationError

__all__ = ["SSEDecoder", "ServerSentEvent"]


class ServerSentEvent(NamedTuple):
    """One event: its ``event:`` name, its ``data:`` lines joined, the last ``id:`` seen."""

    event: str | None
    data: str
    id: str | None = None


class SSEDecoder:
    """Turns bytes, split anywhere, into events (the WHATWG event-stream rules: ``\\n``,
    ``\\r\\n`` or ``\\r`` line ends, ``:`` comments, multi-line ``data:``, blank lines).

    Linear in the bytes however they are split: the pieces of an unfinished line are joined
    once, when its end arrives. A line, or an event's data, longer than ``max_line`` bytes
    raises ``ResponseValidationError``.
    """

    def __init__(self, max_line: int = MAX_STREAM_LINE_BYTES) -> None:
        self._max = max_line
        self._pending: list[bytes] = []  # the unfinished line, in pieces (no line ends)
        self._pending_size = 0
        self._cr = False  # the last chunk ended with \r: maybe the first half of \r\n
        self._event: str | None = None
        self._data: list[str] = []
        self._data_size = 0
        self._id: str | None = None

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        if self._cr:
            chunk = b"\r" + chunk
            self._cr = False
        # A \r at the very end may be the first half of \r\n: it waits for the next chunk.
        if chunk.endswith(b"\r"):
            chunk, self._cr = chunk[:-1], True
        if b"\r" in chunk:
            chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        cut = chunk.rfind(b"\n")
        if cut < 0:
            if chunk:
                self._hold(chunk)
            return []
        head = chunk[:cut]
        pending = self._pending
        if pending:
            # Joined once, now that the line is complete (not on every read).
            head = pending[0] + head if len(pending) == 1 else b"".join([*pending, head])
            pending.clear()
            self._pending_size = 0
        # The complete lines are decoded and split once per chunk: linear in the bytes. A line
        # end is never inside a UTF-8 sequence, so this decodes exactly as line by line would.
        lines = head.decode("utf-8", errors="replace").split("\n")
        if len(head) > self._max and max(map(len, lines)) > self._max:
            raise _too_long("line", self._max)
        events: list[ServerSentEvent] = []
        data = self._data
        counted = len(data)  # the open event's lines counted in _data_size so far
        for line in lines:
            if line.startswith("data: "):  # the common case, as _field would read it
                data.append(line[6:])
            elif not line:  # dispatch, as _dispatch would (inline: once per event)
                if data or self._event is not None:
                    events.append(ServerSentEvent(self._event, "\n".join(data), self._id))
                    self._event = None
                    data.clear()  # in place: flush and _field use this list too
                    self._data_size = counted = 0
            elif line[0] != ":":  # a comment: nothing to do
                self._field(line)
        if len(data) > counted:
            # The open event grew: its data is capped too (counted once per line).
            self._data_size += sum(map(len, data[counted:]))
            if self._data_size > self._max:
                raise _too_long("event", self._max)
        if cut + 1 < len(chunk):
            rest = chunk[cut + 1 :]
            pending.append(rest)
            self._pending_size = len(rest)
            if len(rest) > self._max:
                raise _too_long("line", self._max)
        return events

    def _hold(self, piece: bytes) -> None:
        self._pending.append(piece)
        self._pending_size += len(piece)
        if self._pending_size > self._max:
            raise _too_long("line", self._max)

    def flush(self) -> list[ServerSentEvent]:
        """Events still pending when the stream ends (a last line without a line end)."""
        self._cr = False
        events = []
        if self._pending:
            line = b"".join(self._pending).decode("utf-8", errors="replace")
            self._pending.clear()
            self._pending_size = 0
            if line and line[0] != ":":
                if line.startswith("data: "):
                    self._data.append(line[6:])
                else:
                    self._field(line)
        event = self._dispatch()
        if event is not None:
            events.append(event)
        return events

    def _dispatch(self) -> ServerSentEvent | None:
        if not self._data and self._event is None:
            return None
        event = ServerSentEvent(self._event, "\n".join(self._data), self._id)
        self._event = None
        self._data.clear()
        self._data_size = 0
        return event

    def _field(self, line: str) -> None:
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id" and "\0" not in value:
            self._id = value


def _too_long(what: str, limit: int) -> ResponseValidationError:
    article = "an" if what[0] in "aeiou" else "a"
    return ResponseValidationError(
        f"a chat stream sent {article} {what} longer than {limit} bytes (the most a stream "
        f"{what} may be); the stream was stopped"
    )
