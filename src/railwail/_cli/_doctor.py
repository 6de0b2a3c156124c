"""``railwail doctor``: what this machine's setup is, and whether the gateway accepts the key."""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ._common import Context, Subparsers, add_command, mask, table
from ._errors import exit_code_for, one_line

if TYPE_CHECKING:
    import httpx

    from railwail import Railwail

PACKAGES = ("railwail", "httpx", "pydantic", "tenacity")
# What httpx (trust_env, its default) reads; urllib's rule: the lowercase name wins.
PROXY_VARS = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY")
CHECK_TIMEOUT = 30.0  # seconds, unless --timeout says otherwise: a check should not hang


def register(subparsers: Subparsers, common: argparse.ArgumentParser, summary: str) -> None:
    parser = add_command(
        subparsers,
        common,
        "doctor",
        help=summary,
        description=(
            "Shows the versions, base URL, key (masked) and where each comes from, proxy and "
            "CA settings, timeouts and retries; then makes one GET /models?limit=1 and reports "
            "its latency, status and rate-limit state. Exits 0 only when the gateway answered "
            "and accepted the key; otherwise says what to fix."
        ),
        examples=["railwail doctor", "railwail doctor --json | jq .check"],
    )
    parser.set_defaults(handler=run)


@dataclass
class Check:
    """The outcome of the live request."""

    ok: bool = False
    status: int | None = None
    latency_ms: float | None = None
    request_id: str | None = None
    rate_limit: dict[str, Any] | None = None
    error: str | None = None
    fix: str | None = None
    exit_code: int = 0


def run(args: argparse.Namespace, ctx: Context) -> int:
    key, key_source = ctx.key_origin()
    report: dict[str, Any] = {
        "versions": versions(),
        "python_executable": sys.executable,
        "base_url": {"value": None, "source": ctx.base_url_origin()},
        "api_key": {"masked": mask(key) if key else None, "source": key_source},
        "proxy": proxy_settings(),
        "ca": ca_settings(),
    }
    check = Check()
    try:
        client = ctx.client()
    except Exception as exc:  # no key, a bad option, an unreadable CA file...
        check.error = one_line(exc)
        check.fix = _no_key_fix() if key is None else check.error
        check.exit_code = exit_code_for(exc)
        report["base_url"]["value"] = ctx.base_url or os.environ.get("RAILWAIL_BASE_URL")
    else:
        with client:
            report["base_url"]["value"] = client.base_url
            report["timeout"] = timeout_settings(client.timeout)
            report["max_retries"] = client.max_retries
            check = live_check(client, ctx, key_source)
    report["check"] = {k: v for k, v in vars(check).items() if k != "exit_code"}
    report["ok"] = check.ok
    if ctx.as_json:
        ctx.emit(report)
    else:
        ctx.line(table(rows(report)))
    if check.ok:
        if not ctx.as_json:
            ctx.line("\nOK: the gateway answered and accepted the key.")
        return 0
    ctx.note(f"railwail: error: {check.fix or check.error}")
    return check.exit_code


def live_check(client: Railwail, ctx: Context, key_source: str) -> Check:
    """One ``GET /models?limit=1``, never retried: its latency, status and rate-limit state."""
    from railwail import APIConnectionError, APIError, RateLimit

    probe = client.with_options(
        max_retries=0, timeout=ctx.timeout if ctx.timeout is not None else CHECK_TIMEOUT
    )
    start = time.perf_counter()
    try:
        first = next(iter(probe.models.list(page_size=1)), None)
    except (APIError, APIConnectionError) as exc:
        check = Check(latency_ms=(time.perf_counter() - start) * 1e3, error=one_line(exc))
        check.exit_code = exit_code_for(exc)
        if isinstance(exc, APIError):
            check.status, check.request_id = exc.status, exc.request_id
            limit = RateLimit.from_headers({k.lower(): v for k, v in exc.headers.items()})
            check.rate_limit = _rate_limit(limit)
        check.fix = fix_for(exc, client.base_url, key_source)
        return check
    check = Check(ok=True, status=200, latency_ms=(time.perf_counter() - start) * 1e3)
    if first is not None:  # an empty catalogue still proves the key was accepted
        check.request_id = first.request_id
        check.rate_limit = _rate_limit(first.rate_limit)
    return check


def fix_for(exc: Exception, base_url: str, key_source: str) -> str:
    """What to do about the live check's failure, in one sentence."""
    from railwail import (
        APIConnectionError,
        APITimeoutError,
        AuthenticationError,
        InsufficientCreditsError,
        NotFoundError,
        PermissionDeniedError,
        RateLimitError,
        ServerError,
    )

    if isinstance(exc, AuthenticationError):
        return (
            f"the gateway refused the key from {key_source}: store a valid key with "
            "`railwail auth login` (keys are at https://railwail.com/settings)"
        )
    if isinstance(exc, PermissionDeniedError):
        return "the key may not list models: check its permissions at https://railwail.com/settings"
    if isinstance(exc, InsufficientCreditsError):
        return "the account is out of credits: buy some at https://railwail.com/billing"
    if isinstance(exc, RateLimitError):
        wait = f"{exc.retry_after:.0f} s" if exc.retry_after is not None else "a minute"
        return f"the key is rate limited: wait {wait} and run `railwail doctor` again"
    if isinstance(exc, NotFoundError):
        return f"{base_url} does not look like the gateway's API (404 on /models): check it"
    if isinstance(exc, ServerError):
        return f"the gateway failed ({exc.status}); try again later"
    if isinstance(exc, APITimeoutError):
        return f"no answer from {base_url} in time: check the network, proxy and --timeout"
    if isinstance(exc, APIConnectionError):
        return (
            f"cannot reach {base_url} ({exc.message}): check the network, the base URL and "
            "the proxy settings above"
        )
    return one_line(exc)


def _no_key_fix() -> str:
    return "no API key: run `railwail auth login`, set RAILWAIL_API_KEY or pass --api-key"


def _rate_limit(limit: Any) -> dict[str, Any] | None:
    if limit is None:
        return None
    reset = limit.reset.isoformat() if limit.reset is not None else None
    return {"limit": limit.limit, "remaining": limit.remaining, "reset": reset}


def versions() -> dict[str, str]:
    from importlib import metadata

    found = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def _masked_url(value: str) -> str:
    """A proxy URL with any user:password replaced (proxies often carry credentials)."""
    parts = urlsplit(value if "://" in value else "http://" + value)
    if parts.username is None and parts.password is None:
        return value
    host = parts.hostname or ""
    netloc = f"****@{host}" + (f":{parts.port}" if parts.port else "")
    return parts._replace(netloc=netloc).geturl()


def proxy_settings() -> dict[str, str]:
    """The proxy variables set, by the name httpx reads (lowercase first), values masked."""
    found = {}
    for name in PROXY_VARS:
        for variant in (name.lower(), name):
            value = os.environ.get(variant)
            if value:
                found[variant] = value if name == "NO_PROXY" else _masked_url(value)
                break
    return found


def ca_settings() -> dict[str, Any]:
    """Which CA certificates httpx verifies TLS with, and variables it ignores."""
    cert_file, cert_dir = os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR")
    ignored = [n for n in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE") if os.environ.get(n)]
    if cert_file:
        found: dict[str, Any] = {"source": "SSL_CERT_FILE", "path": cert_file}
        found["exists"] = os.path.isfile(cert_file)
    elif cert_dir:
        found = {"source": "SSL_CERT_DIR", "path": cert_dir, "exists": os.path.isdir(cert_dir)}
    else:
        import certifi

        found = {"source": "certifi", "path": certifi.where(), "exists": True}
    found["ignored"] = ignored
    return found


def timeout_settings(timeout: httpx.Timeout) -> dict[str, float | None]:
    return {
        "connect": timeout.connect,
        "read": timeout.read,
        "write": timeout.write,
        "pool": timeout.pool,
    }


def rows(report: dict[str, Any]) -> list[tuple[str, str]]:
    """The report as label/value rows for people."""
    ver = report["versions"]
    out = [(name, ver[name]) for name in PACKAGES]
    out.insert(1, ("Python", f"{ver['python']} ({report['python_executable']})"))
    base = report["base_url"]
    out.append(("base URL", f"{base['value'] or '(invalid)'} (from {base['source']})"))
    key = report["api_key"]
    out.append(("API key", f"{key['masked']} (from {key['source']})" if key["masked"] else "none"))
    proxies = report["proxy"]
    for name, value in proxies.items():
        out.append((name, f"{value} (honoured by httpx)"))
    if not proxies:
        out.append(("proxy", "none (httpx would honour HTTP(S)_PROXY, ALL_PROXY, NO_PROXY)"))
    ca = report["ca"]
    where = "certifi's bundle" if ca["source"] == "certifi" else f"from {ca['source']}"
    missing = "" if ca["exists"] else "  MISSING: fix or unset the variable"
    out.append(("CA certificates", f"{ca['path']} ({where}){missing}"))
    for name in ca["ignored"]:
        out.append((name, "set, but httpx ignores it: use SSL_CERT_FILE"))
    if "timeout" in report:
        t = report["timeout"]
        parts = [f"{k} {_seconds(t[k])}" for k in ("connect", "read", "write", "pool")]
        out.append(("timeout", ", ".join(parts)))
        out.append(("retries", str(report["max_retries"])))
    out += _check_rows(report["check"])
    return out


def _check_rows(check: dict[str, Any]) -> list[tuple[str, str]]:
    if check["status"] is None and check["latency_ms"] is None:
        return [("gateway", f"not checked: {check['error']}")]
    took = f"in {check['latency_ms']:.0f} ms"
    if check["ok"]:
        state = f"{check['status']} OK {took}"
    elif check["status"] is not None:
        state = f"{check['status']} {took}: {check['error']}"
    else:
        state = f"no answer ({took}): {check['error']}"
    if check["request_id"]:
        state += f" (request_id {check['request_id']})"
    out = [("GET /models", state)]
    limit = check["rate_limit"]
    if limit is not None:
        reset = f", resets {limit['reset']}" if limit["reset"] else ""
        out.append(("rate limit", f"{limit['remaining']} of {limit['limit']} left{reset}"))
    return out


def _seconds(value: float | None) -> str:
    return "none" if value is None else f"{value:g} s"
