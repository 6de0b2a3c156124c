"""Which endpoint ``run()`` sends a model to. Pure: slug rules and category mapping only."""

from __future__ import annotations

import re
from typing import Literal

Route = Literal["image", "chat", "embed"]
ROUTES: tuple[Route, ...] = ("image", "chat", "embed")

# Checked in order: the first family that matches wins, so "gpt-image-1" is an image model
# although "gpt" alone means chat.
_FAMILIES: tuple[tuple[Route, re.Pattern[str]], ...] = (
    ("embed", re.compile(r"(^|[-_/])(text-)?embed(ding)?s?([-_/.]|$)|^(bge|gte|e5|nomic-embed)-")),
    (
        "image",
        re.compile(
            r"^(flux|dall-e|sd-|sdxl|sd3|stable-diffusion|stable-image|ideogram|recraft|imagen|"
            r"midjourney|playground|kandinsky|seedream|hidream|gpt-image|photon|"
            r"qwen-image|hunyuan-image)"
            r"|[-_]image([-_.]|$)"
        ),
    ),
    (
        "chat",
        re.compile(
            r"^(gpt|chatgpt|o1|o3|o4|claude|gemini|gemma|llama|meta-llama|mistral|mixtral|"
            r"codestral|ministral|pixtral|command|qwen|qwq|deepseek|phi-|grok|kimi|glm|yi-|"
            r"nemotron|jamba|dbrx|olmo)"
        ),
    ),
)

CATEGORY_ROUTES: dict[str, Route] = {"image": "image", "text": "chat", "embedding": "embed"}

ROUTE_OPTIONS: dict[Route, frozenset[str]] = {
    "image": frozenset({"n", "size", "quality", "style", "negative_prompt", "response_format"}),
    "chat": frozenset(
        {"temperature", "max_tokens", "top_p", "frequency_penalty", "presence_penalty", "stop"}
    ),
    "embed": frozenset({"dimensions", "encoding_format"}),
}
COMMON_OPTIONS = frozenset(
    {"timeout", "extra_headers", "extra_query", "extra_body", "idempotency_key"}
)
ALL_OPTIONS = COMMON_OPTIONS.union(*ROUTE_OPTIONS.values())


def route_from_slug(model: str) -> Route | None:
    """The route the slug's family implies, or ``None`` when no rule knows the slug."""
    slug = model.strip().lower().rsplit("/", 1)[-1]
    for route, pattern in _FAMILIES:
        if pattern.search(slug):
            return route
    return None


def check_type(type_: object) -> Route | None:
    if type_ is None or type_ in ROUTES:
        return type_
    raise ValueError(f"type must be one of 'image', 'chat', 'embed' or None; got {type_!r}")


def check_options(options: dict[str, object], route: Route | None) -> None:
    """Unknown options fail before any request; options of another route fail once the route
    is known."""
    unknown = sorted(set(options) - ALL_OPTIONS)
    if unknown:
        raise TypeError(f"run() got an unexpected keyword argument {unknown[0]!r}")
    if route is not None:
        foreign = sorted(set(options) - COMMON_OPTIONS - ROUTE_OPTIONS[route])
        if foreign:
            raise TypeError(
                f"run() got {foreign[0]!r}, which does not apply to {route} models "
                f"(options for {route}: {', '.join(sorted(ROUTE_OPTIONS[route])) or 'none'})"
            )
