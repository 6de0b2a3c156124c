"""Generates the sync twins from the async source files, which are the source of truth.

    python scripts/unasync.py          # rewrite the sync files (make unasync, make format)
    python scripts/unasync.py --check  # exit 1, showing a diff, if any differs (make lint)

Modelled on httpcore's scripts/unasync.py: a list of regex substitutions applied to each line
of the async file; the result is formatted with ruff (so that ``ruff format --check`` and this
check agree) and written behind a header saying where it comes from. A substitution that no
file uses any more is an error, so the list cannot collect dead rules. Lines between
``# unasync: async only`` and ``# unasync: end`` have no sync twin (an alias such as
``AsyncRailwail.close()`` for ``aclose()``, whose twin would be ``close()`` itself).
"""

from __future__ import annotations

import difflib
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "railwail"

# async source -> generated sync twin, both relative to src/railwail.
FILES = {
    "_async_api_client.py": "_api_client.py",
    "_async_batch.py": "_batch.py",
    "_async_client.py": "_client.py",
    "_async_endpoints.py": "_endpoints.py",
    "_async_resources.py": "_resources.py",
}

# Applied in order to every line of the async file. Each pattern must match whole words: a
# substitution that ends in a word character gets \b on that side (httpcore's rule).
SUBS = [
    # Imports of the twins (prose that names the async files keeps naming them).
    (r"from \._async_(\w+) import", r"from ._\1 import"),
    # Names: AsyncRailwail -> Railwail, httpx.AsyncClient -> httpx.Client, ...
    (r"Async([A-Z]\w*)", r"\1"),
    # Keywords.
    (r"async def", "def"),
    (r"async with", "with"),
    (r"async for", "for"),
    (r"await ", ""),
    # Awaitable results are plain results.
    (r"Awaitable, ", ""),
    (r"Awaitable\[(\w+)\]", r"\1"),
    # Method names that carry an "a" on the async side.
    (r"__aenter__", "__enter__"),
    (r"__aexit__", "__exit__"),
    (r"__aiter__", "__iter__"),
    (r"aclose", "close"),
    (r"aread", "read"),
    (r"aiter_raw", "iter_raw"),
    (r"asleep", "sleep"),
    (r"async_retrying", "retrying"),
    (r"async_lock", "lock"),
    # Prose.
    (r"across tasks", "across threads"),
]


def _whole_words(pattern: str) -> re.Pattern[str]:
    start = r"\b" if re.match(r"\w", pattern) else ""
    end = r"\b" if re.search(r"\w$", pattern) else ""
    return re.compile(start + pattern + end)


COMPILED = [(_whole_words(pattern), repl) for pattern, repl in SUBS]

HEADER = (
    "# Generated from {source} by scripts/unasync.py: do not edit.\n"
    "# Edit {source} and run `make unasync`; `make lint` fails while the two differ.\n"
)


def unasync_line(line: str, used: set[int]) -> str:
    for index, (pattern, repl) in enumerate(COMPILED):
        new = pattern.sub(repl, line)
        if new != line:
            used.add(index)
            line = new
    return line


def _ruff(args: list[str], text: str, filename: Path) -> str:
    """``text`` passed through ruff as if it were ``filename`` (whose settings apply)."""
    beside = Path(sys.executable).with_name("ruff")  # the venv's ruff, which make lint runs
    ruff = str(beside) if beside.exists() else shutil.which("ruff")
    if ruff is None:
        raise SystemExit("scripts/unasync.py needs ruff: run it with .venv/bin/python")
    # The project's settings wherever the file is, so that the output is the same everywhere.
    config = ["--config", str(ROOT / "pyproject.toml")]
    result = subprocess.run(
        [ruff, *args, *config, "--stdin-filename", str(filename), "-"],
        input=text,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"ruff {args[0]} failed on the output for {filename}:\n{result.stderr}")
    return result.stdout


def _ruff_format(text: str, filename: Path) -> str:
    # Imports re-sorted (AsyncModels and Models sort differently), then the layout: the output
    # is what `make format` would make of it, so the two checks never disagree.
    text = _ruff(["check", "--fix", "--select", "I", "--quiet"], text, filename)
    return _ruff(["format", "--quiet"], text, filename)


ASYNC_ONLY_START = "# unasync: async only"
ASYNC_ONLY_END = "# unasync: end"


def sync_lines(lines: list[str]) -> list[str]:
    """The lines that have a sync twin: a block between a ``# unasync: async only`` line and
    a ``# unasync: end`` line (both included) exists on the async side only, e.g. an alias
    whose sync twin would be the method it stands for."""
    kept: list[str] = []
    skipping = False
    for number, line in enumerate(lines, start=1):
        marker = line.strip()
        if marker == ASYNC_ONLY_START:
            if skipping:
                raise SystemExit(f"line {number}: {ASYNC_ONLY_START!r} inside another one")
            skipping = True
        elif marker == ASYNC_ONLY_END:
            if not skipping:
                raise SystemExit(f"line {number}: {ASYNC_ONLY_END!r} without a start")
            skipping = False
        elif not skipping:
            kept.append(line)
    if skipping:
        raise SystemExit(f"{ASYNC_ONLY_START!r} without {ASYNC_ONLY_END!r}")
    return kept


def generate(source: str, target: str, used: set[int]) -> str:
    """The text the sync twin of ``source`` must have."""
    lines = (PACKAGE / source).read_text().splitlines(keepends=True)
    body = "".join(unasync_line(line, used) for line in sync_lines(lines))
    return _ruff_format(HEADER.format(source=source) + body, PACKAGE / target)


def main(argv: list[str]) -> int:
    check = "--check" in argv
    used: set[int] = set()
    stale = []
    for source, target in FILES.items():
        expected = generate(source, target, used)
        path = PACKAGE / target
        actual = path.read_text() if path.exists() else ""
        if actual == expected:
            continue
        if check:
            stale.append(target)
            diff = difflib.unified_diff(
                actual.splitlines(keepends=True),
                expected.splitlines(keepends=True),
                f"src/railwail/{target} (on disk)",
                f"src/railwail/{target} (generated from {source})",
            )
            sys.stdout.writelines(diff)
        else:
            path.write_text(expected)
            print(f"src/railwail/{source} -> src/railwail/{target}")
    unused = [SUBS[i] for i in range(len(SUBS)) if i not in used]
    if unused:
        print(f"scripts/unasync.py: substitutions no file uses any more: {unused}")
        return 1
    if stale:
        print(f"\n{', '.join(stale)} differ from their async source: run `make unasync`.")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
