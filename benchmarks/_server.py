"""Minimal loopback HTTP/1.1 keep-alive server with canned responses, for the benchmarks.

Run as a separate process (``python benchmarks/_server.py``): it precomputes every response,
binds 127.0.0.1 on an ephemeral port, prints ``PORT <n>`` on stdout and serves until its stdin
is closed (the parent's exit closes it too), it receives SIGTERM, or ``--max-seconds`` pass.

It is deliberately tiny: an ``asyncio.Protocol`` that finds the end of the head, reads the
``Content-Length`` body, picks a precomputed byte string by path (a chat body asking for a
stream, or an embeddings body asking for base64, picks that variant) and writes it. No per-request
allocation beyond the receive buffer, so the clients' cost dominates every measurement.

This file imports only the standard library and must stay runnable on its own (it is started
by path, not as a module of the ``benchmarks`` package).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import random
import signal
import struct
import sys
import threading
import time
from typing import Any

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
BIG_IMAGE_BYTES = 2 * 1024 * 1024
BIG_IMAGE_COUNT = 4
IMAGE_URL = "https://cdn.railwail.com/generated/bench/0001.png"
CHAT_CONTENT = "Hello! How can I help you today?"
# A streamed chat answer: a role chunk, STREAM_TOKENS content chunks, a finish chunk, [DONE].
STREAM_TOKENS = 500
STREAM_TEXT = "".join(f" tok{i}" for i in range(STREAM_TOKENS))
# Embeddings: EMBED_INPUTS vectors of EMBED_DIMENSIONS float32 values, as the OpenAI API sends
# them: JSON float lists by default, little-endian float32 in base64 when asked for.
EMBED_INPUTS = 256
EMBED_DIMENSIONS = 1536


def _response(status: bytes, body: bytes, request_id: str, reset: int) -> bytes:
    head = (
        b"HTTP/1.1 " + status + b"\r\n"
        b"content-type: application/json\r\n"
        b"content-length: " + str(len(body)).encode() + b"\r\n"
        b"x-request-id: " + request_id.encode() + b"\r\n"
        b"x-ratelimit-limit: 60\r\n"
        b"x-ratelimit-remaining: 59\r\n"
        b"x-ratelimit-reset: " + str(reset).encode() + b"\r\n"
        b"\r\n"
    )
    return head + body


def big_image_payload(seed: int = 1234) -> list[bytes]:
    """Four ~2 MB random-ish images that start with the PNG signature (deterministic)."""
    rng = random.Random(seed)
    return [
        PNG_SIGNATURE + rng.randbytes(BIG_IMAGE_BYTES - len(PNG_SIGNATURE))
        for _ in range(BIG_IMAGE_COUNT)
    ]


def _stream_response(created: int, reset: int) -> bytes:
    """An OpenAI-shaped SSE chat stream (with the fields OpenAI sends that railwail's types do
    not name: ``system_fingerprint``, ``logprobs``), as one precomputed response."""

    def event(delta: dict[str, str], finish: str | None = None) -> bytes:
        chunk = {
            "id": "chatcmpl-bench0001",
            "object": "chat.completion.chunk",
            "created": created,
            "model": "gpt-4o",
            "system_fingerprint": "fp_bench",
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        }
        return b"data: " + json.dumps(chunk).encode() + b"\n\n"

    parts = [event({"role": "assistant", "content": ""})]
    parts += [event({"content": f" tok{i}"}) for i in range(STREAM_TOKENS)]
    parts += [event({}, "stop"), b"data: [DONE]\n\n"]
    body = b"".join(parts)
    head = (
        b"HTTP/1.1 200 OK\r\n"
        b"content-type: text/event-stream; charset=utf-8\r\n"
        b"content-length: " + str(len(body)).encode() + b"\r\n"
        b"x-request-id: req_bench_stream\r\n"
        b"x-ratelimit-limit: 60\r\n"
        b"x-ratelimit-remaining: 59\r\n"
        b"x-ratelimit-reset: " + str(reset).encode() + b"\r\n"
        b"\r\n"
    )
    return head + body


def embedding_vectors(seed: int = 4321) -> list[list[float]]:
    """EMBED_INPUTS deterministic vectors of float32 values (as Python floats)."""
    rng = random.Random(seed)
    count = EMBED_INPUTS * EMBED_DIMENSIONS
    packed = struct.pack(f"<{count}f", *(rng.gauss(0.0, 0.03) for _ in range(count)))
    flat = struct.unpack(f"<{count}f", packed)
    return [list(flat[i : i + EMBED_DIMENSIONS]) for i in range(0, count, EMBED_DIMENSIONS)]


def _embedding_bodies(created: int) -> tuple[bytes, bytes]:
    """(float-list body, base64 body) of the same vectors."""
    vectors = embedding_vectors()
    usage = {"prompt_tokens": EMBED_INPUTS, "total_tokens": EMBED_INPUTS}

    def body(encode: Any) -> bytes:
        data = [
            {"object": "embedding", "index": i, "embedding": encode(v)}
            for i, v in enumerate(vectors)
        ]
        payload = {"object": "list", "data": data, "model": "text-embedding-3-small"}
        return json.dumps(payload | {"usage": usage}).encode()

    def b64(vector: list[float]) -> str:
        return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()

    return body(lambda v: v), body(b64)


# A request body containing one of these picks the variant of its path's answer.
_STREAM_NEEDLES = (b'"stream": true', b'"stream":true')
_BASE64_NEEDLES = (b'"encoding_format": "base64"', b'"encoding_format":"base64"')


def build_routes(created: int) -> tuple[dict[bytes, bytes], bytes]:
    """Precompute the full response bytes (head + body) for every path."""
    reset = created + 60
    image_body = json.dumps(
        {"created": created, "data": [{"url": IMAGE_URL, "revised_prompt": "a cat"}]}
    ).encode()
    chat_body = json.dumps(
        {
            "id": "chatcmpl-bench0001",
            "object": "chat.completion",
            "created": created,
            "model": "gpt-4o",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": CHAT_CONTENT},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 9, "completion_tokens": 9, "total_tokens": 18},
        }
    ).encode()
    big_body = json.dumps(
        {
            "created": created,
            "data": [{"b64_json": base64.b64encode(raw).decode()} for raw in big_image_payload()],
        }
    ).encode()
    not_found = json.dumps(
        {"error": {"message": "Not found", "type": "invalid_request_error", "code": "not_found"}}
    ).encode()
    floats, packed = _embedding_bodies(created)
    routes = {
        b"/api/v1/images/generations": _response(b"200 OK", image_body, "req_bench_img", reset),
        b"/api/v1/chat/completions": _response(b"200 OK", chat_body, "req_bench_chat", reset),
        b"/big/api/v1/images/generations": _response(b"200 OK", big_body, "req_bench_big", reset),
        b"/api/v1/embeddings": _response(b"200 OK", floats, "req_bench_embed", reset),
        # Variants chosen by the request body (see CannedHTTP.data_received).
        b"stream:/api/v1/chat/completions": _stream_response(created, reset),
        b"base64:/api/v1/embeddings": _response(b"200 OK", packed, "req_bench_embed", reset),
    }
    return routes, _response(b"404 Not Found", not_found, "req_bench_404", reset)


_LENGTH_REQUIRED = b"HTTP/1.1 411 Length Required\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"


class CannedHTTP(asyncio.Protocol):
    """HTTP/1.1 keep-alive: answers each complete request with the canned bytes for its path."""

    def __init__(self, routes: dict[bytes, bytes], not_found: bytes) -> None:
        self.routes = routes
        self.not_found = not_found
        self.buf = bytearray()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        buf = self.buf
        buf += data
        transport = self.transport
        assert transport is not None
        while True:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(buf[:end]).lower()
            length = 0
            at = head.find(b"\r\ncontent-length:")
            if at >= 0:
                stop = head.find(b"\r\n", at + 2)
                length = int(head[at + 17 : stop if stop >= 0 else len(head)])
            elif b"\r\ntransfer-encoding:" in head:
                transport.write(_LENGTH_REQUIRED)
                transport.close()
                return
            total = end + 4 + length
            if len(buf) < total:
                return
            body = bytes(buf[end + 4 : total])
            del buf[:total]
            target = head[head.find(b" ") + 1 : head.find(b" ", head.find(b" ") + 1)]
            path = target.split(b"?", 1)[0]
            if any(needle in body for needle in _STREAM_NEEDLES):
                path = b"stream:" + path
            elif any(needle in body for needle in _BASE64_NEEDLES):
                path = b"base64:" + path
            transport.write(self.routes.get(path, self.not_found))
            if b"\r\nconnection: close" in head:
                transport.close()
                return


def _watch_stdin(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
    """Stop the server once the parent closes our stdin (or dies)."""
    try:
        sys.stdin.buffer.read()
    finally:
        loop.call_soon_threadsafe(stop.set)


async def serve(host: str, port: int, max_seconds: float) -> None:
    routes, not_found = build_routes(int(time.time()))
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: CannedHTTP(routes, not_found), host, port, backlog=1024, reuse_address=True
    )
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    threading.Thread(target=_watch_stdin, args=(loop, stop), daemon=True).start()
    bound = server.sockets[0].getsockname()[1]
    sys.stdout.write(f"PORT {bound}\n")
    sys.stdout.flush()
    try:
        await asyncio.wait_for(stop.wait(), timeout=max_seconds)
    except TimeoutError:
        pass
    finally:
        server.close()
        # Python 3.12+ waits for open keep-alive connections here: do not hang on them.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(server.wait_closed(), timeout=1.0)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--max-seconds", type=float, default=3 * 3600.0)
    args = parser.parse_args(argv)
    asyncio.run(serve(args.host, args.port, args.max_seconds))


if __name__ == "__main__":
    main()
