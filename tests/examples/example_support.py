"""Helpers shared by the tests of examples/ (imported by name: this directory is on sys.path
when pytest collects it)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

from railwail.testing import FakeGateway

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
# Seconds: an example that hangs fails its test instead of blocking CI. A script here runs in
# well under a second on the emulator.
SUBPROCESS_TIMEOUT = 20
_PROXY_VARS = {"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"}

RunExample = Callable[..., subprocess.CompletedProcess[str]]


def example_env(gateway: FakeGateway | None, config_dir: Path) -> dict[str, str]:
    """The environment a user's shell would give the script: the gateway's URL and key (or
    no key at all), and none of this machine's railwail or proxy settings."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("RAILWAIL_") and name.upper() not in _PROXY_VARS
    }
    env["RAILWAIL_CONFIG_DIR"] = str(config_dir)  # empty: no key stored by `auth login`
    if gateway is not None:
        env["RAILWAIL_BASE_URL"] = gateway.url
        env["RAILWAIL_API_KEY"] = gateway.api_key
    return env
