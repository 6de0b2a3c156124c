"""Where generated images go: the default file names, and writes that never overwrite.

``-o FILE`` is written as asked (atomically, replacing an existing file, like ``curl -o``).
Everywhere else (no ``-o``, or ``-o DIR``) each image gets a new name and an existing file is
never replaced, not even by a concurrent run: the bytes go to a temporary file that is then
hard-linked to its final name, which fails rather than overwrites when the name is taken.
"""

from __future__ import annotations

import os
import re
from datetime import datetime
from pathlib import Path

_EXTENSIONS = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/webp": ".webp",
    "image/gif": ".gif",
    "image/avif": ".avif",
}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def extension(mime: str | None) -> str:
    return _EXTENSIONS.get(mime or "", ".bin")


def is_directory(output: str | None) -> bool:
    """Whether ``-o`` names a directory: absent (the current one), existing, or ending in /."""
    if output is None:
        return True
    return output.endswith(("/", os.sep)) or Path(output).expanduser().is_dir()


def default_stem(model: str, when: datetime, index: int, count: int) -> str:
    """``<model>-<YYYYmmdd-HHMMSS>``, and ``-<n>`` (from 1) when the call made several images.

    Identical images of one call still get distinct names, and names sort by time.
    """
    slug = _UNSAFE.sub("-", model.rsplit("/", 1)[-1]).strip(".-") or "image"
    stem = f"{slug}-{when:%Y%m%d-%H%M%S}"
    return f"{stem}-{index}" if count > 1 else stem


def save_new(directory: Path, stem: str, suffix: str, data: bytes) -> Path:
    """Writes ``data`` to ``directory/stem+suffix``, or ``stem-2``, ``stem-3``... when taken.

    Returns the absolute path written. A failure or Ctrl-C leaves no file behind.
    """
    directory.mkdir(parents=True, exist_ok=True)
    tmp = directory / f".railwail-{os.getpid()}-{os.urandom(4).hex()}.tmp"
    try:
        with open(tmp, "xb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        attempt = 1
        while True:
            target = directory / (
                f"{stem}{suffix}" if attempt == 1 else f"{stem}-{attempt}{suffix}"
            )
            if _publish(tmp, target):
                return target.resolve()
            attempt += 1
    finally:
        tmp.unlink(missing_ok=True)


def _publish(tmp: Path, target: Path) -> bool:
    """Gives ``tmp`` the name ``target`` unless that exists; whether it did."""
    try:
        os.link(tmp, target)  # atomic, and never replaces an existing file
    except FileExistsError:
        return False
    except OSError:
        # File systems without hard links (FAT, some network shares): check, then rename.
        if target.exists():
            return False
        os.replace(tmp, target)
    return True
