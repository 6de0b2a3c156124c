"""The public surface: railwail and railwail.types, each with a complete, sorted __all__.
What ``import railwail`` does (nothing): tests/test_config.py."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import railwail
import railwail.types


@pytest.mark.parametrize("module", [railwail, railwail.types], ids=lambda m: m.__name__)
def test_all_is_sorted_unique_and_resolvable(module: object) -> None:
    names = module.__all__  # type: ignore[attr-defined]
    assert names == sorted(names)
    assert len(names) == len(set(names))
    for name in names:
        assert getattr(module, name) is not None, name


def test_all_lists_every_public_name() -> None:
    public = {
        name
        for name in vars(railwail)
        if not name.startswith(("_", "@"))  # "@py_builtins": pytest's assertion rewriting
        and name
        not in ("annotations", "httpx", "Mapping", "TYPE_CHECKING", "Any", "types", "testing")
    }
    assert public <= set(railwail.__all__)


def test_types_reexported_from_the_top_level_are_the_same_objects() -> None:
    for name in set(railwail.__all__) & set(railwail.types.__all__):
        assert getattr(railwail, name) is getattr(railwail.types, name)


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        railwail.Nope  # noqa: B018 - the attribute access is the test


def test_every_other_module_is_private() -> None:
    public_modules = {"railwail.types", "railwail.testing"}
    for info in pkgutil.walk_packages(railwail.__path__, "railwail."):
        leaf = info.name.rsplit(".", 1)[-1]
        if info.name in public_modules or info.name.startswith("railwail.testing."):
            continue
        assert leaf.startswith("_"), f"{info.name} should be private (_name)"


def test_version_is_a_string() -> None:
    assert isinstance(railwail.__version__, str)
    assert railwail.__version__.count(".") == 2
    assert importlib.import_module("railwail._version").__version__ == railwail.__version__
