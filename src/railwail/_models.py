"""Response types, and how an HTTP response becomes one. Every model keeps fields the gateway
adds without notice (``extra="allow"``) and carries the request id and rate-limit state of the
response it came from. Here: the base classes, chat and the model catalogue; embeddings are in
``_embeddings``, images in ``_image`` and ``_image_response``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Required, Self, TypedDict

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from ._allowed import ChatRole
from ._error_mapping import decode_body
from ._exceptions import ResponseValidationError
from ._headers import int_header, reset_datetime

if TYPE_CHECKING:
    import httpx

__all__ = [
    "APIObject",
    "APIResponse",
    "ChatChoice",
    "ChatChunk",
    "ChatChunkChoice",
    "ChatCompletionMessage",
    "ChatMessage",
    "ChatResponse",
    "ChoiceDelta",
    "Model",
    "ModelPricing",
    "RateLimit",
    "Usage",
]


@dataclass(frozen=True, slots=True)
class RateLimit:
    """The key's rate-limit state as of one response.

    Attributes:
        limit: Requests allowed per window (``X-RateLimit-Limit``).
        remaining: Requests left in the current window (``X-RateLimit-Remaining``).
        reset: When the window resets, as an aware UTC datetime (``X-RateLimit-Reset``).
    """

    limit: int | None
    remaining: int | None
    reset: datetime | None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> RateLimit | None:
        limit = int_header(headers, "x-ratelimit-limit")
        remaining = int_header(headers, "x-ratelimit-remaining")
        reset = reset_datetime(headers)
        if limit is None and remaining is None and reset is None:
            return None
        return cls(limit=limit, remaining=remaining, reset=reset)


class APIObject(BaseModel):
    """Base of every response type: unknown fields are kept and reachable as attributes."""

    model_config = ConfigDict(extra="allow", defer_build=True, protected_namespaces=())


class APIResponse(APIObject):
    """A whole response (or an item handed around on its own, like an image or a model): it
    also carries the request id and rate-limit state of the HTTP response it came in."""

    # The headers of that response; request_id and rate_limit are read from them when asked
    # for, so a call that never looks pays nothing for them. Nested parts (choices, usage)
    # have no such attribute: pydantic initialises private attributes on every instance.
    _headers: Mapping[str, str] | None = PrivateAttr(default=None)

    @property
    def request_id(self) -> str | None:
        """The gateway's request id for the response this object came from."""
        headers = self._headers
        if headers is None:
            return None
        return headers.get("x-request-id") or headers.get("request-id")

    @property
    def rate_limit(self) -> RateLimit | None:
        """The rate-limit headers of the response this object came from, if any were sent."""
        return RateLimit.from_headers(self._headers) if self._headers is not None else None

    @classmethod
    def _from_response(cls, response: httpx.Response) -> Self:
        """The response's JSON body as this type, carrying the response's metadata.

        Raises:
            ResponseValidationError: The body is not JSON, or not this type's shape.
        """
        try:
            obj = cls.model_validate_json(response.content)
        except ValueError as exc:  # pydantic's ValidationError and JSON errors alike
            raise ResponseValidationError(
                f"The gateway's answer to {response.request.method} {response.request.url.path} "
                f"is not a valid {cls.__name__}: {_first_error(exc)}",
                body=decode_body(response.content),
                request_id=response.headers.get("x-request-id"),
            ) from None
        attach_meta(obj, response.headers)
        return obj


def attach_meta(obj: APIResponse, headers: Mapping[str, str]) -> None:
    """Gives ``obj``, and the items of its ``data`` list, the headers of its response."""
    # Straight into pydantic's private storage: its __setattr__ costs more than the rest of
    # this function, once per object of every response.
    obj.__pydantic_private__["_headers"] = headers  # type: ignore[index]  # set by pydantic
    # Items of a list answer (images, models) are handed around on their own: they carry the
    # metadata of the response they came in too.
    for item in getattr(obj, "data", None) or ():
        if isinstance(item, APIResponse):
            item.__pydantic_private__["_headers"] = headers  # type: ignore[index]  # as above


def _first_error(exc: Exception) -> str:
    errors_of = getattr(exc, "errors", None)
    if callable(errors_of):
        errors = errors_of()
        if errors:
            first = errors[0]
            where = ".".join(str(p) for p in first["loc"]) or "body"
            return f"{where}: {first['msg']}"
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


class ChatMessage(TypedDict, total=False):
    """One chat message as sent to the gateway. Plain dicts of the same shape work too.

    Attributes:
        role: ``"system"``, ``"developer"``, ``"user"``, ``"assistant"`` or ``"tool"``.
        content: The text, or a list of content parts (``{"type": "text", "text": ...}``);
            ``None`` only for an assistant message that carries tool calls.
        name: An optional name for the participant.
        tool_call_id: For a ``"tool"`` message, the tool call it answers.
    """

    role: Required[ChatRole]
    content: Required[str | list[dict[str, Any]] | None]
    name: str
    tool_call_id: str


class Usage(APIObject):
    """Tokens counted for a chat completion.

    Attributes:
        prompt_tokens: Tokens of the messages sent.
        completion_tokens: Tokens of the answer.
        total_tokens: Both together.
    """

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0


class ChatCompletionMessage(APIObject):
    """The assistant's message in a chat completion.

    Attributes:
        role: ``"assistant"``.
        content: The answer's text (``None`` when the model sent none).
    """

    role: str = "assistant"
    content: str | None = None


class ChatChoice(APIObject):
    """One choice of a chat completion.

    Attributes:
        index: Its place among the choices, from 0.
        message: The assistant's message.
        finish_reason: Why the model stopped: ``"stop"``, ``"length"``, ...
    """

    index: int = 0
    message: ChatCompletionMessage
    finish_reason: str | None = None


class ChatResponse(APIResponse):
    """An OpenAI-shaped ``chat.completion`` object.

    Attributes:
        id: The completion's id.
        created: When it was made (Unix time).
        model: The model that answered.
        choices: The answers; ``text`` is the first one's content.
        usage: Tokens counted, when the gateway sent them.
    """

    id: str = ""
    object: str = "chat.completion"
    created: int | None = None
    model: str | None = None
    choices: list[ChatChoice]
    usage: Usage | None = None

    @property
    def text(self) -> str:
        """The first choice's content, or ``""`` when there is none."""
        if not self.choices:
            return ""
        return self.choices[0].message.content or ""


class ChoiceDelta(APIObject):
    """The part of the message one stream chunk adds.

    Attributes:
        role: ``"assistant"`` in the first chunk, else ``None``.
        content: The text this chunk adds, if any.
    """

    role: str | None = None
    content: str | None = None


class ChatChunkChoice(APIObject):
    """One choice of a stream chunk.

    Attributes:
        index: Its place among the choices, from 0.
        delta: What this chunk adds to the choice's message.
        finish_reason: Why the model stopped, in the choice's last chunk.
    """

    index: int = 0
    delta: ChoiceDelta = Field(default_factory=ChoiceDelta)
    finish_reason: str | None = None


class ChatChunk(APIResponse):
    """One ``chat.completion.chunk`` of a streamed chat completion.

    Attributes:
        id: The completion's id (the same in every chunk).
        created: When it was made (Unix time).
        model: The model that answers.
        choices: What this chunk adds to each choice; ``text`` is the first one's.
        usage: Tokens counted, in a final chunk of gateways that send them.
    """

    id: str = ""
    object: str = "chat.completion.chunk"
    created: int | None = None
    model: str | None = None
    choices: list[ChatChunkChoice] = Field(default_factory=list)
    usage: Usage | None = None

    @property
    def text(self) -> str:
        """The text this chunk adds to the first choice (``""`` for role or final chunks)."""
        if not self.choices:
            return ""
        return self.choices[0].delta.content or ""


class ModelPricing(APIObject):
    """A model's price in credits.

    Attributes:
        credit_cost_fixed: Credits per call (per image for image models).
        credit_cost_input_per_1k: Credits per 1,000 input tokens.
        credit_cost_output_per_1k: Credits per 1,000 output tokens.
        currency: The unit of the prices (``"credits"``).
    """

    credit_cost_fixed: float | None = None
    credit_cost_input_per_1k: float | None = None
    credit_cost_output_per_1k: float | None = None
    currency: str | None = None


class Model(APIResponse):
    """One model of the gateway's catalogue.

    Attributes:
        id: The gateway's id for the model (its docs show an internal id, ``model_abc123``,
            which need not be the slug).
        slug: The name to pass as ``model``, e.g. ``"flux-schnell"``, when the catalogue
            sends it.
        created: When the model was added (Unix time).
        name: Its display name.
        description: What it does.
        category: ``"text"``, ``"image"``, ``"embedding"``, ``"video"`` or ``"audio"``.
        owned_by: Its provider, e.g. ``"openai"``.
        provider_model_id: The provider's own name for it.
        image: A picture of the model (a URL), when the catalogue has one.
        pricing: What a call costs.
        capabilities: What it supports, as the gateway describes it.
        metadata: Anything else the catalogue says about it.
    """

    id: str
    object: str = "model"
    slug: str | None = None
    created: int | None = None
    name: str | None = None
    description: str | None = None
    category: str | None = None
    owned_by: str | None = None
    provider_model_id: str | None = None
    image: str | None = None
    pricing: ModelPricing | None = None
    capabilities: dict[str, Any] = Field(default_factory=dict)
    metadata: dict[str, Any] = Field(default_factory=dict)


class ModelPage(APIResponse):
    """One page of ``GET /models`` (private: ``models.list()`` iterates across pages)."""

    object: str = "list"
    data: list[Model]
    has_more: bool = False
    total: int | None = None
