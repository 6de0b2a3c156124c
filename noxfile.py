"""The test matrix: every Python the package claims, with the newest and the lowest dependencies.

``make test-all`` runs every session; ``.venv/bin/nox -l`` lists them, ``-s NAME`` runs one.

- ``tests-3.X``: the test suite on Python 3.X against the newest versions the ranges allow.
- ``lowest``: the test suite on the lowest supported Python against the lowest versions the
  ranges of the runtime dependencies and the ``pil`` extra allow, as uv's
  ``--resolution lowest-direct`` picks them (test tools stay at their newest).
- ``typing-3.X``: ``mypy --strict`` over src/railwail and tests/typing on Python 3.X, under the
  lowest supported Python's typing rules (pyproject's ``python_version``) and under 3.X's own.

The versions come from pyproject's classifiers, which must agree with ``requires-python``.
Each interpreter is looked up as ``python3.X`` on PATH, then in pyenv's versions directory
(``$PYENV_ROOT``, default ``~/.pyenv``); a version not found is skipped with a message naming
it. ``RAILWAIL_HIDE_PYTHONS="3.12 3.13"`` hides versions, to see what a machine without them
runs.

The sessions install the package from its wheel (not editable), as users get it, with uv.
pytest runs without coverage (``make test`` owns the coverage gate) and without its cache, so
sessions never share state through the work tree; like ``make test``, it runs the tests in two
pytest-xdist workers, a file at a time each, and writes bytecode caches even where
``PYTHONDONTWRITEBYTECODE`` is set (each worker would otherwise compile and assertion-rewrite
every test module again).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import nox
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

nox.options.default_venv_backend = "uv"
# An interpreter this machine lacks is skipped, never downloaded (CI reaches only PyPI).
nox.options.download_python = "never"

PYPROJECT = nox.project.load_toml("pyproject.toml")
PYTHONS: list[str] = nox.project.python_versions(PYPROJECT)
if nox.project.python_versions(PYPROJECT, max_version=PYTHONS[-1]) != PYTHONS:
    raise SystemExit(
        f"pyproject.toml: the Python classifiers ({', '.join(PYTHONS)}) must be every minor "
        f"version from requires-python ({PYPROJECT['project']['requires-python']}) on"
    )
LOWEST_PYTHON = PYTHONS[0]
HIDDEN = set(os.environ.get("RAILWAIL_HIDE_PYTHONS", "").replace(",", " ").split())
PYENV_VERSIONS = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
LOWEST_DIRECT = [
    *PYPROJECT["project"]["dependencies"],
    *PYPROJECT["project"]["optional-dependencies"]["pil"],
]
PYTEST = (
    "python", "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2", "--dist", "loadfile",
)  # fmt: skip
PYTEST_ENV = {"PYTHONDONTWRITEBYTECODE": ""}  # empty: unset, for Python


def _is_python(executable: str, version: str) -> bool:
    """True when ``executable`` runs and is Python ``version`` (a pyenv shim for a version
    that is installed but not selected exists on PATH yet fails)."""
    probe = "import sys; print('%d.%d' % sys.version_info[:2])"
    try:
        done = subprocess.run(
            [executable, "-c", probe], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0 and done.stdout.strip() == version


def find_python(version: str) -> str | None:
    """The interpreter for ``version``: ``pythonX.Y`` on PATH, else pyenv's newest patch."""
    if version in HIDDEN:
        return None
    name = f"python{version}"
    patches = sorted(
        (
            (int(match[1]), path)
            for path in PYENV_VERSIONS.glob(f"{version}.*")
            if (match := re.fullmatch(rf"{re.escape(version)}\.(\d+)", path.name))
        ),
        reverse=True,
    )
    candidates = [shutil.which(name), *(str(path / "bin" / name) for _, path in patches)]
    return next((exe for exe in candidates if exe and _is_python(exe, version)), None)


INTERPRETERS = {version: find_python(version) for version in PYTHONS}


def _install(session: nox.Session, *args: str) -> None:
    # --reinstall-package: a venv reused with -r still gets the current source.
    session.install("--reinstall-package", "railwail", *args, ".[dev]")


def _tests(session: nox.Session, version: str) -> None:
    _install(session)
    session.run(*PYTEST, *session.posargs, env=PYTEST_ENV)


def _lowest(session: nox.Session, version: str) -> None:
    pins = Path(session.create_tmp()) / "lowest.txt"
    session.run(
        "uv", "pip", "compile", "pyproject.toml", "--extra", "pil",
        "--resolution", "lowest-direct", "--python", f"{session.bin}/python",
        "--quiet", "--no-header", "--no-annotate", "--output-file", str(pins),
    )  # fmt: skip
    direct = {canonicalize_name(Requirement(spec).name) for spec in LOWEST_DIRECT}
    chosen = [pin for pin in pins.read_text().splitlines() if pin.split("==")[0] in direct]
    session.log(f"lowest direct dependencies: {', '.join(chosen)}")
    _install(session, "--constraint", str(pins))
    session.run(*PYTEST, *session.posargs, env=PYTEST_ENV)


def _typing(session: nox.Session, version: str) -> None:
    _install(session)
    cache = f"--cache-dir={session.virtualenv.location}/.mypy_cache"
    session.run("mypy", "--strict", cache, *session.posargs)  # pyproject: python_version 3.11
    if version != LOWEST_PYTHON:
        session.run("mypy", "--strict", cache, f"--python-version={version}", *session.posargs)


def _register(name: str, version: str, body: Callable[[nox.Session, str], None], doc: str) -> None:
    interpreter = INTERPRETERS[version]
    if version in HIDDEN:
        missing = f"python{version} hidden by RAILWAIL_HIDE_PYTHONS"
    else:
        missing = f"python{version} not found on PATH or in {PYENV_VERSIONS}"

    def run(session: nox.Session) -> None:
        if interpreter is None:
            session.skip(missing)
        body(session, version)

    run.__doc__ = doc
    # python=False for a missing interpreter: the session still exists, to say it was skipped.
    nox.session(name=name, python=interpreter or False, tags=[name.split("-")[0]])(run)


for _version in PYTHONS:
    _register(f"tests-{_version}", _version, _tests, f"pytest on {_version}, newest dependencies")
_register(
    "lowest",
    LOWEST_PYTHON,
    _lowest,
    f"pytest on {LOWEST_PYTHON}, lowest httpx, pydantic, tenacity and pillow the ranges allow",
)
for _version in PYTHONS:
    _rules = LOWEST_PYTHON if _version == LOWEST_PYTHON else f"{LOWEST_PYTHON} and {_version}"
    _register(
        f"typing-{_version}",
        _version,
        _typing,
        f"mypy --strict on {_version}, typing rules of {_rules}",
    )
