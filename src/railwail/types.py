"""Public types of railwail's responses and arguments."""

from ._batch_result import BatchItemResult, BatchResult, BatchStatus
from ._image import Image, ImageResponse
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
    "BatchItemResult",
    "BatchResult",
    "BatchStatus",
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
    "ImageResponse",
    "Model",
    "ModelPricing",
    "RateLimit",
    "Usage",
]
