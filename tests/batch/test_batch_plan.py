"""Planning a batch, without I/O: items checked (errors name the index and the field), the
hashes and idempotency keys, file names, and the budget."""

from __future__ import annotations

from typing import Any

import pytest

from railwail import BudgetExceededError
from railwail._batch_plan import (
    BatchItem,
    batch_identity,
    canonical_hash,
    check_budget,
    file_name,
    idempotency_key,
    index_width,
    plan_items,
    shared_options,
)

MODEL = "flux-schnell"


def plan(prompts: Any, **shared: Any) -> list[BatchItem]:
    return plan_items(MODEL, prompts, shared_options(MODEL, shared))


def test_strings_and_dicts_become_items_in_order() -> None:
    items = plan(
        [
            "a cat",
            {"prompt": "a dog", "size": "512x512", "n": 2, "name": "dog", "seed": 7},
            {"prompt": "a fox", "negative_prompt": None},  # None: not given
        ],
        size="256x256",
        quality="hd",
        extra_body={"seed": 1, "steps": 4},
    )
    assert [(i.index, i.prompt, i.name, i.n) for i in items] == [
        (0, "a cat", None, 1),
        (1, "a dog", "dog", 2),
        (2, "a fox", None, 1),
    ]
    assert items[0].kwargs == {
        "size": "256x256",
        "quality": "hd",
        "extra_body": {"seed": 1, "steps": 4},
    }
    # The item's own fields win over the shared ones; unknown keys join its extra_body.
    assert items[1].kwargs == {
        "size": "512x512",
        "quality": "hd",
        "n": 2,
        "extra_body": {"seed": 7, "steps": 4},
    }


def test_transport_options_are_passed_on_but_do_not_change_what_is_made() -> None:
    plain = plan(["a cat"])
    timed = plan(["a cat"], timeout=30, extra_headers={"X-Trace": "1"})
    assert timed[0].kwargs == {"timeout": 30, "extra_headers": {"X-Trace": "1"}}
    assert plain[0].hash == timed[0].hash
    assert batch_identity(MODEL, shared_options(MODEL, {"timeout": 30})) == batch_identity(
        MODEL, {}
    )


def test_the_item_hash_covers_the_body_and_query_sent() -> None:
    base = plan(["a cat"])[0].hash
    assert plan([{"prompt": "a cat"}])[0].hash == base  # the same request either way
    assert plan(["a cat"], extra_body={})[0].hash == base
    different = [
        plan(["a cat!"])[0].hash,
        plan(["a cat"], size="512x512")[0].hash,
        plan([{"prompt": "a cat", "style": "vivid"}])[0].hash,
        plan([{"prompt": "a cat", "seed": 1}])[0].hash,
        plan(["a cat"], extra_query={"region": "eu"})[0].hash,
        plan_items("dall-e-3", ["a cat"], {})[0].hash,
    ]
    assert base not in different
    assert len(set(different)) == len(different)
    # The file name is where the image goes, not what is made.
    assert plan([{"prompt": "a cat", "name": "kitty"}])[0].hash == base


def test_canonical_hash_ignores_key_order_only() -> None:
    assert canonical_hash({"a": 1, "b": [1, 2]}) == canonical_hash({"b": [1, 2], "a": 1})
    assert canonical_hash({"a": 1}) != canonical_hash({"a": "1"})
    assert len(canonical_hash({}, 40)) == 40


def test_batch_identity_is_the_model_and_what_the_shared_options_make() -> None:
    identity = batch_identity(MODEL, {"size": "256x256"})
    assert identity == batch_identity(MODEL, {"size": "256x256", "extra_headers": {"a": "b"}})
    assert identity != batch_identity(MODEL, {"size": "512x512"})
    assert identity != batch_identity("dall-e-3", {"size": "256x256"})
    assert len(identity) == 32


def test_idempotency_keys_depend_on_batch_directory_index_and_item() -> None:
    items = plan(["a cat", "a cat"])
    identity = batch_identity(MODEL, {})
    key = idempotency_key(identity, "salt1", items[0])
    assert key.startswith("rwb-")
    assert key == idempotency_key(identity, "salt1", plan(["a cat"])[0])  # stable across runs
    others = {
        idempotency_key(identity, "salt1", items[1]),  # same prompt, another item
        idempotency_key(identity, "salt2", items[0]),  # another directory
        idempotency_key(batch_identity(MODEL, {"n": 1}), "salt1", items[0]),
        idempotency_key(identity, "salt1", plan(["a dog"])[0]),
    }
    assert key not in others
    assert len(others) == 4


@pytest.mark.parametrize(
    ("prompts", "error", "message"),
    [
        ("a cat", TypeError, "prompts must be a list"),
        ({"prompt": "a cat"}, TypeError, "prompts must be a list"),
        (42, TypeError, "prompts must be a list"),
        ([], ValueError, "prompts is empty"),
        (["a cat", ""], ValueError, r"prompts\[1\]: prompt must be a non-empty string"),
        (["a cat", 3], TypeError, r"prompts\[1\] must be a prompt string or a dict"),
        ([{"size": "256x256"}], ValueError, r"prompts\[0\] has no 'prompt'"),
        ([{"prompt": "x", "model": "dall-e-3"}], ValueError, r"prompts\[0\]: 'model' is set"),
        ([{1: "x"}], TypeError, r"prompts\[0\] must be a dict with str keys"),
        (["ok", {"prompt": "x", "n": 9}], ValueError, r"prompts\[1\]: n must be an integer"),
        (["ok", {"prompt": "x", "size": "big"}], ValueError, r"prompts\[1\]: size must be"),
        ([{"prompt": "x", "style": "loud"}], ValueError, r"prompts\[0\]: style must be one of"),
        ([{"prompt": "x", "quality": 1}], ValueError, r"prompts\[0\]: quality must be one of"),
        ([{"prompt": "x", "name": 5}], TypeError, r"prompts\[0\]: 'name' must be a string"),
        ([{"prompt": "x", "name": "a/b"}], ValueError, r"prompts\[0\]: 'name' must be a file"),
        ([{"prompt": "x", "name": ".hidden"}], ValueError, r"prompts\[0\]: 'name' must be"),
        ([{"prompt": "x", "name": "x" * 121}], ValueError, r"prompts\[0\]: 'name' must be"),
        (
            [{"prompt": "x", "seed": object()}],
            TypeError,
            r"prompts\[0\]: a value is not JSON-serialisable",
        ),
        (
            [{"prompt": "x", "name": "same"}, {"prompt": "y", "name": "same.png"}],
            ValueError,
            r"prompts\[1\]: its file name 'same' is the name of prompts\[0\]'s file too",
        ),
        (
            ["a", {"prompt": "b", "name": "00000-a"}],
            ValueError,
            r"prompts\[1\]: its file name '00000-a'",
        ),
    ],
)
def test_bad_items_are_refused_naming_the_index_and_field(
    prompts: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        plan(prompts)


def test_a_generator_of_prompts_is_read_once() -> None:
    items = plan(f"prompt {i}" for i in range(3))
    assert [item.prompt for item in items] == ["prompt 0", "prompt 1", "prompt 2"]


@pytest.mark.parametrize(
    ("shared", "error", "message"),
    [
        ({"n": 0}, ValueError, "^n must be an integer from 1 to 4"),
        ({"size": 1024}, TypeError, "^size must be a string"),
        ({"timeout": -1}, ValueError, "^timeout must be a positive"),
        ({"timeout": None}, ValueError, "^timeout=None would wait forever"),  # as image()
        ({"extra_body": ["x"]}, TypeError, "^extra_body must be a mapping"),
        ({"extra_headers": {"a": 1}}, TypeError, "^extra_headers must be a mapping of str"),
    ],
)
def test_shared_options_are_checked_once_naming_the_option(
    shared: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        shared_options(MODEL, shared)


def test_the_model_is_checked() -> None:
    with pytest.raises(ValueError, match="model must be a non-empty model slug"):
        shared_options(" ", {})


def test_file_names() -> None:
    items = plan(
        [
            "A Red Fox, at dawn!",
            {"prompt": "two cats", "n": 2},
            {"prompt": "named", "name": "cover.PNG"},
            "日本の猫",
            "x" * 100,
        ]
    )
    width = index_width(len(items))
    assert [file_name(items[0], 0, 1, ".png", width)] == ["00000-a-red-fox-at-dawn.png"]
    assert [file_name(items[1], i, 2, ".jpg", width) for i in range(2)] == [
        "00001-two-cats-1.jpg",
        "00001-two-cats-2.jpg",
    ]
    # One image where two were asked for keeps the numbered name.
    assert file_name(items[1], 0, 1, ".png", width) == "00001-two-cats-1.png"
    assert file_name(items[2], 0, 1, ".webp", width) == "cover.webp"
    # A prompt with no ASCII words gets the SDK's placeholder word, as Image.save does.
    assert file_name(items[3], 0, 1, ".png", width) == "00003-image.png"
    assert file_name(items[4], 0, 1, ".png", width) == f"00004-{'x' * 40}.png"
    # More images than asked for are numbered too.
    assert file_name(items[0], 1, 2, ".png", width) == "00000-a-red-fox-at-dawn-2.png"


def test_index_width_keeps_names_in_order() -> None:
    assert index_width(1) == 5
    assert index_width(100_000) == 5
    assert index_width(100_001) == 6


def test_budget() -> None:
    assert check_budget(MODEL, 5, 10, None) == 50
    assert check_budget(MODEL, None, 10, None) is None
    assert check_budget(MODEL, 5, 10, 50) == 50
    with pytest.raises(BudgetExceededError) as info:
        check_budget(MODEL, 5, 10, 49.5)
    err = info.value
    assert isinstance(err, ValueError)
    assert (err.estimate, err.max_credits, err.images) == (50, 49.5, 10)
    assert str(err) == (
        "this batch would make 10 image(s) at 5 credits each with 'flux-schnell': about 50 "
        "credits, over max_credits=49.5. No image was requested; raise max_credits or make fewer "
        "images"
    )
    with pytest.raises(BudgetExceededError, match=r"no pricing\.credit_cost_fixed") as unknown:
        check_budget(MODEL, None, 3, 100)
    assert unknown.value.estimate is None
    assert "No image was requested" in str(unknown.value)
