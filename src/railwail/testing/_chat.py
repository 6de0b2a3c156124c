"""`POST /chat/completions`: a deterministic echo model, whole or streamed as SSE."""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

from .._allowed import (
    CHAT_ROLES,
    MAX_STOP_SEQUENCES,
    MIN_MAX_TOKENS,
    PENALTY,
    TEMPERATURE,
    TOP_P,
)
from ._handlers import Outcome, optional_number, require_model, words
from ._replies import Reply, bad_request, json_reply


def _messages(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The messages, checked as the SDK checks them: a known role; content a string or a list
    of content parts, left out only by an assistant message that carries ``tool_calls``."""
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise bad_request("'messages' is required and must be a non-empty list")
    for i, message in enumerate(messages):
        if not isinstance(message, dict):
            raise bad_request(f"'messages[{i}]' must be an object with 'role' and 'content'")
        role = message.get("role")
        if role not in CHAT_ROLES:
            raise bad_request(f"'messages[{i}].role' must be one of {', '.join(CHAT_ROLES)}")
        content = message.get("content")
        if content is None and not (role == "assistant" and message.get("tool_calls")):
            raise bad_request(
                f"'messages[{i}].content' is required (only an assistant message with "
                "'tool_calls' may leave it out)"
            )
        if content is not None and not isinstance(content, str | list):
            raise bad_request(f"'messages[{i}].content' must be a string or a list of parts")
    return messages


def _text(message: dict[str, Any]) -> str:
    """A message's text: its content string, or the text of its ``{"type": "text"}`` parts."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    parts = content if isinstance(content, list) else []
    return " ".join(
        part["text"]
        for part in parts
        if isinstance(part, dict)
        and part.get("type") == "text"
        and isinstance(part.get("text"), str)
    )


def _stops(body: dict[str, Any]) -> list[str]:
    stop = body.get("stop")
    if stop is None:
        return []
    if isinstance(stop, str):
        return [stop] if stop else []  # "" stops nothing
    if (
        not isinstance(stop, list)
        or len(stop) > MAX_STOP_SEQUENCES
        or not all(isinstance(s, str) and s for s in stop)
    ):
        raise bad_request(
            f"'stop' must be a string or a list of up to {MAX_STOP_SEQUENCES} non-empty strings"
        )
    return stop


def _reply_text(
    model: str, messages: list[dict[str, Any]], stops: list[str], max_tokens: int | None
) -> tuple[list[str], str]:
    """The reply's words and its finish reason."""
    last_user = next((_text(m) for m in reversed(messages) if m["role"] == "user"), "")
    text = " ".join(words(f"Echo from {model}: {last_user}"))
    cuts = [text.find(s) for s in stops if s in text]
    if cuts:
        text = text[: min(cuts)]
    reply = words(text)
    if max_tokens is not None and len(reply) > max_tokens:
        return reply[:max_tokens], "length"
    return reply, "stop"


def _sse(payload: Any) -> bytes:
    return b"data: " + json.dumps(payload, separators=(",", ":")).encode() + b"\n\n"


def _stream(base: dict[str, Any], tokens: list[str], finish_reason: str) -> tuple[bytes, ...]:
    def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        return _sse({**base, "object": "chat.completion.chunk", "choices": [choice]})

    events = [chunk({"role": "assistant", "content": ""})]
    events += [chunk({"content": w if i == 0 else " " + w}) for i, w in enumerate(tokens)]
    events.append(chunk({}, finish_reason))
    events.append(b"data: [DONE]\n\n")
    return tuple(events)


def create_chat(body: dict[str, Any]) -> Outcome:
    """Answer `"Echo from <model>: <last user message>"`, word by word when streaming.

    Tokens are whitespace-separated words. `stop` cuts the reply at the first stop sequence;
    `max_tokens` keeps that many words and sets `finish_reason` to `"length"`.
    """
    entry = require_model(body, "text")
    messages = _messages(body)
    optional_number(body, "temperature", *TEMPERATURE)
    optional_number(body, "top_p", *TOP_P)
    optional_number(body, "frequency_penalty", *PENALTY)
    optional_number(body, "presence_penalty", *PENALTY)
    max_tokens = optional_number(body, "max_tokens", MIN_MAX_TOKENS, None, integer=True)
    stops = _stops(body)
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise bad_request("'stream' must be a boolean")
    tokens, finish_reason = _reply_text(entry["slug"], messages, stops, max_tokens)
    prompt_tokens = sum(len(words(_text(m))) for m in messages)
    usage = {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": len(tokens),
        "total_tokens": prompt_tokens + len(tokens),
    }
    base = {"id": "chatcmpl-" + secrets.token_hex(12), "created": int(time.time())}
    base["model"] = entry["slug"]
    cost = max(1, entry["pricing"]["credit_cost_fixed"])
    if stream:
        headers = {"content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache"}
        reply = Reply(200, headers=headers, chunks=_stream(base, tokens, finish_reason))
        return Outcome(reply, cost)
    choice = {
        "index": 0,
        "message": {"role": "assistant", "content": " ".join(tokens)},
        "logprobs": None,
        "finish_reason": finish_reason,
    }
    payload = {**base, "object": "chat.completion", "choices": [choice], "usage": usage}
    return Outcome(json_reply(200, payload), cost)
