"""Every value the gateway's API allows, defined once.

Each closed set is a ``Literal`` (for signatures and type checkers) with its runtime tuple
derived from it (for validation and error messages); each range is a pair of bounds. The
request builders, the client signatures, ``run()``'s routing and the emulator
(``railwail.testing``) all read them from here, so they cannot disagree.
"""

from __future__ import annotations

from typing import Literal, get_args

ChatRole = Literal["system", "user", "assistant", "tool", "developer"]
ImageQuality = Literal["standard", "hd"]
ImageStyle = Literal["vivid", "natural"]
ImageResponseFormat = Literal["url", "b64_json"]
# The sizes the gateway documents; other "WIDTHxHEIGHT" sizes are passed on for it to judge.
ImageSize = Literal["256x256", "512x512", "1024x1024", "1024x1792", "1792x1024"]
ModelCategory = Literal["text", "image", "embedding", "video", "audio"]
# How embeddings travel: "base64" (float32, little-endian) is what the SDK asks for by default.
EmbeddingEncoding = Literal["float", "base64"]
# The endpoints run() can send a model to.
Route = Literal["image", "chat", "embed"]
# What run(type=...) accepts: a route, or the catalogue's category name for it.
RunType = Literal["image", "chat", "embed", "text", "embedding"]

CHAT_ROLES: tuple[ChatRole, ...] = get_args(ChatRole)
IMAGE_QUALITIES: tuple[ImageQuality, ...] = get_args(ImageQuality)
IMAGE_STYLES: tuple[ImageStyle, ...] = get_args(ImageStyle)
IMAGE_RESPONSE_FORMATS: tuple[ImageResponseFormat, ...] = get_args(ImageResponseFormat)
IMAGE_SIZES: tuple[ImageSize, ...] = get_args(ImageSize)
MODEL_CATEGORIES: tuple[ModelCategory, ...] = get_args(ModelCategory)
EMBEDDING_ENCODINGS: tuple[EmbeddingEncoding, ...] = get_args(EmbeddingEncoding)
ROUTES: tuple[Route, ...] = get_args(Route)
RUN_TYPES: tuple[RunType, ...] = get_args(RunType)

# Inclusive bounds (low, high) of the numeric parameters.
IMAGE_COUNT = (1, 4)  # n
TEMPERATURE = (0.0, 2.0)
TOP_P = (0.0, 1.0)
PENALTY = (-2.0, 2.0)  # frequency_penalty and presence_penalty
PAGE_SIZE = (1, 100)  # models.list(page_size=...), sent as ?limit=
# At least 1, with no upper bound of the API's own (a model may have one).
MIN_MAX_TOKENS = 1
MIN_DIMENSIONS = 1
MAX_STOP_SEQUENCES = 4
