"""Several prompts at once with AsyncRailwail: one client, a task per prompt, a cap on how
many run at the same time, and every image saved into one directory.

    export RAILWAIL_API_KEY=rw_live_...        # or: railwail auth login
    python examples/async_fanout.py [output-dir]
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

from railwail import AsyncRailwail

MODEL = "flux-schnell"
PROMPTS = [
    "A lighthouse at dawn",
    "A red fox in the snow",
    "A bowl of ramen, top view",
    "A paper boat on a puddle",
    "A robot watering plants",
]
# Requests in flight at once: enough to overlap the waiting, few enough for the rate limit.
CONCURRENCY = 3


async def generate(rw: AsyncRailwail, prompt: str, out_dir: Path, slots: asyncio.Semaphore) -> Path:
    async with slots:
        images = await rw.run(MODEL, prompt, type="image", size="512x512")
        # save_all names the file after the prompt and the model:
        # a-lighthouse-at-dawn_flux-schnell_1.png
        (path,) = await images.asave_all(out_dir)
        return path


async def main(out_dir: Path) -> None:
    started = time.perf_counter()
    # One client for every task: it shares one connection pool and is safe across tasks.
    async with AsyncRailwail() as rw:
        slots = asyncio.Semaphore(CONCURRENCY)
        # A TaskGroup cancels the other tasks as soon as one fails, and raises that error.
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(generate(rw, p, out_dir, slots)) for p in PROMPTS]
    for task in tasks:
        print(task.result())
    print(f"{len(tasks)} images in {time.perf_counter() - started:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("fanout")))
