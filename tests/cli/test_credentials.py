"""The stored key: where the file lives, how it is written, and how the library falls back to
it (api_key=, then RAILWAIL_API_KEY, then the stored key)."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from railwail import AsyncRailwail, Railwail, _credentials

KEY = "rw_test_0123456789abcdefghij"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("RAILWAIL_CONFIG_DIR", raising=False)
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.delenv("APPDATA", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("USERPROFILE", str(tmp_path))
    return tmp_path


def test_config_dir_override(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAILWAIL_CONFIG_DIR", "~/rw")
    assert _credentials.config_dir() == str(home / "rw")
    assert _credentials.key_path() == str(home / "rw" / "api_key")


@pytest.mark.parametrize(
    ("platform", "env", "expected"),
    [
        ("linux", {}, ".config/railwail"),
        ("linux", {"XDG_CONFIG_HOME": "/xdg"}, "/xdg/railwail"),
        ("linux", {"XDG_CONFIG_HOME": "relative"}, ".config/railwail"),  # invalid: ignored
        ("darwin", {"XDG_CONFIG_HOME": "/xdg"}, "Library/Application Support/railwail"),
        ("win32", {"APPDATA": "/appdata"}, "/appdata/railwail"),
    ],
)
def test_config_dir_by_platform(
    home: Path,
    monkeypatch: pytest.MonkeyPatch,
    platform: str,
    env: dict[str, str],
    expected: str,
) -> None:
    monkeypatch.setattr(sys, "platform", platform)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert _credentials.config_dir() == os.path.join(home, expected)


def test_windows_without_appdata(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "win32")
    assert _credentials.config_dir() == os.path.join(home, "AppData", "Roaming", "railwail")


def test_write_read_delete(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAILWAIL_CONFIG_DIR", str(tmp_path / "cfg"))
    path = str(tmp_path / "cfg" / "api_key")
    assert _credentials.read_key() == (None, path)
    old_umask = os.umask(0)  # the mode must not depend on the umask
    try:
        assert _credentials.write_key("first") == path
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert _credentials.write_key(KEY) == path  # replaces
    assert _credentials.read_key() == (KEY, path)
    assert os.listdir(tmp_path / "cfg") == ["api_key"]
    assert _credentials.loose_permissions(path) is None
    os.chmod(path, 0o640)
    assert _credentials.loose_permissions(path) == 0o640
    assert _credentials.delete_key() == (True, path)
    assert _credentials.delete_key() == (False, path)
    assert _credentials.loose_permissions(path) is None


def test_loose_permissions_is_not_checked_on_windows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "platform", "win32")
    path = tmp_path / "k"
    path.write_text("x")
    path.chmod(0o666)
    assert _credentials.loose_permissions(str(path)) is None


def test_failed_write_leaves_the_old_key_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAILWAIL_CONFIG_DIR", str(tmp_path))
    _credentials.write_key("old")

    def broken(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError, match="disk full"):
        _credentials.write_key("new")
    assert os.listdir(tmp_path) == ["api_key"]
    assert (tmp_path / "api_key").read_text() == "old\n"


# -- the library's resolution order ---------------------------------------------------------------


@pytest.fixture
def stored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("RAILWAIL_CONFIG_DIR", str(tmp_path))
    return _credentials.write_key(KEY)


@pytest.mark.parametrize("cls", [Railwail, AsyncRailwail])
def test_clients_fall_back_to_the_stored_key(
    stored: str, cls: type[Railwail] | type[AsyncRailwail]
) -> None:
    client = cls(base_url="http://127.0.0.1:1/api/v1")
    try:
        assert client._headers["Authorization"] == f"Bearer {KEY}"
        assert f"api_key='****ghij' (from the stored key {stored})" in repr(client)
        derived = client.with_options(max_retries=0)
        assert f"(from the stored key {stored})" in repr(derived)
    finally:
        if isinstance(client, Railwail):
            client.close()


def test_environment_and_argument_come_first(stored: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAILWAIL_API_KEY", "rw_env_0123456789abcdefWXYZ")
    with Railwail() as from_env, Railwail("rw_arg_0123456789abcdefABCD") as from_arg:
        assert "'****WXYZ' (from RAILWAIL_API_KEY)" in repr(from_env)
        assert "'****ABCD' (from api_key=)" in repr(from_arg)


def test_the_file_is_not_read_when_a_key_is_given(
    stored: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unexpected() -> None:
        raise AssertionError("the stored key was read")

    monkeypatch.setattr(_credentials, "read_key", unexpected)
    monkeypatch.setenv("RAILWAIL_API_KEY", "from-env")
    Railwail().close()
    monkeypatch.delenv("RAILWAIL_API_KEY")
    Railwail("from-arg").close()


def test_missing_key_error_names_every_place(config_dir_empty: Path) -> None:
    with pytest.raises(ValueError, match="No API key") as info:
        Railwail()
    message = str(info.value)
    assert "api_key=" in message
    assert "RAILWAIL_API_KEY" in message
    assert "`railwail auth login`" in message
    assert f"none is stored at {config_dir_empty / 'api_key'}" in message


def test_an_empty_stored_key_is_an_error_naming_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAILWAIL_CONFIG_DIR", str(tmp_path))
    (tmp_path / "api_key").write_text("\n")
    with pytest.raises(ValueError, match="is empty") as info:
        Railwail()
    assert f"from the stored key {tmp_path / 'api_key'}" in str(info.value)


@pytest.fixture
def config_dir_empty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RAILWAIL_CONFIG_DIR", str(tmp_path))
    return tmp_path
