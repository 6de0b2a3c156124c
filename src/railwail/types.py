"""Public types of railwail's responses and arguments."""

from ._image import Image, ImageList, ImageResponse
from ._models import (
    ChatChoice,
    ChatChunk,
    ChatChunkChoice,
    ChatCompletionMessage,
    ChatMessage,
    ChatResponse,
    ChoiceDelta,
    Embedding,
    EmbeddingResponse,
    EmbeddingUsage,
    Model,
    ModelPricing,
    RateLimit,
    Usage,
)
from ._streaming import AsyncChatStream, ChatStream

__all__ = [
    "AsyncChatStream",
    "ChatChoice",
    "ChatChunk",
    "ChatChunkChoice",
    "ChatCompletionMessage",
    "ChatMessage",
    "ChatResponse",
    "ChatStream",
    "ChoiceDelta",
    "Embedding",
    "EmbeddingResponse",
    "EmbeddingUsage",
    "Image",
    "ImageList",
    "ImageResponse",
    "Model",
    "ModelPricing",
    "RateLimit",
    "Usage",
]
