"""Which endpoint ``run()`` sends a model to. Pure: slug rules and category mapping only."""

from __future__ import annotations

import re
from collections.abc import Callable

from ._allowed import ROUTES, RUN_TYPES, Route
from ._call_options import CallOptions
from ._requests import chat_request, embed_request, image_request

# Checked in order: the first family that matches wins, so "gpt-image-1" is an image model
# although "gpt" alone means chat.
_FAMILIES: tuple[tuple[Route, str], ...] = (
    ("embed", r"(^|[-_/])(text-)?embed(ding)?s?([-_/.]|$)|^(bge|gte|e5|nomic-embed)-"),
    (
        "image",
        r"^(flux|dall-e|sd-|sdxl|sd3|stable-diffusion|stable-image|ideogram|recraft|imagen|"
        r"midjourney|playground|kandinsky|seedream|hidream|gpt-image|photon|"
        r"qwen-image|hunyuan-image)"
        r"|[-_]image([-_.]|$)",
    ),
    (
        "chat",
        r"^(gpt|chatgpt|o1|o3|o4|claude|gemini|gemma|llama|meta-llama|mistral|mixtral|"
        r"codestral|ministral|pixtral|command|qwen|qwq|deepseek|phi-|grok|kimi|glm|yi-|"
        r"nemotron|jamba|dbrx|olmo)",
    ),
)
# Compiled on the first run() call rather than at import: compiling them is most of what
# importing this module would cost.
_compiled: tuple[tuple[Route, re.Pattern[str]], ...] | None = None

CATEGORY_ROUTES: dict[str, Route] = {"image": "image", "text": "chat", "embedding": "embed"}


def _keyword_options(builder: Callable[..., object]) -> frozenset[str]:
    """The keyword-only parameters of a request builder, which are the endpoint's own options
    (``stream`` aside: ``run()`` returns plain results)."""
    code = builder.__code__
    first = code.co_argcount
    names = code.co_varnames[first : first + code.co_kwonlyargcount]
    return frozenset(names) - {"options", "stream"}


# Read from the builders, whose keyword arguments the client methods take one for one
# (tests/test_architecture.py checks the methods' signatures against them).
ROUTE_OPTIONS: dict[Route, frozenset[str]] = {
    "image": _keyword_options(image_request),
    "chat": _keyword_options(chat_request),
    "embed": _keyword_options(embed_request),
}
COMMON_OPTIONS = frozenset(CallOptions.__dataclass_fields__)
ALL_OPTIONS = COMMON_OPTIONS.union(*ROUTE_OPTIONS.values())


def route_from_slug(model: str) -> Route | None:
    """The route the slug's family implies, or ``None`` when no rule knows the slug."""
    global _compiled
    if _compiled is None:
        _compiled = tuple((route, re.compile(source)) for route, source in _FAMILIES)
    slug = model.strip().lower().rsplit("/", 1)[-1]
    for route, pattern in _compiled:
        if pattern.search(slug):
            return route
    return None


def check_type(type_: object) -> Route | None:
    """The route ``run(type=...)`` names: a route, or a catalogue category ("text",
    "embedding") standing for one."""
    if type_ is None or type_ in ROUTES:
        return type_
    if isinstance(type_, str) and type_ in CATEGORY_ROUTES:
        return CATEGORY_ROUTES[type_]
    allowed = ", ".join(repr(r) for r in RUN_TYPES)
    raise ValueError(f"type must be one of {allowed} or None; got {type_!r}")


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
