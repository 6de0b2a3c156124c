"""What every command shares: the global options, the client they configure, where the key and
the base URL come from, stdin, and printing for people or as JSON."""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

from railwail import __version__

from .. import _credentials
from .._allowed import IMAGE_COUNT, IMAGE_QUALITIES, IMAGE_SIZES, IMAGE_STYLES
from ._errors import EXIT_AUTH, EXIT_USAGE, CLIError, usage_error

if TYPE_CHECKING:
    from railwail import Railwail

ENV_API_KEY = "RAILWAIL_API_KEY"
ENV_BASE_URL = "RAILWAIL_BASE_URL"
DEFAULT_BASE_URL = "https://railwail.com/api/v1"

log = logging.getLogger("railwail.cli")

# argparse's own type for the object add_subparsers() returns is private.
Subparsers = Any


def common_options() -> argparse.ArgumentParser:
    """The options every command accepts, before or after its name.

    Their defaults are SUPPRESS so that a subcommand's parser (which repeats them) does not
    overwrite a value given before the subcommand's name with its own default.
    """
    parser = argparse.ArgumentParser(add_help=False, argument_default=argparse.SUPPRESS)
    group = parser.add_argument_group("global options")
    group.add_argument(
        "--api-key",
        metavar="KEY",
        help="API key (default: RAILWAIL_API_KEY, then the key `railwail auth login` stored)",
    )
    group.add_argument(
        "--base-url",
        metavar="URL",
        help=f"gateway URL (default: RAILWAIL_BASE_URL, then {DEFAULT_BASE_URL})",
    )
    group.add_argument(
        "--timeout", type=float, metavar="SECONDS", help="timeout of each attempt, in seconds"
    )
    group.add_argument(
        "--max-retries", type=int, metavar="N", help="retries after a failure (default 2)"
    )
    group.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    group.add_argument(
        "-v",
        "--verbose",
        action="count",
        help="log each request on stderr (the key redacted) and show tracebacks",
    )
    group.add_argument("--version", action="version", version=f"railwail {__version__}")
    return parser


def add_image_options(parser: argparse.ArgumentParser, *, count: str, leave_out: str) -> None:
    """The generation options `image` and `batch` share; the values allowed are the SDK's,
    which checks them before anything is sent (``count`` and ``leave_out``: the help of -n
    and of --negative-prompt, which differ between the two)."""
    low, high = IMAGE_COUNT
    parser.add_argument("-n", type=int, metavar="N", help=f"{count}, {low}-{high} (default 1)")
    parser.add_argument(
        "--size",
        metavar="WxH",
        help=f"WIDTHxHEIGHT; documented: {', '.join(IMAGE_SIZES)} (default 1024x1024)",
    )
    parser.add_argument("--quality", metavar="QUALITY", help=" or ".join(IMAGE_QUALITIES))
    parser.add_argument("--style", metavar="STYLE", help=" or ".join(IMAGE_STYLES))
    parser.add_argument("--negative-prompt", metavar="TEXT", help=leave_out)


def add_command(
    subparsers: Subparsers,
    common: argparse.ArgumentParser,
    name: str,
    *,
    help: str,
    description: str,
    examples: Sequence[str],
    parents: Sequence[argparse.ArgumentParser] = (),
) -> argparse.ArgumentParser:
    """A subcommand's parser, with the global options and an example per line in its help."""
    epilog = "examples:\n" + "\n".join(f"  {line}" for line in examples)
    parser: argparse.ArgumentParser = subparsers.add_parser(
        name,
        parents=[common, *parents],
        help=help,
        description=wrap(description),
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    return parser


def wrap(text: str) -> str:
    """Paragraphs filled to the terminal's width, as argparse would (its raw formatter, which
    keeps the examples' lines as written, would not wrap them)."""
    width = max(40, min(shutil.get_terminal_size().columns - 2, 98))
    return "\n\n".join(textwrap.fill(p, width) for p in text.split("\n\n"))


def mask(key: str) -> str:
    """The key as ``repr(client)`` shows it: at most its last four characters."""
    return "****" + key[-4:] if len(key) >= 20 else "****"


def table(rows: Sequence[Sequence[Any]], headers: Sequence[str] | None = None) -> str:
    """Rows laid out by tabulate: under ``headers``, or as plain label/value columns.

    Imported here, not at the top: only the commands that print a table pay for it.
    """
    try:
        from tabulate import tabulate
    except ImportError:  # a dependency of railwail: only a broken install lacks it
        raise CLIError(
            "this command prints tables with the tabulate package, which is missing; "
            "reinstall railwail or run: pip install tabulate"
        ) from None
    if headers is None:
        return tabulate(rows, tablefmt="plain", disable_numparse=True)
    return tabulate(rows, headers=headers, tablefmt="simple", disable_numparse=True)


@dataclass
class Context:
    """The global options of one invocation and the streams it uses."""

    api_key: str | None = None
    base_url: str | None = None
    timeout: float | None = None
    max_retries: int | None = None
    as_json: bool = False
    verbose: int = 0
    stdin: TextIO | None = None
    stdout: TextIO = sys.stdout
    stderr: TextIO = sys.stderr

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Context:
        return cls(
            api_key=getattr(args, "api_key", None),
            base_url=getattr(args, "base_url", None),
            timeout=getattr(args, "timeout", None),
            max_retries=getattr(args, "max_retries", None),
            as_json=getattr(args, "json", False),
            verbose=getattr(args, "verbose", 0) or 0,
            stdin=sys.stdin,
            stdout=sys.stdout,
            stderr=sys.stderr,
        )

    # -- configuration ----------------------------------------------------------------------

    def key_origin(self) -> tuple[str | None, str]:
        """(the key, where it comes from), in the order the SDK resolves it."""
        if self.api_key is not None:
            return self.api_key, "--api-key"
        env = os.environ.get(ENV_API_KEY)
        if env is not None:
            return env, ENV_API_KEY
        key, path = _credentials.read_key()
        return key, _credentials.source_label(path)

    def base_url_origin(self) -> str:
        if self.base_url is not None:
            return "--base-url"
        if os.environ.get(ENV_BASE_URL):
            return ENV_BASE_URL
        return "default"

    def client(self, **overrides: Any) -> Railwail:
        """A client configured by the global options (``overrides`` win over them)."""
        from railwail import MissingAPIKeyError, Railwail

        options: dict[str, Any] = {"api_key": self.api_key, "base_url": self.base_url}
        if self.timeout is not None:
            options["timeout"] = self.timeout
        if self.max_retries is not None:
            options["max_retries"] = self.max_retries
        options.update(overrides)
        try:
            client = Railwail(**options)
        except MissingAPIKeyError as exc:
            raise CLIError(self._missing_key(str(exc)), EXIT_AUTH) from None
        except (ValueError, TypeError) as exc:
            raise CLIError(str(exc), EXIT_USAGE) from None
        log.debug("client: %r", client)  # repr masks the key and says where it came from
        return client

    def _missing_key(self, message: str) -> str:
        """The SDK's error for a missing or empty key, in the command's terms where it speaks
        of the SDK's argument: ``--api-key`` rather than ``api_key=``. (An empty
        RAILWAIL_API_KEY or stored key keeps the SDK's message, which names it.)"""
        if self.api_key is not None:  # --api-key was given, and is blank
            return (
                "--api-key is empty: pass the key itself, or leave --api-key out to use "
                f"{ENV_API_KEY} or the key `railwail auth login` stored"
            )
        path = _credentials.key_path()
        if message != _credentials.missing_key_message(ENV_API_KEY, path):
            return message
        return _credentials.missing_key_message(ENV_API_KEY, path, pass_as="--api-key KEY")

    # -- input ------------------------------------------------------------------------------

    def piped_stdin(self) -> str | None:
        """Everything on stdin when it is not a terminal, else ``None``."""
        stdin = self.stdin
        if stdin is None or stdin.closed or stdin.isatty():
            return None
        return stdin.read()

    def prompt(self, given: str | None) -> str:
        """PROMPT as given, or read from stdin when it is ``-``, or absent with stdin piped."""
        if given is not None and given != "-":
            return given
        if given == "-":
            text = self.stdin.read() if self.stdin is not None else ""
        else:
            piped = self.piped_stdin()
            if piped is None:
                raise usage_error("PROMPT is required: pass it as an argument or pipe it on stdin")
            text = piped
        if not text.strip():
            raise usage_error("PROMPT is required, and stdin was empty")
        return text.strip()

    # -- output -----------------------------------------------------------------------------

    def line(self, text: str = "") -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()

    def emit(self, obj: Any) -> None:
        """One JSON document on one line of stdout."""
        self.line(json.dumps(obj, ensure_ascii=False, default=str))

    def note(self, text: str) -> None:
        """A message for the person at the terminal, on stderr (stdout stays data)."""
        self.stderr.write(text + "\n")
        self.stderr.flush()
