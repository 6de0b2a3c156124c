"""``railwail emulator``: serve ``railwail.testing.FakeGateway`` on 127.0.0.1 until Ctrl-C."""

from __future__ import annotations

import argparse
import time

from ._common import Context, Subparsers, add_command
from ._errors import CLIError

DEFAULT_PORT = 8787


def register(subparsers: Subparsers, common: argparse.ArgumentParser, summary: str) -> None:
    parser = add_command(
        subparsers,
        common,
        "emulator",
        help=summary,
        description=(
            "Serves railwail.testing.FakeGateway on 127.0.0.1 until Ctrl-C: the gateway's API "
            "under /api/v1 with deterministic answers, real PNG images and the gateway's "
            "errors. Prints its base URL and key (with --json, one JSON object: url, origin, "
            "api_key) as soon as it listens. Only this machine can reach it."
        ),
        examples=[
            "railwail emulator",
            "railwail emulator --port 0 --json     # any free port; read the URL from stdout",
            "railwail emulator --key sk-test --rate-limit 10",
            "railwail emulator --rate-limit 20 --rate-window 2 --generation-delay 0.05",
        ],
    )
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"port on 127.0.0.1 (default {DEFAULT_PORT}; 0 picks a free one)",
    )
    parser.add_argument(
        "--key", metavar="KEY", help="the API key it accepts (default rw_test_emulator)"
    )
    parser.add_argument(
        "--rate-limit", type=int, metavar="N", help="requests per key per window before 429"
    )
    parser.add_argument(
        "--rate-window",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="length of a rate-limit window (default 60)",
    )
    parser.add_argument(
        "--generation-delay",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="how long each generation takes before it is answered (default 0)",
    )
    parser.add_argument(
        "--credits", type=float, metavar="N", help="starting balance (default: unlimited)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, ctx: Context) -> int:
    from railwail.testing import FakeGateway

    gateway = FakeGateway(
        api_keys=[args.key] if args.key is not None else None,
        rate_limit=args.rate_limit,
        rate_window=args.rate_window,
        generation_delay=args.generation_delay,
        credits=args.credits,
        port=args.port,
    )
    try:
        gateway.start()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise CLIError(
            f"cannot listen on 127.0.0.1:{args.port}: {reason}; "
            "choose another --port (0 picks a free one)"
        ) from None
    try:
        url, key = gateway.url, gateway.api_key
        if ctx.as_json:
            ctx.emit({"url": url, "origin": gateway.origin, "api_key": key})
        else:
            ctx.line(f"railwail emulator listening on {url}")
            ctx.line(f"  export RAILWAIL_BASE_URL={url}")
            ctx.line(f"  export RAILWAIL_API_KEY={key}")
            ctx.line(f'  curl -H "Authorization: Bearer {key}" {url}/models')
        ctx.note("Press Ctrl-C to stop.")
        while True:
            time.sleep(3600)  # Ctrl-C interrupts the sleep on every platform
    finally:
        gateway.stop()
        ctx.note("railwail emulator stopped.")
