"""Every Python code block of README.md and of the Markdown files under docs/ runs as a test,
so that a sample cannot rot: https://sybil.readthedocs.io collects them (``testpaths`` in
pyproject.toml names README.md and docs/ beside tests/).

The blocks of one file run in order, sharing their names, like a reader typing them into one
session, against a ``FakeGateway`` started for that file: ``RAILWAIL_BASE_URL`` and
``RAILWAIL_API_KEY`` point at it (it also accepts the placeholder key ``rw_live_...`` the
samples pass), the stored-key directory is empty, and the working directory is a fresh
temporary one (samples save files). HTML comments in the Markdown, invisible on a rendered
page, hold what a sample needs and a reader does not:

- ``<!-- invisible-code-block: python ... -->``: code run between the visible blocks (set-up,
  and asserts that make a sample check what it shows);
- ``<!-- skip: next "reason" -->``: the next block is shown but not run. Keep these rare.

It also keeps ``make test``'s coverage to the processes that run tests (see below).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sybil import Sybil
from sybil.parsers.markdown import PythonCodeBlockParser, SkipParser

from railwail.testing import FakeGateway

# The key the samples show in place of a real one.
PLACEHOLDER_KEY = "rw_live_..."


@pytest.fixture(scope="session", autouse=True)
def _unmeasured_children() -> Iterator[None]:
    """``make test`` measures the pytest process and its xdist workers (coverage's
    ``patch = ["subprocess"]`` passes its settings on in ``COVERAGE_PROCESS_CONFIG``). The
    Python processes the tests start (the CLI, the examples, the notebook's kernel, the
    benchmark children) run unmeasured and at full speed, and write no data files into their
    working directories: a worker drops the variable before its first test."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("COVERAGE_PROCESS_CONFIG", raising=False)
        yield


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeGateway]:
    """The emulator one Markdown file's samples run against, and the environment they see."""
    workdir = tmp_path_factory.mktemp("docs")
    keys = [FakeGateway.DEFAULT_API_KEY, PLACEHOLDER_KEY]
    with FakeGateway(api_keys=keys) as gw, pytest.MonkeyPatch.context() as patch:
        patch.setenv("RAILWAIL_BASE_URL", gw.url)
        patch.setenv("RAILWAIL_API_KEY", gw.api_key)
        patch.setenv("RAILWAIL_CONFIG_DIR", str(workdir / "config"))
        patch.delenv("RAILWAIL_LOG", raising=False)
        patch.chdir(workdir)
        yield gw


def _close_clients(namespace: dict[str, object]) -> None:
    """Closes what a file's samples left open (a reader's session would end the same way)."""
    from railwail import Railwail

    for value in namespace.values():
        if isinstance(value, Railwail):
            value.close()


pytest_collect_file = (
    Sybil(
        parsers=[PythonCodeBlockParser(), SkipParser()],
        patterns=["README.md"],
        excludes=["*/README.md"],  # README.md at the top only (tests/README.md has no samples)
        fixtures=["gateway"],
        teardown=_close_clients,
        name="readme",
    )
    + Sybil(
        parsers=[PythonCodeBlockParser(), SkipParser()],
        path="docs",
        patterns=["*.md"],  # every Markdown file under docs/, at any depth
        fixtures=["gateway"],
        teardown=_close_clients,
        name="docs",
    )
).pytest()
