"""Stream a chat answer to the terminal as the model writes it.

export RAILWAIL_API_KEY=rw_live_...        # or: railwail auth login
python examples/stream_chat.py "Why is the sky blue?"
"""

from __future__ import annotations

import sys

from railwail import railwail

MODEL = "gpt-4o"


def main(question: str) -> None:
    messages = [
        {"role": "system", "content": "You answer in three sentences at most."},
        {"role": "user", "content": question},
    ]
    with railwail() as rw, rw.chat(MODEL, messages, stream=True) as stream:
        # The `with` block closes the HTTP response even if the loop is left early.
        for chunk in stream:
            print(chunk.text, end="", flush=True)
    print()
    # Notes for people go to stderr, so that stdout holds the answer alone.
    print(f"({len(stream.text)} characters, request_id={stream.request_id})", file=sys.stderr)


if __name__ == "__main__":
    main(" ".join(sys.argv[1:]) or "Tell me a short story about a lighthouse.")
