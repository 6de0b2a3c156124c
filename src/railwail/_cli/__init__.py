"""The ``railwail`` command line (``railwail``, ``python -m railwail``); see docs/cli.md.

Built on the SDK's public API, with ``_credentials`` for the stored key and ``_files`` for file
names and writes; ``railwail image`` alone reads its answer below the public API, without
pydantic (see docs/architecture.md). One module per command: each has ``register()``, which
adds its parser, and a handler that the parser's defaults point at; ``_main.COMMANDS`` lists
them. Everything costly (the response types, the emulator, tabulate) is imported inside the
command that needs it, so ``railwail --version`` costs little more than ``import railwail``.
"""

from __future__ import annotations

from ._main import main

__all__ = ["main"]
