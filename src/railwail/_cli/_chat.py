"""``railwail chat``: one prompt, the answer streamed to stdout as it arrives."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from ._common import Context, Subparsers, add_command
from ._errors import usage_error

if TYPE_CHECKING:
    from railwail import ChatMessage, ChatStream


def register(subparsers: Subparsers, common: argparse.ArgumentParser, summary: str) -> None:
    parser = add_command(
        subparsers,
        common,
        "chat",
        help=summary,
        description=(
            "Sends one user message and streams the answer to stdout as it arrives. When "
            "stdin is piped, it is read and sent after PROMPT (separated by a blank line), so "
            "a file or a diff can be the material PROMPT talks about. With --json, prints the "
            "whole chat.completion object instead (not streamed)."
        ),
        examples=[
            'railwail chat -m gpt-4o "Explain quantum computing in one paragraph"',
            'git diff | railwail chat -m gpt-4o "review this"',
            'railwail chat -m claude-sonnet-4-5-20250929 -s "Answer in French" "Hello"',
        ],
    )
    parser.add_argument("prompt", nargs="?", metavar="PROMPT", help="the message to send")
    parser.add_argument("-m", "--model", required=True, help="a text model, e.g. gpt-4o")
    parser.add_argument("-s", "--system", metavar="TEXT", help="a system message sent first")
    parser.add_argument(
        "--no-stream", action="store_true", help="wait for the whole answer, then print it"
    )
    parser.add_argument("--temperature", type=float, metavar="T", help="0-2")
    parser.add_argument("--max-tokens", type=int, metavar="N", help="at most N tokens")
    parser.set_defaults(handler=run)


def user_message(prompt: str | None, piped: str | None) -> str:
    """PROMPT, then a blank line and stdin's text when stdin was piped."""
    if prompt == "-":
        prompt = None
    parts = [text.strip() for text in (prompt, piped) if text is not None and text.strip()]
    if not parts:
        raise usage_error("PROMPT is required: pass it as an argument or pipe text on stdin")
    return "\n\n".join(parts)


def run(args: argparse.Namespace, ctx: Context) -> int:
    prompt: str | None = args.prompt
    piped = ctx.piped_stdin()
    messages: list[ChatMessage] = []
    if args.system:
        messages.append({"role": "system", "content": args.system})
    messages.append({"role": "user", "content": user_message(prompt, piped)})
    temperature, max_tokens = args.temperature, args.max_tokens
    with ctx.client() as rw:
        if ctx.as_json or args.no_stream:
            response = rw.chat(args.model, messages, temperature=temperature, max_tokens=max_tokens)
            if ctx.as_json:
                ctx.emit(response.model_dump(mode="json"))
            else:
                ctx.line(response.text)
        else:
            stream = rw.chat(
                args.model, messages, temperature=temperature, max_tokens=max_tokens, stream=True
            )
            _stream(ctx, stream)
    return 0


def _stream(ctx: Context, stream: ChatStream) -> None:
    out = ctx.stdout
    last = ""
    with stream:
        for chunk in stream:
            text = chunk.text
            if text:
                out.write(text)
                out.flush()
                last = text
    if not last.endswith("\n"):
        out.write("\n")
        out.flush()
