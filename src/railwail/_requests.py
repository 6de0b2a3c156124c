"""Pure request builders: validate arguments and describe the HTTP request. No I/O here;
the sync and async clients share every function in this module."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx

from ._allowed import (
    CHAT_ROLES,
    EMBEDDING_ENCODINGS,
    IMAGE_COUNT,
    IMAGE_QUALITIES,
    IMAGE_RESPONSE_FORMATS,
    IMAGE_SIZES,
    IMAGE_STYLES,
    MAX_STOP_SEQUENCES,
    MIN_DIMENSIONS,
    MIN_MAX_TOKENS,
    MODEL_CATEGORIES,
    PAGE_SIZE,
    PENALTY,
    TEMPERATURE,
    TOP_P,
    EmbeddingEncoding,
)
from ._call_options import CallOptions
from ._utils import NOT_GIVEN, NotGiven

if TYPE_CHECKING:
    from ._models import ChatMessage

# What callers may pass as chat messages: typed or plain dicts.
Messages = Sequence["ChatMessage"] | Sequence[Mapping[str, Any]]

# Asked for when the caller names no encoding: a quarter of the bytes of JSON floats, and no
# float parsing (the OpenAI API and its SDK do the same). The answer is decoded to floats.
DEFAULT_EMBEDDING_ENCODING: EmbeddingEncoding = "base64"
_SIZE_RE = re.compile(r"^[1-9][0-9]{0,4}x[1-9][0-9]{0,4}$")


@dataclass(slots=True)
class RequestSpec:
    """What to send: everything the I/O layer needs, nothing it has to decide."""

    method: str
    path: str
    json: dict[str, Any] | None = None
    params: dict[str, Any] | None = None
    headers: dict[str, str] | None = None
    timeout: httpx.Timeout | None = None
    idempotency_key: str | None = None
    stream: bool = False
    absolute_url: bool = False
    # Seconds for the whole call (None: no limit); NOT_GIVEN: the client's total_timeout.
    total_timeout: float | NotGiven | None = NOT_GIVEN


def _spec(
    method: str,
    path: str,
    options: CallOptions,
    body: dict[str, Any] | None = None,
    params: dict[str, Any] | None = None,
    *,
    stream: bool = False,
) -> RequestSpec:
    if options.extra_body:
        body = {**(body or {}), **options.extra_body}
    if options.extra_query:
        params = {**(params or {}), **options.extra_query}
    return RequestSpec(
        method=method,
        path=path,
        json=body,
        params=params or None,
        headers=options.extra_headers,
        timeout=options.timeout,
        idempotency_key=options.idempotency_key,
        stream=stream,
        total_timeout=options.total_timeout,
    )


def check_model(model: object) -> str:
    if not isinstance(model, str):
        raise TypeError(f"model must be a model slug string such as 'flux-schnell'; got {model!r}")
    if not model.strip():
        raise ValueError("model must be a non-empty model slug such as 'flux-schnell'")
    # A "." or ".." segment would be resolved away in GET /models/{slug} (".." is the API
    # root), and an empty one names nothing: no slug has either.
    parts = model.split("/")
    if "." in parts or ".." in parts or "" in parts:
        raise ValueError(
            f"model must be a model slug such as 'flux-schnell'; got {model!r}, which has an "
            "empty, '.' or '..' path segment"
        )
    return model


def _choice(value: object, name: str, allowed: Sequence[str]) -> Any:
    if value not in allowed:
        choices = ", ".join(repr(a) for a in allowed)
        raise ValueError(f"{name} must be one of {choices}; got {value!r}")
    return value


def _number(value: object, name: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a number from {low:g} to {high:g}; got {value!r}")
    if not (low <= value <= high):
        raise ValueError(f"{name} must be from {low:g} to {high:g}; got {value!r}")
    return value


def _int(value: object, name: str, low: int, high: int | None = None) -> int:
    allowed = f"from {low} to {high}" if high is not None else f"of at least {low}"
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an integer {allowed}; got {value!r}")
    if value < low or (high is not None and value > high):
        raise ValueError(f"{name} must be an integer {allowed}; got {value!r}")
    return value


def _text(value: object, name: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string; got {type(value).__name__}")
    if not value.strip():
        raise ValueError(f"{name} must be a non-empty string")
    return value


def image_request(
    model: str,
    prompt: str,
    *,
    n: int | None = None,
    size: str | None = None,
    quality: str | None = None,
    style: str | None = None,
    negative_prompt: str | None = None,
    response_format: str | None = None,
    options: CallOptions,
) -> RequestSpec:
    body: dict[str, Any] = {"model": check_model(model), "prompt": _text(prompt, "prompt")}
    if n is not None:
        body["n"] = _int(n, "n", *IMAGE_COUNT)
    if size is not None:
        if not isinstance(size, str):
            raise TypeError(f"size must be a string such as '1024x1024'; got {size!r}")
        if not _SIZE_RE.fullmatch(size):
            raise ValueError(
                f"size must be 'WIDTHxHEIGHT' such as '1024x1024' (documented sizes: "
                f"{', '.join(IMAGE_SIZES)}); got {size!r}"
            )
        body["size"] = size
    if quality is not None:
        body["quality"] = _choice(quality, "quality", IMAGE_QUALITIES)
    if style is not None:
        body["style"] = _choice(style, "style", IMAGE_STYLES)
    if negative_prompt is not None:
        body["negative_prompt"] = _text(negative_prompt, "negative_prompt")
    if response_format is not None:
        body["response_format"] = _choice(
            response_format, "response_format", IMAGE_RESPONSE_FORMATS
        )
    return _spec("POST", "/images/generations", options, body)


def check_messages(messages: object) -> list[dict[str, Any]]:
    if isinstance(messages, str | bytes) or not isinstance(messages, Sequence):
        raise TypeError(
            "messages must be a list of {'role': ..., 'content': ...} dicts; "
            f"got {type(messages).__name__}"
        )
    if not messages:
        raise ValueError("messages must not be empty; pass at least one {'role': 'user', ...}")
    out: list[dict[str, Any]] = []
    for i, message in enumerate(messages):
        if not isinstance(message, Mapping):
            raise TypeError(
                f"messages[{i}] must be a dict with 'role' and 'content'; got {message!r}"
            )
        role = message.get("role")
        if role not in CHAT_ROLES:
            raise ValueError(
                f"messages[{i}]['role'] must be one of {', '.join(map(repr, CHAT_ROLES))}; "
                f"got {role!r}"
            )
        content = message.get("content")
        has_tool_calls = role == "assistant" and bool(message.get("tool_calls"))
        if content is None and not has_tool_calls:
            raise ValueError(f"messages[{i}] has no 'content'")
        if content is not None and not isinstance(content, str | list):
            raise TypeError(
                f"messages[{i}]['content'] must be a string or a list of content parts; "
                f"got {type(content).__name__}"
            )
        out.append(dict(message))
    return out


def chat_request(
    model: str,
    messages: object,
    *,
    temperature: float | None = None,
    max_tokens: int | None = None,
    top_p: float | None = None,
    frequency_penalty: float | None = None,
    presence_penalty: float | None = None,
    stop: str | Sequence[str] | None = None,
    stream: bool = False,
    options: CallOptions,
) -> RequestSpec:
    body: dict[str, Any] = {"model": check_model(model), "messages": check_messages(messages)}
    if temperature is not None:
        body["temperature"] = _number(temperature, "temperature", *TEMPERATURE)
    if max_tokens is not None:
        body["max_tokens"] = _int(max_tokens, "max_tokens", MIN_MAX_TOKENS)
    if top_p is not None:
        body["top_p"] = _number(top_p, "top_p", *TOP_P)
    if frequency_penalty is not None:
        body["frequency_penalty"] = _number(frequency_penalty, "frequency_penalty", *PENALTY)
    if presence_penalty is not None:
        body["presence_penalty"] = _number(presence_penalty, "presence_penalty", *PENALTY)
    if stop is not None:
        if isinstance(stop, str):
            body["stop"] = stop
        elif (
            isinstance(stop, Sequence)
            and 0 < len(stop) <= MAX_STOP_SEQUENCES
            and all(isinstance(s, str) and s for s in stop)
        ):
            body["stop"] = list(stop)
        else:
            raise ValueError(
                f"stop must be a string or a list of 1 to {MAX_STOP_SEQUENCES} strings; "
                f"got {stop!r}"
            )
    if not isinstance(stream, bool):
        raise TypeError(f"stream must be True or False; got {stream!r}")
    if stream:
        body["stream"] = True
    return _spec("POST", "/chat/completions", options, body, stream=stream)


def check_embed_input(value: object) -> str | list[str]:
    if isinstance(value, str):
        return _text(value, "input")
    if isinstance(value, Sequence) and not isinstance(value, bytes):
        if not value:
            raise ValueError("input must be a string or a non-empty list of strings; got []")
        for i, item in enumerate(value):
            if not isinstance(item, str):
                raise TypeError(f"input[{i}] must be a string; got {type(item).__name__}")
            if not item:
                raise ValueError(f"input[{i}] must be a non-empty string")
        return list(value)
    raise TypeError(f"input must be a string or a list of strings; got {type(value).__name__}")


def embed_request(
    model: str,
    input: object,
    *,
    dimensions: int | None = None,
    encoding_format: str | None = None,
    options: CallOptions,
) -> RequestSpec:
    body: dict[str, Any] = {"model": check_model(model), "input": check_embed_input(input)}
    if dimensions is not None:
        body["dimensions"] = _int(dimensions, "dimensions", MIN_DIMENSIONS)
    if encoding_format is not None:
        body["encoding_format"] = _choice(encoding_format, "encoding_format", EMBEDDING_ENCODINGS)
    elif not (options.extra_body and "encoding_format" in options.extra_body):
        body["encoding_format"] = DEFAULT_EMBEDDING_ENCODING
    # A format the caller chose (here or in extra_body, which wins) is sent as it is.
    return _spec("POST", "/embeddings", options, body)


def wants_base64(spec: RequestSpec) -> bool:
    """Whether an embeddings request asked for base64 vectors (the SDK's default): their
    answer is then decoded to floats."""
    return (spec.json or {}).get("encoding_format") == DEFAULT_EMBEDDING_ENCODING


def list_models_params(
    category: str | None, provider: str | None, featured: bool | None, page_size: int
) -> dict[str, Any]:
    params: dict[str, Any] = {"limit": _int(page_size, "page_size", *PAGE_SIZE)}
    if category is not None:
        params["category"] = _choice(category, "category", MODEL_CATEGORIES)
    if provider is not None:
        params["provider"] = _text(provider, "provider")
    if featured is not None:
        if not isinstance(featured, bool):
            raise TypeError(f"featured must be True, False or None; got {featured!r}")
        params["featured"] = "true" if featured else "false"
    return params


def list_models_request(params: dict[str, Any], offset: int, options: CallOptions) -> RequestSpec:
    return _spec("GET", "/models", options, params={**params, "offset": offset})


def get_model_request(slug: str, options: CallOptions) -> RequestSpec:
    return _spec("GET", "/models/" + quote(check_model(slug), safe=""), options)


def download_request(url: str, options: CallOptions | None = None) -> RequestSpec:
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise ValueError(f"image url is not a valid URL ({exc})") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ValueError(f"image url must be an http(s) URL; got scheme {parsed.scheme!r}")
    spec = _spec("GET", url, options or CallOptions())
    spec.absolute_url = True
    return spec
