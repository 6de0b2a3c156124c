"""``railwail image``: generate images and save every one of them."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from railwail._files import extension, fit_suffix, save_new

from ._common import Context, Subparsers, add_command
from ._errors import usage_error
from ._files import default_stem, is_directory

if TYPE_CHECKING:
    from railwail import Image


def register(subparsers: Subparsers, common: argparse.ArgumentParser, summary: str) -> None:
    parser = add_command(
        subparsers,
        common,
        "image",
        help=summary,
        description=(
            "Generates images and saves every one, printing one saved path per line (with "
            "--json, one JSON object per image and line). Without -o, files go to the current "
            "directory as MODEL-YYYYmmdd-HHMMSS[-N].EXT; an existing file is never overwritten."
        ),
        examples=[
            'railwail image "a lighthouse at dawn" -m flux-schnell',
            'railwail image "two cats" -m dall-e-3 -n 2 --size 1792x1024 -o cats/',
            'echo "a red fox" | railwail image -m flux-schnell -o fox.png',
        ],
    )
    parser.add_argument(
        "prompt",
        nargs="?",
        metavar="PROMPT",
        help="what to draw; '-' (or nothing, with stdin piped) reads it from stdin",
    )
    parser.add_argument("-m", "--model", required=True, help="an image model, e.g. flux-schnell")
    parser.add_argument("-n", type=int, metavar="N", help="how many images, 1-4 (default 1)")
    parser.add_argument("--size", metavar="WxH", help="e.g. 1024x1024 (the default) or 1792x1024")
    parser.add_argument("--quality", metavar="QUALITY", help="standard or hd")
    parser.add_argument("--style", metavar="STYLE", help="vivid or natural")
    parser.add_argument("--negative-prompt", metavar="TEXT", help="what to leave out")
    parser.add_argument(
        "-o",
        "--output",
        metavar="PATH_OR_DIR",
        help="a file for one image, a directory (existing, or ending in /) for several; "
        "default: the current directory",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, ctx: Context) -> int:
    prompt = ctx.prompt(args.prompt)
    output: str | None = args.output
    if (args.n or 1) > 1 and not is_directory(output):
        raise usage_error(
            f"-o {output!r} names one file but -n asks for {args.n} images; "
            f"pass a directory instead (e.g. -o {output}/)"
        )
    with ctx.client() as rw:
        response = rw.image(
            args.model,
            prompt,
            n=args.n,
            size=args.size,
            quality=args.quality,
            style=args.style,
            negative_prompt=args.negative_prompt,
        )
        save_images(ctx, response.data, args.model, output, response.request_id)
    return 0


def save_images(
    ctx: Context,
    images: Sequence[Image],
    model: str,
    output: str | None,
    request_id: str | None,
) -> list[Path]:
    """Saves every image (downloading those sent as URLs) and prints where each went."""
    when = datetime.now()
    count = len(images)
    saved = []
    for index, image in enumerate(images, start=1):
        data = image.read()
        path = _save(image, data, model, output, when, index, count)
        saved.append(path)
        if ctx.as_json:
            ctx.emit(_describe(image, data, path, index, model, request_id))
        else:
            ctx.line(str(path))
    return saved


def _save(
    image: Image,
    data: bytes,
    model: str,
    output: str | None,
    when: datetime,
    index: int,
    count: int,
) -> Path:
    suffix = extension(image.format)
    if is_directory(output):
        directory = Path(output or ".").expanduser()
        return save_new(directory, default_stem(model, when, index, count), suffix, data)
    assert output is not None
    if count == 1:
        return image.save(output)  # the file asked for, replaced atomically if it exists
    # More images than the one file -o named (the model chose to send several): number them,
    # with the suffix (and format) save() would give the one file.
    target = Path(output).expanduser()
    numbered, payload = fit_suffix(target.with_name(f"{target.stem}-{index}{target.suffix}"), data)
    return save_new(numbered.parent, numbered.stem, numbered.suffix, payload)


def _describe(
    image: Image, data: bytes, path: Path, index: int, model: str, request_id: str | None
) -> dict[str, Any]:
    url = image.url if image.url and not image.url.startswith("data:") else None
    return {
        "path": str(path),
        "index": index,
        "model": model,
        "format": image.format,
        "bytes": len(data),
        "url": url,
        "revised_prompt": image.revised_prompt,
        "request_id": request_id,
    }
