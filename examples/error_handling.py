"""Error handling done right: generate an image, sit out a rate limit the SDK's own retries
did not absorb, and turn every other failure into one clear line and an exit code.

    export RAILWAIL_API_KEY=rw_live_...        # or: railwail auth login
    python examples/error_handling.py "A lighthouse at dawn" [model] [output-dir]

Exit codes: 0 saved (the path is printed), 1 any other error, 2 a bad argument, 3 the key was
refused, 4 not enough credits, 5 still rate limited, 6 no answer from the gateway.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from railwail import (
    APIConnectionError,
    AuthenticationError,
    InsufficientCreditsError,
    MissingAPIKeyError,
    NotFoundError,
    PermissionDeniedError,
    Railwail,
    RailwailError,
    RateLimitError,
    railwail,
)

# The longest rate-limit wait this script sits through, and how often it tries in all.
MAX_WAIT = 90.0
ATTEMPTS = 3


def seconds_to_wait(err: RateLimitError, attempt: int) -> float:
    """What the gateway asked for: Retry-After, else the end of the window, else a backoff."""
    if err.retry_after is not None:
        return err.retry_after
    if err.reset is not None:
        return max(0.0, (err.reset - datetime.now(UTC)).total_seconds())
    return 2.0**attempt


def generate(rw: Railwail, model: str, prompt: str, out_dir: Path) -> Path:
    """Makes one image and saves it into out_dir, waiting out rate limits within reason."""
    attempt = 1
    while True:
        try:
            images = rw.run(model, prompt, type="image")
            return images.save_all(out_dir)[0]
        except RateLimitError as err:
            # The SDK has already retried (max_retries) and slept any Retry-After of up to
            # 60 s. What reaches this point is a window that stayed full, or a longer wait.
            wait = seconds_to_wait(err, attempt)
            if attempt >= ATTEMPTS or wait > MAX_WAIT:
                raise
            print(
                f"rate limited: waiting {wait:.0f} s (request_id={err.request_id})", file=sys.stderr
            )
            time.sleep(wait)
            attempt += 1


def fail(code: int, message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


def main(argv: list[str]) -> int:
    prompt = argv[0] if argv else "A lighthouse at dawn"
    model = argv[1] if len(argv) > 1 else "flux-schnell"
    out_dir = Path(argv[2]) if len(argv) > 2 else Path("output")
    # Every message below is the SDK's own: it says what happened and what to do, and never
    # contains the key. Nothing here retries what the SDK already retried.
    try:
        with railwail() as rw:
            path = generate(rw, model, prompt, out_dir)
    except MissingAPIKeyError as err:  # a ValueError too: caught before the one below
        return fail(3, str(err))
    except ValueError as err:  # a bad argument, refused before anything was sent
        return fail(2, str(err))
    except (AuthenticationError, PermissionDeniedError) as err:
        return fail(3, str(err))
    except InsufficientCreditsError as err:
        return fail(4, str(err))
    except RateLimitError as err:
        return fail(5, str(err))
    except NotFoundError as err:
        if err.suggestions:  # a misspelled model: the catalogue's closest slugs
            return fail(1, f"no model {model!r}; try {', '.join(err.suggestions)}")
        return fail(1, str(err))
    except APIConnectionError as err:  # timeouts included, after the SDK's retries
        return fail(6, str(err))
    except RailwailError as err:  # a server error after retries, an unreadable answer...
        return fail(1, str(err))
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
