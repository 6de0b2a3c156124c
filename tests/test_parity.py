"""The sync and async twins expose the same methods with the same signatures."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from railwail import AsyncRailwail, Railwail
from railwail._async_resources import AsyncModelPager, AsyncModels
from railwail._resources import ModelPager, Models
from railwail._streaming import AsyncChatStream, ChatStream

# Names that differ by design: async closing and reading carry an "a".
RENAMES = {"close": "aclose", "read": "aread", "save": "asave"}
SYNC_ONLY = {"__enter__", "__exit__", "__iter__"}
# close(): AsyncRailwail's alias of aclose(), as openai's async client has (tests/test_surface.py).
ASYNC_ONLY = {"__aenter__", "__aexit__", "__aiter__", "close"}

# Methods that do no I/O stay plain functions on the async twin too.
NO_IO = {"with_options", "text"}

PAIRS = [
    (Railwail, AsyncRailwail),
    (Models, AsyncModels),
    (ModelPager, AsyncModelPager),
    (ChatStream, AsyncChatStream),
]


def _public(cls: type) -> dict[str, Any]:
    return {
        name: member
        for name, member in inspect.getmembers(cls)
        if (not name.startswith("_") or name in SYNC_ONLY | ASYNC_ONLY)
        and name not in ("__class__",)
        and (inspect.isfunction(member) or isinstance(member, property))
    }


def _normalise(annotation: object) -> str:
    text = str(annotation)
    for word in (
        "AsyncChatStream",
        "AsyncModelPager",
        "AsyncModels",
        "AsyncRailwail",
        "AsyncIterator",
    ):
        text = text.replace(word, word.removeprefix("Async"))
    return text.replace("httpx.AsyncClient", "httpx.Client").replace("Awaitable[", "[")


def _signature(func: Any) -> list[tuple[str, object, str, str]]:
    sig = inspect.signature(func)
    return [
        (p.name, p.kind, repr(p.default), _normalise(p.annotation)) for p in sig.parameters.values()
    ] + [("return", None, "", _normalise(sig.return_annotation))]


@pytest.mark.parametrize(("sync_cls", "async_cls"), PAIRS, ids=lambda c: c.__name__)
def test_same_public_methods(sync_cls: type, async_cls: type) -> None:
    sync_names = {RENAMES.get(n, n) for n in _public(sync_cls)} - SYNC_ONLY
    async_names = set(_public(async_cls)) - ASYNC_ONLY
    assert sync_names == async_names


@pytest.mark.parametrize(("sync_cls", "async_cls"), PAIRS, ids=lambda c: c.__name__)
def test_same_signatures(sync_cls: type, async_cls: type) -> None:
    sync_members = _public(sync_cls)
    async_members = _public(async_cls)
    for name, member in sync_members.items():
        if name in SYNC_ONLY or isinstance(member, property):
            continue
        twin = async_members[RENAMES.get(name, name)]
        assert _signature(member) == _signature(twin), name


@pytest.mark.parametrize(("sync_cls", "async_cls"), PAIRS, ids=lambda c: c.__name__)
def test_async_twins_are_coroutines_or_async_iterators(sync_cls: type, async_cls: type) -> None:
    for name, member in _public(async_cls).items():
        if isinstance(member, property) or name in ASYNC_ONLY:
            continue
        sync_twin = _public(sync_cls)[{v: k for k, v in RENAMES.items()}.get(name, name)]
        returned = str(inspect.signature(member).return_annotation)
        returns_iterator = "Iterator" in returned or "Pager" in returned
        if name in NO_IO or returns_iterator:
            assert not inspect.iscoroutinefunction(member), name
            continue
        assert not inspect.iscoroutinefunction(sync_twin), name
        assert inspect.iscoroutinefunction(member), f"{async_cls.__name__}.{name} must be async"


def test_constructors_match() -> None:
    assert _signature(Railwail.__init__) == _signature(AsyncRailwail.__init__)


def test_factory_takes_the_client_options() -> None:
    from railwail import railwail

    factory = [p[:3] for p in _signature(railwail)]
    init = [p[:3] for p in _signature(Railwail.__init__)[1:]]  # without self
    assert factory[:-1] == init[:-1]
