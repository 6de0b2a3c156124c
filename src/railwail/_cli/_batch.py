"""``railwail batch``: many images from a file of prompts, within the rate limit, resumable."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._common import Context, Subparsers, add_command, add_image_options
from ._errors import EXIT_ERROR, EXIT_OK, exit_code_for, one_line, usage_error

if TYPE_CHECKING:
    from railwail.types import BatchResult

_JSONL_SUFFIXES = (".jsonl", ".ndjson")
_ITEM_REF = re.compile(r"^prompts\[(\d+)\]")


def register(subparsers: Subparsers, common: argparse.ArgumentParser, summary: str) -> None:
    parser = add_command(
        subparsers,
        common,
        "batch",
        help=summary,
        description=(
            "Generates an image (or -n of them) for every prompt in PROMPTS and saves them in "
            "DIR, paced by the gateway's rate limit: a 429 is waited out, other failures are "
            "retried, and one failed item does not stop the others. PROMPTS is a text file "
            "with one prompt a line (blank lines are skipped), a JSONL file with one item a "
            'line (a string, or an object such as {"prompt": "a fox", "size": "512x512", '
            '"name": "fox"}), or - for stdin. Every finished item is recorded in '
            "DIR/railwail-batch.jsonl: run the same command again to resume, without paying "
            "twice for any item. Prints a summary (with --json, one JSON object with every "
            "item); exits 1 if an item failed, 3 or 4 if the gateway refused the key or its "
            "credits."
        ),
        examples=[
            "railwail batch prompts.txt -m flux-schnell -o catalogue/",
            "railwail batch items.jsonl -m dall-e-3 -o out/ --size 1792x1024 --max-credits 400",
            "cat prompts.txt | railwail batch - -m flux-schnell -o out/ --json > summary.json",
        ],
    )
    parser.add_argument(
        "prompts",
        metavar="PROMPTS",
        help="a text file (one prompt a line), a .jsonl file (one item a line), or - for stdin",
    )
    parser.add_argument("-m", "--model", required=True, help="an image model, e.g. flux-schnell")
    parser.add_argument(
        "-o", "--output", required=True, metavar="DIR", help="where images and the manifest go"
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=4,
        metavar="N",
        help="requests in flight at most (default 4; the rate limit sets the pace)",
    )
    parser.add_argument(
        "--max-credits",
        type=float,
        metavar="N",
        help="refuse to start if the images still to make would cost more (from the catalogue)",
    )
    add_image_options(parser, count="images per prompt", leave_out="what to leave out, for all")
    parser.add_argument(
        "--format",
        choices=("auto", "text", "jsonl"),
        default="auto",
        help="how to read PROMPTS (default auto: JSONL for .jsonl files and for input whose "
        "first line starts with '{')",
    )
    parser.add_argument(
        "--no-progress",
        action="store_true",
        help="no progress bar (there is none when stderr is not a terminal)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, ctx: Context) -> int:
    source, text = _read(args.prompts, ctx)
    items, lines = parse_prompts(text, args.format, source)
    progress = not args.no_progress and _is_terminal(ctx.stderr)
    from railwail import BatchAbortedError

    with ctx.client() as rw:
        try:
            result = rw.image_batch(
                args.model,
                items,
                out_dir=args.output,
                concurrency=args.concurrency,
                max_credits=args.max_credits,
                progress=progress,
                n=args.n,
                size=args.size,
                quality=args.quality,
                style=args.style,
                negative_prompt=args.negative_prompt,
            )
        except BatchAbortedError as exc:
            _report(ctx, exc.result)
            ctx.note(f"railwail: error: {one_line(exc.cause)}")
            ctx.note("Finished items are recorded: run the same command again to resume.")
            return exit_code_for(exc.cause)
        except KeyboardInterrupt:
            ctx.note(
                "railwail: interrupted. Finished items are recorded in "
                f"{Path(args.output) / 'railwail-batch.jsonl'}: run the same command again "
                "to resume."
            )
            raise
        except (ValueError, TypeError) as exc:
            from railwail import RailwailError

            if isinstance(exc, RailwailError):
                raise
            raise usage_error(_where(str(exc), source, lines)) from None
    _report(ctx, result)
    return EXIT_OK if result.ok else EXIT_ERROR


def _read(name: str, ctx: Context) -> tuple[str, str]:
    if name == "-":
        return "stdin", ctx.stdin.read() if ctx.stdin is not None else ""
    path = Path(name).expanduser()
    try:
        return name, path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise usage_error(f"PROMPTS: no such file: {name}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise usage_error(f"PROMPTS: cannot read {name}: {one_line(exc)}") from None


def parse_prompts(text: str, fmt: str, source: str) -> tuple[list[Any], list[int]]:
    """The items of PROMPTS and the line each came from (blank lines are skipped)."""
    numbered = [(number, line) for number, line in enumerate(text.splitlines(), 1) if line.strip()]
    if not numbered:
        raise usage_error(f"{source} has no prompts (every line is blank)")
    if fmt == "auto":
        is_jsonl = source.lower().endswith(_JSONL_SUFFIXES) or numbered[0][1].lstrip()[:1] == "{"
        fmt = "jsonl" if is_jsonl else "text"
    items: list[Any] = []
    for number, line in numbered:
        if fmt == "text":
            items.append(line.strip())
            continue
        try:
            item = json.loads(line)
        except ValueError as exc:
            raise usage_error(f"{source} line {number}: not JSON ({exc})") from None
        if not isinstance(item, dict | str):
            raise usage_error(
                f'{source} line {number}: must be a JSON object with a "prompt" or a JSON '
                f"string; got {type(item).__name__}"
            )
        items.append(item)
    return items, [number for number, _ in numbered]


def _where(message: str, source: str, lines: list[int]) -> str:
    """The SDK's ``prompts[i]: ...`` as the line of PROMPTS it came from."""
    match = _ITEM_REF.match(message)
    if match is None or int(match[1]) >= len(lines):
        return message
    return f"{source} line {lines[int(match[1])]}" + message[match.end() :]


def _is_terminal(stream: Any) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _report(ctx: Context, result: BatchResult) -> None:
    if ctx.as_json:
        ctx.emit(
            {
                "out_dir": str(result.out_dir),
                "manifest": str(result.manifest),
                "counts": result.counts,
                "elapsed": round(result.elapsed, 3),
                "credits_spent": result.credits_spent,
                "rate_limited": result.rate_limited,
                "items": [
                    {
                        "index": item.index,
                        "prompt": item.prompt,
                        "status": item.status,
                        "paths": [str(p) for p in item.paths],
                        "request_id": item.request_id,
                        "revised_prompt": item.revised_prompt,
                        "error": item.error,
                    }
                    for item in result.items
                ],
            }
        )
    else:
        ctx.line(f"{result.summary()}; images in {result.out_dir}")
    for item in result.failed:
        ctx.note(f"failed: item {item.index} ({_short(item.prompt)}): {item.error}")


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"
