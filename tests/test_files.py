"""``railwail._files``: format sniffing, the path ``save()`` writes to, and atomic writes."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from railwail._files import atomic_write, sniff, target_path
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


# -- target_path ----------------------------------------------------------------------------------


def test_target_path_file_is_kept(tmp_path: Path) -> None:
    assert target_path(tmp_path / "a.png", PNG) == tmp_path / "a.png"
    # The caller's extension wins over the sniffed one.
    assert target_path(str(tmp_path / "pic.jpeg"), PNG) == tmp_path / "pic.jpeg"
    assert target_path(tmp_path / "no" / "such" / "dir.png", PNG) == (
        tmp_path / "no" / "such" / "dir.png"
    )


def test_target_path_existing_directory(tmp_path: Path) -> None:
    assert target_path(tmp_path, PNG) == tmp_path / generated_name(PNG, ".png")
    assert target_path(str(tmp_path), JPEG) == tmp_path / generated_name(JPEG, ".jpg")


def test_target_path_trailing_separator(tmp_path: Path) -> None:
    missing = tmp_path / "not-yet"
    assert target_path(f"{missing}/", WEBP) == missing / generated_name(WEBP, ".webp")
    assert target_path(f"{missing}{os.sep}", GIF89) == missing / generated_name(GIF89, ".gif")
    assert not missing.exists()  # only computed, nothing created


def test_target_path_name_depends_on_content(tmp_path: Path) -> None:
    first = target_path(tmp_path, PNG + b"1")
    second = target_path(tmp_path, PNG + b"2")
    assert first != second
    assert first == target_path(tmp_path, PNG + b"1")
    assert first.name.startswith("railwail-")
    assert len(first.stem) == len("railwail-") + 16


def test_target_path_expands_user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert target_path("~/pics/a.png", PNG) == tmp_path / "pics" / "a.png"
    assert target_path("~", PNG) == tmp_path / generated_name(PNG, ".png")


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
