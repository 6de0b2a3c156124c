"""Many images with image_batch: every prompt of a list saved into one directory, paced by the
gateway's rate limit, with a progress bar. Stopped or crashed halfway? Run it again: it skips
what is done and makes the rest, without asking twice for an image.

    export RAILWAIL_API_KEY=rw_live_...        # or: railwail auth login
    python examples/image_batch.py [output-dir]
"""

from __future__ import annotations

import sys
from pathlib import Path

from railwail import BatchAbortedError, BudgetExceededError, railwail

MODEL = "flux-schnell"
PRODUCTS = ["a ceramic mug", "a leather backpack", "a desk lamp", "a pair of sneakers"]
SETTINGS = ["on a white background", "on a wooden table", "outdoors in soft light"]
# One prompt per product and setting: 12 images, 00000-a-ceramic-mug-on-a-white-background.png ...
PROMPTS = [f"{product} {setting}, product photo" for product in PRODUCTS for setting in SETTINGS]
# Refuse to start if the images still to make would cost more (the catalogue's price).
MAX_CREDITS = 100


def main(out_dir: Path) -> int:
    with railwail() as rw:
        try:
            result = rw.image_batch(
                MODEL,
                PROMPTS,
                out_dir=out_dir,
                size="512x512",
                max_credits=MAX_CREDITS,
                progress=True,  # a bar on stderr: done, failed, skipped, rate, time left
            )
        except BudgetExceededError as exc:
            print(f"not started: {exc}", file=sys.stderr)
            return 2
        except BatchAbortedError as exc:
            # The key, its permissions or its credits were refused: what finished is recorded.
            print(f"stopped: {exc}", file=sys.stderr)
            return 1
    for item in result.failed:
        print(f"failed: {item.prompt!r}: {item.error}", file=sys.stderr)
    print(result.summary())
    print(f"images in {result.out_dir}")
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("catalogue")))
