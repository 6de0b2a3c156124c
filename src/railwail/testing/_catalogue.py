"""The emulator's built-in model catalogue.

Entries mirror the shape of `GET /models/{slug}` in the gateway docs, plus a `slug` field
(the docs' list items carry none, which leaves clients no way to call a listed model) and a
top-level `featured` flag. Slugs are the ones seen in the gateway docs, plus a few whose
names do not reveal their family (`mystic-2`, `sonar-pro`) so that clients must fall back
to the catalogue's `category` to route them.
"""

from __future__ import annotations

import hashlib
from typing import Any

from .._allowed import IMAGE_COUNT, IMAGE_SIZES

_CREATED = 1_700_000_000

# slug, name, category, owned_by, provider_model_id, fixed, input/1k, output/1k, featured,
# description, capabilities
_ROWS: tuple[tuple[str, str, str, str, str, float, float, float, bool, str, dict[str, Any]], ...]
_IMAGE_CAPS: dict[str, Any] = {
    "sizes": list(IMAGE_SIZES),
    "max_n": IMAGE_COUNT[1],
    "formats": ["png"],
}
_ROWS = (
    ("sd-3-5-medium-stability", "Stable Diffusion 3.5 Medium", "image", "stability",
     "stability-ai/stable-diffusion-3.5-medium", 4, 0, 0, False,
     "2.5B-parameter open-weights text-to-image model by Stability AI.", _IMAGE_CAPS),
    ("flux-schnell", "Flux Schnell", "image", "black-forest-labs",
     "black-forest-labs/flux-schnell", 5, 0, 0, True,
     "Fast, high-quality image generation by Black Forest Labs.", _IMAGE_CAPS),
    ("flux-1.1-pro", "FLUX1.1 [pro]", "image", "black-forest-labs",
     "black-forest-labs/flux-1.1-pro", 8, 0, 0, False,
     "Black Forest Labs' flagship model with excellent prompt adherence.", _IMAGE_CAPS),
    ("flux-dev", "Flux Dev", "image", "black-forest-labs", "black-forest-labs/flux-dev",
     6, 0, 0, False, "Open-weights guidance-distilled Flux model.", _IMAGE_CAPS),
    ("dall-e-3", "DALL-E 3", "image", "openai", "openai/dall-e-3", 8, 0, 0, True,
     "OpenAI's image model; rewrites prompts for detail.", _IMAGE_CAPS),
    ("dall-e-2", "DALL-E 2", "image", "openai", "openai/dall-e-2", 4, 0, 0, False,
     "OpenAI's earlier, cheaper image model.", _IMAGE_CAPS),
    ("stable-diffusion-3.5-large", "Stable Diffusion 3.5 Large", "image", "stability",
     "stability-ai/stable-diffusion-3.5-large", 7, 0, 0, False,
     "8B-parameter Stable Diffusion for professional use.", _IMAGE_CAPS),
    ("ideogram-v2", "Ideogram v2", "image", "ideogram", "ideogram-ai/ideogram-v2", 8, 0, 0,
     False, "Image model that renders legible text in pictures.", _IMAGE_CAPS),
    ("recraft-v3", "Recraft V3", "image", "recraft", "recraft-ai/recraft-v3", 8, 0, 0,
     False, "Design-oriented image model with vector and brand styles.", _IMAGE_CAPS),
    ("mystic-2", "Mystic 2", "image", "freepik", "freepik/mystic-2", 6, 0, 0, False,
     "Photorealistic image model by Freepik.", _IMAGE_CAPS),
    ("gpt-4o", "GPT-4o", "text", "openai", "openai/gpt-4o", 2, 0.5, 1.5, True,
     "OpenAI's multimodal flagship chat model.",
     {"context_window": 128000, "streaming": True}),
    ("gpt-4o-mini", "GPT-4o mini", "text", "openai", "openai/gpt-4o-mini", 1, 0.03, 0.12,
     False, "Small, fast and cheap GPT-4o.", {"context_window": 128000, "streaming": True}),
    ("claude-sonnet-4-5-20250929", "Claude Sonnet 4.5", "text", "anthropic",
     "anthropic/claude-sonnet-4-5-20250929", 3, 0.6, 3.0, True,
     "Anthropic's balanced model for coding and agents.",
     {"context_window": 200000, "streaming": True}),
    ("gemini-pro", "Gemini Pro", "text", "google", "google/gemini-pro", 1, 0.1, 0.3, False,
     "Google's general-purpose Gemini model.", {"context_window": 32000, "streaming": True}),
    ("sonar-pro", "Sonar Pro", "text", "perplexity", "perplexity/sonar-pro", 2, 0.6, 3.0,
     False, "Search-grounded answers by Perplexity.",
     {"context_window": 200000, "streaming": True}),
    ("llama-3.1-70b-instruct", "Llama 3.1 70B Instruct", "text", "meta",
     "meta/meta-llama-3.1-70b-instruct", 1, 0.1, 0.3, False,
     "Meta's open-weights instruction-tuned model.",
     {"context_window": 128000, "streaming": True}),
    ("text-embedding-3-small", "Text Embedding 3 Small", "embedding", "openai",
     "openai/text-embedding-3-small", 1, 0.002, 0, True,
     "Efficient 1536-dimension text embeddings.", {"dimensions": 1536}),
    ("text-embedding-3-large", "Text Embedding 3 Large", "embedding", "openai",
     "openai/text-embedding-3-large", 1, 0.013, 0, False,
     "Most capable 3072-dimension text embeddings.", {"dimensions": 3072}),
    ("kling-v1-6", "Kling v1.6", "video", "kuaishou", "kwaivgi/kling-v1.6-standard", 40, 0, 0,
     False, "Text-to-video and image-to-video model by Kuaishou.",
     {"max_duration_seconds": 10}),
    ("whisper-large-v3", "Whisper Large v3", "audio", "openai", "openai/whisper-large-v3",
     2, 0, 0, False, "Speech recognition and translation.", {"tasks": ["transcription"]}),
)  # fmt: skip


def _entry(row: tuple[Any, ...], position: int) -> dict[str, Any]:
    slug, name, category, owner, provider_id, fixed, inp, out, featured, desc, caps = row
    return {
        "id": "model_" + hashlib.sha256(slug.encode()).hexdigest()[:12],
        "object": "model",
        "slug": slug,
        "created": _CREATED + 86_400 * position,
        "name": name,
        "description": desc,
        "category": category,
        "owned_by": owner,
        "provider_model_id": provider_id,
        "image": f"https://cdn.railwail.com/models/{slug}.jpg",
        "featured": featured,
        "pricing": {
            "credit_cost_fixed": fixed,
            "credit_cost_input_per_1k": inp,
            "credit_cost_output_per_1k": out,
            "currency": "credits",
        },
        "capabilities": dict(caps),
        "metadata": {"featured": featured, "tags": [category, owner]},
    }


CATALOGUE: tuple[dict[str, Any], ...] = tuple(_entry(r, i) for i, r in enumerate(_ROWS))
"""Every model the emulator knows, in listing order. Treat as read-only."""

BY_SLUG: dict[str, dict[str, Any]] = {m["slug"]: m for m in CATALOGUE}
