"""HTTP plumbing: a quiet threaded HTTP/1.1 server that turns requests into `Reply`s.

The server knows nothing about the gateway: it parses a request into a `RecordedRequest`,
hands it to `app`, and writes whatever `Reply` comes back, including the broken ones
(dropped connections, half bodies) that fault injection asks for.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from ._records import RecordedRequest
from ._replies import Reply, error_reply

App = Callable[[RecordedRequest], Reply]

# The server frames bodies itself; such headers from a reply (or a fault) would lie.
_FRAMING = frozenset({"content-length", "transfer-encoding", "connection"})


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the real gateway and httpx's pool expect
    # TCP_NODELAY: the head and the body go out in separate writes, and with Nagle's algorithm
    # the body waits for the client's delayed ACK of the head, ~40 ms on every keep-alive
    # request after the first.
    disable_nagle_algorithm = True
    server_version = "railwail-fake-gateway"
    sys_version = ""
    server: QuietServer

    def handle(self) -> None:
        try:
            super().handle()
        except (ConnectionError, TimeoutError):
            # The client went away (or stop() cut the socket): not an emulator error.
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        """Stay silent: tests own stderr."""

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Answer protocol errors (bad request line, unknown method) in the gateway's format."""
        self.close_connection = True
        self._write(error_reply(code, message))

    def _dispatch(self) -> None:
        try:
            body = self._read_body()
        except ValueError:
            self.send_error(400, "Malformed request body framing")
            return
        url = urlsplit(self.path)
        headers: dict[str, str] = {}
        for name, value in self.headers.items():
            key = name.lower()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        record = RecordedRequest(
            method=self.command,
            path=url.path,
            query=dict(parse_qsl(url.query, keep_blank_values=True)),
            headers=headers,
            body=body,
        )
        self._write(self.server.app(record))

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _dispatch

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0:
            raise ValueError("negative Content-Length")
        return self._read_exactly(length)

    def _read_chunked(self) -> bytes:
        parts: list[bytes] = []
        while True:
            line = self.rfile.readline()
            if not line:
                raise ConnectionError("the client closed the connection mid-body")
            size = int(line.split(b";")[0], 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass  # trailers: ignored
                return b"".join(parts)
            parts.append(self._read_exactly(size))
            self.rfile.readline()

    def _read_exactly(self, size: int) -> bytes:
        # A client that goes away mid-body (a killed process) sent no request: like a real
        # server, the emulator neither records nor answers (nor charges) what arrived.
        data = self.rfile.read(size)
        if len(data) < size:
            raise ConnectionError("the client closed the connection mid-body")
        return data

    def _write(self, reply: Reply) -> None:
        if reply.action == "drop":
            self.close_connection = True
            return
        closing = self.close_connection
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            if name.lower() not in _FRAMING:
                self.send_header(name, value)
        if closing:
            self.send_header("Connection", "close")
        if reply.chunks is not None and reply.action == "send":
            self._write_stream(reply.chunks)
            return
        body = reply.full_body()
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if reply.action == "truncate":
            # Headers promised the whole body; send half and hang up like a dying proxy.
            self.wfile.write(body[: len(body) // 2])
            self.close_connection = True
            return
        self.wfile.write(body)

    def _write_stream(self, chunks: tuple[bytes, ...]) -> None:
        chunked = self.request_version != "HTTP/1.0"
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Connection", "close")  # HTTP/1.0: the end of the body is EOF
        self.end_headers()
        for chunk in chunks:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk)
            self.wfile.flush()
        if chunked:
            self.wfile.write(b"0\r\n\r\n")


class QuietServer(ThreadingHTTPServer):
    """A threaded server that tracks its connections so `close()` can end them all."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], app: App, on_error: Callable[[], None]) -> None:
        super().__init__(address, _Handler)
        self.app = app
        self.on_error = on_error
        self._lock = threading.Lock()
        self._connections: dict[socket.socket, threading.Thread] = {}
        # A short poll interval lets shutdown() return within ~10 ms.
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    def start(self) -> None:
        """Serve in a background thread."""
        self._thread.start()

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self._serve_connection, args=(request, client_address), daemon=True
        )
        with self._lock:
            self._connections[request] = thread
        thread.start()

    def _serve_connection(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            with self._lock:
                self._connections.pop(request, None)
            self.shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Count the failure instead of printing a traceback."""
        self.on_error()

    def close(self, timeout: float = 2.0) -> None:
        """Stop serving (after `start()`), close the socket, end connections and join."""
        self.shutdown()
        self.server_close()
        self._thread.join(timeout)
        with self._lock:
            connections = list(self._connections.items())
        for sock, _ in connections:
            # Wakes handler threads blocked reading a keep-alive connection.
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        deadline = time.monotonic() + timeout
        for _, thread in connections:
            thread.join(max(0.0, deadline - time.monotonic()))
