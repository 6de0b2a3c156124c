"""run()'s options are typed: mypy --strict checks this file, and every line marked
``type: ignore[call-overload]`` must be an error (strict mode warns about an unused ignore, so
the check fails as soon as such a call type-checks again). Never run, only checked."""

from __future__ import annotations

from railwail import AsyncRailwail, ImageList, Railwail


def refused(rw: Railwail) -> None:
    rw.run("flux-schnell", "a cat", num_outputs=2)  # type: ignore[call-overload]
    rw.run("flux-schnell", "a cat", type="image", temperature=0.5)  # type: ignore[call-overload]
    rw.run("gpt-4o", "hi", type="chat", n=2)  # type: ignore[call-overload]
    rw.run("gpt-4o", "hi", type="text", size="512x512")  # type: ignore[call-overload]
    rw.run("gpt-4o", "hi", stream=True)  # type: ignore[call-overload]
    rw.run("text-embedding-3-small", "hi", type="embedding", n=1)  # type: ignore[call-overload]
    rw.run("kling-v1-6", "a cat", type="video")  # type: ignore[call-overload]
    rw.run("flux-schnell", "a cat", type="image", quality="ultra")  # type: ignore[call-overload]
    rw.run("flux-schnell", "a cat", n="2")  # type: ignore[call-overload]


async def refused_async(rw: AsyncRailwail) -> None:
    await rw.run("flux-schnell", "a cat", num_outputs=2)  # type: ignore[call-overload]


def accepted(rw: Railwail) -> tuple[ImageList, str, str, list[list[float]]]:
    images: ImageList = rw.run("flux-schnell", "a cat", type="image", n=2, size="512x512")
    text: str = rw.run("gpt-4o", "hi", type="chat", temperature=0.2, max_tokens=5)
    category: str = rw.run("sonar-pro", "hi", type="text", stop=["\n"])
    vectors: list[list[float]] = rw.run(
        "text-embedding-3-small", ["a", "b"], type="embedding", dimensions=8, timeout=30
    )
    rw.run("flux-schnell", "a cat", n=2, quality="hd", extra_headers={"X-Trace": "1"})
    return images, text, category, vectors
