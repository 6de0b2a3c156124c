"""``image()`` on both clients: the request sent, the ``ImageResponse`` returned, argument
checks that fail before any I/O (the checks themselves: tests/test_requests.py), and 2xx bodies
that are not what the API promises."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import respx

from railwail import Railwail, ResponseValidationError
from railwail.types import Image, ImageResponse, RateLimit
from support import (
    API_KEY,
    BASE_URL,
    CDN_URL,
    GENERATIONS_URL,
    IMAGES_OK,
    Client,
    read,
    resolve,
    sent_json,
)

FULL_ARGS: dict[str, Any] = {
    "n": 2,
    "size": "512x512",
    "quality": "hd",
    "style": "natural",
    "negative_prompt": "blurry, text",
    "response_format": "b64_json",
}
FULL_BODY: dict[str, Any] = {"model": "dall-e-3", "prompt": "A cat in space", **FULL_ARGS}

ANSWER: dict[str, Any] = {
    "created": 1717171717,
    "data": [
        {"url": f"{CDN_URL}/img/1.png", "revised_prompt": "A ginger cat floating in space"},
        {"b64_json": "aGVsbG8=", "seed": 1234},
    ],
    "usage": {"credits": 3},
}

RESET = 1767225600  # 2026-01-01T00:00:00Z
META_HEADERS = {
    "x-request-id": "req_abc123",
    "X-RateLimit-Limit": "60",
    "X-RateLimit-Remaining": "57",
    "X-RateLimit-Reset": str(RESET),
}


def _check_request_basics(request: httpx.Request) -> None:
    assert request.method == "POST"
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["accept"] == "application/json"
    assert request.headers["user-agent"].startswith("railwail-python/")
    assert request.headers["idempotency-key"].startswith("rw-")


def _mock(gw: respx.MockRouter, **kwargs: Any) -> respx.Route:
    kwargs.setdefault("json", IMAGES_OK)
    return gw.post("/images/generations").respond(200, **kwargs)


# -- the request body ----------------------------------------------------------------------------


@pytest.mark.anyio
async def test_minimal_body(gw: respx.MockRouter, rw: Client) -> None:
    assert rw.base_url == BASE_URL
    route = _mock(gw)
    res = await resolve(rw.image("flux-schnell", "A cat in space"))
    assert res.data[0].url == IMAGES_OK["data"][0]["url"]
    request = route.calls.last.request
    _check_request_basics(request)
    assert request.url == GENERATIONS_URL
    assert sent_json(request) == {"model": "flux-schnell", "prompt": "A cat in space"}


@pytest.mark.anyio
async def test_full_body(gw: respx.MockRouter, rw: Client) -> None:
    route = _mock(gw)
    await resolve(rw.image("dall-e-3", "A cat in space", **FULL_ARGS))
    assert route.call_count == 1
    _check_request_basics(route.calls.last.request)
    assert sent_json(route.calls.last.request) == FULL_BODY


@pytest.mark.anyio
async def test_extra_body_query_headers(gw: respx.MockRouter, rw: Client) -> None:
    route = _mock(gw)
    await resolve(
        rw.image(
            "flux-schnell",
            "p",
            n=1,
            extra_body={"seed": 42, "steps": {"count": 4}},
            extra_query={"region": "eu", "trace": 1},
            extra_headers={"X-Trace-Id": "t-1"},
            idempotency_key="my-key-1",
            timeout=12,
        )
    )
    request = route.calls.last.request
    assert sent_json(request) == {
        "model": "flux-schnell",
        "prompt": "p",
        "n": 1,
        "seed": 42,
        "steps": {"count": 4},
    }
    assert request.url.path == "/api/v1/images/generations"
    assert dict(request.url.params) == {"region": "eu", "trace": "1"}
    assert request.headers["x-trace-id"] == "t-1"
    assert request.headers["idempotency-key"] == "my-key-1"
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    assert request.extensions["timeout"] == httpx.Timeout(12).as_dict()


def test_extra_body_wins_over_known_fields(gw: respx.MockRouter, client: Railwail) -> None:
    # The escape hatch: a value the gateway accepts before the SDK knows it can still be sent.
    route = _mock(gw)
    client.image("flux-schnell", "p", n=1, extra_body={"n": 8, "prompt": "override"})
    assert sent_json(route.calls.last.request) == {
        "model": "flux-schnell",
        "prompt": "override",
        "n": 8,
    }


def test_without_extras_no_query_string(gw: respx.MockRouter, client: Railwail) -> None:
    route = _mock(gw)
    client.image("flux-schnell", "p")
    assert route.calls.last.request.url.query == b""
    assert "x-trace-id" not in route.calls.last.request.headers


# -- the response --------------------------------------------------------------------------------


def _check_answer(res: ImageResponse) -> None:
    assert isinstance(res, ImageResponse)
    assert res.created == 1717171717
    assert len(res.data) == 2
    first, second = res.data
    assert isinstance(first, Image)
    assert first.url == f"{CDN_URL}/img/1.png"
    assert first.b64_json is None
    assert first.revised_prompt == "A ginger cat floating in space"
    assert second.url is None
    assert second.b64_json == "aGVsbG8="
    assert second.revised_prompt is None
    # Fields the gateway added without notice are kept and reachable.
    assert res.usage == {"credits": 3}  # type: ignore[attr-defined]  # an extra field
    assert res.model_extra == {"usage": {"credits": 3}}
    assert second.seed == 1234  # type: ignore[attr-defined]  # an extra field
    assert second.model_extra == {"seed": 1234}
    assert first.model_extra == {}


@pytest.mark.anyio
async def test_response_parsed(gw: respx.MockRouter, rw: Client) -> None:
    _mock(gw, json=ANSWER)
    res = await resolve(rw.image("dall-e-3", "A cat in space"))
    _check_answer(res)
    assert await read(res.data[1], rw) == b"hello"


def _check_meta(res: ImageResponse) -> None:
    assert res.request_id == "req_abc123"
    assert res.rate_limit == RateLimit(
        limit=60, remaining=57, reset=datetime(2026, 1, 1, tzinfo=UTC)
    )
    assert res.rate_limit.reset is not None
    assert res.rate_limit.reset.tzinfo is not None
    assert res.rate_limit.reset.timestamp() == RESET


@pytest.mark.anyio
async def test_request_id_and_rate_limit(gw: respx.MockRouter, rw: Client) -> None:
    _mock(gw, json=ANSWER, headers=META_HEADERS)
    _check_meta(await resolve(rw.image("dall-e-3", "p")))


@pytest.mark.anyio
async def test_meta_absent_is_none(gw: respx.MockRouter, rw: Client) -> None:
    _mock(gw, json=ANSWER)
    res = await resolve(rw.image("dall-e-3", "p"))
    assert res.request_id is None
    assert res.rate_limit is None


def test_partial_rate_limit_headers(gw: respx.MockRouter, client: Railwail) -> None:
    _mock(gw, json=ANSWER, headers={"X-RateLimit-Remaining": "9"})
    res = client.image("dall-e-3", "p")
    assert res.rate_limit == RateLimit(limit=None, remaining=9, reset=None)


# -- argument checks: raised before anything is sent ----------------------------------------------


@pytest.mark.anyio
async def test_bad_arguments_raise_before_sending(gw: respx.MockRouter, rw: Client) -> None:
    # Every check, with its message, is in tests/test_requests.py: this shows the client runs
    # them (arguments and per-call options alike) before any I/O.
    route = _mock(gw)
    with pytest.raises(ValueError, match="n must be an integer from 1 to 4; got 5"):
        await resolve(rw.image("flux-schnell", "a cat", n=5))
    with pytest.raises(ValueError, match="timeout=None would wait forever"):
        await resolve(rw.image("flux-schnell", "a cat", timeout=None))
    assert route.call_count == 0
    assert not gw.calls


# -- 2xx answers that are not an ImageResponse ----------------------------------------------------

MALFORMED: list[tuple[dict[str, Any], object, str]] = [
    ({"json": {"created": 1}}, {"created": 1}, "data"),
    ({"json": {"created": 1, "data": "nope"}}, {"created": 1, "data": "nope"}, "data"),
    ({"json": {"data": [42]}}, {"data": [42]}, "data.0"),
    ({"json": [1, 2]}, [1, 2], "ImageResponse"),
    ({"content": b"<html>Bad gateway</html>"}, "<html>Bad gateway</html>", "ImageResponse"),
    ({"content": b""}, None, "ImageResponse"),
]


@pytest.mark.anyio
@pytest.mark.parametrize(("answer", "body", "where"), MALFORMED)
async def test_malformed_2xx_body(
    gw: respx.MockRouter, rw: Client, answer: dict[str, Any], body: object, where: str
) -> None:
    route = gw.post("/images/generations").respond(200, headers={"x-request-id": "r1"}, **answer)
    with pytest.raises(ResponseValidationError) as info:
        await resolve(rw.image("flux-schnell", "p"))
    assert info.value.body == body
    assert info.value.request_id == "r1"
    assert where in str(info.value)
    assert "POST /api/v1/images/generations" in str(info.value)
    assert route.call_count == 1  # not retried: another attempt would be charged again


def test_empty_data_list_is_valid(gw: respx.MockRouter, client: Railwail) -> None:
    _mock(gw, json={"created": 5, "data": []})
    res = client.image("flux-schnell", "p")
    assert res.created == 5
    assert res.data == []
    assert res._repr_mimebundle_() == {
        "text/html": '<div style="display: flex; flex-wrap: wrap; gap: 8px"></div>',
        "text/plain": "ImageResponse(created=5, data=[])",
    }
