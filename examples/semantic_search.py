"""Semantic search over a few sentences: embed them once, embed the question, rank the
sentences by cosine similarity. Plain Python, no numpy needed.

    export RAILWAIL_API_KEY=rw_live_...        # or: railwail auth login
    python examples/semantic_search.py "How do I keep my plants alive?"
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence

from railwail import Railwail, railwail

MODEL = "text-embedding-3-small"
SENTENCES = [
    "Water succulents only when the soil is completely dry.",
    "The train to Kyoto leaves every twenty minutes.",
    "Most houseplants like bright, indirect light.",
    "Preheat the oven to 220 degrees before the bread goes in.",
    "A bicycle chain needs oil every few hundred kilometres.",
    "Repot a plant when its roots grow out of the pot.",
]


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    """1.0 for vectors pointing the same way, 0.0 for unrelated ones."""
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    return dot / (math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b)))


def search(rw: Railwail, question: str, top: int = 3) -> list[tuple[float, str]]:
    """The `top` sentences closest to the question, best first, with their scores."""
    # One request for every sentence: embed() takes a list and keeps its order. A real index
    # would store these vectors once instead of embedding the sentences on every search.
    index = rw.embed(MODEL, SENTENCES).vectors
    query = rw.embed(MODEL, question).vectors[0]
    scored = [(cosine(query, vector), text) for vector, text in zip(index, SENTENCES, strict=True)]
    return sorted(scored, reverse=True)[:top]


def main(question: str) -> None:
    with railwail() as rw:
        results = search(rw, question)
    print(f"Closest to {question!r}:")
    for score, text in results:
        print(f"  {score:+.3f}  {text}")


if __name__ == "__main__":
    main(" ".join(sys.argv[1:]) or "How do I keep my plants alive?")
