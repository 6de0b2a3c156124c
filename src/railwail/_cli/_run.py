"""``railwail run``: what ``rw.run()`` does, for any model, printed."""

from __future__ import annotations

import argparse
import json

from ._common import Context, Subparsers, add_command
from ._errors import usage_error
from ._image import save_images


def register(subparsers: Subparsers, common: argparse.ArgumentParser, summary: str) -> None:
    parser = add_command(
        subparsers,
        common,
        "run",
        help=summary,
        description=(
            "Runs MODEL on INPUT the way rw.run() does and prints the result: a text model's "
            "answer; an image model's images, saved as `railwail image` saves them (one path "
            "per line); an embedding model's vectors, one JSON array per line. Several INPUTs "
            "are sent as a list (an embedding model embeds each); quote a prompt that has "
            "spaces. INPUT '-' (or none, with stdin piped) reads stdin. The route comes from "
            "--type, else the model's family, else the catalogue."
        ),
        examples=[
            'railwail run gpt-4o "Explain quantum computing simply"',
            'railwail run flux-schnell "a cat in space" -o out/',
            'railwail run text-embedding-3-small "first text" "second text"',
        ],
    )
    parser.add_argument("model", metavar="MODEL", help="any model slug")
    parser.add_argument("inputs", nargs="*", metavar="INPUT", help="a prompt, or texts to embed")
    parser.add_argument("-t", "--type", choices=("image", "chat", "embed"), help="force the route")
    parser.add_argument(
        "-o", "--output", metavar="PATH_OR_DIR", help="where images go (as for `railwail image`)"
    )
    parser.set_defaults(handler=run)


def run_input(inputs: list[str], ctx: Context) -> str | list[str]:
    """One INPUT as a string, several as a list; ``-`` or none (stdin piped) reads stdin."""
    if not inputs or inputs == ["-"]:
        return ctx.prompt("-" if inputs else None)
    if "-" in inputs:
        raise usage_error("INPUT '-' (stdin) must be the only INPUT")
    return inputs[0] if len(inputs) == 1 else inputs


def run(args: argparse.Namespace, ctx: Context) -> int:
    value = run_input(args.inputs, ctx)
    with ctx.client() as rw:
        result = rw.run(args.model, value, type=args.type)
        if isinstance(result, str):
            if ctx.as_json:
                ctx.emit({"model": args.model, "text": result})
            else:
                ctx.line(result)
        elif result and isinstance(result[0], list):
            for vector in result:
                ctx.line(json.dumps(vector, separators=(",", ":")))
        else:
            from railwail import Image

            request_id = result[0].request_id if result else None
            save_images(ctx, result, Image.read, args.model, args.output, request_id)
    return 0
