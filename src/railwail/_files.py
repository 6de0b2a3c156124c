"""Image bytes on disk: sniffing the format and writing atomically."""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", ".png", "image/png"),
    (b"\xff\xd8\xff", ".jpg", "image/jpeg"),
    (b"GIF87a", ".gif", "image/gif"),
    (b"GIF89a", ".gif", "image/gif"),
)


def sniff(data: bytes) -> tuple[str, str]:
    """(extension, MIME type) from the magic bytes; ``(".bin", "application/octet-stream")``
    when the format is not one we recognise."""
    for magic, ext, mime in _SIGNATURES:
        if data.startswith(magic):
            return ext, mime
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ".webp", "image/webp"
    if data[4:12] in (b"ftypavif", b"ftypavis"):
        return ".avif", "image/avif"
    return ".bin", "application/octet-stream"


def target_path(path: str | os.PathLike[str], data: bytes) -> Path:
    """The file to write: ``path`` itself, or inside ``path`` when it is a directory (or ends
    with a separator), a name derived from the content with the extension its bytes call for."""
    raw = os.fspath(path)
    target = Path(raw).expanduser()
    if target.is_dir() or raw.endswith(("/", os.sep)):
        digest = hashlib.sha256(data).hexdigest()[:16]
        return target / f"railwail-{digest}{sniff(data)[0]}"
    return target


def atomic_write(target: Path, data: bytes) -> Path:
    """Writes to a temporary file beside ``target``, then renames it over ``target``: readers
    see the old file or the whole new one, and a failure leaves nothing behind."""
    target.parent.mkdir(parents=True, exist_ok=True)
    # A short name: the target's own may already be near the file system's 255-byte limit.
    tmp = target.with_name(f".rw-{secrets.token_hex(6)}.tmp")
    # 0o666 through os.open honours the umask, so the file ends up with the usual permissions.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target.resolve()
