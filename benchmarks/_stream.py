"""Streaming: a 500-chunk chat stream read to the end, content of every chunk collected."""

from __future__ import annotations

from typing import Any

from ._clients import HTTPX, OPENAI, RAILWAIL
from ._common import Config
from ._paired import run_paired
from ._server import STREAM_TEXT, STREAM_TOKENS

HOW = {
    RAILWAIL: "rw.chat(..., stream=True), chunk.choices[0].delta.content of every ChatChunk",
    HTTPX: "httpx.Client.stream + iter_lines + json.loads of every data: line",
    OPENAI: "chat.completions.create(stream=True), chunk.choices[0].delta.content",
}


def _check(text: Any) -> None:
    if text != STREAM_TEXT:
        raise RuntimeError(f"stream text is wrong: {str(text)[:80]!r}...")


def run_stream(config: Config, api_base: str) -> dict[str, Any]:
    result = run_paired(
        config,
        api_base,
        section="stream",
        method="stream",
        requests_per_round=config.stream_n,
        check=_check,
        how=HOW,
    )
    return {"chunks": STREAM_TOKENS + 2, **result}
