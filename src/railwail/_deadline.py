"""Time limits of one call: each attempt's whole answer within its read timeout, and the
whole call (attempts, retry waits, downloads) within ``total_timeout``.

httpx's timeouts bound each socket operation only: a server that sends a byte a second never
trips a 2 s read timeout. Here each attempt gets a deadline (``time.monotonic()``), held by:

- ``AsyncDeadlineScope``: an asyncio cancel scope around sending and reading the answer;
- ``DeadlineScope``: for the sync client, the deadline in a context variable, which the
  network streams of the pools the SDK makes (``clip_to_deadlines``) read: every socket
  read, write and connect gets at most the time left. A pool of the caller's own
  (``http_client=``) keeps its streams: the answer's body is then checked between reads,
  each of which httpx bounds by the time left when the body began.

``CallBudget`` counts the attempts and the time spent, for the errors that end a call.
"""

from __future__ import annotations

import time
from contextvars import ContextVar, Token
from types import TracebackType
from typing import TYPE_CHECKING, Any

import httpx

from ._exceptions import APITimeoutError

if TYPE_CHECKING:
    import asyncio

# The deadline of the attempt in progress in this thread or task, if it has one.
ATTEMPT_DEADLINE: ContextVar[float | None] = ContextVar("railwail_attempt", default=None)
# The deadline of an enclosing call, and the total_timeout it comes from: run() spans its
# catalogue lookup, its request and its downloads; an image download spans its redirects.
CALL_DEADLINE: ContextVar[tuple[float, float] | None] = ContextVar("railwail_call", default=None)

# Socket operations get at least this long: 0 would turn a blocking socket non-blocking.
_MIN_WAIT = 0.001


def call_deadline() -> float | None:
    """The deadline of the call in progress, if it has one (a stream takes its call's)."""
    current = CALL_DEADLINE.get()
    return current[0] if current is not None else None


class DeadlineExceeded(Exception):
    """The attempt's deadline passed (raised by the scopes and the body reader)."""


def seconds(value: float) -> str:
    """``2``, ``0.5``, ``12.3``: seconds as people write them."""
    return f"{value:.1f}".removesuffix(".0") if value >= 0.1 else f"{value:.3f}"


class CallBudget:
    """The attempts of one call and the time they may take.

    Args:
        read: The read timeout: each attempt's whole answer must arrive within it (``None``:
            no limit).
        total: ``total_timeout`` for the whole call, ``None`` for none. An enclosing call's
            deadline (``CALL_DEADLINE``) applies too, when it ends first.
    """

    __slots__ = ("attempts", "deadline", "read", "start", "total")

    def __init__(self, read: float | None, total: float | None) -> None:
        now = time.monotonic()
        self.start = now
        self.read = read
        self.total = total
        self.attempts = 0
        deadline = None if total is None else now + total
        outer = CALL_DEADLINE.get()
        if outer is not None and (deadline is None or outer[0] < deadline):
            deadline, self.total = outer
        self.deadline = deadline

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def begin_attempt(self, request: httpx.Request) -> float | None:
        """Counts an attempt; returns its deadline (``None``: no limit). With a total
        deadline, the request's own timeouts are clipped to the time left.

        Raises:
            APITimeoutError: No time is left for another attempt.
        """
        self.attempts += 1
        now = time.monotonic()
        ends = None if self.read is None else now + self.read
        if self.deadline is not None:
            left = self.deadline - now
            if left <= 0:
                raise self.total_error(request, "before the next attempt could start")
            if ends is None or self.deadline < ends:
                ends = self.deadline
            timeouts = request.extensions.get("timeout") or {}
            request.extensions["timeout"] = {
                name: left if value is None or value > left else value
                for name, value in timeouts.items()
            }
        return ends

    def spent(self) -> bool:
        """Whether the total deadline has passed."""
        return self.deadline is not None and time.monotonic() >= self.deadline

    def wait_fits(self, delay: float) -> bool:
        """Whether a retry wait of ``delay`` seconds ends before the total deadline."""
        return self.deadline is None or time.monotonic() + delay < self.deadline

    def timed_out(self, request: httpx.Request, deadline: float | None) -> APITimeoutError:
        """The error for an attempt whose deadline passed."""
        if self.deadline is not None and deadline is not None and deadline >= self.deadline:
            return self.total_error(request, f"during attempt {self.attempts}")
        return APITimeoutError(
            f"Request timed out: the whole answer did not arrive within the read timeout "
            f"({seconds(self.read or 0.0)} s)",
            method=request.method,
            url=str(request.url.copy_with(query=None)),
        )

    def total_error(self, request: httpx.Request, when: str) -> APITimeoutError:
        error = APITimeoutError(
            f"total_timeout ({seconds(self.total or 0.0)} s) ran out {when}",
            method=request.method,
            url=str(request.url.copy_with(query=None)),
        )
        error.hint = (
            "Pass a larger total_timeout= to the call or the client, or None for no overall limit"
        )
        return error


def clip_read_timeout(request: httpx.Request, deadline: float) -> None:
    """Bounds httpx's per-read timeout for the rest of an answer by the time left (for pools
    whose streams do not read ``ATTEMPT_DEADLINE``: httpx reads the value as the body starts)."""
    timeouts = request.extensions.get("timeout")
    if timeouts:
        left = max(deadline - time.monotonic(), _MIN_WAIT)
        read = timeouts.get("read")
        if read is None or read > left:
            request.extensions["timeout"] = {**timeouts, "read": left}


def _timed_out_at(exc: BaseException | None, deadline: float | None) -> bool:
    """Whether ``exc`` is httpx's timeout of a socket operation cut short by ``deadline``
    (rather than one of the operation's own limits, which stays a plain timeout)."""
    return (
        isinstance(exc, httpx.TimeoutException)
        and deadline is not None
        and time.monotonic() >= deadline - _MIN_WAIT
    )


class DeadlineScope:
    """``with DeadlineScope(deadline):`` makes the deadline the limit of every socket operation
    of the SDK's own sync pool, and turns a timeout at the deadline into ``DeadlineExceeded``."""

    __slots__ = ("_deadline", "_token")

    def __init__(self, deadline: float | None) -> None:
        self._deadline = deadline
        self._token: Token[float | None] | None = None

    def __enter__(self) -> None:
        if self._deadline is not None:
            self._token = ATTEMPT_DEADLINE.set(self._deadline)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._token is not None:
            ATTEMPT_DEADLINE.reset(self._token)
        if _timed_out_at(exc, self._deadline):
            raise DeadlineExceeded from exc


class AsyncDeadlineScope:
    """``async with AsyncDeadlineScope(deadline):`` cancels what runs inside at the deadline
    (an asyncio timeout) and raises ``DeadlineExceeded`` instead."""

    __slots__ = ("_deadline", "_timeout")

    def __init__(self, deadline: float | None) -> None:
        self._deadline = deadline
        self._timeout: asyncio.Timeout | None = None

    async def __aenter__(self) -> None:
        if self._deadline is not None:
            import asyncio  # here: sync users never import it

            loop = asyncio.get_running_loop()
            self._timeout = asyncio.timeout_at(loop.time() + self._deadline - time.monotonic())
            await self._timeout.__aenter__()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._timeout is None:
            return
        try:
            await self._timeout.__aexit__(exc_type, exc, tb)
        except TimeoutError as timed_out:
            raise DeadlineExceeded from (timed_out.__cause__ or timed_out)
        if _timed_out_at(exc, self._deadline):
            raise DeadlineExceeded from exc


class CallScope:
    """``with CallScope(total):`` makes the calls inside share one deadline (``run()``: the
    lookup, the request and the downloads; a download: its redirects). ``until=`` passes on a
    call's own deadline and total (a stream opened by a call takes its call's). An enclosing
    scope's earlier deadline wins."""

    __slots__ = ("_token", "_total", "_until")

    def __init__(
        self, total: float | None = None, *, until: tuple[float | None, float | None] = (None, None)
    ) -> None:
        self._total = total
        self._until = until
        self._token: Token[tuple[float, float] | None] | None = None

    def __enter__(self) -> float | None:
        """Returns the deadline now in force (``None``: none)."""
        outer = CALL_DEADLINE.get()
        deadline, total = self._until
        if self._total is not None:
            deadline, total = time.monotonic() + self._total, self._total
        if deadline is None or total is None:
            return outer[0] if outer is not None else None
        if outer is not None and outer[0] < deadline:
            return outer[0]
        self._token = CALL_DEADLINE.set((deadline, total))
        return deadline

    def __exit__(self, *exc_info: object) -> None:
        if self._token is not None:
            CALL_DEADLINE.reset(self._token)


# -- the sync pool's streams: each socket operation bounded by the attempt's deadline ---------


def _clip(timeout: float | None) -> float | None:
    deadline = ATTEMPT_DEADLINE.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    left = left if left > _MIN_WAIT else _MIN_WAIT
    return left if timeout is None or left < timeout else timeout


class _ClippedStream:
    """An httpcore network stream whose operations wait no longer than the deadline."""

    __slots__ = ("_inner",)

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        # _clip, inlined: this runs for every read of every request.
        deadline = ATTEMPT_DEADLINE.get()
        if deadline is not None:
            left = deadline - time.monotonic()
            left = left if left > _MIN_WAIT else _MIN_WAIT
            if timeout is None or left < timeout:
                timeout = left
        data: bytes = self._inner.read(max_bytes, timeout)
        return data

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _clip(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> _ClippedStream:
        return _ClippedStream(self._inner.start_tls(ssl_context, server_hostname, _clip(timeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _ClippedBackend:
    """An httpcore network backend whose streams are ``_ClippedStream``."""

    __slots__ = ("_inner",)

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> _ClippedStream:
        stream = self._inner.connect_tcp(
            host,
            port,
            timeout=_clip(timeout),
            local_address=local_address,
            socket_options=socket_options,
        )
        return _ClippedStream(stream)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> _ClippedStream:
        stream = self._inner.connect_unix_socket(
            path, timeout=_clip(timeout), socket_options=socket_options
        )
        return _ClippedStream(stream)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def clip_to_deadlines(pool: httpx.Client) -> None:
    """Makes the streams of a sync pool the SDK created honour ``ATTEMPT_DEADLINE``.

    httpx exposes no hook for this: the network backend of each of the pool's httpcore
    connection pools (its transport's, and those of the proxies the environment mounts) is
    wrapped. A transport of another kind is left as it is; its answers are still checked
    between reads.
    """
    transports = [getattr(pool, "_transport", None), *getattr(pool, "_mounts", {}).values()]
    for transport in transports:
        core = getattr(transport, "_pool", None)
        backend = getattr(core, "_network_backend", None)
        if backend is not None and not isinstance(backend, _ClippedBackend):
            core._network_backend = _ClippedBackend(backend)  # type: ignore[union-attr]
