"""``railwail models``: the catalogue as a table, and one model in full."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ._common import Context, Subparsers, add_command, table

if TYPE_CHECKING:
    from railwail import Model

LIST_EXAMPLES = [
    "railwail models",
    "railwail models --category image --provider openai",
    "railwail models --featured --json | jq -r .slug",
]


def register(subparsers: Subparsers, common: argparse.ArgumentParser, summary: str) -> None:
    filters = argparse.ArgumentParser(add_help=False, argument_default=argparse.SUPPRESS)
    group = filters.add_argument_group("filters")
    group.add_argument(
        "--category", help="text, image, embedding, video or audio", metavar="CATEGORY"
    )
    group.add_argument("--provider", help="e.g. openai, black-forest-labs", metavar="PROVIDER")
    group.add_argument("--featured", action="store_true", help="only featured models")
    description = (
        "Lists the gateway's models as a table (slug, name, category, provider, price in "
        "credits); with --json, one JSON object per model and line."
    )
    parser = add_command(
        subparsers,
        common,
        "models",
        help=summary,
        description=description,
        examples=[*LIST_EXAMPLES, "railwail models show flux-schnell"],
        parents=[filters],  # the filters work with and without `list`
    )
    parser.set_defaults(handler=list_models)
    actions = parser.add_subparsers(dest="action", metavar="ACTION", title="actions")
    listing = add_command(
        actions,
        common,
        "list",
        help="the table (the default)",
        description=description,
        examples=LIST_EXAMPLES,
        parents=[filters],
    )
    listing.set_defaults(handler=list_models)
    show = add_command(
        actions,
        common,
        "show",
        help="every field of one model",
        description="Shows every field the catalogue has for one model (--json: as JSON).",
        examples=["railwail models show flux-schnell", "railwail models show gpt-4o --json"],
    )
    show.add_argument("slug", metavar="SLUG", help="the model's slug, e.g. flux-schnell")
    show.set_defaults(handler=show_model)


def list_models(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.client() as rw:
        models = rw.models.list(
            category=getattr(args, "category", None),
            provider=getattr(args, "provider", None),
            featured=True if getattr(args, "featured", False) else None,
            page_size=100,
        )
        if ctx.as_json:
            for model in models:
                ctx.emit(model.model_dump(mode="json"))
            return 0
        rows = [row(model) for model in models]
    if not rows:
        ctx.note("No models match these filters.")
        return 0
    ctx.line(table(rows, ("slug", "name", "category", "provider", "price")))
    return 0


def show_model(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.client() as rw:
        model = rw.models.get(args.slug)
    entry = model.model_dump(mode="json")
    if ctx.as_json:
        ctx.emit(entry)
    else:
        ctx.line(table(list(flatten(entry)), None))
    return 0


def row(model: Model) -> tuple[str, str, str, str, str]:
    return (
        model.slug or model.id,
        model.name or "",
        model.category or "",
        model.owned_by or "",
        price(model),
    )


def price(model: Model) -> str:
    """What a call costs, in the catalogue's words: a fixed price and/or per 1k tokens."""
    pricing = model.pricing
    if pricing is None:
        return ""
    parts = []
    if pricing.credit_cost_fixed:
        parts.append(f"{pricing.credit_cost_fixed:g}")
    per_in, per_out = pricing.credit_cost_input_per_1k, pricing.credit_cost_output_per_1k
    if per_in or per_out:
        parts.append(f"{per_in or 0:g} in / {per_out or 0:g} out per 1k tokens")
    return " + ".join(parts) or "0"


def flatten(entry: dict[str, Any], prefix: str = "") -> Iterable[tuple[str, str]]:
    """(dotted field name, value) for every leaf; lists stay whole, as JSON."""
    for key, value in entry.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            yield from flatten(value, name + ".")
        elif isinstance(value, str):
            yield name, value
        else:
            yield name, json.dumps(value, ensure_ascii=False)
