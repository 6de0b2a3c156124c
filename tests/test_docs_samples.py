"""The Markdown whose Python samples run as tests (conftest.py, with sybil, which runs the
```` ```python ```` blocks): every code fence names its language, so that no Python sample
escapes by being fenced as ``py`` or left bare, and the blocks marked not to run stay few."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
LANGUAGES = {"python", "bash", "sh", "text"}


def _opening_fences(text: str) -> list[str]:
    """The language of every fenced block, in order (``""`` for a bare fence)."""
    languages, inside = [], False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            if not inside:
                languages.append(line.strip().removeprefix("```").strip())
            inside = not inside
    assert not inside, "a fence is never closed"
    return languages


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_fence_names_a_known_language(path: Path) -> None:
    languages = _opening_fences(path.read_text())
    assert set(languages) <= LANGUAGES, f"{path.name}: fence languages {sorted(set(languages))}"


def test_the_samples_run_and_few_are_skipped() -> None:
    texts = [path.read_text() for path in DOCUMENTS]
    assert sum(_opening_fences(text).count("python") for text in texts) >= 20
    assert sum(text.count("<!-- skip:") for text in texts) <= 2


def test_a_bare_fence_is_found() -> None:
    assert _opening_fences("```\nx\n```\n```python\ny\n```\n") == ["", "python"]
