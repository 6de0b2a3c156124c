"""``railwail._files``: format sniffing, default names, the suffix a file gets (and converting
to it), atomic writes, and writes that never overwrite or collide."""

from __future__ import annotations

import io
import os
import stat
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from PIL import Image as PILImage

from railwail import _files
from railwail._files import (
    atomic_write,
    content_stem,
    default_stem,
    extension,
    fit_suffix,
    prompt_slug,
    save_new,
    sniff,
)
from support import JPEG, PNG, WEBP, generated_name, names

GIF87 = b"GIF87a\x01\x00"
GIF89 = b"GIF89a\x01\x00"
AVIF = b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00"
AVIS = b"\x00\x00\x00\x1cftypavis\x00\x00\x00\x00"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (PNG, (".png", "image/png")),
        (JPEG, (".jpg", "image/jpeg")),
        (GIF87, (".gif", "image/gif")),
        (GIF89, (".gif", "image/gif")),
        (WEBP, (".webp", "image/webp")),
        (AVIF, (".avif", "image/avif")),
        (AVIS, (".avif", "image/avif")),
        (b"", (".bin", "application/octet-stream")),
        (b"hello world", (".bin", "application/octet-stream")),
        (b"RIFF\x1a\x00\x00\x00WAVEfmt ", (".bin", "application/octet-stream")),  # audio
        (b"\x89PNG", (".bin", "application/octet-stream")),  # truncated signature
        (b"GIF88a", (".bin", "application/octet-stream")),
        (b"<svg xmlns=", (".bin", "application/octet-stream")),
    ],
    ids=[
        "png",
        "jpeg",
        "gif87",
        "gif89",
        "webp",
        "avif",
        "avis",
        "empty",
        "text",
        "wav",
        "short-png",
        "gif88",
        "svg",
    ],
)
def test_sniff(data: bytes, expected: tuple[str, str]) -> None:
    assert sniff(data) == expected


# -- names ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prompt", "slug"),
    [
        ("A cat in space", "a-cat-in-space"),
        ("  A Café in Paris!  ", "a-cafe-in-paris"),
        ("../../etc/passwd", "etc-passwd"),
        ("一只猫", "image"),  # nothing ASCII is left
        ("", "image"),
        # At most 40 characters, cut between words.
        (
            "a lighthouse at dawn over a stormy sea with gulls",
            "a-lighthouse-at-dawn-over-a-stormy-sea",
        ),
        ("x" * 60, "x" * 40),  # one long word is cut where it must
    ],
)
def test_prompt_slug(prompt: str, slug: str) -> None:
    assert prompt_slug(prompt) == slug
    assert len(prompt_slug(prompt)) <= 40


@pytest.mark.parametrize(
    ("model", "prompt", "index", "stem"),
    [
        ("flux-schnell", "A cat in space", 1, "a-cat-in-space_flux-schnell_1"),
        ("dall-e-3", "A cat in space", 2, "a-cat-in-space_dall-e-3_2"),
        ("black-forest-labs/flux:dev", "a fox", 1, "a-fox_flux-dev_1"),
        ("..", "a fox", 3, "a-fox_model_3"),
    ],
)
def test_default_stem(model: str, prompt: str, index: int, stem: str) -> None:
    assert default_stem(model, prompt, index) == stem


def test_content_stem_depends_on_the_bytes() -> None:
    assert content_stem(PNG) == generated_name(PNG, "")
    assert content_stem(PNG + b"1") != content_stem(PNG + b"2")


def test_extension() -> None:
    assert extension("image/jpeg") == ".jpg"
    assert extension("image/png") == ".png"
    assert extension(None) == ".bin"
    assert extension("image/tiff") == ".bin"


# -- fit_suffix: the suffix a file gets, and the bytes that match it -------------------------------


def _png(mode: str = "RGB") -> bytes:
    buf = io.BytesIO()
    colour = (200, 30, 60, 0) if mode == "RGBA" else (200, 30, 60)
    PILImage.new(mode, (3, 2), colour).save(buf, format="PNG")
    return buf.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("cat", PNG, "cat.png"),
        ("cat", JPEG, "cat.jpg"),
        ("cat", WEBP, "cat.webp"),
        ("my.cat.v2", PNG, "my.cat.v2"),  # not an image suffix: kept as asked
        ("cat.bin", PNG, "cat.bin"),
        ("cat.png", PNG, "cat.png"),
        ("cat.PNG", PNG, "cat.PNG"),
        ("cat.jpeg", JPEG, "cat.jpeg"),
        ("cat.JPG", JPEG, "cat.JPG"),
    ],
)
def test_fit_suffix_keeps_matching_bytes(
    tmp_path: Path, name: str, data: bytes, expected: str
) -> None:
    assert fit_suffix(tmp_path / name, data) == (tmp_path / expected, data)


def test_fit_suffix_converts_with_pillow(tmp_path: Path) -> None:
    target, data = fit_suffix(tmp_path / "cat.jpg", _png())
    assert target == tmp_path / "cat.jpg"
    assert sniff(data) == (".jpg", "image/jpeg")
    picture = PILImage.open(io.BytesIO(data))
    assert (picture.format, picture.size) == ("JPEG", (3, 2))
    webp = fit_suffix(tmp_path / "cat.webp", _png())[1]
    assert PILImage.open(io.BytesIO(webp)).format == "WEBP"


def test_fit_suffix_keeps_a_format_pillow_knows_under_its_suffix(tmp_path: Path) -> None:
    buf = io.BytesIO()
    PILImage.new("RGB", (2, 2)).save(buf, format="BMP")
    assert fit_suffix(tmp_path / "x.bmp", buf.getvalue()) == (tmp_path / "x.bmp", buf.getvalue())


def test_fit_suffix_puts_transparency_on_white_for_jpeg(tmp_path: Path) -> None:
    data = fit_suffix(tmp_path / "cat.jpg", _png("RGBA"))[1]
    picture = PILImage.open(io.BytesIO(data))
    assert picture.mode == "RGB"
    red, green, blue = picture.getpixel((0, 0))  # type: ignore[misc]
    assert min(red, green, blue) > 240  # fully transparent: white, not black


def test_fit_suffix_without_pillow_names_both_formats(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(ValueError, match=r"'cat\.jpg' asks for JPEG but the image is PNG") as info:
        fit_suffix(tmp_path / "cat.jpg", PNG)
    assert "save it as 'cat.png'" in str(info.value)
    assert "pip install 'railwail[pil]'" in str(info.value)
    with pytest.raises(ValueError, match=r"asks for PNG but the image is an unrecognised format"):
        fit_suffix(tmp_path / "cat.png", b"not an image")
    assert names(tmp_path) == []


def test_fit_suffix_when_pillow_cannot_read_the_bytes(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"asks for PNG but the image is an unrecognised format"):
        fit_suffix(tmp_path / "cat.png", b"not an image")


# -- save_new: never overwrite, never collide -----------------------------------------------------


def test_save_new_never_overwrites(tmp_path: Path) -> None:
    (tmp_path / "cat.png").write_bytes(b"first")
    second = save_new(tmp_path, "cat", ".png", b"second")
    third = save_new(tmp_path, "cat", ".png", b"third")
    assert (second.name, third.name) == ("cat-2.png", "cat-3.png")
    assert (tmp_path / "cat.png").read_bytes() == b"first"
    assert second.read_bytes() == b"second"
    assert names(tmp_path) == ["cat-2.png", "cat-3.png", "cat.png"]


def test_save_new_creates_the_directory_and_returns_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = save_new(Path("a") / "b", "cat", ".png", PNG)
    assert path == tmp_path.resolve() / "a" / "b" / "cat.png"
    assert path.read_bytes() == PNG


def test_save_new_concurrent_writers_never_collide(tmp_path: Path) -> None:
    blobs = [f"image {i}".encode() for i in range(16)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        paths = list(pool.map(lambda data: save_new(tmp_path, "cat", ".png", data), blobs))
    assert len(set(paths)) == 16
    assert sorted(p.read_bytes() for p in paths) == sorted(blobs)
    assert len(names(tmp_path)) == 16  # and no temporary file left


def test_save_new_without_hard_links(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_links(src: object, dst: object) -> None:
        raise PermissionError("no hard links here")

    monkeypatch.setattr(os, "link", no_links)
    (tmp_path / "cat.png").write_bytes(b"first")
    path = save_new(tmp_path, "cat", ".png", b"second")
    assert path.name == "cat-2.png"
    assert path.read_bytes() == b"second"
    assert (tmp_path / "cat.png").read_bytes() == b"first"
    assert names(tmp_path) == ["cat-2.png", "cat.png"]


def test_save_new_interrupted_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(tmp: Path, target: Path) -> bool:
        raise KeyboardInterrupt

    monkeypatch.setattr(_files, "_publish", interrupted)
    with pytest.raises(KeyboardInterrupt):
        save_new(tmp_path / "out", "cat", ".png", b"data")
    assert names(tmp_path / "out") == []


# -- atomic_write ---------------------------------------------------------------------------------


@pytest.fixture
def umask() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
@pytest.mark.usefixtures("umask")
def test_atomic_write_honours_umask(tmp_path: Path) -> None:
    written = atomic_write(tmp_path / "a.png", PNG)
    assert _mode(written) == 0o644  # not the 0600 of a mkstemp file
    os.umask(0o002)
    assert _mode(atomic_write(tmp_path / "b.png", PNG)) == 0o664
    os.umask(0o077)
    assert _mode(atomic_write(tmp_path / "c.png", PNG)) == 0o600


def test_atomic_write_writes_and_returns_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    written = atomic_write(Path("x") / "y" / "out.png", PNG)
    assert written.is_absolute()
    assert written == tmp_path.resolve() / "x" / "y" / "out.png"
    assert written.read_bytes() == PNG
    assert names(tmp_path / "x" / "y") == ["out.png"]


def test_atomic_write_empty_data(tmp_path: Path) -> None:
    assert atomic_write(tmp_path / "e.bin", b"").read_bytes() == b""


def test_atomic_write_overwrite_is_a_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out.png"
    target.write_bytes(b"old picture")
    old_inode = target.stat().st_ino
    seen_while_writing: list[bytes] = []
    renames: list[tuple[str, str]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def spy_fsync(fd: int) -> None:
        # The new bytes are on their way to disk; the target still holds the old picture.
        seen_while_writing.append(target.read_bytes())
        real_fsync(fd)

    def spy_replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        renames.append((os.fspath(src), os.fspath(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", spy_fsync)
    monkeypatch.setattr(os, "replace", spy_replace)
    atomic_write(target, PNG)
    assert target.read_bytes() == PNG
    assert seen_while_writing == [b"old picture"]
    assert len(renames) == 1
    src, dst = renames[0]
    assert Path(dst) == target
    assert Path(src).parent == target.parent  # same directory, so the rename is atomic
    assert Path(src).name.startswith(".rw-")  # hidden, and short whatever the target name
    assert target.stat().st_ino != old_inode  # a new file took the name, not an in-place write
    assert names(tmp_path) == ["out.png"]


@pytest.mark.parametrize("existing", [False, True])
def test_atomic_write_failed_rename_leaves_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, existing: bool
) -> None:
    target = tmp_path / "out.png"
    if existing:
        target.write_bytes(b"old picture")

    def broken_replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        raise OSError("disk on fire")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk on fire"):
        atomic_write(target, PNG)
    if existing:
        assert names(tmp_path) == ["out.png"]
        assert target.read_bytes() == b"old picture"
    else:
        assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("error", [OSError("no space left on device"), KeyboardInterrupt()])
def test_atomic_write_failed_write_leaves_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: BaseException
) -> None:
    target = tmp_path / "out.png"
    target.write_bytes(b"old picture")

    def broken_fsync(fd: int) -> None:
        raise error

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(type(error)):
        atomic_write(target, PNG)
    assert names(tmp_path) == ["out.png"]
    assert target.read_bytes() == b"old picture"


def test_atomic_write_into_a_directory_path_fails_cleanly(tmp_path: Path) -> None:
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "inside").write_bytes(b"keep")
    with pytest.raises(OSError):
        atomic_write(tmp_path / "taken", PNG)
    assert names(tmp_path) == ["taken"]
    assert (tmp_path / "taken" / "inside").read_bytes() == b"keep"
