"""Planning an image batch, with no I/O: every item checked by the image request builder before
anything is sent, the hashes that identify the batch and each item, the idempotency keys
derived from them, the file names items are saved under, and the budget estimate.

- The batch's identity is a hash of the model and the options given for every item (``n``,
  ``size``, ``quality``, ``style``, ``negative_prompt``, ``response_format``, ``extra_body``,
  ``extra_query``); ``timeout`` and ``extra_headers`` change how a request travels, not what
  it makes, and are left out.
- An item's hash covers what the gateway is sent for it: the JSON body (the model, the
  merged options and the item's own fields) and the query.
- Its ``Idempotency-Key`` is a hash of the batch identity, the directory's salt (see
  ``_batch_manifest``), its index and its hash: the same item of the same batch in the same
  directory is sent with the same key in every run, so a request that was in flight when a
  run died is answered from the gateway's idempotency records instead of being charged again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ._batch_errors import BudgetExceededError
from ._call_options import CallOptions, call_options
from ._files import prompt_slug
from ._requests import image_request
from ._utils import NOT_GIVEN

# The image() options an item's dict may set for itself (checked like image()'s arguments);
# any other key but "prompt" and "name" goes to the item's extra_body.
ITEM_OPTIONS = ("n", "size", "quality", "style", "negative_prompt", "response_format")
_KNOWN_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".gif", ".avif")
MAX_NAME = 120


def canonical_hash(obj: Any, length: int = 16) -> str:
    """A short sha256 of ``obj`` as canonical JSON (sorted keys, no spaces)."""
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


@dataclass(frozen=True, slots=True)
class BatchItem:
    """One item of a batch, checked: what to send for it and where its files go."""

    index: int
    prompt: str
    name: str | None
    # The arguments of image() for this item, but model, prompt and idempotency_key.
    kwargs: dict[str, Any] = field(repr=False)
    hash: str
    # The images asked for (the gateway's default is 1): for the budget and file names.
    n: int = 1


def shared_options(model: str, options: Mapping[str, Any]) -> dict[str, Any]:
    """The image() options given for every item, checked once (an error names the option,
    not an item), without those left out.

    Raises:
        TypeError: An option has the wrong type.
        ValueError: An option is out of range.
    """
    given = {k: v for k, v in options.items() if v is not None and k != "timeout"}
    checked = call_options(
        options.get("timeout", NOT_GIVEN),
        given.get("extra_headers"),
        given.get("extra_query"),
        given.get("extra_body"),
    )
    image_request(
        model,
        "checking the options",
        **{k: v for k, v in given.items() if k in ITEM_OPTIONS},
        options=checked,
    )
    if checked.timeout is not None:
        given["timeout"] = options["timeout"]
    return given


def batch_identity(model: str, shared: Mapping[str, Any]) -> str:
    """The hash that names a batch: the model and what the shared options make."""
    made = {k: v for k, v in shared.items() if k not in ("timeout", "extra_headers")}
    return canonical_hash({"model": model, "options": made}, 32)


def idempotency_key(identity: str, salt: str, item: BatchItem) -> str:
    """The key every run sends item ``item`` of this batch in this directory with."""
    return "rwb-" + canonical_hash([identity, salt, item.index, item.hash], 40)


def plan_items(
    model: str, prompts: Iterable[str | Mapping[str, Any]], shared: Mapping[str, Any]
) -> list[BatchItem]:
    """Every item of ``prompts`` checked and described, in order.

    Raises:
        TypeError: ``prompts`` is a string or not iterable, or an item (or field) has the
            wrong type; the message names the item's index and the field.
        ValueError: An item has no prompt, a field out of range, or a file name another item
            has too; the message names the index and the field.
    """
    if isinstance(prompts, str | bytes | Mapping) or not isinstance(prompts, Iterable):
        raise TypeError(
            "prompts must be a list (or other iterable) of prompt strings or of dicts with a "
            f"'prompt'; got {type(prompts).__name__}"
        )
    options = CallOptions(
        extra_headers=shared.get("extra_headers"),
        extra_query=shared.get("extra_query"),
    )
    items = [_item(model, index, raw, shared, options) for index, raw in enumerate(prompts)]
    if not items:
        raise ValueError("prompts is empty: pass at least one prompt")
    _check_names(items)
    return items


def _item(
    model: str,
    index: int,
    raw: object,
    shared: Mapping[str, Any],
    options: CallOptions,
) -> BatchItem:
    where = f"prompts[{index}]"
    if isinstance(raw, str):
        fields: dict[str, Any] = {"prompt": raw}
    elif isinstance(raw, Mapping):
        if not all(isinstance(k, str) for k in raw):
            raise TypeError(f"{where} must be a dict with str keys")
        fields = {k: v for k, v in raw.items() if v is not None}
        if "prompt" not in fields:
            raise ValueError(f"{where} has no 'prompt'")
        if "model" in fields:
            raise ValueError(f"{where}: 'model' is set for the whole batch, not per item")
    else:
        raise TypeError(
            f"{where} must be a prompt string or a dict with a 'prompt'; got {type(raw).__name__}"
        )
    prompt = fields.pop("prompt")
    name = _check_name(fields.pop("name", None), where)
    own = {k: fields.pop(k) for k in ITEM_OPTIONS if k in fields}
    kwargs = {**{k: v for k, v in shared.items() if k in ITEM_OPTIONS}, **own}
    extra_body = {**(shared.get("extra_body") or {}), **fields} or None
    try:
        spec = image_request(
            model,
            prompt,
            **kwargs,
            options=CallOptions(
                extra_headers=options.extra_headers,
                extra_query=options.extra_query,
                extra_body=extra_body,
            ),
        )
        digest = canonical_hash({"body": spec.json, "query": spec.params})
    except (TypeError, ValueError) as exc:
        # json.dumps names no field: say which value could not be sent.
        detail = str(exc)
        if "JSON serializable" in detail:
            detail = f"a value is not JSON-serialisable ({detail}); extra fields must be JSON"
        raise type(exc)(f"{where}: {detail}") from None
    for key in ("timeout", "extra_headers", "extra_query"):
        if key in shared:
            kwargs[key] = shared[key]
    if extra_body:
        kwargs["extra_body"] = extra_body
    return BatchItem(
        index=index,
        prompt=prompt,
        name=name,
        kwargs=kwargs,
        hash=digest,
        n=kwargs.get("n", 1),
    )


def _check_name(name: object, where: str) -> str | None:
    if name is None:
        return None
    if not isinstance(name, str):
        raise TypeError(f"{where}: 'name' must be a string; got {type(name).__name__}")
    stem = name
    if stem.lower().endswith(_KNOWN_SUFFIXES):
        stem = stem.rsplit(".", 1)[0]  # the extension comes from the image's bytes
    if (
        not stem.strip()
        or stem.startswith(".")
        or any(c in stem for c in "/\\\0")
        or len(stem) > MAX_NAME
    ):
        raise ValueError(
            f"{where}: 'name' must be a file name without a directory, not starting with '.', "
            f"at most {MAX_NAME} characters; got {name!r}"
        )
    return stem


def _check_names(items: list[BatchItem]) -> None:
    width = index_width(len(items))
    seen: dict[str, int] = {}
    for item in items:
        for image in range(item.n):
            name = file_name(item, image, item.n, "", width)
            other = seen.setdefault(name, item.index)
            if other != item.index:
                raise ValueError(
                    f"prompts[{item.index}]: its file name {name!r} is the name of "
                    f"prompts[{other}]'s file too; give the items different 'name's"
                )


def index_width(count: int) -> int:
    """Digits of the index in default file names: names sort in item order."""
    return max(5, len(str(count - 1)))


def file_name(item: BatchItem, image: int, count: int, suffix: str, width: int) -> str:
    """The name image ``image`` (from 0) of ``count`` made for ``item`` is saved under: the
    item's ``name``, or its index and the first words of its prompt (``00042-a-red-fox``);
    ``-1``, ``-2``... when the item makes several images; then ``suffix``."""
    stem = item.name
    if stem is None:
        # The prompt's words as every saved image of the SDK names them (_files.prompt_slug).
        stem = f"{item.index:0{width}d}-{prompt_slug(item.prompt)}"
    if max(count, item.n) > 1:
        stem = f"{stem}-{image + 1}"
    return stem + suffix


def check_budget(
    model: str, price: float | None, images: int, max_credits: float | None
) -> float | None:
    """The estimate of what making ``images`` images costs; raises when it is over
    ``max_credits`` or cannot be made although a budget was given.

    Raises:
        BudgetExceededError: The estimate is over ``max_credits``, or the catalogue gives no
            fixed price for ``model`` to estimate from.
    """
    estimate = None if price is None else price * images
    if max_credits is None:
        return estimate
    if estimate is None:
        raise BudgetExceededError(
            f"max_credits={max_credits:g} cannot be checked: the catalogue gives no "
            f"pricing.credit_cost_fixed for {model!r}. No image was requested; leave "
            "max_credits out to run anyway",
            estimate=None,
            max_credits=max_credits,
            images=images,
        )
    if estimate > max_credits:
        raise BudgetExceededError(
            f"this batch would make {images} image(s) at {price:g} credits each with "
            f"{model!r}: about {estimate:g} credits, over max_credits={max_credits:g}. No image "
            "was requested; raise max_credits or make fewer images",
            estimate=estimate,
            max_credits=max_credits,
            images=images,
        )
    return estimate
