"""Typical code of the README and the docs/ pages, as functions that mypy --strict checks
(the blocks themselves run as tests against the emulator: conftest.py). Never run, only
checked; examples/ is under mypy --strict as it is."""

from __future__ import annotations

import asyncio
from pathlib import Path

from railwail import (
    AsyncRailwail,
    ChatMessage,
    InsufficientCreditsError,
    MissingAPIKeyError,
    NotFoundError,
    Railwail,
    RailwailError,
    RateLimitError,
    railwail,
)
from railwail.types import (
    BatchResult,
    ChatResponse,
    EmbeddingResponse,
    Image,
    ImageList,
    ImageResponse,
    Model,
)


def quickstart(rw: Railwail, out: Path) -> tuple[Path, str, ChatResponse, list[list[float]]]:
    images = rw.run("sd-3-5-medium-stability", "A beautiful sunset over Tokyo")
    path: Path = images[0].save(out / "sunset.png")

    res: ImageResponse = rw.image("flux-schnell", "A cat in space", size="1024x1024", n=1)
    print(res.data[0].url, res.request_id, res.rate_limit)

    text: str = rw.run("gpt-4o", "Explain quantum computing simply")
    chat = rw.chat("gpt-4o", [{"role": "user", "content": "Hello!"}])
    print(chat.text, chat.usage)

    vectors: list[list[float]] = rw.run("text-embedding-3-small", ["a", "b"])
    return path, text, chat, vectors


async def quickstart_async(rw: AsyncRailwail, out: Path) -> str:
    res = await rw.image("flux-schnell", "A cat in space")
    await res.data[0].asave(out / "cat.png")
    saved: list[Path] = await res.asave_all(out)
    print(saved, res.model, res.prompt)
    reply: str = await rw.run("gpt-4o", "Hello!")
    await rw.close()  # the same as aclose()
    return reply


def images_section(rw: Railwail, out: Path) -> list[bytes]:
    res = rw.image(
        "dall-e-3",
        "A lighthouse at dawn",
        n=2,
        size="1792x1024",
        quality="hd",
        style="natural",
        negative_prompt="people",
        response_format="b64_json",
    )
    blobs: list[bytes] = []
    for image in res.data:
        print(image.revised_prompt)
        data: bytes = image.read()
        image.save(f"{out}/out/")  # a directory: out/a-lighthouse-at-dawn_dall-e-3_1.png
        blobs.append(data)
    paths: list[Path] = res.save_all(out / "lighthouses")
    images: ImageList = rw.run("flux-schnell", "A red fox", n=3)
    images.save_all(out / "foxes")
    first: Image = images[0]
    fox: Path = first.save(out / "fox")
    print(paths, fox, first.prompt, first.model, first.index)
    return blobs


def bulk_generation(rw: Railwail, out: Path) -> BatchResult:
    result = rw.image_batch(
        "flux-schnell",
        [
            "a red fox in the snow",
            "a blue whale, watercolour",
            {"prompt": "a lighthouse at dawn", "size": "512x512", "name": "cover"},
        ],
        out_dir=out / "catalogue",
        max_credits=100,  # refuse to start if the images would cost more
    )
    print(result.summary())  # 3 item(s): 3 done, 0 skipped, 0 failed in 2.1 s, about 15 credits
    for item in result.failed:
        print(item.index, item.error)
    return result


def chat_section(rw: Railwail) -> tuple[str, str]:
    messages: list[ChatMessage] = [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "What is a monad?"},
    ]
    res = rw.chat(
        "claude-sonnet-4-5-20250929",
        messages,
        temperature=0.3,
        max_tokens=200,
        top_p=0.9,
        frequency_penalty=0.0,
        presence_penalty=0.0,
        stop=["\n\n"],
    )
    print(res.choices[0].finish_reason, res.usage.total_tokens if res.usage else None)

    with rw.chat("gpt-4o", [{"role": "user", "content": "Tell me a story"}], stream=True) as stream:
        for chunk in stream:
            print(chunk.text, end="", flush=True)
    print()
    return res.text, stream.text


async def stream_async(rw: AsyncRailwail) -> str:
    stream = await rw.chat("gpt-4o", [{"role": "user", "content": "Hi"}], stream=True)
    async with stream:
        parts = [chunk.text async for chunk in stream]
    return "".join(parts)


def embeddings_and_run(rw: Railwail) -> tuple[list[list[float]], list[Image], str, str]:
    res: EmbeddingResponse = rw.embed("text-embedding-3-small", ["first text", "second text"])
    vectors: list[list[float]] = res.vectors
    matrix = res.to_numpy()  # numpy float32 array, one row per input
    assert matrix.shape == (2, len(vectors[0]))
    assert matrix.tolist() == vectors  # the same float32 values
    images: list[Image] = rw.run("flux-schnell", "A cat")  # an ImageList is a list[Image]
    text: str = rw.run("gpt-4o", [{"role": "user", "content": "Hi"}])
    forced: str = rw.run("sonar-pro", "Hi", type="text")
    return vectors, images, text, forced


def catalogue(rw: Railwail) -> tuple[list[Model], Model]:
    found = list(rw.models.list(category="image"))
    for model in found:
        print(model.slug, model.name, model.pricing)
    one = rw.models.get("flux-schnell")
    print(one.category, one.capabilities, one.metadata)
    return found, one


def errors(rw: Railwail) -> str:
    try:
        rw.run("flux-schnell", "A cat")
    except RateLimitError as err:
        return f"wait {err.retry_after} until {err.reset}"
    except InsufficientCreditsError:
        return "top up at https://railwail.com/billing"
    except NotFoundError as err:
        suggestions: list[str] = err.suggestions
        return f"did you mean {suggestions}?"
    return "ok"


def missing_key() -> RailwailError:
    try:
        railwail()
    except MissingAPIKeyError as err:  # a RailwailError and a ValueError
        return err
    raise AssertionError("a key was found")


def factory(api_key: str, base_url: str) -> tuple[Railwail, Railwail]:
    rw = railwail(api_key, base_url=base_url, timeout=30, max_retries=3)
    patient = rw.with_options(timeout=60, max_retries=5)  # shares rw's connection pool
    return rw, patient


def run_async(api_key: str, base_url: str, out: Path) -> str:
    async def main() -> str:
        async with AsyncRailwail(api_key, base_url=base_url) as rw:
            return await quickstart_async(rw, out)

    return asyncio.run(main())
