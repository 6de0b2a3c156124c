"""Image bytes on disk: sniffing the format, default file names, the suffix a file gets, and
the two ways of writing (the command line and bulk generation use these too).

- ``atomic_write(target, data)``: writes ``target``, replacing it if it exists; readers see
  the old file or the whole new one. ``Image.save("cat.png")`` (like ``curl -o``).
- ``save_new(directory, stem, suffix, data)``: never replaces anything: the bytes get the
  first free name of ``stem``, ``stem-2``, ``stem-3``..., taken atomically, so concurrent
  writers (threads or processes) never collide either. ``Image.save("out/")``, ``save_all``.
- ``default_stem(model, prompt, index)``: ``a-cat-in-space_flux-schnell_1``, a name a person
  can trace back to the prompt and model.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import secrets
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import PIL.Image

_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", ".png", "image/png"),
    (b"\xff\xd8\xff", ".jpg", "image/jpeg"),
    (b"GIF87a", ".gif", "image/gif"),
    (b"GIF89a", ".gif", "image/gif"),
)
UNKNOWN_MIME = "application/octet-stream"

# Suffixes that name an image format, and which: a file saved under one of them must hold
# that format. Any other suffix (".bin", ".dat", none at all) is not a claim about the bytes.
_SUFFIX_MIME = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".jpe": "image/jpeg",
    ".jfif": "image/jpeg",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".avif": "image/avif",
    ".bmp": "image/bmp",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
}
_MIME_EXTENSION = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/webp": ".webp",
    "image/gif": ".gif",
    "image/avif": ".avif",
}
# Pillow's names of the formats, for converting and for messages.
_PIL_FORMAT = {
    "image/png": "PNG",
    "image/jpeg": "JPEG",
    "image/webp": "WEBP",
    "image/gif": "GIF",
    "image/avif": "AVIF",
    "image/bmp": "BMP",
    "image/tiff": "TIFF",
}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_NOT_WORD = re.compile(r"[^a-z0-9]+")
PROMPT_SLUG_LENGTH = 40


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
    return ".bin", UNKNOWN_MIME


def extension(mime: str | None) -> str:
    """The file extension for a MIME type (``.bin`` for one that is not an image we know)."""
    return _MIME_EXTENSION.get(mime or "", ".bin")


def format_name(mime: str) -> str:
    """``"PNG"``, ``"JPEG"``...: how messages name a format."""
    return _PIL_FORMAT.get(mime, "an unrecognised format")


def safe_name(text: str, fallback: str = "image") -> str:
    """``text`` as one file-name component: letters, digits, ``.``, ``_`` and ``-`` only, no
    leading or trailing dot or dash (so never ``..`` or a hidden file), or ``fallback``."""
    return _UNSAFE.sub("-", text).strip(".-") or fallback


def prompt_slug(prompt: str, length: int = PROMPT_SLUG_LENGTH) -> str:
    """The first words of a prompt, lower case ASCII joined by ``-``, at most ``length``
    characters, cut between words (``"A Café in Paris!"`` -> ``"a-cafe-in-paris"``)."""
    ascii_text = unicodedata.normalize("NFKD", prompt).encode("ascii", "ignore").decode()
    slug = _NOT_WORD.sub("-", ascii_text.lower()).strip("-")
    if len(slug) > length:
        cut = slug.rfind("-", 0, length + 1)
        slug = slug[: cut if cut > 0 else length]
    return slug or "image"


def default_stem(model: str, prompt: str, index: int) -> str:
    """The file name (without extension) for image ``index`` (from 1) of ``model`` for
    ``prompt``: ``a-cat-in-space_flux-schnell_1``.

    The prompt comes first so that a directory sorts by subject; fields are separated by
    ``_`` because slugs contain ``-``. Two images can still get the same stem (the same
    prompt twice): ``save_new`` numbers the second.
    """
    model_part = safe_name(model.rsplit("/", 1)[-1], "model")
    return f"{prompt_slug(prompt)}_{model_part}_{index}"


def content_stem(data: bytes) -> str:
    """``railwail-<16 hex digits of the SHA-256>``: the name of an image that does not know
    the prompt it was made for (one built by hand)."""
    return f"railwail-{hashlib.sha256(data).hexdigest()[:16]}"


def fit_suffix(target: Path, data: bytes) -> tuple[Path, bytes]:
    """The file to write and the bytes to write there, for ``save(target)``.

    A name without a suffix gets the image's own extension (``cat`` -> ``cat.png``). A suffix
    that names another image format than the bytes are (``cat.jpg`` for PNG bytes) converts
    them through Pillow when it is installed. Other suffixes are kept as they are.

    Raises:
        ValueError: The suffix names another format and the bytes cannot be converted to it
            (Pillow is missing, or cannot read or write the formats); nothing was written.
    """
    ext, mime = sniff(data)
    suffix = target.suffix.lower()
    if not suffix:
        return target.with_name(target.name + ext), data
    wanted = _SUFFIX_MIME.get(suffix)
    if wanted is None or wanted == mime:
        return target, data
    return target, convert(data, mime, wanted, target)


def convert(data: bytes, mime: str, wanted: str, target: Path) -> bytes:
    """``data`` (of type ``mime``) re-encoded as ``wanted`` with Pillow.

    Raises:
        ValueError: Pillow is missing or cannot do it; the message names both formats.
    """
    have, want = format_name(mime), _PIL_FORMAT[wanted]
    keep = f"{target.stem}{extension(mime)}" if mime != UNKNOWN_MIME else None
    try:
        from PIL import Image as PILImage
    except ImportError:
        advice = f"save it as {keep!r}, or " if keep else ""
        raise ValueError(
            f"{target.name!r} asks for {want} but the image is {have}: {advice}install Pillow "
            "(pip install 'railwail[pil]') to convert it. Nothing was written"
        ) from None
    try:
        opened = PILImage.open(io.BytesIO(data))
        opened.load()
        if opened.format == want:  # a format Pillow knows and we do not sniff (BMP, TIFF)
            return data
        picture: PIL.Image.Image = opened
        if want == "JPEG" and picture.mode not in ("RGB", "L", "CMYK"):
            picture = _flatten(picture)
        out = io.BytesIO()
        picture.save(out, format=want)
    except (OSError, KeyError, ValueError) as exc:
        raise ValueError(
            f"{target.name!r} asks for {want} but the image is {have}, and Pillow could not "
            f"convert it ({exc}). Nothing was written"
        ) from None
    return out.getvalue()


def _flatten(picture: PIL.Image.Image) -> PIL.Image.Image:
    """An RGB picture, transparent areas on white (JPEG has no alpha channel)."""
    from PIL import Image as PILImage

    rgba = picture.convert("RGBA")
    background = PILImage.new("RGB", rgba.size, (255, 255, 255))
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background


def atomic_write(target: Path, data: bytes) -> Path:
    """Writes to a temporary file beside ``target``, then renames it over ``target``: readers
    see the old file or the whole new one, and a failure leaves nothing behind."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = _write_temporary(target.parent, data)
    try:
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target.resolve()


def save_new(directory: Path, stem: str, suffix: str, data: bytes) -> Path:
    """Writes ``data`` to ``directory/stem+suffix``, or ``stem-2``, ``stem-3``... when taken.

    Never replaces a file, also not one a concurrent writer (another thread or process) is
    publishing at the same moment: each name is taken atomically. Returns the absolute path
    written. A failure or Ctrl-C leaves no file behind.
    """
    directory.mkdir(parents=True, exist_ok=True)
    tmp = _write_temporary(directory, data)
    try:
        attempt = 1
        while True:
            name = f"{stem}{suffix}" if attempt == 1 else f"{stem}-{attempt}{suffix}"
            target = directory / name
            if _publish(tmp, target):
                return target.resolve()
            attempt += 1
    finally:
        tmp.unlink(missing_ok=True)


def write_image(path: str | os.PathLike[str], data: bytes, stem: str) -> Path:
    """Saves image bytes as ``Image.save(path)`` does: into a directory (an existing one, or a
    path ending with a separator) as a new ``stem`` file with the bytes' own suffix; else to
    the file asked for, replaced atomically, its suffix fitted to the bytes (``fit_suffix``).
    Returns the absolute path written."""
    raw = os.fspath(path)
    target = Path(raw).expanduser()
    if target.is_dir() or raw.endswith(("/", os.sep)):
        return save_new(target, stem, sniff(data)[0], data)
    final, payload = fit_suffix(target, data)
    return atomic_write(final, payload)


def _write_temporary(directory: Path, data: bytes) -> Path:
    # A short hidden name: the target's own may already be near the 255-byte limit.
    tmp = directory / f".rw-{secrets.token_hex(6)}.tmp"
    # 0o666 through os.open honours the umask, so the file ends up with the usual permissions.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def _publish(tmp: Path, target: Path) -> bool:
    """Gives the finished ``tmp`` the name ``target`` unless that name exists; whether it did."""
    try:
        os.link(tmp, target)  # atomic, and never replaces an existing file
    except FileExistsError:
        return False
    except OSError:
        # File systems without hard links (FAT, some network shares): the name is reserved
        # with O_EXCL, which fails if it exists, and only then is the file moved onto it.
        try:
            os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            return False
        os.replace(tmp, target)
    return True
