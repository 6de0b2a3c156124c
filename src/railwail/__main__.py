"""``python -m railwail``: the same command line as the ``railwail`` console script."""

from __future__ import annotations

import sys

from ._cli import main

if __name__ == "__main__":  # pragma: no cover - run as a process by tests/cli
    sys.exit(main())
