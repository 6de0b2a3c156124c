"""Small scripted HTTP/1.1 servers on 127.0.0.1 that misbehave on purpose: they trickle, stall,
lie about sizes, bomb, echo secrets. Raw sockets, so that a test controls every byte and
every pause.

A handler gets the connection and the request it read, and answers however it likes; it
returns True to read another request on the same connection (keep-alive), False to close.
Every wait is bounded and ends early when the server stops, and ``stop()`` (called by the
``serve`` fixture after each test) closes every socket and joins every thread.
"""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

# Long enough for any test here; a server never waits longer than this for anything.
MAX_WAIT = 20.0


@dataclass
class Request:
    """A request as the server read it."""

    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Stopped(Exception):  # a signal to unwind a handler, not an error
    """The server is stopping: the handler should give up."""


class Conn:
    """One accepted connection, as a handler sees it."""

    def __init__(self, sock: socket.socket, stopping: threading.Event) -> None:
        self.sock = sock
        self._stopping = stopping
        self._buffer = b""

    def read_request(self) -> Request | None:
        """The next request, or None when the client closed the connection."""
        while b"\r\n\r\n" not in self._buffer:
            data = self._recv()
            if not data:
                return None
            self._buffer += data
        head, _, self._buffer = self._buffer.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, path, _ = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        while len(self._buffer) < length:
            data = self._recv()
            if not data:
                return None
            self._buffer += data
        body, self._buffer = self._buffer[:length], self._buffer[length:]
        return Request(method, path, headers, body)

    def _recv(self) -> bytes:
        self.sock.settimeout(0.05)
        deadline = time.monotonic() + MAX_WAIT
        while time.monotonic() < deadline:
            if self._stopping.is_set():
                raise Stopped
            try:
                return self.sock.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return b""
        raise Stopped

    def send(self, data: bytes) -> None:
        """Sends all of ``data`` (raises Stopped if the server stops or the peer went away)."""
        self.sock.settimeout(MAX_WAIT)
        try:
            self.sock.sendall(data)
        except OSError:
            raise Stopped from None

    def wait(self, seconds: float) -> None:
        """Sleeps, unless the server stops first (then raises Stopped)."""
        if self._stopping.wait(min(seconds, MAX_WAIT)):
            raise Stopped

    def trickle(self, data: bytes, every: float, size: int = 1) -> None:
        """Sends ``data`` ``size`` bytes at a time, one piece every ``every`` seconds."""
        for i in range(0, len(data), size):
            self.send(data[i : i + size])
            self.wait(every)

    def stall(self) -> None:
        """Sends nothing more until the server stops (or the client goes away)."""
        self.sock.settimeout(0.05)
        deadline = time.monotonic() + MAX_WAIT
        while time.monotonic() < deadline and not self._stopping.is_set():
            try:
                if self.sock.recv(65536) == b"":
                    return  # the client closed: nothing to wait for
            except TimeoutError:
                continue
            except OSError:
                return
        raise Stopped


Handler = Callable[[Conn, Request], bool]


def head(
    status: int = 200,
    headers: Iterable[tuple[str, str]] | dict[str, str] = (),
    *,
    length: int | None = None,
    reason: str = "OK",
) -> bytes:
    """A status line and headers (with Content-Length when given), ending the header block."""
    items = list(headers.items()) if isinstance(headers, dict) else list(headers)
    if length is not None:
        items.append(("Content-Length", str(length)))
    lines = [f"HTTP/1.1 {status} {reason}"] + [f"{k}: {v}" for k, v in items]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def answer(
    status: int = 200,
    body: bytes | str | dict[str, Any] | list[Any] = b"",
    headers: dict[str, str] | None = None,
) -> bytes:
    """A whole response: JSON for a dict or list, else the bytes or text given."""
    hdrs = dict(headers or {})
    if isinstance(body, dict | list):
        body = json.dumps(body).encode()
        hdrs.setdefault("Content-Type", "application/json")
    elif isinstance(body, str):
        body = body.encode()
    return head(status, hdrs, length=len(body)) + body


def sse(*events: dict[str, Any] | str) -> bytes:
    """An event-stream body: each event a ``data:`` line (JSON for a dict) and a blank line."""
    out = b""
    for event in events:
        data = event if isinstance(event, str) else json.dumps(event)
        out += f"data: {data}\n\n".encode()
    return out


def chunk_event(text: str) -> dict[str, Any]:
    return {
        "object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": {"content": text}}],
    }


SSE_HEAD = head(200, {"Content-Type": "text/event-stream", "Connection": "close"})
CHAT_OK = {"choices": [{"message": {"role": "assistant", "content": "ok"}}]}


@dataclass
class Server:
    """A scripted server; ``url`` is its origin, ``base_url`` its API root."""

    handler: Handler
    tls: ssl.SSLContext | None = None
    requests: list[Request] = field(default_factory=list)
    handshakes: int = 0  # TLS handshakes attempted (accepted connections, for TLS)

    def __post_init__(self) -> None:
        self._stopping = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self.port = self._listener.getsockname()[1]
        self._threads: list[threading.Thread] = []
        self._socks: list[socket.socket] = []
        self._lock = threading.Lock()
        self._accepting = threading.Thread(target=self._accept, daemon=True)
        self._accepting.start()

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.url}/api/v1"

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(sock,), daemon=True)
            with self._lock:
                self._socks.append(sock)
                self._threads.append(thread)
            thread.start()

    def _serve(self, sock: socket.socket) -> None:
        try:
            if self.tls is not None:
                self.handshakes += 1
                sock.settimeout(5)
                sock = self.tls.wrap_socket(sock, server_side=True)
                with self._lock:
                    self._socks.append(sock)
            conn = Conn(sock, self._stopping)
            while True:
                request = conn.read_request()
                if request is None:
                    return
                self.requests.append(request)
                if not self.handler(conn, request):
                    return
        except (Stopped, OSError, ssl.SSLError):
            return
        finally:
            _close(sock)

    def stop(self) -> None:
        self._stopping.set()
        _close(self._listener)
        self._accepting.join(5)
        with self._lock:
            socks, threads = list(self._socks), list(self._threads)
        for sock in socks:
            _close(sock)
        for thread in threads:
            thread.join(5)
        assert not any(t.is_alive() for t in threads), "a scripted server did not stop"

    def paths(self) -> list[str]:
        return [r.path for r in self.requests]

    def wait_for(self, path: str | None = None, count: int = 1, seconds: float = 5.0) -> None:
        """Blocks until ``count`` requests (to ``path``, if given) arrived; fails after
        ``seconds``."""
        deadline = time.monotonic() + seconds
        while sum(path is None or r.path == path for r in self.requests) < count:
            assert time.monotonic() < deadline, f"no request to {path or 'the server'} came"
            time.sleep(0.01)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
