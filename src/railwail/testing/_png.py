"""A tiny PNG encoder and the deterministic pictures the emulator "generates"."""

from __future__ import annotations

import functools
import hashlib
import struct
import zlib

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_BANDS = 6


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def encode_png(width: int, height: int, rows: list[bytes]) -> bytes:
    """Encode 8-bit RGB rows (each `3 * width` bytes) as a PNG file.

    A row equal to the one above is written with the "Up" filter, which turns it into
    zeros: large banded pictures then compress in a few milliseconds.
    """
    if len(rows) != height or any(len(r) != 3 * width for r in rows):
        raise ValueError("rows do not match width and height")
    zero_row = b"\x02" + bytes(3 * width)
    parts: list[bytes] = []
    previous: bytes | None = None
    for row in rows:
        parts.append(zero_row if row is previous or row == previous else b"\x00" + row)
        previous = row
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"".join(parts), 6)
    return _SIGNATURE + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def _gradient_row(width: int, left: bytes, right: bytes) -> bytes:
    # Steps of 16 pixels keep this cheap for wide images while still looking like a gradient.
    step = 16
    out = bytearray()
    for x in range(0, width, step):
        t = x / max(width - 1, 1)
        pixel = bytes(round(a + (b - a) * t) for a, b in zip(left, right, strict=True))
        out += pixel * min(step, width - x)
    return bytes(out)


@functools.lru_cache(maxsize=64)
def render_image(model: str, prompt: str, size: str, index: int) -> bytes:
    """A PNG of `size` ("WxH") whose colours derive from the inputs: same inputs, same bytes."""
    width, height = (int(v) for v in size.split("x"))
    seed = hashlib.sha256(f"{model}\0{prompt}\0{size}\0{index}".encode()).digest()
    rows: list[bytes] = []
    for band in range(_BANDS):
        colours = seed[band * 5 : band * 5 + 6]
        row = _gradient_row(width, colours[:3], colours[3:])
        start, stop = band * height // _BANDS, (band + 1) * height // _BANDS
        rows.extend([row] * (stop - start))
    return encode_png(width, height, rows)
