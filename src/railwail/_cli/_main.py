"""The entry point: the parser, the commands it dispatches to, and how a run ends (exit codes,
one-line errors, Ctrl-C)."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Callable, Sequence

from ._common import Context, common_options, wrap
from ._errors import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_USAGE, exit_code_for, one_line

# One module per command, in the order `railwail --help` lists them, with the summary it shows;
# each module has `register(subparsers, common, summary)`. A new command is a module
# `_<name>.py` and a line here.
COMMANDS: dict[str, str] = {
    "image": "generate images and save them",
    "chat": "ask a text model; the answer streams to stdout",
    "run": "run any model: text, saved images or vectors",
    "embed": "embed texts: one JSON vector per line",
    "batch": "generate images for a file of prompts, within the rate limit, resumably",
    "models": "list the model catalogue, or show one model",
    "doctor": "check the setup and that the gateway accepts the key",
    "auth": "store, check or remove your API key",
    "emulator": "serve a local emulator of the gateway (for tests, curl, other languages)",
}
# Global options that take a value: the word after one is not a command's name.
_VALUE_OPTIONS = frozenset({"--api-key", "--base-url", "--timeout", "--max-retries"})

Handler = Callable[[argparse.Namespace, Context], int]

DESCRIPTION = """\
The railwail model gateway from a shell: images, chat, embeddings, the model catalogue, a \
setup check and a local emulator.

The key comes from --api-key, then RAILWAIL_API_KEY, then the key `railwail auth login` \
stored. Output is for people, or JSON with --json; errors are one line on stderr.

Exit codes: 0 ok, 1 other error, 2 usage, 3 authentication or permission, 4 insufficient \
credits, 5 rate limited, 6 connection or timeout, 130 interrupted (Ctrl-C)."""

EXAMPLES = """\
examples:
  railwail auth login
  railwail image "a lighthouse at dawn" -m flux-schnell
  railwail batch prompts.txt -m flux-schnell -o catalogue/
  git diff | railwail chat -m gpt-4o "review this"
  railwail models --category image
  railwail doctor

`railwail COMMAND --help` shows a command's options and an example."""


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The parser for ``argv``: only the command it names is built in full.

    Building every command's parser would cost every run several milliseconds, so the others
    get a stub that only lists them in ``--help``. When the first word is not a command name
    (a typo, or an abbreviated option before the command), every parser is built, so that
    argparse reports exactly what it would have.
    """
    common = common_options()
    parser = argparse.ArgumentParser(
        prog="railwail",
        parents=[common],
        description=wrap(DESCRIPTION),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    word = first_word(argv)
    for name, summary in COMMANDS.items():
        if word in (None, *COMMANDS) and name != word:
            subparsers.add_parser(name, help=summary, add_help=False)
        else:
            module = importlib.import_module(f"._{name}", __package__)
            module.register(subparsers, common, summary)
    return parser


def first_word(argv: Sequence[str]) -> str | None:
    """The first argument that is neither an option nor a global option's value."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg in _VALUE_OPTIONS:
            skip = True
        elif arg == "--" or not arg.startswith("-"):
            return arg
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Runs one command line and returns its exit code (``railwail`` calls ``sys.exit`` on it).

    Args:
        argv: The arguments after the program name; ``sys.argv[1:]`` when ``None``.
    """
    try:
        return _main(argv)
    except KeyboardInterrupt:
        # Ctrl-C: no traceback, no half-written file (files are written atomically), 130.
        return EXIT_INTERRUPTED


def _main(argv: Sequence[str] | None) -> int:
    arguments = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(arguments)
    args = parser.parse_args(arguments)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    ctx = Context.from_args(args)
    undo_logging = _debug_logging(ctx) if ctx.verbose else None
    try:
        return handler(args, ctx)
    except KeyboardInterrupt:
        raise
    except BrokenPipeError:
        # The reader went away (`railwail models | head -1`): stop quietly.
        _silence_stdout()
        return EXIT_ERROR
    except Exception as exc:
        if ctx.verbose:
            import traceback

            traceback.print_exc(file=ctx.stderr)
        ctx.note(f"railwail: error: {one_line(exc)}")
        return exit_code_for(exc)
    finally:
        if undo_logging is not None:
            undo_logging()


def _silence_stdout() -> None:
    """Points stdout at /dev/null, so that Python's flush at exit does not complain again
    about the closed pipe."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


def _debug_logging(ctx: Context) -> Callable[[], None]:
    """Sends the SDK's debug log (one line per attempt, secrets redacted) to stderr."""
    logger = logging.getLogger("railwail")
    handler = logging.StreamHandler(ctx.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)

    def undo() -> None:
        logger.removeHandler(handler)
        logger.setLevel(level)

    return undo
