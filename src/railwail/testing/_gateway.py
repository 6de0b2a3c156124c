"""`FakeGateway`: the public face of the emulator (lifecycle, request log, faults)."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from types import TracebackType
from typing import Any, Literal

from ._core import Core
from ._faults import DROP_WHEN, Fault, check_common
from ._records import RecordedRequest
from ._server import QuietServer


class FakeGateway:
    """A local, in-process emulator of the railwail gateway's HTTP API.

    It listens on 127.0.0.1, answers `/api/v1` like the gateway does (models, images,
    chat, embeddings) with deterministic results, logs every request and can be told to
    misbehave on purpose. Use it as a context manager or with `start()` / `stop()`.

    Args:
        api_keys: Keys accepted as `Authorization: Bearer <key>`; None accepts only
            `DEFAULT_API_KEY`.
        credits: Starting balance; None means unlimited. Generations cost the model's
            `pricing.credit_cost_fixed` (times `n` for images, at least 1 for chat and
            embeddings); a request that cannot be paid gets 402.
        rate_limit: Requests per key per window before 429; None reports a limit of 60 in
            the headers without enforcing it.
        rate_window: The length of a rate-limit window in seconds (default 60, as the
            gateway's). A shorter one, such as 2.0, lets tests of pacing run in seconds.
        generation_delay: Seconds each performed POST (a generation) takes before its answer
            is sent, as a model at work would; 0 answers at once. Idempotent replays are
            answered at once.
        host: Interface to bind; keep the loopback default.
        port: Port to bind; 0 picks a free one.
    """

    DEFAULT_API_KEY = "rw_test_emulator"

    def __init__(
        self,
        *,
        api_keys: Iterable[str] | None = None,
        credits: float | None = None,
        rate_limit: int | None = None,
        rate_window: float = 60.0,
        generation_delay: float = 0.0,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        keys = [self.DEFAULT_API_KEY] if api_keys is None else list(api_keys)
        if isinstance(api_keys, str) or not keys or not all(isinstance(k, str) and k for k in keys):
            raise ValueError("api_keys must be an iterable of non-empty strings")
        if credits is not None and (isinstance(credits, bool) or not credits >= 0):
            raise ValueError(f"credits must be a number >= 0 or None, got {credits!r}")
        if rate_limit is not None and (
            isinstance(rate_limit, bool) or not isinstance(rate_limit, int) or rate_limit < 1
        ):
            raise ValueError(f"rate_limit must be an int >= 1 or None, got {rate_limit!r}")
        for name, value, low in (
            ("rate_window", rate_window, 0.01),
            ("generation_delay", generation_delay, 0.0),
        ):
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not (low <= value <= 3600)
            ):
                raise ValueError(
                    f"{name} must be a number of seconds from {low:g} to 3600, got {value!r}"
                )
        self._host = host
        self._port = port
        self._stopping = threading.Event()
        self._server: QuietServer | None = None
        self._lifecycle = threading.Lock()
        self._core = Core(
            keys,
            credits,
            rate_limit,
            lambda: self.origin,
            self._stopping,
            rate_window=float(rate_window),
            generation_delay=float(generation_delay),
        )

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> FakeGateway:
        """Bind and serve in a background thread (no-op if already running)."""
        with self._lifecycle:
            if self._server is None:
                self._stopping.clear()
                server = QuietServer((self._host, self._port), self._core.handle, self._on_error)
                server.start()
                self._server = server
        return self

    def stop(self) -> None:
        """Stop serving, hang up on open connections and free the port (idempotent)."""
        with self._lifecycle:
            server, self._server = self._server, None
            if server is not None:
                self._stopping.set()  # wakes handlers waiting in an injected delay
                server.close()

    def __enter__(self) -> FakeGateway:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = self.origin if self._server is not None else "stopped"
        return f"<FakeGateway {state}>"

    def _on_error(self) -> None:
        self._core.count_error()

    # --- addresses and state ---------------------------------------------------------------

    @property
    def origin(self) -> str:
        """`http://127.0.0.1:<port>` while running."""
        if self._server is None:
            raise RuntimeError("FakeGateway is not running: call start() or use 'with'")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def url(self) -> str:
        """The base URL to give a client: `<origin>/api/v1`."""
        return self.origin + "/api/v1"

    @property
    def api_key(self) -> str:
        """The first accepted API key."""
        return self._core.api_keys[0]

    @property
    def credits(self) -> float | None:
        """The current balance (None = unlimited)."""
        return self._core.credits

    @property
    def errors(self) -> int:
        """How many unexpected failures the emulator itself hit (should stay 0)."""
        return self._core.errors

    @property
    def charges(self) -> dict[str, int]:
        """How many times each POST was performed and charged for, by its `Idempotency-Key`
        (`""` for requests sent without one). Replays are not counted: a value above 1 means
        the same request was paid for twice. A copy; `reset()` clears it."""
        return self._core.charge_counts()

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of every request received so far, oldest first."""
        return self._core.snapshot()

    def requests_to(self, path_suffix: str) -> list[RecordedRequest]:
        """The logged requests whose path ends with `path_suffix`."""
        return [r for r in self.requests if r.path.endswith(path_suffix)]

    def reset(self) -> None:
        """Clear the log, faults, rate windows, idempotency records, charges and errors; refill
        credits."""
        self._core.reset()

    # --- fault injection -------------------------------------------------------------------

    def fail(
        self,
        status: int,
        *,
        times: int = 1,
        path: str | None = None,
        headers: dict[str, str] | None = None,
        body: str | bytes | None = None,
        json: Any = None,
    ) -> None:
        """Answer the next `times` matching requests with `status`.

        Args:
            status: HTTP status, 100..599.
            times: How many requests this applies to.
            path: Only requests whose path ends with this; None matches all.
            headers: Extra response headers (they override the defaults).
            body: Raw body (str is UTF-8 encoded); default is the gateway's error body.
            json: A JSON-serialisable body instead of `body`.
        """
        if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
            raise ValueError(f"status must be an int in 100..599, got {status!r}")
        check_common(times, path)
        if body is not None and json is not None:
            raise ValueError("pass either body or json, not both")
        raw = body.encode() if isinstance(body, str) else body
        fault = Fault("fail", times, path, status=status, headers=headers, body=raw, json=json)
        self._core.faults.add(fault)

    def delay(self, seconds: float, *, times: int = 1, path: str | None = None) -> None:
        """Wait `seconds` before answering the next `times` matching requests normally."""
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
            raise ValueError(f"seconds must be a number >= 0, got {seconds!r}")
        check_common(times, path)
        self._core.faults.add(Fault("delay", times, path, seconds=float(seconds)))

    def drop(
        self,
        *,
        when: Literal["before_response", "mid_body"] = "before_response",
        times: int = 1,
        path: str | None = None,
    ) -> None:
        """Hang up on the next `times` matching requests.

        `"before_response"` closes the connection without answering (the request is not
        processed). `"mid_body"` processes the request, sends the headers with the full
        Content-Length and half of the body, then closes.
        """
        if when not in DROP_WHEN:
            raise ValueError(f"when must be one of {', '.join(DROP_WHEN)}, got {when!r}")
        check_common(times, path)
        kind: Literal["drop_before", "drop_mid"]
        kind = "drop_before" if when == "before_response" else "drop_mid"
        self._core.faults.add(Fault(kind, times, path))

    def malformed_json(self, *, times: int = 1, path: str | None = None) -> None:
        """Answer the next `times` matching requests 200 with a truncated JSON body."""
        check_common(times, path)
        self._core.faults.add(Fault("malformed", times, path))
