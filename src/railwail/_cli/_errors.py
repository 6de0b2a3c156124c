"""Exit codes, and how an exception becomes one line on stderr and one of them."""

from __future__ import annotations

from railwail import (
    APIConnectionError,
    AuthenticationError,
    InsufficientCreditsError,
    MissingAPIKeyError,
    NotFoundError,
    PermissionDeniedError,
    RailwailError,
    RateLimitError,
)

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_AUTH = 3
EXIT_CREDITS = 4
EXIT_RATE_LIMITED = 5
EXIT_CONNECTION = 6
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for a command stopped by Ctrl-C


class CLIError(Exception):
    """An error the command reports itself: its message and the exit code it calls for."""

    def __init__(self, message: str, code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.code = code


def usage_error(message: str) -> CLIError:
    return CLIError(message, EXIT_USAGE)


def exit_code_for(exc: BaseException) -> int:
    """The exit code for an exception that ended a command."""
    if isinstance(exc, CLIError):
        return exc.code
    if isinstance(exc, KeyboardInterrupt):
        return EXIT_INTERRUPTED
    if isinstance(exc, AuthenticationError | PermissionDeniedError | MissingAPIKeyError):
        return EXIT_AUTH
    if isinstance(exc, InsufficientCreditsError):
        return EXIT_CREDITS
    if isinstance(exc, RateLimitError):
        return EXIT_RATE_LIMITED
    if isinstance(exc, APIConnectionError):  # timeouts included
        return EXIT_CONNECTION
    if isinstance(exc, RailwailError):
        return EXIT_ERROR
    # The SDK checks every argument before sending and raises these for a bad one: for a
    # command line, that is a usage error.
    if isinstance(exc, ValueError | TypeError):
        return EXIT_USAGE
    return EXIT_ERROR


# The SDK's advice where a command has its own: a shell user lists models with a command.
_MODELS_HINT = "Check the model slug; `railwail models` lists the available models"


def one_line(exc: BaseException) -> str:
    """The exception's message on one line (the SDK's messages say what to do next, in the
    command line's terms where they differ)."""
    if isinstance(exc, NotFoundError) and exc.hint == NotFoundError.hint:
        exc.hint = _MODELS_HINT
    text = " ".join(str(exc).split())
    return text or type(exc).__name__
