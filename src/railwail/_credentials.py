"""The API key stored by ``railwail auth login``: where the file lives, and reading, writing
and deleting it.

The file holds the key alone, on one line, readable by its owner only (mode 0600). It lives in
the user's configuration directory, found by the rules the ``gh`` CLI and most Unix tools
follow, written out here rather than taken from a dependency (the library reads this file, so
it must stay as cheap as ``os.path``):

- ``RAILWAIL_CONFIG_DIR`` when set (tests and sandboxes point it at a directory of their own);
- Windows: ``%APPDATA%\\railwail``;
- macOS: ``~/Library/Application Support/railwail``;
- elsewhere: ``$XDG_CONFIG_HOME/railwail`` when that is an absolute path, else
  ``~/.config/railwail``.

Only ``os`` is imported here: the library opens this module only when neither ``api_key=`` nor
``RAILWAIL_API_KEY`` gave a key.
"""

from __future__ import annotations

import os
import sys

ENV_CONFIG_DIR = "RAILWAIL_CONFIG_DIR"
KEY_FILE = "api_key"


def config_dir() -> str:
    """The directory that holds railwail's configuration (it may not exist yet)."""
    override = os.environ.get(ENV_CONFIG_DIR)
    if override:
        return os.path.abspath(os.path.expanduser(override))
    if sys.platform == "win32":
        base = os.environ.get("APPDATA") or os.path.join(
            os.path.expanduser("~"), "AppData", "Roaming"
        )
    elif sys.platform == "darwin":
        base = os.path.expanduser("~/Library/Application Support")
    else:
        xdg = os.environ.get("XDG_CONFIG_HOME", "")
        # The XDG spec says a relative value is invalid and must be ignored.
        base = xdg if os.path.isabs(xdg) else os.path.expanduser("~/.config")
    return os.path.join(base, "railwail")


def key_path() -> str:
    """The file ``railwail auth login`` stores the key in."""
    return os.path.join(config_dir(), KEY_FILE)


def source_label(path: str) -> str:
    """How ``repr(client)``, errors and ``railwail doctor`` name a key read from ``path``."""
    return f"the stored key {path}"


def read_key() -> tuple[str | None, str]:
    """(the stored key or ``None`` when no file exists, the file's path).

    The key comes back as written, stripped of surrounding whitespace; an empty file gives
    ``""`` so that the caller can say the stored key is empty rather than missing.
    """
    path = key_path()
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read().strip(), path
    except FileNotFoundError:
        return None, path


def missing_key_message(
    env_var: str, path: str, pass_as: str = "railwail(api_key='rw_live_...')"
) -> str:
    """The error for a client that found no key anywhere, naming every place it looked
    (``pass_as``: how the caller passes a key, the SDK's argument or a command's option)."""
    return (
        f"No API key: pass {pass_as}, set the {env_var} environment "
        f"variable, or store one with `railwail auth login` (none is stored at {path}). "
        "Keys are created at https://railwail.com/settings"
    )


def write_key(key: str) -> str:
    """Stores ``key`` atomically with mode 0600 and returns the file's path.

    The key goes to a temporary file created 0600 beside the target, which then replaces it:
    a reader sees the old key or the new one, never half of one, and the key is never on disk
    with wider permissions. The directory is created 0700 when missing.
    """
    path = key_path()
    directory = os.path.dirname(path)
    os.makedirs(directory, mode=0o700, exist_ok=True)
    tmp = os.path.join(directory, f".{KEY_FILE}-{os.getpid()}-{os.urandom(4).hex()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            if hasattr(os, "fchmod"):  # POSIX: exactly 0600 whatever the umask
                os.fchmod(fh.fileno(), 0o600)
            fh.write(key + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def delete_key() -> tuple[bool, str]:
    """Removes the stored key: (whether there was one, the file's path)."""
    path = key_path()
    try:
        os.unlink(path)
    except FileNotFoundError:
        return False, path
    return True, path


def loose_permissions(path: str) -> int | None:
    """The file's mode when others than its owner may read or write it (POSIX), else None."""
    if sys.platform == "win32":
        return None
    try:
        mode = os.stat(path).st_mode & 0o777
    except FileNotFoundError:
        return None
    return mode if mode & 0o077 else None
