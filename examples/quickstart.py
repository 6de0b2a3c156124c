"""railwail quickstart: generate an image, save it as a file, then ask a chat model.

With a key (RAILWAIL_API_KEY, or the one `railwail auth login` stored) this calls the gateway
and spends credits. Without one, it starts the local emulator from railwail.testing and runs
against that, offline and free.

    make demo                      # or: python examples/quickstart.py [output-dir]
"""

from __future__ import annotations

import struct
import sys
from contextlib import ExitStack
from pathlib import Path

from railwail import MissingAPIKeyError, Railwail, RailwailError, railwail

OUT_DIR = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "output"


def dimensions(data: bytes) -> str:
    """Width x height from a PNG header (the emulator and most models send PNG)."""
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        width, height = struct.unpack(">II", data[16:24])
        return f"{width}x{height}"
    return "unknown (not a PNG)"


def main(rw: Railwail) -> None:
    images = rw.run("flux-schnell", "A beautiful sunset over Tokyo", size="512x512")
    path = images[0].save(OUT_DIR / "sunset.png")
    data = images[0].read()
    print(f"image: {path}")
    print(f"       {len(data):,} bytes, {dimensions(data)} pixels")

    res = rw.chat("gpt-4o", [{"role": "user", "content": "Say hello in five words."}])
    print(f"chat:  {res.text}")
    if res.usage:
        print(f"       {res.usage.total_tokens} tokens, request_id={res.request_id}")
    if res.rate_limit:
        print(f"       rate limit: {res.rate_limit.remaining}/{res.rate_limit.limit} left")


if __name__ == "__main__":
    with ExitStack() as stack:
        try:
            client = stack.enter_context(railwail())
            print(f"Calling {client.base_url} (credits are spent).")
        except MissingAPIKeyError:
            from railwail.testing import FakeGateway

            gw = stack.enter_context(FakeGateway())
            print(
                "No API key found: running on the local emulator "
                f"(railwail.testing.FakeGateway at {gw.url}); no credits are spent."
            )
            client = stack.enter_context(railwail(gw.api_key, base_url=gw.url))
        try:
            main(client)
        except RailwailError as exc:
            sys.exit(f"railwail error: {exc}")
