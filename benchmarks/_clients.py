"""The contenders: railwail, raw httpx and the openai package, making the same requests.

Every contender sends the same JSON body to the same path and touches the same field of the
answer (the image URL, the chat message content), so the per-call figures compare like with
like. Imports of railwail and openai happen inside the factories: a missing or broken package
fails only its own contender, not the whole run.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any, Protocol

import httpx

API_KEY = "rw_bench_key"
IMAGE_MODEL = "flux-schnell"
CHAT_MODEL = "gpt-4o"
PROMPT = "a cat"
CHAT_MESSAGES: list[dict[str, str]] = [{"role": "user", "content": "hi"}]
IMAGE_BODY: dict[str, Any] = {"model": IMAGE_MODEL, "prompt": PROMPT, "response_format": "url"}
B64_BODY: dict[str, Any] = {"model": IMAGE_MODEL, "prompt": PROMPT, "response_format": "b64_json"}
CHAT_BODY: dict[str, Any] = {"model": CHAT_MODEL, "messages": CHAT_MESSAGES}
STREAM_BODY: dict[str, Any] = {**CHAT_BODY, "stream": True}
EMBED_MODEL = "text-embedding-3-small"
EMBED_TEXTS = [f"text number {i}" for i in range(256)]
EMBED_BODY: dict[str, Any] = {"model": EMBED_MODEL, "input": EMBED_TEXTS}
HEADERS = {"Authorization": f"Bearer {API_KEY}"}
RAW_ASYNC_LIMITS = httpx.Limits(max_connections=100)

RAILWAIL = "railwail"
HTTPX = "httpx"
OPENAI = "openai"


class SyncContender(Protocol):
    def image(self) -> str: ...
    def chat(self) -> str: ...
    def close(self) -> None: ...


class AsyncContender(Protocol):
    async def image(self) -> str: ...
    async def aclose(self) -> None: ...


# --- sync ---------------------------------------------------------------------------------


class RailwailSync:
    def __init__(self, base_url: str) -> None:
        from railwail import Railwail

        self.client = Railwail(api_key=API_KEY, base_url=base_url)

    def image(self) -> str:
        url = self.client.image(IMAGE_MODEL, PROMPT, response_format="url").data[0].url
        return str(url)

    def chat(self) -> str:
        res = self.client.chat(CHAT_MODEL, CHAT_MESSAGES)
        return str(res.choices[0].message.content)

    def big_images(self) -> list[bytes]:
        res = self.client.image(IMAGE_MODEL, PROMPT, response_format="b64_json")
        return [img.read() for img in res.data]

    def stream(self) -> str:
        # The typed chunk, field by field, as user code reads it.
        with self.client.chat(CHAT_MODEL, CHAT_MESSAGES, stream=True) as chunks:
            return "".join(chunk.choices[0].delta.content or "" for chunk in chunks)

    def embed(self) -> list[list[float]]:
        return self.client.embed(EMBED_MODEL, EMBED_TEXTS).vectors

    def close(self) -> None:
        self.client.close()


class HttpxSync:
    def __init__(self, base_url: str) -> None:
        self.client = httpx.Client()
        self.image_url = base_url + "/images/generations"
        self.chat_url = base_url + "/chat/completions"
        self.embed_url = base_url + "/embeddings"

    def image(self) -> str:
        data = self.client.post(self.image_url, json=IMAGE_BODY, headers=HEADERS).json()
        return str(data["data"][0]["url"])

    def chat(self) -> str:
        data = self.client.post(self.chat_url, json=CHAT_BODY, headers=HEADERS).json()
        return str(data["choices"][0]["message"]["content"])

    def big_images(self) -> list[bytes]:
        raw = self.client.post(self.image_url, json=B64_BODY, headers=HEADERS).content
        return [base64.b64decode(item["b64_json"]) for item in json.loads(raw)["data"]]

    def stream(self) -> str:
        # SSE by hand: iter_lines and json.loads per data line.
        parts = []
        with self.client.stream("POST", self.chat_url, json=STREAM_BODY, headers=HEADERS) as r:
            for line in r.iter_lines():
                if line.startswith("data: "):
                    data = line[6:]
                    if data == "[DONE]":
                        break
                    parts.append(json.loads(data)["choices"][0]["delta"].get("content") or "")
        return "".join(parts)

    def embed(self) -> list[list[float]]:
        # The default encoding (JSON float lists), parsed with json.loads.
        raw = self.client.post(self.embed_url, json=EMBED_BODY, headers=HEADERS).content
        data = json.loads(raw)["data"]
        return [item["embedding"] for item in sorted(data, key=lambda item: item["index"])]

    def close(self) -> None:
        self.client.close()


class OpenAISync:
    def __init__(self, base_url: str) -> None:
        import openai

        self.client = openai.OpenAI(base_url=base_url, api_key=API_KEY)

    def image(self) -> str:
        res = self.client.images.generate(model=IMAGE_MODEL, prompt=PROMPT, response_format="url")
        assert res.data is not None
        return str(res.data[0].url)

    def chat(self) -> str:
        res = self.client.chat.completions.create(model=CHAT_MODEL, messages=CHAT_MESSAGES)  # type: ignore[arg-type]
        return str(res.choices[0].message.content)

    def stream(self) -> str:
        chunks = self.client.chat.completions.create(
            model=CHAT_MODEL,
            messages=CHAT_MESSAGES,  # type: ignore[arg-type]
            stream=True,
        )
        with chunks:
            return "".join(
                (chunk.choices[0].delta.content or "") if chunk.choices else "" for chunk in chunks
            )

    def embed(self) -> list[list[float]]:
        res = self.client.embeddings.create(model=EMBED_MODEL, input=EMBED_TEXTS)
        return [item.embedding for item in sorted(res.data, key=lambda item: item.index)]

    def close(self) -> None:
        self.client.close()


SYNC_FACTORIES: dict[str, Callable[[str], SyncContender]] = {
    RAILWAIL: RailwailSync,
    HTTPX: HttpxSync,
    OPENAI: OpenAISync,
}


# --- async --------------------------------------------------------------------------------


class RailwailAsync:
    def __init__(self, base_url: str) -> None:
        from railwail import AsyncRailwail

        self.client = AsyncRailwail(api_key=API_KEY, base_url=base_url)

    async def image(self) -> str:
        res = await self.client.image(IMAGE_MODEL, PROMPT, response_format="url")
        return str(res.data[0].url)

    async def aclose(self) -> None:
        await self.client.aclose()


class HttpxAsync:
    def __init__(self, base_url: str) -> None:
        self.client = httpx.AsyncClient(limits=RAW_ASYNC_LIMITS)
        self.image_url = base_url + "/images/generations"

    async def image(self) -> str:
        response = await self.client.post(self.image_url, json=IMAGE_BODY, headers=HEADERS)
        return str(response.json()["data"][0]["url"])

    async def aclose(self) -> None:
        await self.client.aclose()


class OpenAIAsync:
    def __init__(self, base_url: str) -> None:
        import openai

        self.client = openai.AsyncOpenAI(base_url=base_url, api_key=API_KEY)

    async def image(self) -> str:
        res = await self.client.images.generate(
            model=IMAGE_MODEL, prompt=PROMPT, response_format="url"
        )
        assert res.data is not None
        return str(res.data[0].url)

    async def aclose(self) -> None:
        await self.client.close()


ASYNC_FACTORIES: dict[str, Callable[[str], AsyncContender]] = {
    RAILWAIL: RailwailAsync,
    HTTPX: HttpxAsync,
    OPENAI: OpenAIAsync,
}


# --- connection-pool introspection --------------------------------------------------------


def describe_limits(contender: object) -> str:
    """The connection-pool limits of the httpx(-like) client inside a contender, as text."""
    client = _find_http_client(contender, depth=4, seen=set())
    if client is None:
        return "unknown (no httpx client found)"
    pool = getattr(getattr(client, "_transport", None), "_pool", None)
    if pool is None:
        return f"{type(client).__module__}.{type(client).__name__} (pool not inspectable)"
    conns = getattr(pool, "_max_connections", "?")
    keep = getattr(pool, "_max_keepalive_connections", "?")
    lib = type(client).__module__.split(".")[0]
    return f"{lib}: max_connections={conns}, max_keepalive={keep}"


def _find_http_client(obj: object, depth: int, seen: set[int]) -> object | None:
    if id(obj) in seen or depth < 0:
        return None
    seen.add(id(obj))
    kind = type(obj)
    if kind.__module__.split(".")[0] in ("httpx", "httpx2") and kind.__name__ in (
        "Client",
        "AsyncClient",
    ):
        return obj
    # Subclasses of httpx clients (openai wraps them in its own classes).
    if any(
        base.__module__.split(".")[0] in ("httpx", "httpx2")
        and base.__name__ in ("Client", "AsyncClient")
        for base in kind.__mro__
    ):
        return obj
    attrs = getattr(obj, "__dict__", None)
    if not isinstance(attrs, dict):
        return None
    for value in attrs.values():
        if isinstance(value, str | int | float | bytes | type(None)):
            continue
        found = _find_http_client(value, depth - 1, seen)
        if found is not None:
            return found
    return None
