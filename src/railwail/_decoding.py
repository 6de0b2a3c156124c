"""Decoding an answer's body under a size cap: decoded bytes are counted as they arrive, so a
compression bomb stops at the cap with memory flat. Pure: the I/O layer feeds it raw bytes.

httpx's own decoders inflate a whole network chunk at once (zlib without ``max_length``): a
1.8 KB body sent as ``Content-Encoding: gzip, gzip`` becomes 1 GiB inside one call. Here every
step of every decoder yields at most ``STEP`` bytes, and the total is checked after each step.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable

from ._exceptions import ResponseValidationError

# The most one decoding step produces: memory in use is at most the cap plus this per stage.
STEP = 64 * 1024
# "gzip, gzip" is legal; more stages than this is an attack, not a server configuration.
MAX_STAGES = 4
# Compressions whose output cannot be bounded step by step with the standard library: refused.
# (The SDK asks for gzip and deflate only; a server that sends these anyway is refused.)
_UNBOUNDED = frozenset({"br", "zstd", "compress", "x-compress"})


class _Corrupt(Exception):
    """Compressed data that cannot be decoded (the message says why)."""


class _Inflater:
    """One gzip or deflate stage, giving at most ``STEP`` bytes per call."""

    __slots__ = ("_raw_fallback", "_tail", "_zlib", "full", "name", "started")

    def __init__(self, name: str) -> None:
        self.name = name
        gzip = name in ("gzip", "x-gzip")
        self._zlib = zlib.decompressobj(zlib.MAX_WBITS | 16 if gzip else zlib.MAX_WBITS)
        # "deflate" is meant to be zlib-wrapped, but some servers send raw deflate (as httpx
        # does, the raw form is tried when the first bytes are not zlib).
        self._raw_fallback = not gzip
        self._tail = b""
        self.full = False
        self.started = False

    @property
    def eof(self) -> bool:
        return self._zlib.eof

    def more(self) -> bool:
        """Whether another ``step(b"")`` may give more output."""
        return not self._zlib.eof and (bool(self._tail) or self.full)

    def step(self, data: bytes) -> bytes:
        if self._zlib.eof:
            return b""  # bytes after the end of the compressed stream are ignored, as by httpx
        if self._tail:
            data = self._tail + data if data else self._tail
        if data:
            self.started = True
        try:
            out = self._zlib.decompress(data, STEP)
        except zlib.error as exc:
            if self._raw_fallback:
                self._raw_fallback = False
                self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
                return self.step(data)
            raise _Corrupt(f"the answer's {self.name} data is corrupt ({exc})") from None
        self._raw_fallback = False
        self._tail = self._zlib.unconsumed_tail
        self.full = len(out) == STEP
        return out


def _stages(content_encoding: str | None) -> list[_Inflater]:
    if not content_encoding:
        return []
    names = [part.strip().lower() for part in content_encoding.split(",")]
    unbounded = [name for name in names if name in _UNBOUNDED]
    if unbounded:
        raise _Corrupt(
            f"the answer is compressed with {unbounded[0]!r}, which railwail does not decode "
            "(it cannot be decoded within a size limit); the SDK asks for gzip or deflate"
        )
    # Other names (no compression httpx knows either) pass through undecoded, as with httpx.
    known = [name for name in names if name in ("gzip", "x-gzip", "deflate")]
    if len(known) > MAX_STAGES:
        raise _Corrupt(
            f"the answer is compressed {len(known)} times over (Content-Encoding: "
            f"{content_encoding[:100]!r}); at most {MAX_STAGES} stages are decoded"
        )
    # The last encoding listed was applied last, so it is undone first.
    return [_Inflater(name) for name in reversed(known)]


class BodyDecoder:
    """Raw body bytes in, decoded bytes out, at most ``limit`` of them.

    Args:
        content_encoding: The response's ``Content-Encoding``.
        limit: The most decoded bytes accepted (``None``: no cap, for a stream whose consumer
            takes the bytes as they come: ``decode``).
        too_large: Makes the error raised once the decoded bytes pass ``limit``.
        lenient: For error answers: compressed data that is corrupt, truncated or of an
            encoding not decoded gives what was decoded so far instead of an error (the status
            is what matters there), and the cap cuts the body short (``done`` turns true)
            instead of raising.

    Raises:
        ResponseValidationError: (not ``lenient``) The data is corrupt or truncated, or
            compressed in a way that cannot be decoded under a cap.
    """

    __slots__ = ("_lenient", "_limit", "_parts", "_size", "_stages", "_too_large", "done")

    def __init__(
        self,
        content_encoding: str | None,
        limit: int | None,
        too_large: Callable[[], Exception],
        *,
        lenient: bool = False,
    ) -> None:
        self._limit = limit
        self._too_large = too_large
        self._lenient = lenient
        self._parts: list[bytes] = []
        self._size = 0
        self.done = False  # nothing more is wanted (lenient: cut short)
        try:
            self._stages = _stages(content_encoding)
        except _Corrupt as exc:
            if not lenient:
                raise ResponseValidationError(str(exc)) from None
            self._stages, self.done = [], True

    def feed(self, data: bytes) -> None:
        """Decodes ``data`` (raw bytes as they came off the network)."""
        if self.done:
            return
        if not self._stages:
            self._keep(data)
        elif data:
            self._guard(data)

    def decode(self, data: bytes) -> bytes:
        """Decodes ``data`` and hands over what it gave (for a stream read as it arrives)."""
        self.feed(data)
        out = b"".join(self._parts)
        self._parts.clear()
        return out

    def finish(self) -> bytes:
        """Everything decoded. Raises when compressed data ended before its end."""
        if self._stages and not self.done:
            self._guard(b"")
            truncated = next((s for s in self._stages if s.started and not s.eof), None)
            if truncated is not None and not self._lenient:
                raise ResponseValidationError(
                    f"the answer's {truncated.name} data ends before its end (truncated)"
                )
        return b"".join(self._parts)

    def _guard(self, data: bytes) -> None:
        try:
            self._run(0, data)
        except _Corrupt as exc:
            if not self._lenient:
                raise ResponseValidationError(str(exc)) from None
            self._stages, self.done = [], True  # keep what was decoded; drop the rest

    def _run(self, index: int, data: bytes) -> None:
        stage = self._stages[index]
        last = index + 1 == len(self._stages)
        out = stage.step(data)
        while True:
            if out:
                if last:
                    self._keep(out)
                else:
                    self._run(index + 1, out)
            if self.done or not stage.more():
                break
            out = stage.step(b"")
        if not last and not data and not self.done:
            self._run(index + 1, b"")  # at the end: whatever the next stage still holds

    def _keep(self, data: bytes) -> None:
        if self.done:
            return
        self._size += len(data)
        if self._limit is not None and self._size > self._limit:
            if not self._lenient:
                raise self._too_large()
            data = data[: len(data) - (self._size - self._limit)]
            self.done = True
        self._parts.append(data)
