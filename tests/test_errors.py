"""Error mapping: every status to its class, the attributes, ``str()``, odd bodies, pickling."""

from __future__ import annotations

import json
import pickle
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import respx

from railwail import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    BudgetExceededError,
    InsufficientCreditsError,
    NotFoundError,
    PermissionDeniedError,
    RailwailError,
    RateLimitError,
    ResponseValidationError,
    ServerError,
    UnprocessableEntityError,
)
from support import API_KEY, BASE_URL, EMBED_OK, Client, resolve

pytestmark = pytest.mark.anyio


@pytest.fixture
def rw(rw: Client) -> Client:
    """The shared twin (tests/conftest.py), never retrying: each test sees the first answer."""
    return rw.with_options(max_retries=0)


async def embed(client: Client) -> Any:
    return await resolve(client.embed("text-embedding-3-small", "hello"))


def envelope(message: str, type: str, code: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": type, "code": code}}


STATUS_CLASSES: list[tuple[int, type[APIError], str, str]] = [
    (400, BadRequestError, "invalid_request_error", "bad_request"),
    (401, AuthenticationError, "authentication_error", "invalid_api_key"),
    (402, InsufficientCreditsError, "billing_error", "insufficient_credits"),
    (403, PermissionDeniedError, "permission_error", "forbidden"),
    (404, NotFoundError, "not_found_error", "model_not_found"),
    (422, UnprocessableEntityError, "invalid_request_error", "unprocessable"),
    (429, RateLimitError, "rate_limit_error", "rate_limit_exceeded"),
    (500, ServerError, "api_error", "internal_error"),
    (502, ServerError, "api_error", "bad_gateway"),
    (503, ServerError, "api_error", "unavailable"),
    (504, ServerError, "api_error", "timeout"),
    (418, APIError, "teapot_error", "teapot"),
]


@pytest.mark.parametrize(("status", "cls", "etype", "code"), STATUS_CLASSES)
async def test_status_maps_to_class_with_attributes(
    rw: Client,
    gw: respx.MockRouter,
    status: int,
    cls: type[APIError],
    etype: str,
    code: str,
) -> None:
    body = envelope(f"something about {status}", etype, code)
    route = gw.post("/embeddings").respond(
        status, json=body, headers={"x-request-id": f"req_{status}", "X-Custom": "kept"}
    )
    with pytest.raises(APIError) as info:
        await embed(rw)
    err = info.value
    assert type(err) is cls
    assert isinstance(err, RailwailError)
    assert err.status == status
    assert err.type == etype
    assert err.code == code
    assert err.message == f"something about {status}"
    assert err.request_id == f"req_{status}"
    assert err.body == body
    assert err.headers["x-custom"] == "kept"
    assert err.headers["x-request-id"] == f"req_{status}"
    assert str(err).startswith(
        f"{status} {code}: something about {status} (request_id=req_{status})"
    )
    assert route.call_count == 1
    request = route.calls.last.request
    assert request.method == "POST"
    assert json.loads(request.content) == {
        "model": "text-embedding-3-small",
        "input": "hello",
        "encoding_format": "base64",
    }


def test_the_tree() -> None:
    for cls in (
        BadRequestError,
        AuthenticationError,
        InsufficientCreditsError,
        PermissionDeniedError,
        NotFoundError,
        UnprocessableEntityError,
        RateLimitError,
        ServerError,
    ):
        assert issubclass(cls, APIError)
        assert issubclass(cls, RailwailError)
    assert issubclass(APIError, RailwailError)
    assert issubclass(APITimeoutError, APIConnectionError)
    assert issubclass(APIConnectionError, RailwailError)
    assert not issubclass(APIConnectionError, APIError)
    assert issubclass(ResponseValidationError, RailwailError)
    assert not issubclass(ResponseValidationError, APIError)


async def test_get_error_is_mapped_too(rw: Client, gw: respx.MockRouter) -> None:
    route = gw.get("/models/no-such-model").respond(
        404,
        json=envelope("Model 'no-such-model' not found", "not_found_error", "model_not_found"),
        headers={"x-request-id": "req_404"},
    )
    with pytest.raises(NotFoundError) as info:
        await resolve(rw.models.get("no-such-model"))
    assert info.value.message == "Model 'no-such-model' not found"
    assert "rw.models.list()" in str(info.value)
    assert route.calls.last.request.method == "GET"


# -- str() ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "etype", "code", "message", "request_id", "hint"),
    [
        (
            401,
            "authentication_error",
            "invalid_api_key",
            "Invalid API key provided",
            "req_123",
            "RAILWAIL_API_KEY",
        ),
        (402, "billing_error", "insufficient_credits", "Not enough credits", "req_402", "billing"),
        (404, "not_found_error", "model_not_found", "Model not found", None, "models.list"),
    ],
    ids=["401-points-at-the-key", "402-points-at-billing", "404-points-at-models-list"],
)
async def test_str_is_the_answer_then_what_to_do(
    rw: Client,
    gw: respx.MockRouter,
    status: int,
    etype: str,
    code: str,
    message: str,
    request_id: str | None,
    hint: str,
) -> None:
    headers = {"x-request-id": request_id} if request_id else {}
    gw.post("/embeddings").respond(status, json=envelope(message, etype, code), headers=headers)
    with pytest.raises(APIError) as info:
        await embed(rw)
    text = str(info.value)
    shown_id = f" (request_id={request_id})" if request_id else ""
    prefix = f"{status} {code}: {message}{shown_id}. "
    assert text.startswith(prefix)
    assert hint in text[len(prefix) :]
    if request_id is None:
        assert "request_id" not in text


async def test_str_without_code_uses_type(rw: Client, gw: respx.MockRouter) -> None:
    gw.post("/embeddings").respond(
        400, json={"error": {"message": "prompt is required", "type": "invalid_request_error"}}
    )
    with pytest.raises(BadRequestError) as info:
        await embed(rw)
    assert info.value.code is None
    assert str(info.value).startswith("400 invalid_request_error: prompt is required. ")


async def test_request_id_header_variant(rw: Client, gw: respx.MockRouter) -> None:
    gw.post("/embeddings").respond(
        500, json=envelope("boom", "api_error", "internal_error"), headers={"request-id": "r-9"}
    )
    with pytest.raises(ServerError) as info:
        await embed(rw)
    assert info.value.request_id == "r-9"
    assert "(request_id=r-9)" in str(info.value)


# -- bodies that are not the envelope -----------------------------------------------------------


async def test_html_body(rw: Client, gw: respx.MockRouter) -> None:
    html = "<html><body><h1>502 Bad Gateway</h1></body></html>"
    gw.post("/embeddings").respond(502, text=html, headers={"content-type": "text/html"})
    with pytest.raises(ServerError) as info:
        await embed(rw)
    err = info.value
    assert err.status == 502
    assert err.message == "Bad Gateway"
    assert err.body == html
    assert err.type is None
    assert err.code is None
    assert str(err).startswith("502: Bad Gateway. ")


async def test_empty_body(rw: Client, gw: respx.MockRouter) -> None:
    gw.post("/embeddings").respond(503)
    with pytest.raises(ServerError) as info:
        await embed(rw)
    err = info.value
    assert err.status == 503
    assert err.message == "Service Unavailable"
    assert err.body is None  # documented: None when the body was empty
    assert str(err).startswith("503: Service Unavailable. ")


async def test_truncated_json_body(rw: Client, gw: respx.MockRouter) -> None:
    raw = '{"error": {"message": "Invalid API ke'
    gw.post("/embeddings").respond(
        401, content=raw.encode(), headers={"content-type": "application/json"}
    )
    with pytest.raises(AuthenticationError) as info:
        await embed(rw)
    err = info.value
    assert err.message == "Unauthorized"
    assert err.body == raw
    assert err.code is None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"error": "plain string error"}, "plain string error"),
        ({"message": "no envelope", "code": "x"}, "no envelope"),
        ({"error": {"message": ""}}, "Bad Request"),
        ({"error": {"message": 42}}, "Bad Request"),
        (["a", "list"], "Bad Request"),
        ("just a string", "Bad Request"),
    ],
)
async def test_odd_json_bodies(rw: Client, gw: respx.MockRouter, body: Any, message: str) -> None:
    gw.post("/embeddings").respond(400, json=body)
    with pytest.raises(BadRequestError) as info:
        await embed(rw)
    assert info.value.message == message
    assert info.value.body == body


async def test_unknown_status_reason(rw: Client, gw: respx.MockRouter) -> None:
    gw.post("/embeddings").respond(499)
    with pytest.raises(APIError) as info:
        await embed(rw)
    assert type(info.value) is APIError
    assert info.value.status == 499
    assert info.value.message == "HTTP error"


# -- redirects ----------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 307, 308])
async def test_redirect_is_an_error_that_says_to_fix_base_url(
    rw: Client, gw: respx.MockRouter, status: int
) -> None:
    route = gw.post("/embeddings").respond(
        status, headers={"Location": "https://railwail.com/api/v1/embeddings"}
    )
    other = gw.route(host="railwail.com").respond(200, json=EMBED_OK)
    with pytest.raises(APIError) as info:
        await embed(rw)
    err = info.value
    assert type(err) is APIError
    assert err.status == status
    assert "base_url" in err.message
    assert "https://railwail.com/api/v1/embeddings" in err.message
    assert "base_url" in str(err)
    assert route.call_count == 1
    assert other.call_count == 0  # not followed: the key must not travel to another URL


# -- 2xx bodies that break the promise ----------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "body"),
    [
        (b'{"data": "not a list"}', {"data": "not a list"}),
        (b'{"object": "list"}', {"object": "list"}),
        (b"<html>maintenance</html>", "<html>maintenance</html>"),
        (b'{"data": [', '{"data": ['),
        (b"", None),
    ],
)
async def test_invalid_2xx_body(
    rw: Client, gw: respx.MockRouter, content: bytes, body: object
) -> None:
    route = gw.post("/embeddings").respond(
        200, content=content, headers={"x-request-id": "req_bad"}
    )
    with pytest.raises(ResponseValidationError) as info:
        await embed(rw)
    err = info.value
    assert err.body == body
    assert err.request_id == "req_bad"
    assert "/embeddings" in str(err)
    assert "EmbeddingResponse" in str(err)
    # .body is pointed to only when there is one (an empty answer has none).
    kept = ". The raw answer is kept in .body" if body is not None else ""
    assert str(err).endswith(f"(request_id=req_bad){kept}")
    assert route.call_count == 1


async def test_invalid_2xx_body_is_not_retried(
    make_client: Callable[..., Client], gw: respx.MockRouter, sleeps: list[float]
) -> None:
    route = gw.post("/embeddings").respond(200, json={"data": 1})
    with pytest.raises(ResponseValidationError):
        await embed(make_client(API_KEY, max_retries=3))
    assert route.call_count == 1  # another attempt would be charged again
    assert sleeps == []


# -- rate limits --------------------------------------------------------------------------------


async def test_rate_limit_reset_is_an_aware_datetime(rw: Client, gw: respx.MockRouter) -> None:
    reset = int(time.time()) + 30
    gw.post("/embeddings").respond(
        429,
        json=envelope("Rate limit exceeded", "rate_limit_error", "rate_limit_exceeded"),
        headers={
            "X-RateLimit-Limit": "10",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": str(reset),
        },
    )
    with pytest.raises(RateLimitError) as info:
        await embed(rw)
    err = info.value
    assert err.reset == datetime.fromtimestamp(reset, tz=UTC)
    assert err.reset is not None
    assert err.reset.tzinfo is not None
    assert err.reset.utcoffset() is not None
    assert err.retry_after is not None
    assert 27 <= err.retry_after <= 30
    assert "Retry after" in str(err)


async def test_rate_limit_without_headers(rw: Client, gw: respx.MockRouter) -> None:
    gw.post("/embeddings").respond(429)
    with pytest.raises(RateLimitError) as info:
        await embed(rw)
    assert info.value.reset is None
    assert info.value.retry_after is None
    assert info.value.message == "Too Many Requests"
    assert "backoff" in str(info.value)


# -- pickling -----------------------------------------------------------------------------------


async def test_api_errors_survive_pickle(rw: Client, gw: respx.MockRouter) -> None:
    reset = int(time.time()) + 20
    gw.post("/embeddings").respond(
        429,
        json=envelope("Slow down", "rate_limit_error", "rate_limit_exceeded"),
        headers={"x-request-id": "req_p", "Retry-After": "3", "X-RateLimit-Reset": str(reset)},
    )
    with pytest.raises(RateLimitError) as info:
        await embed(rw)
    err = info.value
    copy = pickle.loads(pickle.dumps(err))
    assert type(copy) is RateLimitError
    for name in ("status", "type", "code", "message", "request_id", "body", "headers"):
        assert getattr(copy, name) == getattr(err, name), name
    assert copy.retry_after == 3.0
    assert copy.reset == datetime.fromtimestamp(reset, tz=UTC)
    assert str(copy) == str(err)


def test_a_validation_error_points_to_body_only_when_it_has_one() -> None:
    assert str(ResponseValidationError("no image", request_id="req_1")) == (
        "no image (request_id=req_1)"
    )
    assert str(ResponseValidationError("bad", body="")) == ("bad. The raw answer is kept in .body")


@pytest.mark.parametrize(
    "err",
    [
        AuthenticationError(
            "Invalid API key provided",
            status=401,
            type="authentication_error",
            code="invalid_api_key",
            request_id="req_1",
            body={"error": {"message": "Invalid API key provided"}},
            headers={"x-request-id": "req_1"},
        ),
        ServerError("Bad Gateway", status=502, body="<html></html>", retry_after=1.5),
        APIError("redirected", status=301),
        APIConnectionError(
            "Connection error: refused", method="POST", url=f"{BASE_URL}/embeddings"
        ),
        APITimeoutError("Request timed out (read timeout)", method="GET", url=f"{BASE_URL}/models"),
        ResponseValidationError("bad body", body={"data": 1}, request_id="req_v"),
        BudgetExceededError("over budget", estimate=25.0, max_credits=24, images=5),
    ],
    ids=lambda e: type(e).__name__,
)
def test_errors_survive_pickle(err: RailwailError) -> None:
    copy = pickle.loads(pickle.dumps(err))
    assert type(copy) is type(err)
    assert str(copy) == str(err)
    assert vars(copy) == vars(err)
