"""``railwail auth login | status | logout``: the key stored in the user's config directory."""

from __future__ import annotations

import argparse
import os
from typing import Any

from .. import _credentials
from ._common import ENV_API_KEY, Context, Subparsers, add_command, mask
from ._errors import EXIT_AUTH, CLIError, exit_code_for, one_line, usage_error

WHERE = (
    "The key is stored in railwail's config directory (RAILWAIL_CONFIG_DIR, else "
    "$XDG_CONFIG_HOME/railwail or ~/.config/railwail; %APPDATA%\\railwail on Windows; "
    "~/Library/Application Support/railwail on macOS), readable by you only (mode 0600). "
    "--api-key and RAILWAIL_API_KEY take precedence over it, in the CLI and in the library."
)


def register(subparsers: Subparsers, common: argparse.ArgumentParser, summary: str) -> None:
    parser = add_command(
        subparsers,
        common,
        "auth",
        help=summary,
        description=WHERE,
        examples=["railwail auth login", "railwail auth status", "railwail auth logout"],
    )
    parser.set_defaults(handler=lambda args, ctx: _help(parser, ctx))
    actions = parser.add_subparsers(dest="action", metavar="ACTION", title="actions")
    login_parser = add_command(
        actions,
        common,
        "login",
        help="store a key (asked for with a hidden prompt)",
        description=(
            "Asks for the key with a hidden prompt (or reads it from stdin with --with-token), "
            "checks it against the gateway with one GET /models?limit=1, and stores it. " + WHERE
        ),
        examples=["railwail auth login", "printenv MY_KEY | railwail auth login --with-token"],
    )
    login_parser.add_argument(
        "--with-token", action="store_true", help="read the key from stdin instead of a prompt"
    )
    login_parser.add_argument(
        "--no-verify", action="store_true", help="store the key without asking the gateway"
    )
    login_parser.set_defaults(handler=login)
    status_parser = add_command(
        actions,
        common,
        "status",
        help="which key is used and where it comes from (masked)",
        description="Says which key commands use and where it comes from, without the key.",
        examples=["railwail auth status", "railwail auth status --json"],
    )
    status_parser.set_defaults(handler=status)
    logout_parser = add_command(
        actions,
        common,
        "logout",
        help="remove the stored key",
        description="Deletes the stored key file (RAILWAIL_API_KEY, if set, is not touched).",
        examples=["railwail auth logout"],
    )
    logout_parser.set_defaults(handler=logout)


def _help(parser: argparse.ArgumentParser, ctx: Context) -> int:
    parser.print_help(ctx.stderr)
    return 2


def read_key(ctx: Context, with_token: bool) -> str:
    """The key from stdin (``--with-token``) or from a hidden prompt on the terminal."""
    if with_token:
        text = ctx.stdin.read() if ctx.stdin is not None else ""
    else:
        if ctx.stdin is None or not ctx.stdin.isatty():
            raise usage_error(
                "stdin is not a terminal, so the key cannot be asked for: pipe it into "
                "`railwail auth login --with-token`"
            )
        import getpass

        text = getpass.getpass("railwail API key (input hidden): ")
    key = text.strip()
    if not key:
        raise usage_error("no key was given; create one at https://railwail.com/settings")
    if any(c.isspace() for c in key):
        raise usage_error("the key must be a single word without spaces or line breaks")
    return key


def login(args: argparse.Namespace, ctx: Context) -> int:
    key = read_key(ctx, args.with_token)
    if not args.no_verify:
        with ctx.client(api_key=key) as rw:
            try:
                next(iter(rw.models.list(page_size=1)), None)
            except Exception as exc:
                message = f"{one_line(exc)} (the key was not stored)"
                raise CLIError(message, exit_code_for(exc)) from None
    path = _credentials.write_key(key)
    if ctx.as_json:
        ctx.emit({"stored": True, "path": path, "key": mask(key), "verified": not args.no_verify})
    else:
        checked = "" if args.no_verify else ", accepted by the gateway,"
        ctx.line(f"Stored the key {mask(key)}{checked} in {path} (readable by you only).")
    if os.environ.get(ENV_API_KEY) is not None:
        ctx.note(f"Note: {ENV_API_KEY} is set in this environment and is used before it.")
    return 0


def status(args: argparse.Namespace, ctx: Context) -> int:
    key, source = ctx.key_origin()
    path = _credentials.key_path()
    stored = os.path.exists(path)
    loose = _credentials.loose_permissions(path)
    report: dict[str, Any] = {
        "key": mask(key) if key else None,
        "source": source if key is not None else None,
        "stored_key_file": path,
        "stored": stored,
    }
    if ctx.as_json:
        ctx.emit(report | {"mode": f"{loose:04o}" if loose is not None else None})
    elif key:
        ctx.line(f"Using the key {mask(key)} from {source}.")
        ctx.line(f"Stored key: {path}" if stored else f"No key is stored at {path}.")
    if loose is not None:
        ctx.note(f"Warning: {path} can be read by others (mode {loose:04o}); run: chmod 600 {path}")
    if key is None or not key.strip():
        problem = f"the key from {source} is empty" if key is not None else "no key is configured"
        fix = f"run `railwail auth login`, set {ENV_API_KEY} or pass --api-key"
        ctx.note(f"railwail: error: {problem}: {fix}")
        return EXIT_AUTH
    return 0


def logout(args: argparse.Namespace, ctx: Context) -> int:
    removed, path = _credentials.delete_key()
    if ctx.as_json:
        ctx.emit({"removed": removed, "path": path})
    else:
        ctx.line(f"Removed the stored key {path}." if removed else f"No key was stored at {path}.")
    if os.environ.get(ENV_API_KEY) is not None:
        ctx.note(f"Note: {ENV_API_KEY} is still set in this environment.")
    return 0
