"""``railwail embed``: one JSON vector per line, for each text."""

from __future__ import annotations

import argparse
import json

from ._common import Context, Subparsers, add_command
from ._errors import usage_error


def register(subparsers: Subparsers, common: argparse.ArgumentParser, summary: str) -> None:
    parser = add_command(
        subparsers,
        common,
        "embed",
        help=summary,
        description=(
            "Prints one JSON array per line for each TEXT, in order. Without TEXT, every "
            "non-empty line of stdin is a text. The output is JSON with or without --json."
        ),
        examples=[
            'railwail embed -m text-embedding-3-small "first text" "second text"',
            "cut -f2 titles.tsv | railwail embed -m text-embedding-3-small > vectors.jsonl",
        ],
    )
    parser.add_argument("texts", nargs="*", metavar="TEXT", help="texts to embed")
    parser.add_argument(
        "-m", "--model", required=True, help="an embedding model, e.g. text-embedding-3-small"
    )
    parser.add_argument(
        "--dimensions", type=int, metavar="N", help="shorter vectors, for models that allow it"
    )
    parser.set_defaults(handler=run)


def texts_from(texts: list[str], ctx: Context) -> list[str]:
    if texts:
        return texts
    piped = ctx.piped_stdin()
    lines = [line.strip() for line in (piped or "").splitlines() if line.strip()]
    if not lines:
        where = "stdin had no text" if piped is not None else "none was given"
        raise usage_error(f"TEXT is required ({where}): pass texts or pipe lines on stdin")
    return lines


def run(args: argparse.Namespace, ctx: Context) -> int:
    texts = texts_from(args.texts, ctx)
    with ctx.client() as rw:
        response = rw.embed(args.model, texts, dimensions=args.dimensions)
    for vector in response.vectors:
        ctx.line(json.dumps(vector, separators=(",", ":")))
    return 0
