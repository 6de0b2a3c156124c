# Everything installs into .venv (nox and uv for the matrix too); a fresh machine needs only
# Python 3.11, 3.12 or 3.13. test-all also uses whichever of the others it finds.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# make demo needs only the package (and its three dependencies), not the dev tools; make dist
# needs build and twine. Each records its own install in the same .venv.
DEMO_STAMP := $(VENV)/.installed-package
DIST_STAMP := $(VENV)/.installed-dist

.PHONY: help install test test-all lint typecheck unit docs demo dist bench format unasync clean

help:
	@echo "make demo   - set up .venv and run examples/quickstart.py (local emulator without a key)"
	@echo "make test   - set up .venv and run lint, types and the whole test suite with coverage"
	@echo "make docs   - build the docs site into site/ (strict: a broken link or reference fails)"
	@echo "make test-all - the suite on every supported Python, lowest and newest dependencies (nox)"
	@echo "make bench  - run the benchmarks (not part of make test)"
	@echo "make unasync - regenerate the sync twins from the async source files"
	@echo "make dist   - build the sdist and the wheel into dist/ and check them (twine check)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

$(DEMO_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	@touch $(DEMO_STAMP)

$(DIST_STAMP): | $(BIN)/python
	$(BIN)/python -m pip install --quiet build twine
	@touch $(DIST_STAMP)

lint: $(STAMP)
	$(BIN)/ruff check src tests examples benchmarks scripts noxfile.py conftest.py
	$(BIN)/ruff format --check src tests examples benchmarks scripts noxfile.py conftest.py
	$(BIN)/python scripts/unasync.py --check

typecheck: $(STAMP)
	$(BIN)/mypy

# coverage runs pytest (rather than pytest-cov running inside it) so that it is measuring before
# pytest loads railwail's own pytest plugin, which imports the package. pytest runs the tests in
# PYTEST_WORKERS processes (pytest-xdist; much of the suite waits on sockets and timers), each
# measured from its start (pyproject: patch = ["subprocess"]), and combine merges their data.
# --dist loadfile: a file's tests run in one worker (the Markdown samples of a file share their
# names; a module's fixtures are made once). Bytecode caches are written even where
# PYTHONDONTWRITEBYTECODE is set: each worker would otherwise assertion-rewrite every test
# module again (about 3 s of each run).
PYTEST_WORKERS ?= 2
unit: $(STAMP)
	$(BIN)/python -m coverage erase
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m coverage run -m pytest -n $(PYTEST_WORKERS) --dist loadfile
	$(BIN)/python -m coverage combine --quiet
	$(BIN)/python -m coverage report --fail-under=95

# The docs site from docs/ and mkdocs.yml, API reference included, into site/. --strict turns
# every warning into a failure: a broken link, a missing page or an unknown reference. Nothing
# is fetched at build time (no fonts, no social cards, no inventories of other projects).
# NO_MKDOCS_2_WARNING: Material's notice about MkDocs 2, printed on every build otherwise.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

test: lint typecheck unit docs

# The matrix in noxfile.py: pytest on each supported Python with the newest dependencies, on the
# lowest Python with the lowest ones, and mypy under each Python. A Python this machine lacks is
# skipped by name. NOXFLAGS picks sessions: make test-all NOXFLAGS="-s lowest".
test-all: $(STAMP)
	$(BIN)/nox $(NOXFLAGS)

# The sync twins (_client.py, _resources.py, _api_client.py) are generated from the async
# files; see docs/architecture.md.
unasync: $(STAMP)
	$(BIN)/python scripts/unasync.py

format: $(STAMP)
	$(BIN)/ruff check --fix src tests examples benchmarks scripts noxfile.py conftest.py
	$(BIN)/ruff format src tests examples benchmarks scripts noxfile.py conftest.py
	$(BIN)/python scripts/unasync.py

demo: $(DEMO_STAMP)
	$(BIN)/python examples/quickstart.py

# The wheel and sdist pip would install (built in isolation by hatchling), and their metadata
# checked as PyPI would render it (README, license).
dist: $(DIST_STAMP)
	rm -rf dist
	$(BIN)/python -m build --outdir dist .
	$(BIN)/twine check --strict dist/*

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .nox .pytest_cache .mypy_cache .ruff_cache .coverage .coverage.* htmlcov dist site
