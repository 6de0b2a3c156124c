"""The response types, imported when first needed: they pull in pydantic's model machinery,
which ``import railwail`` does not pay for."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._models import ChatResponse, EmbeddingResponse, Model, ModelPage


def chat_response() -> type[ChatResponse]:
    from ._models import ChatResponse

    return ChatResponse


def embedding_response() -> type[EmbeddingResponse]:
    from ._models import EmbeddingResponse

    return EmbeddingResponse


def model() -> type[Model]:
    from ._models import Model

    return Model


def model_page() -> type[ModelPage]:
    from ._models import ModelPage

    return ModelPage
