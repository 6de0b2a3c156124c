"""Endpoint logic: pure functions from a parsed request to an `Outcome`.

Nothing here touches sockets or shared state. Handlers validate, compute the answer and
say what it costs; the gateway decides whether it can be paid before anything is kept.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import math
import random
import struct
import time
from dataclasses import dataclass, field
from typing import Any

from .._allowed import (
    EMBEDDING_ENCODINGS,
    IMAGE_COUNT,
    IMAGE_QUALITIES,
    IMAGE_RESPONSE_FORMATS,
    IMAGE_SIZES,
    IMAGE_STYLES,
    MIN_DIMENSIONS,
    MODEL_CATEGORIES,
    PAGE_SIZE,
)
from ._catalogue import BY_SLUG, CATALOGUE
from ._png import render_image
from ._replies import GatewayError, Reply, bad_request, json_reply


@dataclass(frozen=True)
class Outcome:
    """A computed answer, its price in credits and the files it publishes if paid."""

    reply: Reply
    cost: float = 0.0
    files: dict[str, bytes] = field(default_factory=dict)


# --- validation helpers --------------------------------------------------------------------


def require_model(body: dict[str, Any], category: str) -> dict[str, Any]:
    """The catalogue entry named by `body["model"]`, which must be of `category`."""
    slug = body.get("model")
    if not isinstance(slug, str) or not slug:
        raise bad_request("'model' is required and must be a non-empty string")
    entry = BY_SLUG.get(slug)
    if entry is None:
        raise GatewayError(404, f"Model '{slug}' not found", code="model_not_found")
    if entry["category"] != category:
        raise bad_request(
            f"'model': '{slug}' is {_a(entry['category'])} model; this endpoint needs "
            f"{_a(category)} model"
        )
    return entry


def _a(word: str) -> str:
    """``word`` with its indefinite article: "an image", "a text"."""
    return f"{'an' if word[:1] in ('a', 'e', 'i', 'o', 'u') else 'a'} {word}"


def optional_number(
    body: dict[str, Any], name: str, low: float, high: float | None, *, integer: bool = False
) -> Any:
    """`body[name]` if it is a number in `[low, high]` (`high` None: no upper bound), None if
    absent; else a 400."""
    value = body.get(name)
    if value is None:
        return None
    ok_type = isinstance(value, int) or (not integer and isinstance(value, float))
    in_range = ok_type and low <= value and (high is None or value <= high)
    if isinstance(value, bool) or not in_range:
        kind = "an integer" if integer else "a number"
        bounds = f"of at least {low:g}" if high is None else f"between {low:g} and {high:g}"
        raise bad_request(f"'{name}' must be {kind} {bounds}")
    return value


def optional_choice(body: dict[str, Any], name: str, choices: tuple[str, ...]) -> Any:
    """`body[name]` if it is one of `choices`, None if absent; else a 400."""
    value = body.get(name)
    if value is not None and value not in choices:
        raise bad_request(f"'{name}' must be one of {', '.join(choices)}")
    return value


def words(text: str) -> list[str]:
    """The emulator's tokenizer: whitespace-separated words are tokens."""
    return text.split()


# --- models ---------------------------------------------------------------------------------


def _int_param(query: dict[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise bad_request(f"'{name}' must be an integer between {low} and {high}")
    return value


def list_models(query: dict[str, str]) -> Reply:
    """`GET /models` with `category`, `provider`, `featured`, `limit` and `offset`."""
    category = query.get("category")
    if category is not None and category not in MODEL_CATEGORIES:
        raise bad_request(f"'category' must be one of {', '.join(MODEL_CATEGORIES)}")
    featured_raw = query.get("featured")
    if featured_raw is not None and featured_raw.lower() not in ("true", "false"):
        raise bad_request("'featured' must be true or false")
    limit = _int_param(query, "limit", 50, *PAGE_SIZE)
    offset = _int_param(query, "offset", 0, 0, 1_000_000)
    provider = query.get("provider")
    selected = [
        m
        for m in CATALOGUE
        if (category is None or m["category"] == category)
        and (provider is None or m["owned_by"] == provider.lower())
        and (featured_raw is None or m["featured"] == (featured_raw.lower() == "true"))
    ]
    page = selected[offset : offset + limit]
    return json_reply(
        200,
        {
            "object": "list",
            "data": page,
            "has_more": offset + len(page) < len(selected),
            "total": len(selected),
        },
    )


def get_model(slug: str) -> Reply:
    """`GET /models/{slug}`."""
    entry = BY_SLUG.get(slug)
    if entry is None:
        raise GatewayError(404, f"Model '{slug}' not found", code="model_not_found")
    return json_reply(200, entry)


# --- images ---------------------------------------------------------------------------------


def file_id(model: str, prompt: str, size: str, index: int) -> str:
    """The stable id under which a generated picture is served."""
    return hashlib.sha256(f"{model}\0{prompt}\0{size}\0{index}".encode()).hexdigest()[:32]


def create_images(body: dict[str, Any], origin: str) -> Outcome:
    """`POST /images/generations`: real PNGs, deterministic per (model, prompt, size, n)."""
    entry = require_model(body, "image")
    prompt = body.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise bad_request("'prompt' is required and must be a non-empty string")
    n = optional_number(body, "n", *IMAGE_COUNT, integer=True) or 1
    # The documented sizes only: the SDK passes other "WxH" sizes on for the gateway to judge,
    # and whether a model takes them is not documented.
    size = optional_choice(body, "size", IMAGE_SIZES) or "1024x1024"
    optional_choice(body, "quality", IMAGE_QUALITIES)
    optional_choice(body, "style", IMAGE_STYLES)
    fmt = optional_choice(body, "response_format", IMAGE_RESPONSE_FORMATS) or "url"
    negative = body.get("negative_prompt")
    if negative is not None and not isinstance(negative, str):
        raise bad_request("'negative_prompt' must be a string")
    slug = entry["slug"]
    data: list[dict[str, Any]] = []
    files: dict[str, bytes] = {}
    for index in range(n):
        png = render_image(slug, prompt, size, index)
        item: dict[str, Any]
        if fmt == "url":
            fid = file_id(slug, prompt, size, index)
            files[fid] = png
            item = {"url": f"{origin}/files/{fid}.png"}
        else:
            item = {"b64_json": base64.b64encode(png).decode("ascii")}
        if slug == "dall-e-3":
            item["revised_prompt"] = f"A detailed, high-quality rendering of: {prompt}"
        data.append(item)
    payload = {"created": int(time.time()), "data": data}
    return Outcome(json_reply(200, payload), entry["pricing"]["credit_cost_fixed"] * n, files)


# --- embeddings -----------------------------------------------------------------------------


@functools.lru_cache(maxsize=256)
def embedding_vector(model: str, text: str, dimensions: int) -> tuple[float, ...]:
    """A unit vector seeded by (model, text): same input, same vector."""
    rng = random.Random(hashlib.sha256(f"{model}\0{text}".encode()).digest())
    raw = [rng.gauss(0.0, 1.0) for _ in range(dimensions)]
    norm = math.sqrt(sum(v * v for v in raw))
    return tuple(v / norm for v in raw)


def create_embeddings(body: dict[str, Any]) -> Outcome:
    """`POST /embeddings`: deterministic unit vectors; `encoding_format` float or base64."""
    entry = require_model(body, "embedding")
    raw = body.get("input")
    inputs = [raw] if isinstance(raw, str) else raw
    if (
        not isinstance(inputs, list)
        or not inputs
        or not all(isinstance(t, str) and t for t in inputs)
    ):
        raise bad_request("'input' must be a non-empty string or a non-empty list of them")
    native = int(entry["capabilities"]["dimensions"])
    # A model's vectors cannot be longer than its own: that bound is the model's, not the API's.
    dimensions = optional_number(body, "dimensions", MIN_DIMENSIONS, native, integer=True) or native
    fmt = optional_choice(body, "encoding_format", EMBEDDING_ENCODINGS) or "float"
    data: list[dict[str, Any]] = []
    for index, text in enumerate(inputs):
        # Shortened vectors are the full one cut and renormalised, as OpenAI's v3 models do.
        vector = embedding_vector(entry["slug"], text, native)[:dimensions]
        norm = math.sqrt(sum(v * v for v in vector))
        values = [v / norm for v in vector]
        encoded: Any = values
        if fmt == "base64":
            encoded = base64.b64encode(struct.pack(f"<{len(values)}f", *values)).decode()
        data.append({"object": "embedding", "index": index, "embedding": encoded})
    tokens = sum(max(1, len(words(t))) for t in inputs)
    payload = {
        "object": "list",
        "data": data,
        "model": entry["slug"],
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }
    return Outcome(json_reply(200, payload), max(1, entry["pricing"]["credit_cost_fixed"]))
