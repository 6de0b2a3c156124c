"""The structure docs/architecture.md describes, held in place: each allowed value defined
once; the client methods, ``run()``'s options and the request builders in step; and an
import graph without cycles in which each layer imports only the layers below it."""

from __future__ import annotations

import ast
import inspect
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import railwail
import railwail.types
from railwail import AsyncRailwail, Railwail, _allowed
from railwail._async_resources import AsyncModels
from railwail._call_options import CallOptions
from railwail._options import ChatOptions, CommonOptions, EmbedOptions, ImageOptions, RunOptions
from railwail._requests import chat_request, embed_request, image_request
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
        (_allowed.RUN_TYPES, _allowed.RunType),
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
    assert _uses(cls.run, "type", "RunType")


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


OPTION_TYPES = {"image": ImageOptions, "chat": ChatOptions, "embed": EmbedOptions}


@pytest.mark.parametrize("route", sorted(BUILDERS))
def test_run_option_types_are_the_route_options(route: str) -> None:
    # The TypedDicts that type run()'s **options (for mypy) list what run() accepts at run time.
    hints = typing.get_type_hints(OPTION_TYPES[route])
    assert set(hints) == ROUTE_OPTIONS[route] | COMMON_OPTIONS
    # The response types are imported for type checking only: resolved from railwail.types.
    method = typing.get_type_hints(getattr(Railwail, route), localns=vars(railwail.types))
    assert {name: method[name] for name in hints} == hints  # the same types as the method's
    assert set(typing.get_type_hints(RunOptions)) == ALL_OPTIONS
    assert set(typing.get_type_hints(CommonOptions)) == COMMON_OPTIONS


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


# -- the import graph: no cycles, and each layer imports only the layers below it ------------

PACKAGE_DIR = Path(railwail.__file__).parent

# docs/architecture.md draws these layers. A module imports modules of its own layer or of
# lower ones, never of a higher one (same-layer imports must not form a cycle either).
LAYERS: dict[int, set[str]] = {
    0: {"_version", "_constants", "_allowed", "_utils", "_exceptions", "_headers", "_files"}
    | {"_logging", "_credentials", "_display", "_tls", "_batch_manifest", "_batch_errors"}
    | {"_decoding", "_secrets", "_sse"},
    1: {"_requests", "_call_options", "_routing", "_retry", "_run", "_config", "_error_mapping"}
    | {"_download", "_options", "_hints", "_deadline", "_image_data"}
    | {"_batch_plan", "_batch_governor", "_batch_engine", "_batch_result", "_batch_progress"},
    2: {"_base_client"},
    3: {"_async_api_client", "_api_client"},
    4: {"_models", "_embeddings", "_image", "_image_response", "_streaming", "types"},
    5: {"_async_client", "_client", "_async_endpoints", "_endpoints"}
    | {"_async_resources", "_resources"}
    | {"_async_batch", "_batch", "_batch_runners"},
    6: {"__init__"},
    7: {"testing"},  # the emulator and its pytest plugin: railwail.testing.*
    8: {"_cli", "__main__"},  # the command line: railwail._cli.*, python -m railwail
}


def _layer(module: str) -> int:
    parts = module.split(".")
    name = parts[1] if len(parts) > 1 else "__init__"
    for layer, names in LAYERS.items():
        if name in names:
            return layer
    raise AssertionError(f"{module} is in no layer: add it to LAYERS and docs/architecture.md")


def _module_names(root: Path, package: str) -> dict[str, Path]:
    names = {}
    for path in sorted(root.rglob("*.py")):
        parts = [package, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


class _Imports(ast.NodeVisitor):
    """Every import a module runs: at module level and inside functions and methods, but not
    under ``if TYPE_CHECKING:`` (which never runs)."""

    def __init__(self, module: str, is_package: bool, known: set[str]) -> None:
        self.package = module if is_package else module.rpartition(".")[0]
        self.known = known
        self.found: set[str] = set()

    def visit_If(self, node: ast.If) -> None:
        if _is_type_checking(node.test):
            for child in node.orelse:
                self.visit(child)
        else:
            self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            base = self.package.split(".")
            base = base[: len(base) - (node.level - 1)]
            target = ".".join([*base, *([node.module] if node.module else [])])
        else:
            target = node.module or ""
        for alias in node.names:
            # `from . import types` imports the module railwail.types.
            submodule = f"{target}.{alias.name}"
            self._add(submodule if submodule in self.known else target)

    def _add(self, target: str) -> None:
        if target in self.known:
            self.found.add(target)


def import_graph(root: Path, package: str) -> dict[str, set[str]]:
    """Module -> the package's modules it imports when it runs."""
    modules = _module_names(root, package)
    graph = {}
    for module, path in modules.items():
        visitor = _Imports(module, path.name == "__init__.py", set(modules))
        visitor.visit(ast.parse(path.read_text(), str(path)))
        graph[module] = visitor.found - {module}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as ``[a, b, ..., a]``, or ``None``."""
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> list[str] | None:
        if module in path:
            return [*path[path.index(module) :], module]
        if module in done:
            return None
        for target in sorted(graph[module]):
            cycle = visit(target, [*path, module])
            if cycle:
                return cycle
        done.add(module)
        return None

    for module in sorted(graph):
        cycle = visit(module, [])
        if cycle:
            return cycle
    return None


def test_the_package_has_no_import_cycle() -> None:
    cycle = find_cycle(import_graph(PACKAGE_DIR, "railwail"))
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_every_module_imports_only_its_own_layer_or_lower() -> None:
    upward = [
        f"{module} (layer {_layer(module)}) imports {target} (layer {_layer(target)})"
        for module, targets in import_graph(PACKAGE_DIR, "railwail").items()
        for target in sorted(targets)
        if _layer(target) > _layer(module)
    ]
    assert upward == []


def test_every_module_belongs_to_a_layer() -> None:
    # Also one that imports nothing of the package and that nothing imports yet.
    for module in _module_names(PACKAGE_DIR, "railwail"):
        assert _layer(module) in LAYERS, module


def test_the_graph_sees_imports_inside_functions_but_not_type_checking_ones() -> None:
    graph = import_graph(PACKAGE_DIR, "railwail")
    # An image without an open client downloads through a client of its own (the I/O layer).
    assert "railwail._api_client" in graph["railwail._image"]
    # Inside AsyncEndpoints.chat(); at module level it imports _models only for type checking.
    assert "railwail._models" in graph["railwail._async_endpoints"]
    assert "railwail._models" not in graph["railwail._async_api_client"]
    # `from . import types` inside railwail.__getattr__ is an import of the module.
    assert "railwail.types" in graph["railwail"]


def test_a_cycle_is_found_and_named(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "_a.py").write_text("from ._b import thing\n")
    (package / "_b.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from . import _a  # not a cycle: never runs\n"
        "def thing():\n    from ._c import other\n"
    )
    (package / "_c.py").write_text("def other():\n    from pkg import _a\n")
    graph = import_graph(package, "pkg")
    assert find_cycle(graph) == ["pkg._a", "pkg._b", "pkg._c", "pkg._a"]
    (package / "_c.py").write_text("")
    assert find_cycle(import_graph(package, "pkg")) is None


# -- modules stay small ------------------------------------------------------------------------

# docs/architecture.md: a module past this is split along a seam a reader would expect (a
# client file, for one, moves a group of endpoints to a module of its own).
MAX_MODULE_LINES = 400


def long_modules(root: Path, package: str) -> list[str]:
    """``railwail._x (412 lines)`` for each module of the package over ``MAX_MODULE_LINES``,
    generated twins included (each is a module a reader opens)."""
    return [
        f"{module} ({count} lines)"
        for module, path in _module_names(root, package).items()
        if (count := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    ]


def test_no_module_is_over_400_lines() -> None:
    long = long_modules(PACKAGE_DIR, "railwail")
    assert long == [], f"over {MAX_MODULE_LINES} lines, split (docs/architecture.md): {long}"


def test_a_long_module_is_named(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "_short.py").write_text("x = 1\n" * MAX_MODULE_LINES)
    (package / "sub" / "_long.py").write_text("x = 1\n" * (MAX_MODULE_LINES + 1))
    assert long_modules(package, "pkg") == [f"pkg.sub._long ({MAX_MODULE_LINES + 1} lines)"]
