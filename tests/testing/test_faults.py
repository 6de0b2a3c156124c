"""Fault injection: fail, delay, drop, malformed_json."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import httpx
import pytest

from railwail.testing import FakeGateway

IMAGES = "/images/generations"
CHAT_BODY = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}


def _client(gw: FakeGateway, **kwargs: Any) -> httpx.Client:
    headers = {"Authorization": f"Bearer {gw.api_key}"}
    return httpx.Client(base_url=gw.url, headers=headers, **kwargs)


def test_fail_429_with_retry_after(fake_gateway: FakeGateway, client: httpx.Client) -> None:
    fake_gateway.fail(429, headers={"Retry-After": "0"})
    limited = client.get("/models")
    after = client.get("/models")
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "0"
    assert limited.headers["content-type"] == "application/json"
    assert limited.headers["x-request-id"].startswith("req_")
    assert limited.headers["x-ratelimit-limit"] == "60"
    assert limited.json()["error"] == {
        "message": "Too Many Requests",
        "type": "rate_limit_error",
        "code": "rate_limit_exceeded",
    }
    assert after.status_code == 200
    # The fault answered before any processing: it used no rate-limit budget.
    assert after.headers["x-ratelimit-remaining"] == "59"
    assert len(fake_gateway.requests) == 2


def test_fail_times_and_path(fake_gateway: FakeGateway, client: httpx.Client) -> None:
    fake_gateway.fail(503, times=2, path=IMAGES)
    body = {"model": "flux-schnell", "prompt": "x"}
    assert client.get("/models").status_code == 200  # other paths are untouched
    statuses = [client.post(IMAGES, json=body).status_code for _ in range(3)]
    assert statuses == [503, 503, 200]


def test_fail_html_502_overrides_content_type(
    client: httpx.Client, fake_gateway: FakeGateway
) -> None:
    html = "<html><body>Bad gateway</body></html>"
    fake_gateway.fail(502, body=html, headers={"Content-Type": "text/html"})
    response = client.get("/models")
    assert response.status_code == 502
    assert response.headers["content-type"] == "text/html"
    assert response.text == html


def test_fail_cannot_break_http_framing(fake_gateway: FakeGateway, client: httpx.Client) -> None:
    fake_gateway.fail(503, body="short", headers={"Content-Length": "999", "X-Extra": "yes"})
    response = client.get("/models")
    assert (response.status_code, response.text) == (503, "short")
    assert response.headers["content-length"] == "5"
    assert response.headers["x-extra"] == "yes"
    assert client.get("/models").status_code == 200  # the connection framing stayed right


def test_fail_bodies(fake_gateway: FakeGateway, client: httpx.Client) -> None:
    fake_gateway.fail(500, json={"detail": "boom"})
    fake_gateway.fail(503, body=b"\x00raw")
    fake_gateway.fail(599)
    fake_gateway.fail(418)
    as_json = client.get("/models")
    raw = client.get("/models")
    odd = client.get("/models")
    teapot = client.get("/models")
    assert (as_json.status_code, as_json.json()) == (500, {"detail": "boom"})
    assert (raw.status_code, raw.content) == (503, b"\x00raw")
    assert raw.headers["content-type"] == "text/plain; charset=utf-8"
    assert odd.json()["error"] == {"message": "HTTP 599", "type": "api_error", "code": "http_599"}
    assert teapot.json()["error"]["type"] == "invalid_request_error"
    assert teapot.json()["error"]["code"] == "http_418"


def test_faults_apply_without_auth(fake_gateway: FakeGateway) -> None:
    fake_gateway.fail(503)
    with httpx.Client() as c:
        response = c.get(fake_gateway.url + "/models")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "service_unavailable"


def test_delay_triggers_read_timeout_then_answers(fake_gateway: FakeGateway) -> None:
    fake_gateway.delay(0.5, times=1)
    fake_gateway.delay(0.1)
    with _client(fake_gateway, timeout=httpx.Timeout(5, read=0.2)) as c:
        with pytest.raises(httpx.ReadTimeout):
            c.get("/models")
        started = time.monotonic()
        response = c.get("/models")
    assert response.status_code == 200
    assert time.monotonic() - started >= 0.1
    assert fake_gateway.errors == 0


def test_drop_before_response_is_not_performed() -> None:
    with FakeGateway(credits=10) as gw, _client(gw) as c:
        gw.drop()
        with pytest.raises(httpx.RemoteProtocolError):
            c.post(IMAGES, json={"model": "flux-schnell", "prompt": "x"})
        assert gw.credits == 10
        assert len(gw.requests_to(IMAGES)) == 1
        assert c.post(IMAGES, json={"model": "flux-schnell", "prompt": "x"}).status_code == 200
        assert gw.credits == 5


def test_drop_mid_body_then_idempotent_retry_is_not_charged_twice() -> None:
    with FakeGateway(credits=10) as gw, _client(gw) as c:
        gw.drop(when="mid_body", path="/chat/completions")
        key = {"Idempotency-Key": "retry-1"}
        with pytest.raises(httpx.RemoteProtocolError):
            c.post("/chat/completions", json=CHAT_BODY, headers=key)
        assert gw.credits == 8  # the gateway did the work before the connection broke
        retried = c.post("/chat/completions", json=CHAT_BODY, headers=key)
        assert retried.status_code == 200
        assert retried.json()["choices"][0]["message"]["content"] == "Echo from gpt-4o: hi"
        assert gw.credits == 8
        assert [r.replayed for r in gw.requests] == [False, True]


def test_drop_mid_body_of_a_stream(fake_gateway: FakeGateway, client: httpx.Client) -> None:
    fake_gateway.drop(when="mid_body")
    with pytest.raises(httpx.RemoteProtocolError):
        client.post("/chat/completions", json={**CHAT_BODY, "stream": True})


def test_malformed_json(fake_gateway: FakeGateway, client: httpx.Client) -> None:
    fake_gateway.malformed_json(times=2, path="/models")
    for _ in range(2):
        response = client.get("/models")
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        with pytest.raises(json.JSONDecodeError):
            response.json()
    assert client.get("/models").json()["object"] == "list"


def test_faults_match_the_files_route(fake_gateway: FakeGateway, client: httpx.Client) -> None:
    url = client.post(IMAGES, json={"model": "flux-schnell", "prompt": "x"}).json()["data"][0][
        "url"
    ]
    fake_gateway.fail(504, path=".png")
    with httpx.Client() as cdn:
        assert cdn.get(url).status_code == 504
        assert cdn.get(url).status_code == 200


def test_reset_disarms_faults(fake_gateway: FakeGateway, client: httpx.Client) -> None:
    fake_gateway.fail(500, times=5)
    fake_gateway.reset()
    assert client.get("/models").status_code == 200


def test_concurrent_use_of_one_idempotency_key_is_409(
    fake_gateway: FakeGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    from railwail.testing import _core

    entered, release = threading.Event(), threading.Event()
    real_create_chat = _core.create_chat

    def blocking_create_chat(body: dict[str, Any]) -> Any:
        entered.set()
        release.wait(5)
        return real_create_chat(body)

    monkeypatch.setattr(_core, "create_chat", blocking_create_chat)
    key = {"Idempotency-Key": "busy"}
    results: list[int] = []

    def first() -> None:
        with _client(fake_gateway) as c:
            results.append(c.post("/chat/completions", json=CHAT_BODY, headers=key).status_code)

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert entered.wait(5)
        with _client(fake_gateway) as c:
            busy = c.post("/chat/completions", json=CHAT_BODY, headers=key)
            release.set()
            thread.join(5)
            replay = c.post("/chat/completions", json=CHAT_BODY, headers=key)
    finally:
        release.set()
        thread.join(5)
    assert busy.status_code == 409
    assert busy.json()["error"]["code"] == "idempotency_key_in_use"
    assert results == [200]
    assert replay.status_code == 200
    assert [r.replayed for r in fake_gateway.requests] == [False, False, True]


def test_timeout_then_retry_with_the_same_key_charges_once() -> None:
    with FakeGateway(credits=10) as gw:
        gw.delay(0.4, path="/chat/completions")
        key = {"Idempotency-Key": "slow"}
        with _client(gw, timeout=httpx.Timeout(5, read=0.1)) as c, pytest.raises(httpx.ReadTimeout):
            c.post("/chat/completions", json=CHAT_BODY, headers=key)
        with _client(gw) as c:
            retried = c.post("/chat/completions", json=CHAT_BODY, headers=key)
        assert retried.status_code == 200
        deadline = time.monotonic() + 5
        while not any(r.replayed for r in gw.requests) and time.monotonic() < deadline:
            time.sleep(0.02)  # the abandoned first attempt finishes its delay, then replays
        # The retry did the work; the abandoned attempt became a replay of it.
        assert [r.replayed for r in gw.requests] == [True, False]
        assert gw.credits == 8
        assert gw.errors == 0


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda gw: gw.fail(99), "status"),
        (lambda gw: gw.fail(600), "status"),
        (lambda gw: gw.fail(True), "status"),
        (lambda gw: gw.fail(500, times=0), "times"),
        (lambda gw: gw.fail(500, times=True), "times"),
        (lambda gw: gw.fail(500, path=""), "path"),
        (lambda gw: gw.fail(500, body="x", json={}), "body or json"),
        (lambda gw: gw.delay(-1), "seconds"),
        (lambda gw: gw.delay("1"), "seconds"),
        (lambda gw: gw.drop(when="later"), "when"),
        (lambda gw: gw.drop(times=-1), "times"),
        (lambda gw: gw.malformed_json(times=1.5), "times"),
    ],
)
def test_fault_arguments_are_validated(call: Any, name: str) -> None:
    gw = FakeGateway()  # never started: validation needs no server
    with pytest.raises(ValueError, match=name):
        call(gw)
