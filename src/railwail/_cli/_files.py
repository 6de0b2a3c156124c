"""Where the command line puts generated images: its default file names, and whether ``-o``
names a directory.

``-o FILE`` is written as asked (atomically, replacing an existing file, like ``curl -o``).
Everywhere else (no ``-o``, or ``-o DIR``) each image gets a new name and an existing file is
never replaced, not even by a concurrent run: the SDK's ``save_new`` (``railwail._files``)
takes each name atomically.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from railwail._files import safe_name


def is_directory(output: str | None) -> bool:
    """Whether ``-o`` names a directory: absent (the current one), existing, or ending in /."""
    if output is None:
        return True
    return output.endswith(("/", os.sep)) or Path(output).expanduser().is_dir()


def default_stem(model: str, when: datetime, index: int, count: int) -> str:
    """``<model>-<YYYYmmdd-HHMMSS>``, and ``-<n>`` (from 1) when the call made several images.

    Identical images of one call still get distinct names, and names sort by time.
    """
    stem = f"{safe_name(model.rsplit('/', 1)[-1])}-{when:%Y%m%d-%H%M%S}"
    return f"{stem}-{index}" if count > 1 else stem
