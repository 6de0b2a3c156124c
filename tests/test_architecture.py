"""The structure docs/architecture.md describes, held in place: each allowed value defined
once, and the client methods, ``run()``'s options and the request builders in step."""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from typing import Any

import pytest

from railwail import AsyncRailwail, Railwail, _allowed
from railwail._async_resources import AsyncModels
from railwail._requests import CallOptions, chat_request, embed_request, image_request
from railwail._resources import Models
from railwail._routing import ALL_OPTIONS, COMMON_OPTIONS, ROUTE_OPTIONS

BUILDERS: dict[str, Callable[..., Any]] = {
    "image": image_request,
    "chat": chat_request,
    "embed": embed_request,
}


def _keyword_only(func: Callable[..., Any]) -> dict[str, inspect.Parameter]:
    return {
        name: p
        for name, p in inspect.signature(func).parameters.items()
        if p.kind is inspect.Parameter.KEYWORD_ONLY
    }


# -- one source of truth for allowed values ------------------------------------------------


def test_every_runtime_tuple_is_its_literal() -> None:
    pairs = [
        (_allowed.CHAT_ROLES, _allowed.ChatRole),
        (_allowed.IMAGE_QUALITIES, _allowed.ImageQuality),
        (_allowed.IMAGE_STYLES, _allowed.ImageStyle),
        (_allowed.IMAGE_RESPONSE_FORMATS, _allowed.ImageResponseFormat),
        (_allowed.IMAGE_SIZES, _allowed.ImageSize),
        (_allowed.MODEL_CATEGORIES, _allowed.ModelCategory),
        (_allowed.ROUTES, _allowed.Route),
    ]
    for values, literal in pairs:
        assert values == typing.get_args(literal)
    assert "developer" in _allowed.CHAT_ROLES


def _uses(func: Callable[..., Any], parameter: str, literal: str) -> bool:
    """Whether ``parameter`` is annotated ``<literal> | None`` with the Literal of _allowed."""
    annotation = inspect.signature(func).parameters[parameter].annotation
    home = vars(inspect.getmodule(func))
    return bool(annotation == f"{literal} | None" and home[literal] is getattr(_allowed, literal))


@pytest.mark.parametrize("cls", [Railwail, AsyncRailwail])
def test_method_signatures_use_the_shared_literals(cls: type) -> None:
    assert _uses(cls.image, "quality", "ImageQuality")
    assert _uses(cls.image, "style", "ImageStyle")
    assert _uses(cls.image, "response_format", "ImageResponseFormat")
    assert _uses(cls.run, "type", "Route")


@pytest.mark.parametrize("cls", [Models, AsyncModels])
def test_catalogue_filter_uses_the_shared_categories(cls: type) -> None:
    assert _uses(cls.list, "category", "ModelCategory")


def test_chat_message_roles_are_the_shared_roles() -> None:
    from railwail.types import ChatMessage

    assert typing.get_type_hints(ChatMessage)["role"] == _allowed.ChatRole


# -- methods, builders and run() options in step ----------------------------------------------


@pytest.mark.parametrize("cls", [Railwail, AsyncRailwail])
@pytest.mark.parametrize("route", sorted(BUILDERS))
def test_methods_take_the_builders_keywords_plus_the_call_options(cls: type, route: str) -> None:
    method = getattr(cls, route)
    builder_options = set(_keyword_only(BUILDERS[route])) - {"options"}
    assert set(_keyword_only(method)) == builder_options | set(CallOptions.__dataclass_fields__)


@pytest.mark.parametrize("route", sorted(BUILDERS))
def test_run_options_are_the_methods_keywords_but_stream(route: str) -> None:
    method_options = set(_keyword_only(getattr(Railwail, route))) - {"stream"}
    assert ROUTE_OPTIONS[route] | COMMON_OPTIONS == method_options
    assert ROUTE_OPTIONS[route] <= ALL_OPTIONS


def test_run_refuses_stream_and_names_the_route_options(fake_key_client: Railwail) -> None:
    with pytest.raises(TypeError, match="unexpected keyword argument 'stream'"):
        fake_key_client.run("gpt-4o", "hi", stream=True)
    with pytest.raises(TypeError, match=r"options for image: .*negative_prompt"):
        fake_key_client.run("flux-schnell", "a cat", temperature=1)


@pytest.fixture
def fake_key_client() -> typing.Iterator[Railwail]:
    # No request is sent: every call here fails its checks first.
    with Railwail("rw_test_0123456789abcdefghij", base_url="http://127.0.0.1:9/api/v1") as rw:
        yield rw
