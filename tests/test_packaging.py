"""What a release ships, checked without building anything (``make dist`` builds and runs
``twine check``): the license and project URLs in pyproject.toml and the installed metadata,
the LICENSE text, and the Makefile targets that install the package (``make demo``: the
package alone) and build it (``make dist``)."""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _pyproject() -> dict[str, object]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_license_and_urls_in_pyproject() -> None:
    pyproject = _pyproject()
    project = pyproject["project"]
    assert isinstance(project, dict)
    assert project["license"] == "Apache-2.0"  # an SPDX expression (PEP 639)
    assert project["license-files"] == ["LICENSE"]
    urls = project["urls"]
    assert set(urls) >= {"Homepage", "Documentation"}
    assert all(url.startswith("https://railwail.com") for url in urls.values())
    build = pyproject["build-system"]
    assert isinstance(build, dict)
    assert build["requires"] == ["hatchling>=1.27"]  # the first to write License-Expression


def test_license_is_the_apache_2_text() -> None:
    text = (ROOT / "LICENSE").read_text()
    lines = [line.strip() for line in text.strip().splitlines()]
    assert lines[:2] == ["Apache License", "Version 2.0, January 2004"]
    assert "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION" in lines
    assert "END OF TERMS AND CONDITIONS" in lines
    assert len(text) > 11_000  # the whole text, appendix included


def test_installed_metadata_carries_the_license() -> None:
    metadata = importlib.metadata.metadata("railwail")
    assert metadata["License-Expression"] == "Apache-2.0"
    assert "Homepage, https://railwail.com" in (metadata.get_all("Project-URL") or [])


def _dry_run(target: str) -> list[str]:
    make = shutil.which("make")
    if make is None:  # pragma: no cover - every machine that runs `make test` has make
        pytest.fail("make is not installed")
    # -n prints the commands without running them; -B as on a fresh clone (nothing built).
    # As from a shell: not as a sub-make of `make test` (which would print its directories).
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    result = subprocess.run(
        [make, "--no-print-directory", "-n", "-B", target, "VENV=/nonexistent/venv"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return result.stdout.splitlines()


def test_make_demo_installs_the_package_without_the_dev_tools() -> None:
    commands = _dry_run("demo")
    installs = [line for line in commands if "pip install" in line and "--upgrade pip" not in line]
    assert installs == ["/nonexistent/venv/bin/python -m pip install --quiet -e ."]
    assert commands[-1] == "/nonexistent/venv/bin/python examples/quickstart.py"


def test_make_dist_builds_and_checks() -> None:
    commands = _dry_run("dist")
    assert "/nonexistent/venv/bin/python -m build --outdir dist ." in commands
    assert commands[-1] == "/nonexistent/venv/bin/twine check --strict dist/*"


def test_make_docs_builds_strictly_and_make_test_runs_it() -> None:
    build = "NO_MKDOCS_2_WARNING=1 /nonexistent/venv/bin/mkdocs build --strict"
    assert _dry_run("docs")[-1] == build
    assert build in _dry_run("test")


def test_the_docs_tools_are_an_extra_that_the_dev_tools_include() -> None:
    project = _pyproject()["project"]
    assert isinstance(project, dict)
    extras = project["optional-dependencies"]
    names = {spec.split(">")[0].split("<")[0] for spec in extras["docs"]}
    assert names == {"mkdocs", "mkdocs-material", "mkdocstrings", "mkdocstrings-python"}
    # MkDocs 2 drops the plugins the site is built with.
    assert "mkdocs>=1.6,<2" in extras["docs"]
    assert "railwail[docs]" in extras["dev"]
