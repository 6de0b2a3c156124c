"""``railwail image``: generate images and save every one of them."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from railwail._call_options import call_options
from railwail._files import fit_suffix, save_new, sniff, write_image
from railwail._image_data import ImageData, image_data
from railwail._requests import image_request

from ._common import Context, Subparsers, add_command, add_image_options
from ._errors import usage_error
from ._files import default_stem, is_directory

if TYPE_CHECKING:
    import httpx


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
    add_image_options(parser, count="how many images", leave_out="what to leave out")
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
    # rw.image() without its response objects: the same request, checks, retries, errors and
    # downloads, with the answer read by image_data (no pydantic to import: see its module).
    spec = image_request(
        args.model,
        prompt,
        n=args.n,
        size=args.size,
        quality=args.quality,
        style=args.style,
        negative_prompt=args.negative_prompt,
        options=call_options(),
    )
    with ctx.client() as rw:
        images, request_id = rw._request(spec, _images_and_id)

        def read(image: ImageData) -> bytes:
            data = image.inline()
            return data if data is not None else rw._download(image.download_url())

        save_images(ctx, images, read, args.model, output, request_id)
    return 0


def _images_and_id(response: httpx.Response) -> tuple[list[ImageData], str | None]:
    return image_data(response), response.headers.get("x-request-id")


class Drawn(Protocol):
    """An image as the command line prints it: an ``ImageData`` or an ``Image``."""

    @property
    def url(self) -> str | None: ...
    @property
    def revised_prompt(self) -> str | None: ...


D = TypeVar("D", bound=Drawn)


def save_images(
    ctx: Context,
    images: Sequence[D],
    read: Callable[[D], bytes],
    model: str,
    output: str | None,
    request_id: str | None,
) -> list[Path]:
    """Saves every image (``read`` gives its bytes, downloading those sent as URLs) and prints
    where each went."""
    when = datetime.now()
    count = len(images)
    saved = []
    for index, image in enumerate(images, start=1):
        data = read(image)
        path = _save(data, model, output, when, index, count)
        saved.append(path)
        if ctx.as_json:
            ctx.emit(_describe(image, data, path, index, model, request_id))
        else:
            ctx.line(str(path))
    return saved


def _save(
    data: bytes, model: str, output: str | None, when: datetime, index: int, count: int
) -> Path:
    if count == 1 or is_directory(output):
        # As Image.save(path) saves: a directory gets a new file with the command's name for
        # it (an existing file is never replaced); the one file -o named is replaced atomically.
        return write_image(output or ".", data, default_stem(model, when, index, count))
    assert output is not None
    # More images than the one file -o named (the model chose to send several): number them,
    # with the suffix (and format) save() would give the one file.
    target = Path(output).expanduser()
    numbered, payload = fit_suffix(target.with_name(f"{target.stem}-{index}{target.suffix}"), data)
    return save_new(numbered.parent, numbered.stem, numbered.suffix, payload)


def _describe(
    image: Drawn, data: bytes, path: Path, index: int, model: str, request_id: str | None
) -> dict[str, Any]:
    url = image.url if image.url and not image.url.startswith("data:") else None
    return {
        "path": str(path),
        "index": index,
        "model": model,
        "format": sniff(data)[1],
        "bytes": len(data),
        "url": url,
        "revised_prompt": image.revised_prompt,
        "request_id": request_id,
    }
