"""The manifest on disk: reading (a torn last line, unreadable lines, the last record of an
index wins), appending (each line whole, a torn tail cut off first), one run at a time, nothing
written once closed, and the files of changed items moved aside."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from railwail import RailwailError
from railwail._batch_manifest import (
    MANIFEST_NAME,
    Header,
    Manifest,
    Record,
    complete,
    new_header,
    parse,
    read,
    retire,
)
from support import names

HEADER = Header(identity="id1", salt="s1", model="flux-schnell")
DONE = Record(index=0, hash="h0", status="done", files=("00000-a.png",), request_id="r0", key="k0")


def line(obj: object) -> bytes:
    return json.dumps(obj).encode() + b"\n"


def test_a_missing_manifest_is_empty(tmp_path: Path) -> None:
    contents = read(tmp_path / "nowhere")
    assert (contents.header, contents.records, contents.end, contents.size) == (None, {}, 0, 0)


def test_records_round_trip_and_the_last_of_an_index_wins() -> None:
    failed = Record(index=0, hash="h0", status="failed", error="500: boom", key="k0")
    other = Record(index=3, hash="h3", status="done", files=("x-1.png", "x-2.png"))
    data = b"".join(line(o.to_json()) for o in (HEADER, failed, other, DONE)) + b"\n \n"
    contents = parse(data)
    assert contents.header == HEADER
    assert contents.records == {0: DONE, 3: other}
    assert (contents.end, contents.size, contents.unreadable) == (len(data), len(data), 0)


def test_a_torn_last_line_is_ignored() -> None:
    whole = line(HEADER.to_json()) + line(DONE.to_json())
    torn = whole + b'{"index": 1, "hash": "h1", "sta'
    contents = parse(torn)
    assert contents.records == {0: DONE}
    assert (contents.end, contents.size, contents.unreadable) == (len(whole), len(torn), 0)


@pytest.mark.parametrize(
    "bad",
    [
        b"not json",
        b"[1, 2]",
        line({"index": -1, "hash": "h", "status": "done", "files": []}).strip(),
        line({"index": True, "hash": "h", "status": "done", "files": []}).strip(),
        line({"index": 1, "hash": "h", "status": "maybe", "files": []}).strip(),
        line({"index": 1, "hash": 5, "status": "done", "files": []}).strip(),
        line({"index": 1, "hash": "h", "status": "done", "files": ["../etc/passwd"]}).strip(),
        line({"index": 1, "hash": "h", "status": "done", "files": ".."}).strip(),
    ],
)
def test_unreadable_lines_are_counted_and_ignored(bad: bytes) -> None:
    contents = parse(line(HEADER.to_json()) + bad + b"\n" + line(DONE.to_json()))
    assert contents.records == {0: DONE}
    assert contents.unreadable == 1


def test_a_header_only_counts_on_the_first_line() -> None:
    broken_header = line({"railwail_batch": 1, "identity": "x"})  # no salt
    assert parse(broken_header).header is None
    assert parse(broken_header).unreadable == 1
    later = parse(line(DONE.to_json()) + line(HEADER.to_json()))
    assert later.header is None
    assert later.unreadable == 1  # a header line later on is not a record either


def test_optional_fields_of_the_wrong_type_read_as_none() -> None:
    obj = {**DONE.to_json(), "request_id": 5, "error": ["x"]}
    assert parse(line(obj)).records[0] == Record(
        index=0, hash="h0", status="done", files=("00000-a.png",), key="k0"
    )


def test_read_warns_about_unreadable_lines(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / MANIFEST_NAME).write_bytes(line(HEADER.to_json()) + b"garbage\n")
    with caplog.at_level("WARNING", logger="railwail"):
        assert read(tmp_path).header == HEADER
    assert "1 line(s) could not be read" in caplog.text


def test_open_writes_the_header_then_records_each_on_a_line(tmp_path: Path) -> None:
    out = tmp_path / "out"
    manifest = Manifest.open(out, read(out), HEADER)
    assert manifest.save([("00000-a.png", b"png-bytes")], DONE)
    failed = Record(index=1, hash="h1", status="failed", error="400: no")
    assert manifest.save([], failed)
    manifest.close()
    assert (out / "00000-a.png").read_bytes() == b"png-bytes"
    lines = (out / MANIFEST_NAME).read_bytes().splitlines(keepends=True)
    assert [json.loads(x) for x in lines] == [
        HEADER.to_json(),
        DONE.to_json(),
        failed.to_json(),
    ]
    assert all(x.endswith(b"\n") for x in lines)
    reread = read(out)
    assert (reread.header, reread.records) == (HEADER, {0: DONE, 1: failed})


def test_a_torn_tail_is_cut_off_before_appending(tmp_path: Path) -> None:
    whole = line(HEADER.to_json()) + line(DONE.to_json())
    (tmp_path / MANIFEST_NAME).write_bytes(whole + b'{"index": 1, "ha')
    manifest = Manifest.open(tmp_path, read(tmp_path), new_header("other", "x"))
    record = Record(index=1, hash="h1", status="done", files=())
    manifest.save([], record)
    manifest.close()
    # The existing header stays; the new record starts a line of its own.
    compact = json.dumps(record.to_json(), separators=(",", ":")).encode() + b"\n"
    assert (tmp_path / MANIFEST_NAME).read_bytes() == whole + compact
    assert read(tmp_path).records == {0: DONE, 1: record}


def test_temporary_files_of_a_killed_run_are_removed(tmp_path: Path) -> None:
    (tmp_path / ".rw-0123456789ab.tmp").write_bytes(b"half an image")
    (tmp_path / "keep.tmp").write_bytes(b"not ours")
    Manifest.open(tmp_path, read(tmp_path), HEADER).close()
    assert names(tmp_path) == ["keep.tmp", MANIFEST_NAME]


def test_one_run_at_a_time(tmp_path: Path) -> None:
    first = Manifest.open(tmp_path, read(tmp_path), HEADER)
    try:
        with pytest.raises(RailwailError, match="another image_batch run is writing to"):
            Manifest.open(tmp_path, read(tmp_path), HEADER)
    finally:
        first.close()
    Manifest.open(tmp_path, read(tmp_path), HEADER).close()  # free again


def test_a_manifest_changed_since_it_was_read_is_refused(tmp_path: Path) -> None:
    contents = read(tmp_path)
    (tmp_path / MANIFEST_NAME).write_bytes(line(HEADER.to_json()))
    with pytest.raises(RailwailError, match="another image_batch run"):
        Manifest.open(tmp_path, contents, HEADER)


def test_nothing_is_written_once_closed(tmp_path: Path) -> None:
    manifest = Manifest.open(tmp_path, read(tmp_path), HEADER)
    manifest.close()
    manifest.close()  # idempotent
    assert manifest.closed
    assert manifest.save([("late.png", b"x")], DONE) is False
    assert names(tmp_path) == [MANIFEST_NAME]
    assert read(tmp_path).records == {}


def test_a_failed_file_write_records_nothing(tmp_path: Path) -> None:
    manifest = Manifest.open(tmp_path, read(tmp_path), HEADER)
    (tmp_path / "taken").mkdir()
    with pytest.raises(IsADirectoryError):
        manifest.save([("00000-a.png", b"ok"), ("taken", b"x")], DONE)
    manifest.close()
    assert read(tmp_path).records == {}


def test_complete_needs_every_file(tmp_path: Path) -> None:
    two = Record(index=1, hash="h", status="done", files=("b-1.png", "b-2.png"))
    failed = Record(index=2, hash="h", status="failed")
    (tmp_path / "00000-a.png").write_bytes(b"x")
    (tmp_path / "b-1.png").write_bytes(b"x")
    records = {0: DONE, 1: two, 2: failed}
    assert complete(tmp_path, records) == {0}
    (tmp_path / "b-2.png").write_bytes(b"x")
    assert complete(tmp_path, records) == {0, 1}


def test_new_headers_get_their_own_salt() -> None:
    first, second = new_header("id", "m"), new_header("id", "m")
    assert first.salt != second.salt
    assert len(first.salt) == 16


def test_retire_moves_files_aside_without_overwriting(tmp_path: Path) -> None:
    (tmp_path / "00000-a.png").write_bytes(b"old")
    (tmp_path / "replaced").mkdir()
    (tmp_path / "replaced" / "00000-a.png").write_bytes(b"older")
    moved = retire(tmp_path, ["00000-a.png", "gone.png"])
    assert moved == [tmp_path / "replaced" / "00000-a-2.png"]
    assert names(tmp_path / "replaced") == ["00000-a-2.png", "00000-a.png"]
    assert (tmp_path / "replaced" / "00000-a-2.png").read_bytes() == b"old"
    assert not (tmp_path / "00000-a.png").exists()
    assert retire(tmp_path, []) == []
