"""Which endpoint answers a request: a table of (method, path pattern, handler) entries.

The answers for a path no entry matches (404) and for a method no entry of a matched path
takes (405, with ``Allow``) come from the same table, so adding an endpoint is one entry.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from ._handlers import Outcome
from ._records import RecordedRequest
from ._replies import GatewayError


@dataclass(frozen=True)
class Call:
    """What a handler is given.

    Attributes:
        request: The request as it arrived.
        params: The path's ``{name}`` segments, URL-decoded.
        body: The JSON object a POST carried (``{}`` for other methods).
        origin: The emulator's origin, for URLs in answers (``http://127.0.0.1:<port>``).
    """

    request: RecordedRequest
    params: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] = field(default_factory=dict)
    origin: str = ""


Handler = Callable[[Call], Outcome]


@dataclass(frozen=True)
class Endpoint:
    """One row of the table: ``pattern`` is a path below ``/api/v1`` in which ``{name}``
    matches one path segment. A POST endpoint is idempotent by key and charged for."""

    method: str
    pattern: str
    handler: Handler


def _compile(pattern: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", pattern)
    # re.split alternates literal text and parameter names.
    regex = "".join(
        re.escape(part) if i % 2 == 0 else f"(?P<{part}>[^/]+)" for i, part in enumerate(parts)
    )
    return re.compile(regex)


class Router:
    """Finds the endpoint for a method and path, or says why there is none."""

    def __init__(self, endpoints: Iterable[Endpoint]) -> None:
        self._routes = [(endpoint, _compile(endpoint.pattern)) for endpoint in endpoints]

    def match(self, method: str, path: str, shown: str) -> tuple[Endpoint, dict[str, str]]:
        """The endpoint for ``method`` on ``path`` (below ``/api/v1``) and its parameters.

        Raises:
            GatewayError: 404 when no endpoint has the path, 405 (with ``Allow``) when none
                of those that have it takes the method. ``shown`` is the path in messages.
        """
        allowed: list[str] = []
        for endpoint, regex in self._routes:
            found = regex.fullmatch(path)
            if found is None:
                continue
            if endpoint.method == method:
                return endpoint, {k: unquote(v) for k, v in found.groupdict().items()}
            allowed.append(endpoint.method)
        if allowed:
            message = f"Method {method} not allowed on {shown}"
            raise GatewayError(405, message, headers={"Allow": ", ".join(allowed)})
        raise GatewayError(404, f"No route for {shown}")
