"""Embeddings: 256 vectors of 1,536 dimensions per request, decoded to lists of floats."""

from __future__ import annotations

from typing import Any

from ._clients import HTTPX, OPENAI, RAILWAIL
from ._common import Config
from ._paired import run_paired
from ._server import EMBED_DIMENSIONS, EMBED_INPUTS, embedding_vectors

HOW = {
    RAILWAIL: "rw.embed(...).vectors (asks for base64, decodes float32)",
    HTTPX: "httpx.Client.post + json.loads of the float lists (the API's default encoding)",
    OPENAI: "embeddings.create(...) (asks for base64, decodes float32)",
}


def run_embed(config: Config, api_base: str) -> dict[str, Any]:
    expected = embedding_vectors()

    def check(vectors: Any) -> None:
        if vectors != expected:
            raise RuntimeError("decoded vectors differ from the ones the server sent")

    result = run_paired(
        config,
        api_base,
        section="embed",
        method="embed",
        requests_per_round=config.embed_n,
        check=check,
        how=HOW,
    )
    return {"inputs": EMBED_INPUTS, "dimensions": EMBED_DIMENSIONS, **result}
