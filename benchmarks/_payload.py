"""Large payloads: four ~2 MB b64_json images per response, fetched and decoded to bytes."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol

from ._clients import HTTPX, RAILWAIL, HttpxSync, RailwailSync
from ._common import Config, error_text, log, median, rotated
from ._server import BIG_IMAGE_BYTES, BIG_IMAGE_COUNT, PNG_SIGNATURE


class BigFetcher(Protocol):
    def big_images(self) -> list[bytes]: ...
    def close(self) -> None: ...


FETCHERS: dict[str, Callable[[str], BigFetcher]] = {RAILWAIL: RailwailSync, HTTPX: HttpxSync}
HOW = {
    RAILWAIL: "rw.image(..., response_format='b64_json') + Image.read() on all four",
    HTTPX: "httpx.Client.post + json.loads(content) + base64.b64decode on all four",
}


def _check(images: list[bytes]) -> None:
    if len(images) != BIG_IMAGE_COUNT or any(
        len(img) != BIG_IMAGE_BYTES or not img.startswith(PNG_SIGNATURE) for img in images
    ):
        raise RuntimeError(f"unexpected decode: {[len(img) for img in images]}")


def run_payload(config: Config, big_api_base: str) -> dict[str, Any]:
    fetchers: dict[str, BigFetcher] = {}
    errors: dict[str, str] = {}
    samples: dict[str, list[float]] = {name: [] for name in FETCHERS}
    reference: list[bytes] | None = None
    try:
        for name, factory in FETCHERS.items():
            try:
                fetchers[name] = factory(big_api_base)
                images = fetchers[name].big_images()
                _check(images)
                if reference is not None and images != reference:
                    raise RuntimeError("decoded bytes differ from the other contender's")
                reference = images
                fetchers[name].big_images()
            except Exception as exc:
                errors[name] = error_text(exc)
        del reference
        live = [name for name in fetchers if name not in errors]
        for r in range(config.rounds):
            totals = dict.fromkeys(live, 0.0)
            for i in range(config.payload_n):  # alternate request by request
                for name in rotated(live, r + i):
                    start = time.perf_counter()
                    fetchers[name].big_images()
                    totals[name] += time.perf_counter() - start
            for name in live:
                samples[name].append(totals[name] / config.payload_n * 1e3)
            log(config, f"  payload round {r + 1}/{config.rounds} done")
    finally:
        for fetcher in fetchers.values():
            fetcher.close()
    result: dict[str, Any] = {
        "requests_per_round": config.payload_n,
        "images_per_response": BIG_IMAGE_COUNT,
        "image_bytes": BIG_IMAGE_BYTES,
    }
    for name in FETCHERS:
        if name in errors:
            result[name] = {"error": errors[name], "how": HOW[name]}
        else:
            result[name] = {
                "ms_per_request": median(samples[name]),
                "samples": samples[name],
                "how": HOW[name],
            }
    return result
