"""scripts/unasync.py: the sync twins are what the generator makes of their async sources, and
its check fails (naming the file) when one is edited by hand."""

from __future__ import annotations

import importlib.util
import re
import shutil
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def unasync() -> ModuleType:
    spec = importlib.util.spec_from_file_location("unasync", ROOT / "scripts" / "unasync.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("async_line", "sync_line"),
    [
        ("class AsyncRailwail(AsyncAPIClient):", "class Railwail(APIClient):"),
        ("    _http_class = httpx.AsyncClient", "    _http_class = httpx.Client"),
        ("from ._async_resources import AsyncModels", "from ._resources import Models"),
        ("        async with cache.async_lock():", "        with cache.lock():"),
        ("async for attempt in policy.async_retrying():", "for attempt in policy.retrying():"),
        ("            await response.aclose()", "            response.close()"),
        (") -> Callable[[httpx.Response], Awaitable[T]]:", ") -> Callable[[httpx.Response], T]:"),
        ("from collections.abc import Awaitable, Callable", "from collections.abc import Callable"),
        ("Awaitable[ImageResponse]]:", "ImageResponse]:"),
        ("``await image.aread()`` works", "``image.read()`` works"),
        ("safe to share across tasks.", "safe to share across threads."),
        # Whole words only, and prose naming the async source keeps naming it.
        ("already awaited; areader", "already awaited; areader"),
        ("``_async_client.py`` is the source", "``_async_client.py`` is the source"),
    ],
)  # fmt: skip
def test_substitutions(unasync: ModuleType, async_line: str, sync_line: str) -> None:
    assert unasync.unasync_line(async_line, set()) == sync_line


def test_no_article_in_an_async_source_is_wrong_in_its_twin(unasync: ModuleType) -> None:
    # "An ``AsyncModelPager``" is generated as "An ``ModelPager``": an article before a name
    # that loses its "Async" reads right in one twin only (unless the rest starts with a vowel).
    wrong = [
        f"{source}: {match.group()}"
        for source in unasync.FILES
        for match in re.finditer(
            r"\b[Aa]n? ``Async[B-DF-HJ-NP-TV-Z]\w*", (unasync.PACKAGE / source).read_text()
        )
    ]
    assert wrong == []


def test_the_generated_files_are_up_to_date(unasync: ModuleType) -> None:
    assert unasync.main(["--check"]) == 0


def test_a_hand_edited_twin_fails_the_check(
    unasync: ModuleType,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    package = tmp_path / "src" / "railwail"
    shutil.copytree(unasync.PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(unasync, "PACKAGE", package)
    edited = package / "_endpoints.py"
    edited.write_text(edited.read_text().replace("Generates images", "Makes images"))

    assert unasync.main(["--check"]) == 1
    out = capsys.readouterr().out
    assert '-        """Makes images' in out
    assert '+        """Generates images' in out
    assert out.endswith("\n_endpoints.py differ from their async source: run `make unasync`.\n")

    assert unasync.main([]) == 0  # regenerates it
    assert "Generates images" in edited.read_text()
    assert unasync.main(["--check"]) == 0


def test_async_only_blocks_have_no_sync_twin(unasync: ModuleType) -> None:
    lines = [
        "async def aclose(self) -> None:\n",
        "    # unasync: async only\n",
        "    async def close(self) -> None:\n",
        "        await self.aclose()\n",
        "    # unasync: end\n",
        "x = 1\n",
    ]
    assert unasync.sync_lines(lines) == [lines[0], lines[5]]
    with pytest.raises(SystemExit, match="without"):
        unasync.sync_lines(lines[:3])
    with pytest.raises(SystemExit, match="line 1: '# unasync: end' without a start"):
        unasync.sync_lines(lines[4:])
    with pytest.raises(SystemExit, match=r"line 2: .* inside another one"):
        unasync.sync_lines([lines[1], lines[1], lines[4]])
