"""Secrets out of errors: the API key masked, and the signed query of a download URL removed,
from every field of an error (its message, ``str``, ``repr``, ``.body``, ``.headers``), on
every path that makes one. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._utils import mask_key

# Errors carry at most this deep a body; anything deeper is left as it is.
_MAX_DEPTH = 32


def key_replacements(key: str | None) -> dict[str, str]:
    """Our key, and what it becomes in an error: ``****`` and at most its last four."""
    return {key: mask_key(key)} if key else {}


def query_replacements(urls: list[str]) -> dict[str, str]:
    """The query of each URL (a signed URL's ``?sig=...``), and what it becomes: nothing."""
    replacements = {}
    for url in urls:
        _, mark, query = url.partition("?")
        if mark and query:
            replacements["?" + query.partition("#")[0]] = ""
    return replacements


def shown_url(url: object) -> str:
    """``url`` as an error may show it: scheme, host (and port) and path only. The query (a
    signed URL's ``?sig=...``), the fragment and any ``user:password@`` are left out."""
    text = str(url).partition("?")[0].partition("#")[0]
    scheme, separator, rest = text.partition("://")
    if separator:
        authority, slash, path = rest.partition("/")
        text = f"{scheme}://{authority.rpartition('@')[2]}{slash}{path}"
    return text


def scrub(value: Any, replacements: Mapping[str, str], depth: int = 0) -> Any:
    """``value`` with each key of ``replacements`` replaced, inside strings, bytes, and the
    keys and items of dicts, lists and tuples. Returns ``value`` itself when nothing changed."""
    if isinstance(value, str):
        for secret, masked in replacements.items():
            if secret in value:
                value = value.replace(secret, masked)
        return value
    if depth >= _MAX_DEPTH:
        return value
    if isinstance(value, bytes):
        text = value.decode("latin-1")
        clean = scrub(text, replacements, depth)
        return value if clean is text else clean.encode("latin-1")
    if isinstance(value, dict):
        deeper = depth + 1
        items = {
            scrub(k, replacements, deeper): scrub(v, replacements, deeper) for k, v in value.items()
        }
        unchanged = len(items) == len(value) and all(
            k in value and value[k] is v for k, v in items.items()
        )
        return value if unchanged else items
    if isinstance(value, list | tuple):
        seq = [scrub(item, replacements, depth + 1) for item in value]
        if all(a is b for a, b in zip(seq, value, strict=True)):
            return value
        return seq if isinstance(value, list) else tuple(seq)
    return value


def scrub_error(error: BaseException, replacements: Mapping[str, str]) -> None:
    """Replaces the secrets in every field of ``error`` (in place)."""
    if not replacements:
        return
    error.args = scrub(error.args, replacements)
    for name, value in list(vars(error).items()):
        clean = scrub(value, replacements)
        if clean is not value:
            setattr(error, name, clean)
