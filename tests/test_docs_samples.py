"""The Markdown whose Python samples run as tests (conftest.py, with sybil, which runs the
```` ```python ```` blocks): every code fence names its language, so that no Python sample
escapes by being fenced as ``py`` or left bare, and the blocks marked not to run stay few.

The docs site (``make docs``) checks the links between pages; the README's links, which the
site does not see, and the examples page's inclusions of examples/ are checked here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
LANGUAGES = {"python", "bash", "sh", "text"}
EXAMPLES_PAGE = ROOT / "docs" / "examples.md"
# A block of the examples page that shows a script of examples/ as it is: its only line is
# the snippet inclusion (pymdownx.snippets), which sybil does not run (the script has tests of
# its own, in tests/examples/).
INCLUDED = re.compile(r'```python title="(examples/[\w.]+)"\n--8<-- "\1"\n```')


def _opening_fences(text: str) -> list[str]:
    """The language of every fenced block, in order (``""`` for a bare fence); a block that
    includes a script of examples/ counts as ``"included"``."""
    text = INCLUDED.sub("```included\n```", text)
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
    allowed = LANGUAGES | ({"included"} if path == EXAMPLES_PAGE else set())
    assert set(languages) <= allowed, f"{path.name}: fence languages {sorted(set(languages))}"


def test_the_samples_run_and_few_are_skipped() -> None:
    texts = [path.read_text() for path in DOCUMENTS]
    assert sum(_opening_fences(text).count("python") for text in texts) >= 20
    assert sum(text.count("<!-- skip:") for text in texts) <= 2


def test_a_bare_fence_is_found() -> None:
    assert _opening_fences("```\nx\n```\n```python\ny\n```\n") == ["", "python"]


def test_an_inclusion_is_only_that_line() -> None:
    included = '```python title="examples/a.py"\n--8<-- "examples/a.py"\n```\n'
    assert _opening_fences(included) == ["included"]
    # Code after the inclusion line would escape sybil: the block is then not an inclusion.
    assert _opening_fences(included.replace('"\n```', '"\nx = 1\n```')) == [
        'python title="examples/a.py"'
    ]


def test_the_examples_page_shows_every_example() -> None:
    shown = INCLUDED.findall(EXAMPLES_PAGE.read_text())
    scripts = sorted(f"examples/{path.name}" for path in (ROOT / "examples").glob("*.py"))
    assert sorted(shown) == scripts
    assert "examples/quickstart.ipynb" in EXAMPLES_PAGE.read_text()


def _relative_links(markdown: str) -> list[str]:
    targets = re.findall(r"\]\(([^)\s]+)\)", markdown)
    return [t for t in targets if not re.match(r"[a-z]+:", t) and not t.startswith("#")]


def _anchors(markdown: str) -> set[str]:
    """GitHub's anchors of the headings, which the docs site uses too (mkdocs.yml's slugify)."""
    headings = re.findall(r"^#+ (.+)$", markdown, flags=re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def test_the_readme_links_to_files_and_headings_that_exist() -> None:
    links = _relative_links((ROOT / "README.md").read_text())
    assert len(links) >= 10
    for link in links:
        path, _, anchor = link.partition("#")
        target = ROOT / path
        assert target.exists(), f"README.md links to {link}, which does not exist"
        if anchor:
            assert anchor in _anchors(target.read_text()), f"README.md: no heading for {link}"


def test_headings_give_githubs_anchors() -> None:
    assert _anchors("# run(): one call for every model\n## Errors, retries and timeouts\n") == {
        "run-one-call-for-every-model",
        "errors-retries-and-timeouts",
    }
