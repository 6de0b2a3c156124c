"""The command line's pure parts, in-process: exit codes, argument parsing, file names and
output formatting."""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path

import pytest

from railwail import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    InsufficientCreditsError,
    NotFoundError,
    PermissionDeniedError,
    RailwailError,
    RateLimitError,
    ResponseValidationError,
    ServerError,
    UnsupportedModelError,
)
from railwail._cli import _chat, _doctor, _files, _main, _models
from railwail._cli._common import mask, wrap
from railwail._cli._errors import CLIError, exit_code_for, one_line


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (AuthenticationError("bad key", status=401), 3),
        (PermissionDeniedError("no", status=403), 3),
        (InsufficientCreditsError("poor", status=402), 4),
        (RateLimitError("slow down", status=429), 5),
        (APIConnectionError("refused"), 6),
        (APITimeoutError("timed out"), 6),
        (NotFoundError("no model", status=404), 1),
        (BadRequestError("bad", status=400), 1),
        (ServerError("boom", status=502), 1),
        (ResponseValidationError("junk"), 1),
        (UnsupportedModelError("video"), 1),  # a ValueError too, but the SDK's own first
        (RailwailError("closed"), 1),
        (ValueError("n must be 1-4"), 2),
        (TypeError("wrong type"), 2),
        (OSError("disk full"), 1),
        (RuntimeError("bug"), 1),
        (KeyboardInterrupt(), 130),
        (CLIError("custom", 4), 4),
        (CLIError("default"), 1),
    ],
)
def test_exit_codes(exc: BaseException, code: int) -> None:
    assert exit_code_for(exc) == code


def test_python_dash_m_runs_main() -> None:
    # `python -m railwail` itself runs in the subprocess tests; here, what it calls.
    import railwail._cli
    from railwail import __main__

    assert __main__.main is railwail._cli.main


def test_one_line() -> None:
    assert one_line(ValueError("first\n  second\tthird ")) == "first second third"
    assert one_line(KeyError()) == "KeyError"


@pytest.mark.parametrize(
    ("argv", "word"),
    [
        ([], None),
        (["--version"], None),
        (["image", "x"], "image"),
        (["--api-key", "image", "chat"], "chat"),
        (["--base-url=http://h", "-v", "doctor"], "doctor"),
        (["--timeout", "3", "--max-retries", "1", "models", "show"], "models"),
        (["--json", "typo"], "typo"),
        (["--", "image"], "--"),
    ],
)
def test_first_word(argv: list[str], word: str | None) -> None:
    assert _main.first_word(argv) == word


def test_only_the_named_command_gets_a_full_parser() -> None:
    stubs = _main.build_parser(["--version"])
    with pytest.raises(SystemExit):  # the stub knows none of image's options
        stubs.parse_args(["image", "a cat", "-m", "flux-schnell"])
    full = _main.build_parser(["image"]).parse_args(["image", "a cat", "-m", "flux-schnell"])
    assert (full.prompt, full.model, full.n, full.output) == ("a cat", "flux-schnell", None, None)
    # An unknown first word builds everything, so that argparse answers as it always would.
    everything = _main.build_parser(["--api", "k", "chat"])
    args = everything.parse_args(["--api", "k", "chat", "-m", "gpt-4o", "hi"])
    assert (args.api_key, args.model, args.prompt) == ("k", "gpt-4o", "hi")


def test_global_options_are_absent_unless_given() -> None:
    parser = _main.build_parser(["chat"])
    args = parser.parse_args(["--json", "chat", "-m", "m", "--timeout", "2"])
    assert (args.json, args.timeout) == (True, 2.0)
    assert not hasattr(args, "api_key")  # SUPPRESS: the subcommand did not reset it
    assert isinstance(args.handler, type(_chat.run))


def test_every_command_module_registers_with_its_summary() -> None:
    parser = _main.build_parser(["no-such-command"])
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert list(sub.choices) == list(_main.COMMANDS)
    for name, summary in _main.COMMANDS.items():
        listed = next(a for a in sub._choices_actions if a.dest == name)
        assert listed.help == summary
        assert "examples:\n  railwail " in (sub.choices[name].epilog or "")


# -- files ----------------------------------------------------------------------------------------

WHEN = datetime(2025, 1, 2, 3, 4, 5)


@pytest.mark.parametrize(
    ("model", "index", "count", "stem"),
    [
        ("flux-schnell", 1, 1, "flux-schnell-20250102-030405"),
        ("flux-schnell", 2, 3, "flux-schnell-20250102-030405-2"),
        ("black-forest-labs/flux:dev", 1, 1, "flux-dev-20250102-030405"),
        ("../..", 1, 1, "image-20250102-030405"),
    ],
)
def test_default_stem(model: str, index: int, count: int, stem: str) -> None:
    assert _files.default_stem(model, WHEN, index, count) == stem


def test_is_directory(tmp_path: Path) -> None:
    assert _files.is_directory(None)
    assert _files.is_directory(str(tmp_path))
    assert _files.is_directory("not-yet/")
    assert not _files.is_directory(str(tmp_path / "file.png"))


# -- formatting -----------------------------------------------------------------------------------


def test_user_message() -> None:
    assert _chat.user_message("review", "diff\n") == "review\n\ndiff"
    assert _chat.user_message("-", "only stdin") == "only stdin"
    assert _chat.user_message(" hi ", None) == "hi"
    with pytest.raises(CLIError):
        _chat.user_message(None, "  ")


def test_price() -> None:
    from railwail import Model

    def price(pricing: dict[str, float] | None) -> str:
        return _models.price(Model.model_validate({"id": "m", "pricing": pricing}))

    assert price(None) == ""
    assert price({"credit_cost_fixed": 0}) == "0"
    assert price({"credit_cost_fixed": 4}) == "4"
    assert price({"credit_cost_input_per_1k": 0.5}) == "0.5 in / 0 out per 1k tokens"


def test_flatten() -> None:
    entry = {"a": "x", "b": {"c": 1, "d": {"e": [1, "two"]}}, "f": {}, "g": None}
    assert list(_models.flatten(entry)) == [
        ("a", "x"),
        ("b.c", "1"),
        ("b.d.e", '[1, "two"]'),
        ("f", "{}"),
        ("g", "null"),
    ]


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("http://proxy:3128", "http://proxy:3128"),
        ("http://user:pw@proxy:3128", "http://****@proxy:3128"),
        ("socks5://user@proxy", "socks5://****@proxy"),
        ("user:pw@proxy:8080", "http://****@proxy:8080"),
    ],
)
def test_proxy_credentials_are_masked(value: str, shown: str) -> None:
    assert _doctor._masked_url(value) == shown


def test_mask() -> None:
    assert mask("rw_live_0123456789abcdefWXYZ") == "****WXYZ"
    assert mask("short") == "****"


def test_wrap_fills_each_paragraph(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "42")
    text = wrap("word " * 20 + "\n\nsecond paragraph")
    first, second = text.split("\n\n")
    assert max(len(line) for line in first.splitlines()) <= 40
    assert second == "second paragraph"
