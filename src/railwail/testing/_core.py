"""The gateway's state machine: log, faults, auth, rate limits, credits, idempotency, charges.

`Core.handle` turns one `RecordedRequest` into one `Reply`. It is called concurrently from
the server's connection threads, so every piece of shared state sits behind `_lock`.
"""

from __future__ import annotations

import dataclasses
import json
import math
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

from ._chat import create_chat
from ._faults import Fault, FaultQueue
from ._handlers import Outcome, create_embeddings, create_images, get_model, list_models
from ._records import RecordedRequest
from ._replies import JSON_TYPE, GatewayError, Reply, bad_request, error_payload, error_reply
from ._router import Call, Endpoint, Router

PREFIX = "/api/v1"
WINDOW_SECONDS = 60
DEFAULT_LIMIT = 60
_MALFORMED = b'{"created": 1700000000, "data": [{"url": "http://127.0.0.1/files/trunc'

_Scope = tuple[str, str, str]  # (api key, path pattern, idempotency key)

# Every endpoint of /api/v1. A new endpoint is one row here (and its handler); 404 and 405
# follow from the table. POST endpoints are idempotent by key and charged for.
ENDPOINTS = (
    Endpoint("GET", "/models", lambda call: Outcome(list_models(call.request.query))),
    Endpoint("GET", "/models/{slug}", lambda call: Outcome(get_model(call.params["slug"]))),
    Endpoint("POST", "/images/generations", lambda call: create_images(call.body, call.origin)),
    Endpoint("POST", "/chat/completions", lambda call: create_chat(call.body)),
    Endpoint("POST", "/embeddings", lambda call: create_embeddings(call.body)),
)


def _reset_header(reset: float, window: float) -> str:
    """`X-RateLimit-Reset`: whole seconds, as the gateway documents it, for windows of a minute
    or more; milliseconds for shorter ones, which whole seconds would misstate by up to half."""
    if window >= WINDOW_SECONDS:
        return str(math.ceil(reset))
    return f"{math.ceil(reset * 1000) / 1000:.3f}"


def _merge(base: dict[str, str], override: dict[str, str]) -> dict[str, str]:
    """`base` updated by `override`, comparing header names case-insensitively."""
    merged = {k: v for k, v in base.items() if k.lower() not in {o.lower() for o in override}}
    merged.update(override)
    return merged


class Core:
    """Everything the emulator remembers between requests."""

    def __init__(
        self,
        api_keys: list[str],
        credits: float | None,
        rate_limit: int | None,
        origin: Callable[[], str],
        stopping: threading.Event,
        *,
        rate_window: float = WINDOW_SECONDS,
        generation_delay: float = 0.0,
    ) -> None:
        self.api_keys = api_keys
        self.initial_credits = credits
        self.rate_limit = rate_limit
        self.rate_window = rate_window
        self.generation_delay = generation_delay
        self.faults = FaultQueue()
        self._origin = origin
        self._stopping = stopping
        self._lock = threading.Lock()
        self.log: list[RecordedRequest] = []
        self.credits = credits
        self.errors = 0
        self.files: dict[str, bytes] = {}
        # Performed (paid) POSTs per Idempotency-Key ("" for requests without one): a key seen
        # twice here was charged twice.
        self.charges: dict[str, int] = {}
        self._windows: dict[str, tuple[float, int]] = {}
        self._stored: dict[_Scope, tuple[Any, Reply]] = {}
        self._inflight: set[_Scope] = set()
        self._router = Router(ENDPOINTS)

    def reset(self) -> None:
        """Forget requests, faults, rate windows and idempotency; restore the credits."""
        self.faults.clear()
        with self._lock:
            self.log.clear()
            self.credits = self.initial_credits
            self.errors = 0
            self.charges.clear()
            self._windows.clear()
            self._stored.clear()

    def snapshot(self) -> list[RecordedRequest]:
        """A copy of the request log."""
        with self._lock:
            return list(self.log)

    def charge_counts(self) -> dict[str, int]:
        """A copy of the charges per Idempotency-Key."""
        with self._lock:
            return dict(self.charges)

    def count_error(self) -> None:
        """Note an unexpected failure inside the emulator."""
        with self._lock:
            self.errors += 1

    # --- the pipeline ----------------------------------------------------------------------

    def handle(self, request: RecordedRequest) -> Reply:
        """Answer one request: faults first, then auth, rate limit, routing and the endpoint."""
        with self._lock:
            self.log.append(request)
        try:
            fault = self.faults.take(request.path)
            if fault is None or fault.kind in ("delay", "drop_mid"):
                if (
                    fault is not None
                    and fault.kind == "delay"
                    and self._stopping.wait(fault.seconds)
                ):
                    return Reply(0, action="drop")  # stop() was called: hang up at once
                reply = self._serve(request)
                if fault is not None and fault.kind == "drop_mid":
                    return dataclasses.replace(reply, action="truncate")
                return reply
            key = self._api_key(request)
            headers = self._common_headers(self._rate(key, consume=False)[0])
            return self._fault_reply(fault, headers)
        except Exception:
            self.count_error()
            headers = self._common_headers(self._rate(None, consume=False)[0])
            message = "The emulator failed on this request"
            return error_reply(500, message, code="internal_error", headers=headers)

    def _serve(self, request: RecordedRequest) -> Reply:
        path = request.path
        if path.startswith("/files/") and request.method == "GET":
            return self._file(path, self._common_headers(self._rate(None, consume=False)[0]))
        key = self._api_key(request)
        if path != PREFIX and not path.startswith(PREFIX + "/"):
            headers = self._common_headers(self._rate(key, consume=False)[0])
            return error_reply(404, f"No route for {path}", headers=headers)
        if key is None:
            headers = self._common_headers(self._rate(None, consume=False)[0])
            return error_reply(401, "Invalid or missing API key", headers=headers)
        rate_headers, allowed = self._rate(key, consume=True)
        headers = self._common_headers(rate_headers)
        if not allowed:
            limit = rate_headers["X-RateLimit-Limit"]
            per = "minute" if self.rate_window == WINDOW_SECONDS else f"{self.rate_window:g} s"
            message = f"Rate limit of {limit} requests per {per} exceeded"
            return error_reply(429, message, headers=headers)
        try:
            reply = self._route(request, path[len(PREFIX) :], key)
        except GatewayError as exc:
            reply = exc.reply()
        return dataclasses.replace(reply, headers=_merge(headers, reply.headers))

    def _route(self, request: RecordedRequest, route: str, key: str) -> Reply:
        endpoint, params = self._router.match(request.method, route, request.path)
        call = Call(request, params, origin=self._origin())
        if endpoint.method != "POST":
            return endpoint.handler(call).reply
        return self._post(endpoint, call, key)

    def _post(self, endpoint: Endpoint, call: Call, key: str) -> Reply:
        try:
            body = json.loads(call.request.body)
        except ValueError:
            raise bad_request("The request body is not valid JSON") from None
        if not isinstance(body, dict):
            raise bad_request("The request body must be a JSON object")
        call = dataclasses.replace(call, body=body)
        idem = call.request.headers.get("idempotency-key")
        if not idem:
            return self._answer(self._perform(endpoint, call))
        scope = (key, endpoint.pattern, idem)
        with self._lock:
            stored = self._stored.get(scope)
            if stored is None:
                if scope in self._inflight:
                    message = "A request with this Idempotency-Key is still in progress"
                    raise GatewayError(409, message, code="idempotency_key_in_use")
                self._inflight.add(scope)
        if stored is not None:
            if stored[0] != body:
                message = "'Idempotency-Key' was already used with a different request body"
                raise GatewayError(400, message, code="idempotency_key_reused")
            self._mark_replayed(call.request)
            headers = _merge(stored[1].headers, {"Idempotent-Replayed": "true"})
            return dataclasses.replace(stored[1], headers=headers)
        try:
            reply = self._perform(endpoint, call)
            answer = self._answer(reply)  # the key stays in progress while the model works
            with self._lock:
                self._stored[scope] = (body, reply)
            return answer
        finally:
            with self._lock:
                self._inflight.discard(scope)

    def _perform(self, endpoint: Endpoint, call: Call) -> Reply:
        outcome = endpoint.handler(call)
        key = call.request.headers.get("idempotency-key") or ""
        with self._lock:
            if self.credits is not None:
                if outcome.cost > self.credits:
                    message = (
                        f"Insufficient credits: this request costs {outcome.cost:g} credits "
                        f"and the balance is {self.credits:g}"
                    )
                    raise GatewayError(402, message)
                self.credits -= outcome.cost
            self.charges[key] = self.charges.get(key, 0) + 1
            self.files.update(outcome.files)
        return outcome.reply

    def _answer(self, reply: Reply) -> Reply:
        """`reply` once the model has worked for `generation_delay` (paid for as it started).
        stop() cuts the wait short: the answer is then lost, as a dropped connection loses it."""
        if self.generation_delay and self._stopping.wait(self.generation_delay):
            return Reply(0, action="drop")
        return reply

    def _mark_replayed(self, request: RecordedRequest) -> None:
        with self._lock:
            for i in range(len(self.log) - 1, -1, -1):
                if self.log[i] is request:
                    self.log[i] = dataclasses.replace(request, replayed=True)
                    return

    def _file(self, path: str, headers: dict[str, str]) -> Reply:
        name = path[len("/files/") :]
        with self._lock:
            data = self.files.get(name[: -len(".png")]) if name.endswith(".png") else None
        if data is None:
            return error_reply(404, f"No file at {path}", headers=headers)
        return Reply(200, data, _merge(headers, {"content-type": "image/png"}))

    # --- auth and rate limits --------------------------------------------------------------

    def _api_key(self, request: RecordedRequest) -> str | None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        token = token.strip()
        return token if scheme.lower() == "bearer" and token in self.api_keys else None

    def _rate(self, key: str | None, *, consume: bool) -> tuple[dict[str, str], bool]:
        """Rate-limit headers for `key` and whether this request is allowed (fixed windows)."""
        now = time.time()
        window = self.rate_window
        with self._lock:
            start, count = self._windows.get(key or "", (now, 0))
            if now >= start + window:
                start, count = now, 0
            if consume and key is not None:
                count += 1
                self._windows[key] = (start, count)
        limit = self.rate_limit or DEFAULT_LIMIT
        headers = {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(max(0, limit - count)),
            "X-RateLimit-Reset": _reset_header(start + window, window),
        }
        return headers, self.rate_limit is None or count <= self.rate_limit

    @staticmethod
    def _common_headers(rate_headers: dict[str, str]) -> dict[str, str]:
        return {"x-request-id": "req_" + secrets.token_hex(12), **rate_headers}

    # --- faults ----------------------------------------------------------------------------

    @staticmethod
    def _fault_reply(fault: Fault, headers: dict[str, str]) -> Reply:
        if fault.kind == "drop_before":
            return Reply(0, action="drop")
        if fault.kind == "malformed":
            return Reply(200, _MALFORMED, _merge(headers, {"content-type": JSON_TYPE}))
        if fault.json is not None:
            body = json.dumps(fault.json).encode()
            headers = _merge(headers, {"content-type": JSON_TYPE})
        elif fault.body is not None:
            body = fault.body
            headers = _merge(headers, {"content-type": "text/plain; charset=utf-8"})
        else:
            body = json.dumps(error_payload(fault.status)).encode()
            headers = _merge(headers, {"content-type": JSON_TYPE})
        return Reply(fault.status, body, _merge(headers, fault.headers or {}))
