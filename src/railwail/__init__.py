"""railwail: Python client for the railwail model gateway."""

from ._version import __version__

__all__ = ["__version__"]
