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


def configure_from_env() -> None:
    """Applies ``RAILWAIL_LOG=debug|info`` once: sets the level and adds a stderr handler."""
    global _configured
    if _configured:
        return
    _configured = True
    level = os.environ.get(ENV_LOG, "").strip().lower()
    if level not in ("debug", "info"):
        return
    logger.setLevel(logging.DEBUG if level == "debug" else logging.INFO)
    if not any(isinstance(h, logging.StreamHandler) for h in logger.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        logger.addHandler(handler)


def redact(headers: Mapping[str, str]) -> dict[str, str]:
    return {k: ("<redacted>" if k.lower() in SENSITIVE_HEADERS else v) for k, v in headers.items()}
