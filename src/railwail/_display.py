"""Notebook display of images, as pure functions of their bytes: one MIME bundle per image
(the picture once, as its own image type, plus a line of text), and a self-contained HTML
row of pictures for a response or a list of images. The downloading is ``Image``'s."""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass
from typing import Any

import httpx

from ._files import format_name, sniff

# Display downloads what it shows (a saved notebook then keeps the picture, not a link that
# expires), but a cell must not hang on a slow image host.
DISPLAY_TIMEOUT = httpx.Timeout(10.0, connect=5.0)

# What Jupyter front ends (JupyterLab, the classic notebook, VS Code) render as a picture.
_SHOWN_AS_IS = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


@dataclass(frozen=True, slots=True)
class Picture:
    """One picture ready to show: its MIME type and bytes, or why it cannot be shown."""

    mime: str | None
    data: bytes | None
    text: str  # the image's repr: its text/plain line
    caption: str  # what it shows under it in a row (the prompt)
    problem: str | None = None


def picture(data: bytes, text: str, caption: str) -> Picture:
    """The bytes as a picture a front end can show: as they are, or converted to PNG (with
    Pillow, when it is installed) for formats front ends do not render (AVIF...)."""
    mime = sniff(data)[1]
    if mime in _SHOWN_AS_IS:
        return Picture(mime, data, text, caption)
    try:
        from PIL import Image as PILImage

        out = io.BytesIO()
        PILImage.open(io.BytesIO(data)).save(out, format="PNG")
    except ImportError:
        return failed(text, caption, f"{format_name(mime)} images need Pillow to be shown")
    except Exception as exc:  # Pillow raises many kinds; display must not raise any
        problem = f"{format_name(mime)} could not be converted for display ({exc})"
        return failed(text, caption, problem)
    return Picture("image/png", out.getvalue(), text, caption)


def failed(text: str, caption: str, problem: str) -> Picture:
    return Picture(None, None, text, caption, problem)


def bundle(shown: Picture) -> dict[str, Any]:
    """The MIME bundle of one picture: the image once, and a line of text."""
    if shown.mime is None or shown.data is None:
        return {"text/plain": f"{shown.text} (not shown: {shown.problem})"}
    return {shown.mime: shown.data, "text/plain": shown.text}


def row(pictures: list[Picture], text: str) -> dict[str, Any]:
    """The MIME bundle of several pictures: self-contained HTML (data URIs) that lays them
    out in a wrapping row, each captioned, and the text of the whole."""
    if len(pictures) == 1 and pictures[0].mime is not None:
        return {**bundle(pictures[0]), "text/plain": text}
    cells = []
    for number, shown in enumerate(pictures, start=1):
        caption = html.escape(f"{number}. {shown.caption}".rstrip(". "), quote=True)
        if shown.mime is None or shown.data is None:
            body = html.escape(f"not shown: {shown.problem}")
            inner = f'<div style="padding: 1em; border: 1px dashed #999">{body}</div>'
        else:
            src = f"data:{shown.mime};base64,{base64.b64encode(shown.data).decode('ascii')}"
            inner = f'<img src="{src}" alt="{caption}" style="max-width: 100%"/>'
        cells.append(
            '<figure style="margin: 0; flex: 0 1 320px">'
            f'{inner}<figcaption style="font-size: small">{caption}</figcaption></figure>'
        )
    grid = '<div style="display: flex; flex-wrap: wrap; gap: 8px">' + "".join(cells) + "</div>"
    return {"text/html": grid, "text/plain": text}
