"""Public types of railwail's responses and arguments.

Each reports ``railwail.types`` as its ``__module__`` (as httpx does for its names), so reprs,
``help()``, tracebacks and pickles name a module users can import rather than the private
module that defines it.
"""

# Names the annotations of these types use, which are read in the module their __module__
# names (typing.get_type_hints(ChatMessage), pydantic rebuilding a model): not public.
from typing import Any, Required  # noqa: F401

from ._allowed import ChatRole  # noqa: F401
from ._batch_result import BatchItemResult, BatchResult, BatchStatus
from ._embeddings import Embedding, EmbeddingResponse, EmbeddingUsage
from ._image import Image
from ._image_response import ImageList, ImageResponse
from ._models import (
    ChatChoice,
    ChatChunk,
    ChatChunkChoice,
    ChatCompletionMessage,
    ChatMessage,
    ChatResponse,
    ChoiceDelta,
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
    "ImageList",
    "ImageResponse",
    "Model",
    "ModelPricing",
    "RateLimit",
    "Usage",
]

for _name in __all__:
    globals()[_name].__module__ = __name__
del _name


def __dir__() -> list[str]:
    return list(__all__)
