"""examples/quickstart.ipynb, executed in a real Jupyter kernel (nbclient starts ipykernel)
against the emulator, as a user's "Run all" does: every cell runs without an error and the
outputs hold pictures. The committed file carries no outputs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
import pytest
from example_support import EXAMPLES, example_env
from nbclient import NotebookClient

from railwail.testing import FakeGateway

NOTEBOOK = EXAMPLES / "quickstart.ipynb"
# Seconds each cell may take, and the kernel to start: both bound the test.
CELL_TIMEOUT = 30


def _run(gateway: FakeGateway | None, workdir: Path) -> dict[str, Any]:
    """Executes the notebook in ``workdir``; returns its code cells' outputs by cell id."""
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    env = example_env(gateway, workdir / "config")
    env["IPYTHONDIR"] = str(workdir / "ipython")  # no startup files or history of this machine
    client = NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT,
        startup_timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(workdir)}},  # the kernel's working directory
    )
    client.execute(env=env)  # raises CellExecutionError on the first cell that fails
    return {cell.id: cell.outputs for cell in notebook.cells if cell.cell_type == "code"}


def _data(outputs: list[Any], mime: str) -> str:
    (found,) = [out.data[mime] for out in outputs if mime in out.get("data", {})]
    assert isinstance(found, str)
    return found


def _stdout(outputs: list[Any]) -> str:
    return "".join(out.text for out in outputs if out.output_type == "stream")


@pytest.mark.timeout(120)  # a kernel start and a dozen cells, on a busy machine
def test_the_notebook_runs_and_shows_its_pictures(
    fake_gateway: FakeGateway, tmp_path: Path
) -> None:
    outputs = _run(fake_gateway, tmp_path)

    every = [out for cell_outputs in outputs.values() for out in cell_outputs]
    assert [out for out in every if out.output_type == "error"] == []
    assert [out for out in every if out.get("name") == "stderr"] == []
    # One picture as its own PNG, then the grids: HTML rows of PNG data URIs.
    assert _data(outputs["one-image"], "image/png")  # base64 of the PNG bytes
    assert _data(outputs["grid-n"], "text/html").count('src="data:image/png;base64,') == 4
    assert _data(outputs["grid-list-show"], "text/html").count("data:image/png;base64,") == 3
    assert sorted(path.name for path in (tmp_path / "grid").iterdir()) == [
        "a-blue-whale_flux-schnell_1.png",
        "a-green-parrot_flux-schnell_1.png",
        "a-red-fox_flux-schnell_1.png",
    ]
    assert _stdout(outputs["stream"]) == "Echo from gpt-4o: Write a haiku about lighthouses."
    table = _data(outputs["embeddings"], "text/markdown").splitlines()
    assert table[0] == "| similarity | sentence | dimensions |"
    assert len(table) == 6
    assert all(row.endswith("| 1536 |") for row in table[2:])
    # It ran against the test's gateway, through the variables the kernel was given.
    assert len(fake_gateway.requests_to("/images/generations")) == 5
    assert len(fake_gateway.requests_to("/chat/completions")) == 1
    assert len(fake_gateway.requests_to("/embeddings")) == 1


@pytest.mark.timeout(120)
def test_the_notebook_without_a_key_runs_on_an_emulator_of_its_own(
    fake_gateway: FakeGateway, tmp_path: Path
) -> None:
    outputs = _run(None, tmp_path)

    client = _data(outputs["setup"], "text/plain")  # the repr of the notebook's client
    assert client.startswith("Railwail(base_url='http://127.0.0.1:")
    assert fake_gateway.url not in client
    assert "rw_test_emulator" not in client
    assert _data(outputs["one-image"], "image/png")
    assert _stdout(outputs["stream"]) == "Echo from gpt-4o: Write a haiku about lighthouses."
    assert fake_gateway.requests == []


def test_the_committed_notebook_has_no_outputs() -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)

    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code
    assert all(cell.outputs == [] for cell in code), "clear the outputs before committing"
    assert all(cell.execution_count is None for cell in code)
    intro = notebook.cells[0]
    assert intro.cell_type == "markdown"
    assert "Run all to see the outputs" in intro.source
    assert notebook.metadata["kernelspec"]["name"] == "python3"
