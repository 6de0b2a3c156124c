"""The ``railwail`` logger: silent unless ``RAILWAIL_LOG`` says otherwise; never logs secrets."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

from ._constants import ENV_LOG

logger = logging.getLogger("railwail")
logger.addHandler(logging.NullHandler())

SENSITIVE_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "api-key", "x-api-key", "cookie", "set-cookie"}
)
_configured = False


LOG_LEVELS = ("debug", "info")
_OFF = ("", "off")  # the default, said out loud


def configure_from_env() -> None:
    """Applies ``RAILWAIL_LOG`` once. ``debug`` and ``info`` both set the ``railwail`` logger's
    level and add a handler that writes to stderr (unless it already has a stream handler):
    ``debug`` logs every attempt and retry wait; ``info`` only what ``image_batch`` did to
    files (and warnings), no request lines. ``off`` (or unset) leaves logging off; any other
    value is not ignored in silence: it warns, naming the values allowed."""
    global _configured
    if _configured:
        return
    _configured = True
    raw = os.environ.get(ENV_LOG, "")
    level = raw.strip().lower()
    if level not in LOG_LEVELS:
        if level not in _OFF:
            import warnings

            warnings.warn(
                f"{ENV_LOG}={raw!r} is not a value railwail knows; use debug, info or off "
                "(logging stays off)",
                UserWarning,
                stacklevel=3,
            )
        return
    logger.setLevel(logging.DEBUG if level == "debug" else logging.INFO)
    if not any(isinstance(h, logging.StreamHandler) for h in logger.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        logger.addHandler(handler)


def redact(headers: Mapping[str, str]) -> dict[str, str]:
    return {k: ("<redacted>" if k.lower() in SENSITIVE_HEADERS else v) for k, v in headers.items()}


def log_retry(attempt: int, failure: str, delay: float) -> None:
    """``attempt 1 failed: 503; retrying in 0.5 s``, at DEBUG."""
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug("attempt %d failed: %s; retrying in %.1f s", attempt, failure, delay)
