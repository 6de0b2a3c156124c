"""The keyword options of ``run()``, typed per route, so that a type checker refuses an option
no route takes (``num_outputs=2``) or one of another route (``temperature=`` on
``type="image"``). Each is the keyword arguments of ``image()``, ``chat()`` (but ``stream``) or
``embed()``; ``tests/test_architecture.py`` keeps them equal to the methods'."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypedDict

import httpx

from ._allowed import EmbeddingEncoding, ImageQuality, ImageResponseFormat, ImageStyle
from ._utils import NotGiven


class CommonOptions(TypedDict, total=False):
    """The per-call options every endpoint takes."""

    timeout: float | httpx.Timeout | NotGiven
    extra_headers: Mapping[str, str] | None
    extra_query: Mapping[str, Any] | None
    extra_body: Mapping[str, Any] | None
    idempotency_key: str | None
    total_timeout: float | NotGiven | None


class ImageOptions(CommonOptions, total=False):
    """``run()``'s options for an image model: those of ``image()``."""

    n: int | None
    size: str | None
    quality: ImageQuality | None
    style: ImageStyle | None
    negative_prompt: str | None
    response_format: ImageResponseFormat | None


class ChatOptions(CommonOptions, total=False):
    """``run()``'s options for a chat model: those of ``chat()`` but ``stream``."""

    temperature: float | None
    max_tokens: int | None
    top_p: float | None
    frequency_penalty: float | None
    presence_penalty: float | None
    stop: str | Sequence[str] | None


class EmbedOptions(CommonOptions, total=False):
    """``run()``'s options for an embedding model: those of ``embed()``."""

    dimensions: int | None
    encoding_format: EmbeddingEncoding | None


class RunOptions(ImageOptions, ChatOptions, EmbedOptions, total=False):
    """``run()``'s options when the route is not known statically (checked when it is)."""
