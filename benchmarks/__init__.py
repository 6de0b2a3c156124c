"""Benchmarks: railwail against raw httpx and the openai package (``make bench``).

Not part of the installed package. See docs/performance.md for what is measured and how.
"""

from ._cli import main, parse_args, run

__all__ = ["main", "parse_args", "run"]
