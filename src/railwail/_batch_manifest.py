"""The manifest of an image batch on disk: ``out_dir/railwail-batch.jsonl``.

JSON lines. The first line describes the directory's batch (its identity, and a random salt
that the items' idempotency keys are derived from, so that the same batch run into another
directory makes new images while a re-run in this one is answered from the gateway's
idempotency records); every later line records one finished item: its index, the hash of its
parameters, its status (``done`` or ``failed``), its files (relative to ``out_dir``), the
request id, the revised prompt, the error and the idempotency key it was sent with. The last
line of an index wins.

Lines are appended as items finish, each flushed and fsynced before the next, and an item's
files are written (atomically) before its line. A crash can tear only the last line: it is
ignored when read and cut off before anything is appended after it.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from ._exceptions import RailwailError
from ._files import atomic_write

MANIFEST_NAME = "railwail-batch.jsonl"
REPLACED_DIR = "replaced"
FORMAT = 1

logger = logging.getLogger("railwail")


@dataclass(frozen=True, slots=True)
class Header:
    """The first line: which batch first ran in this directory, and its salt."""

    identity: str
    salt: str
    model: str

    def to_json(self) -> dict[str, Any]:
        return {
            "railwail_batch": FORMAT,
            "identity": self.identity,
            "salt": self.salt,
            "model": self.model,
        }


@dataclass(frozen=True, slots=True)
class Record:
    """One finished item, as a line of the manifest."""

    index: int
    hash: str
    status: str  # "done" or "failed"
    files: tuple[str, ...] = ()
    request_id: str | None = None
    revised_prompt: str | None = None
    error: str | None = None
    key: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "hash": self.hash,
            "status": self.status,
            "files": list(self.files),
            "request_id": self.request_id,
            "revised_prompt": self.revised_prompt,
            "error": self.error,
            "key": self.key,
        }


def _optional_str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _record(obj: Mapping[str, Any]) -> Record | None:
    index, digest, status, files = (obj.get(k) for k in ("index", "hash", "status", "files"))
    if (
        isinstance(index, bool)
        or not isinstance(index, int)
        or index < 0
        or not isinstance(digest, str)
        or status not in ("done", "failed")
        or not isinstance(files, list)
        or not all(isinstance(f, str) and _is_plain_name(f) for f in files)
    ):
        return None
    return Record(
        index=index,
        hash=digest,
        status=status,
        files=tuple(files),
        request_id=_optional_str(obj.get("request_id")),
        revised_prompt=_optional_str(obj.get("revised_prompt")),
        error=_optional_str(obj.get("error")),
        key=_optional_str(obj.get("key")),
    )


def _is_plain_name(name: str) -> bool:
    # A manifest edited by hand (or by someone else) must not make us read or move files
    # outside out_dir.
    return bool(name) and name not in (".", "..") and "/" not in name and "\\" not in name


def _header(obj: Mapping[str, Any]) -> Header | None:
    fields = (obj.get("identity"), obj.get("salt"), obj.get("model"))
    if obj.get("railwail_batch") != FORMAT or not all(isinstance(f, str) and f for f in fields):
        return None
    identity, salt, model = fields
    return Header(str(identity), str(salt), str(model))


@dataclass(frozen=True, slots=True)
class Contents:
    """What a manifest holds: its header, the last record of each index, where its last whole
    line ends (bytes after it are a torn line), its size and how many lines could not be
    read."""

    header: Header | None
    records: dict[int, Record]
    end: int
    size: int
    unreadable: int


def parse(data: bytes) -> Contents:
    """The manifest's contents from its bytes. A last line without its newline is torn (the
    process died writing it) and ignored; so is any line that is not a record."""
    end = data.rfind(b"\n") + 1
    header: Header | None = None
    records: dict[int, Record] = {}
    unreadable = 0
    for number, raw in enumerate(data[:end].splitlines()):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except ValueError:
            obj = None
        if not isinstance(obj, dict):
            unreadable += 1
            continue
        if number == 0 and "railwail_batch" in obj:
            header = _header(obj)
            unreadable += header is None
            continue
        record = _record(obj)
        if record is None:
            unreadable += 1
        else:
            records[record.index] = record
    return Contents(header, records, end, len(data), unreadable)


def read(out_dir: Path) -> Contents:
    """The manifest in ``out_dir``; empty when there is none yet."""
    try:
        data = (out_dir / MANIFEST_NAME).read_bytes()
    except FileNotFoundError:
        data = b""
    contents = parse(data)
    if contents.unreadable:
        logger.warning(
            "%s: %d line(s) could not be read and were ignored; their items are made again",
            out_dir / MANIFEST_NAME,
            contents.unreadable,
        )
    return contents


def complete(out_dir: Path, records: Mapping[int, Record]) -> set[int]:
    """The indexes recorded done whose files are all still on disk."""
    return {
        index
        for index, record in records.items()
        if record.status == "done" and all((out_dir / f).is_file() for f in record.files)
    }


def new_header(identity: str, model: str) -> Header:
    return Header(identity=identity, salt=secrets.token_hex(8), model=model)


class Manifest:
    """The manifest open for appending, shared by every worker of one run.

    ``save`` writes an item's files and then its line under one lock, so that once ``close``
    has returned nothing more is written: a worker still running after the batch stopped (a
    thread cannot be cancelled) finds the manifest closed and leaves no file behind.
    """

    def __init__(self, out_dir: Path, header: Header, handle: BinaryIO) -> None:
        self.out_dir = out_dir
        self.path = out_dir / MANIFEST_NAME
        self.header = header
        self._handle = handle
        self._lock = threading.Lock()
        self._closed = False

    @classmethod
    def open(cls, out_dir: Path, contents: Contents, header: Header) -> Manifest:
        """Opens (or creates) the manifest for appending, as read in ``contents``: cuts off a
        torn last line, and writes ``header`` first when the file has none.

        Raises:
            RailwailError: Another run holds the manifest, or changed it since it was read.
        """
        out_dir.mkdir(parents=True, exist_ok=True)
        handle = open(out_dir / MANIFEST_NAME, "ab")  # noqa: SIM115  # closed by close()
        try:
            size = handle.seek(0, os.SEEK_END)
            if not _lock(handle) or size != contents.size:
                raise RailwailError(
                    f"another image_batch run is writing to {out_dir}; wait for it to end "
                    "or choose another out_dir"
                )
            if size > contents.end:
                handle.truncate(contents.end)
            _remove_leftovers(out_dir)
            manifest = cls(out_dir, header, handle)
            if contents.header is None:
                manifest._append(header.to_json())
        except BaseException:
            handle.close()
            raise
        return manifest

    @property
    def closed(self) -> bool:
        return self._closed

    def save(self, files: Sequence[tuple[str, bytes]], record: Record) -> bool:
        """Writes each ``(name, data)`` into ``out_dir`` atomically, then appends ``record``.
        ``False`` (and nothing written) once the manifest is closed."""
        with self._lock:
            if self._closed:
                return False
            for name, data in files:
                atomic_write(self.out_dir / name, data)
            self._append(record.to_json())
            return True

    def close(self) -> None:
        """Stops every later ``save``; idempotent."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._handle.close()

    def _append(self, obj: Mapping[str, Any]) -> None:
        line = json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n"
        self._handle.write(line.encode("utf-8"))
        self._handle.flush()
        os.fsync(self._handle.fileno())


def _remove_leftovers(out_dir: Path) -> None:
    """Removes the temporary files of writes a killed run left half done (``atomic_write``
    names them ``.rw-<random>.tmp`` and cleans up after any failure it lives through)."""
    for leftover in out_dir.glob(".rw-*.tmp"):
        leftover.unlink(missing_ok=True)
        logger.info("removed %s, left by an interrupted run", leftover)


def _lock(handle: BinaryIO) -> bool:
    """An exclusive lock on the manifest for this run (POSIX; released when it is closed, even
    by a crash), so that two runs never append to one manifest. ``False`` if another has it."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no advisory locks; runs are not guarded
        return True
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def retire(out_dir: Path, names: Iterable[str]) -> list[Path]:
    """Moves the files of items whose parameters changed into ``out_dir/replaced/`` (they were
    paid for, so they are kept, but out of the way of the files that now answer those items).
    A name already taken there gets ``-2``, ``-3``... Returns the new paths."""
    moved: list[Path] = []
    for name in names:
        source = out_dir / name
        if not source.is_file():
            continue
        target_dir = out_dir / REPLACED_DIR
        target_dir.mkdir(exist_ok=True)
        target, number = target_dir / name, 1
        while target.exists():
            number += 1
            target = target_dir / f"{source.stem}-{number}{source.suffix}"
        os.replace(source, target)
        moved.append(target)
    if moved:
        logger.info("moved %d file(s) of changed items to %s", len(moved), out_dir / REPLACED_DIR)
    return moved
