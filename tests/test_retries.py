"""Retries: which answers are retried and how often, how long each wait is, the idempotency key
every POST carries across its attempts, and the pure helpers in ``railwail._retry``."""

from __future__ import annotations

import email.utils
import inspect
import json
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import respx
from tenacity import RetryCallState

from railwail import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AsyncRailwail,
    Railwail,
    RailwailError,
    RateLimitError,
    ServerError,
)
from railwail._retry import RetryPolicy, is_retryable, reset_datetime, retry_after_from_headers
from railwail.testing import record_retry_waits

pytestmark = pytest.mark.anyio

BASE_URL = "http://127.0.0.1:8787/api/v1"  # as in tests/conftest.py
API_KEY = "rw_test_0123456789abcdefghij"
EMBED_URL = f"{BASE_URL}/embeddings"
EMBED_OK = {"object": "list", "data": [{"index": 0, "embedding": [0.5, 0.25]}]}
MODEL_OK = {"id": "flux-schnell", "object": "model", "category": "image"}

Client = Railwail | AsyncRailwail


async def resolve(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


@pytest.fixture(params=["sync", "async"])
async def rw(request: pytest.FixtureRequest, sleeps: list[float]) -> AsyncIterator[Client]:
    if request.param == "sync":
        with Railwail(API_KEY, base_url=BASE_URL) as client:
            record_retry_waits(client, sleeps)
            yield client
    else:
        async with AsyncRailwail(API_KEY, base_url=BASE_URL) as aclient:
            record_retry_waits(aclient, sleeps)
            yield aclient


async def embed(client: Client, **kwargs: Any) -> Any:
    return await resolve(client.embed("text-embedding-3-small", "hello", **kwargs))


def error(status: int, headers: dict[str, str] | None = None) -> httpx.Response:
    body = {"error": {"message": f"status {status}", "type": "t", "code": f"c{status}"}}
    return httpx.Response(status, json=body, headers=headers)


def http_date(seconds_from_now: float) -> str:
    return email.utils.format_datetime(
        datetime.now(UTC) + timedelta(seconds=seconds_from_now), usegmt=True
    )


# -- which answers are retried ------------------------------------------------------------------


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 504])
async def test_retryable_status_is_tried_three_times(
    rw: Client, gw: respx.MockRouter, sleeps: list[float], status: int
) -> None:
    route = gw.post("/embeddings").mock(return_value=error(status))
    with pytest.raises(APIError) as info:
        await embed(rw)
    assert info.value.status == status
    assert info.value.code == f"c{status}"
    assert route.call_count == 3
    assert len(sleeps) == 2
    for call in route.calls:
        assert call.request.method == "POST"
        assert str(call.request.url) == EMBED_URL
        assert json.loads(call.request.content) == {
            "model": "text-embedding-3-small",
            "input": "hello",
            "encoding_format": "base64",
        }


@pytest.mark.parametrize("status", [400, 401, 402, 403, 404, 422])
async def test_non_retryable_status_is_tried_once(
    rw: Client, gw: respx.MockRouter, sleeps: list[float], status: int
) -> None:
    # Even with a retry hint, these are final.
    route = gw.post("/embeddings").mock(return_value=error(status, {"Retry-After": "1"}))
    with pytest.raises(APIError) as info:
        await embed(rw)
    assert info.value.status == status
    assert route.call_count == 1
    assert sleeps == []


async def test_other_4xx_is_not_retried(
    rw: Client, gw: respx.MockRouter, sleeps: list[float]
) -> None:
    route = gw.post("/embeddings").mock(return_value=error(418))
    with pytest.raises(APIError):
        await embed(rw)
    assert route.call_count == 1
    assert sleeps == []


async def test_retry_then_success_returns_the_value(
    rw: Client, gw: respx.MockRouter, sleeps: list[float]
) -> None:
    route = gw.post("/embeddings").mock(
        side_effect=[error(503), error(429), httpx.Response(200, json=EMBED_OK)]
    )
    res = await embed(rw)
    assert res.vectors == [[0.5, 0.25]]
    assert route.call_count == 3
    assert len(sleeps) == 2


async def test_get_is_retried_too(rw: Client, gw: respx.MockRouter, sleeps: list[float]) -> None:
    route = gw.get("/models/flux-schnell").mock(
        side_effect=[error(502), httpx.Response(200, json=MODEL_OK)]
    )
    model = await resolve(rw.models.get("flux-schnell"))
    assert model.id == "flux-schnell"
    assert route.call_count == 2
    assert len(sleeps) == 1


# -- Idempotency-Key ----------------------------------------------------------------------------


async def test_idempotency_key_is_stable_across_attempts(rw: Client, gw: respx.MockRouter) -> None:
    route = gw.post("/embeddings").mock(
        side_effect=[error(500), httpx.ConnectError("reset"), httpx.Response(200, json=EMBED_OK)]
    )
    await embed(rw)
    keys = [call.request.headers.get("Idempotency-Key") for call in route.calls]
    assert len(keys) == 3
    assert keys[0]
    assert keys == [keys[0]] * 3


async def test_idempotency_key_differs_between_calls(rw: Client, gw: respx.MockRouter) -> None:
    route = gw.post("/embeddings").respond(200, json=EMBED_OK)
    await embed(rw)
    await embed(rw)
    first, second = (call.request.headers["Idempotency-Key"] for call in route.calls)
    assert first
    assert second
    assert first != second


async def test_callers_idempotency_key_is_used_verbatim(rw: Client, gw: respx.MockRouter) -> None:
    route = gw.post("/embeddings").mock(
        side_effect=[error(503), httpx.Response(200, json=EMBED_OK)]
    )
    await embed(rw, idempotency_key="order-42/Attempt A")
    assert [c.request.headers["Idempotency-Key"] for c in route.calls] == [
        "order-42/Attempt A",
        "order-42/Attempt A",
    ]


@pytest.mark.parametrize("key", ["", 42])
async def test_bad_idempotency_key(rw: Client, gw: respx.MockRouter, key: object) -> None:
    route = gw.post("/embeddings").respond(200, json=EMBED_OK)
    with pytest.raises(ValueError, match="idempotency_key"):
        await embed(rw, idempotency_key=key)
    assert route.call_count == 0


async def test_idempotency_key_on_every_post_endpoint(rw: Client, gw: respx.MockRouter) -> None:
    images = gw.post("/images/generations").respond(
        200, json={"created": 1, "data": [{"url": "http://127.0.0.2:8788/a.png"}]}
    )
    chat = gw.post("/chat/completions").respond(
        200, json={"choices": [{"message": {"role": "assistant", "content": "hi"}}]}
    )
    await resolve(rw.image("flux-schnell", "a cat"))
    await resolve(rw.chat("gpt-4o", [{"role": "user", "content": "hi"}]))
    assert images.calls.last.request.headers["Idempotency-Key"]
    assert chat.calls.last.request.headers["Idempotency-Key"]


async def test_get_requests_carry_no_idempotency_key(rw: Client, gw: respx.MockRouter) -> None:
    route = gw.get("/models/flux-schnell").mock(
        side_effect=[error(503), httpx.Response(200, json=MODEL_OK)]
    )
    await resolve(rw.models.get("flux-schnell"))
    assert route.call_count == 2
    for call in route.calls:
        assert call.request.method == "GET"
        assert "Idempotency-Key" not in call.request.headers


# -- waits from the server's headers ------------------------------------------------------------


async def test_wait_from_retry_after_ms(
    rw: Client, gw: respx.MockRouter, sleeps: list[float]
) -> None:
    gw.post("/embeddings").mock(return_value=error(503, {"retry-after-ms": "1500"}))
    with pytest.raises(ServerError):
        await embed(rw)
    assert sleeps == [1.5, 1.5]


async def test_retry_after_ms_wins_over_retry_after(
    rw: Client, gw: respx.MockRouter, sleeps: list[float]
) -> None:
    gw.post("/embeddings").mock(
        side_effect=[
            error(429, {"retry-after-ms": "250", "Retry-After": "7"}),
            httpx.Response(200, json=EMBED_OK),
        ]
    )
    await embed(rw)
    assert sleeps == [0.25]


async def test_wait_from_retry_after_seconds(
    rw: Client, gw: respx.MockRouter, sleeps: list[float]
) -> None:
    gw.post("/embeddings").mock(
        side_effect=[
            error(503, {"Retry-After": "2"}),
            error(503, {"Retry-After": "0.5"}),
            httpx.Response(200, json=EMBED_OK),
        ]
    )
    await embed(rw)
    assert sleeps == [2.0, 0.5]


async def test_wait_from_retry_after_http_date(
    rw: Client, gw: respx.MockRouter, sleeps: list[float]
) -> None:
    gw.post("/embeddings").mock(
        side_effect=[error(503, {"Retry-After": http_date(10)}), httpx.Response(200, json=EMBED_OK)]
    )
    await embed(rw)
    assert len(sleeps) == 1
    # HTTP dates have whole seconds: up to 1 s lost to truncation, plus test run time.
    assert 8.0 <= sleeps[0] <= 10.0


async def test_retry_after_in_the_past_means_now(
    rw: Client, gw: respx.MockRouter, sleeps: list[float]
) -> None:
    gw.post("/embeddings").mock(
        side_effect=[
            error(503, {"Retry-After": http_date(-30)}),
            httpx.Response(200, json=EMBED_OK),
        ]
    )
    await embed(rw)
    assert sleeps == [0.0]


async def test_wait_from_rate_limit_reset_on_429(
    rw: Client, gw: respx.MockRouter, sleeps: list[float]
) -> None:
    reset = time.time() + 20
    gw.post("/embeddings").mock(
        side_effect=[
            error(429, {"X-RateLimit-Reset": f"{reset:.3f}", "X-RateLimit-Remaining": "0"}),
            httpx.Response(200, json=EMBED_OK),
        ]
    )
    await embed(rw)
    assert len(sleeps) == 1
    assert 18.0 <= sleeps[0] <= 20.0


async def test_retry_after_wins_over_rate_limit_reset(
    rw: Client, gw: respx.MockRouter, sleeps: list[float]
) -> None:
    gw.post("/embeddings").mock(
        side_effect=[
            error(429, {"Retry-After": "3", "X-RateLimit-Reset": str(int(time.time()) + 40)}),
            httpx.Response(200, json=EMBED_OK),
        ]
    )
    await embed(rw)
    assert sleeps == [3.0]


async def test_rate_limit_reset_is_ignored_on_503(
    rw: Client, gw: respx.MockRouter, sleeps: list[float]
) -> None:
    record_retry_waits(rw, sleeps, jitter=0.0)
    gw.post("/embeddings").mock(
        return_value=error(503, {"X-RateLimit-Reset": str(int(time.time()) + 40)})
    )
    with pytest.raises(ServerError) as info:
        await embed(rw)
    assert info.value.retry_after is None
    assert sleeps == [0.5, 1.0]


@pytest.mark.parametrize(
    "headers",
    [
        {"retry-after-ms": "soon"},
        {"Retry-After": "tomorrow-ish"},
        {"Retry-After": "nan"},
        {"Retry-After": ""},
    ],
)
async def test_malformed_hint_falls_back_to_backoff(
    rw: Client, gw: respx.MockRouter, sleeps: list[float], headers: dict[str, str]
) -> None:
    record_retry_waits(rw, sleeps, jitter=0.0)
    route = gw.post("/embeddings").mock(return_value=error(503, headers))
    with pytest.raises(ServerError):
        await embed(rw)
    assert route.call_count == 3
    assert sleeps == [0.5, 1.0]


# -- the 60 s cap -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "headers", "expected"),
    [
        (429, {"Retry-After": "120"}, 120.0),
        (503, {"Retry-After": "61"}, 61.0),
        (429, {"retry-after-ms": "90000"}, 90.0),
        (429, {"X-RateLimit-Reset": "{in_an_hour}"}, 3600.0),
    ],
)
async def test_wait_over_the_cap_is_not_slept(
    rw: Client,
    gw: respx.MockRouter,
    sleeps: list[float],
    status: int,
    headers: dict[str, str],
    expected: float,
) -> None:
    headers = {k: v.format(in_an_hour=int(time.time()) + 3600) for k, v in headers.items()}
    route = gw.post("/embeddings").mock(return_value=error(status, headers))
    with pytest.raises(APIError) as info:
        await embed(rw)
    assert info.value.status == status
    assert info.value.retry_after is not None
    assert info.value.retry_after == pytest.approx(expected, abs=2.0)
    assert route.call_count == 1
    assert sleeps == []
    assert f"{info.value.retry_after:.1f} s" in str(info.value)


async def test_wait_of_exactly_the_cap_is_slept(
    rw: Client, gw: respx.MockRouter, sleeps: list[float]
) -> None:
    gw.post("/embeddings").mock(
        side_effect=[error(429, {"Retry-After": "60"}), httpx.Response(200, json=EMBED_OK)]
    )
    await embed(rw)
    assert sleeps == [60.0]


async def test_cap_applies_to_a_later_attempt(
    rw: Client, gw: respx.MockRouter, sleeps: list[float]
) -> None:
    route = gw.post("/embeddings").mock(
        side_effect=[error(503, {"Retry-After": "1"}), error(429, {"Retry-After": "300"})]
    )
    with pytest.raises(RateLimitError) as info:
        await embed(rw)
    assert info.value.retry_after == 300.0
    assert route.call_count == 2
    assert sleeps == [1.0]


# -- backoff without hints ----------------------------------------------------------------------


@pytest.mark.parametrize(("rand", "waits"), [(0.0, [0.5, 1.0]), (1.0, [0.375, 0.75])])
async def test_jittered_exponential_backoff(
    rw: Client, gw: respx.MockRouter, sleeps: list[float], rand: float, waits: list[float]
) -> None:
    record_retry_waits(rw, sleeps, jitter=rand)
    gw.post("/embeddings").mock(return_value=error(500))
    with pytest.raises(ServerError):
        await embed(rw)
    assert sleeps == waits


async def test_backoff_ceiling(rw: Client, gw: respx.MockRouter, sleeps: list[float]) -> None:
    derived = rw.with_options(max_retries=7)
    record_retry_waits(derived, sleeps, jitter=0.0)
    route = gw.post("/embeddings").mock(return_value=error(502))
    with pytest.raises(ServerError):
        await embed(derived)
    assert route.call_count == 8
    assert sleeps == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]


# -- max_retries --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_max_retries_zero_makes_one_attempt(
    kind: str, gw: respx.MockRouter, sleeps: list[float]
) -> None:
    route = gw.post("/embeddings").mock(return_value=error(503))
    cls = Railwail if kind == "sync" else AsyncRailwail
    client = cls(API_KEY, base_url=BASE_URL, max_retries=0)
    record_retry_waits(client, sleeps)
    try:
        with pytest.raises(ServerError):
            await embed(client)
    finally:
        if isinstance(client, AsyncRailwail):
            await client.aclose()
        else:
            client.close()
    assert route.call_count == 1
    assert sleeps == []


async def test_max_retries_zero_still_maps_connection_errors(
    rw: Client, gw: respx.MockRouter, sleeps: list[float]
) -> None:
    route = gw.post("/embeddings").mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(APIConnectionError):
        await embed(rw.with_options(max_retries=0))
    assert route.call_count == 1
    assert sleeps == []


async def test_with_options_max_retries(
    rw: Client, gw: respx.MockRouter, sleeps: list[float]
) -> None:
    route = gw.post("/embeddings").mock(return_value=error(504))
    with pytest.raises(ServerError):
        await embed(rw.with_options(max_retries=5))
    assert route.call_count == 6
    assert len(sleeps) == 5
    # The original client keeps its own policy.
    with pytest.raises(ServerError):
        await embed(rw)
    assert route.call_count == 9


# -- transport failures -------------------------------------------------------------------------


async def test_connection_error_is_retried_then_raised(
    rw: Client, gw: respx.MockRouter, sleeps: list[float]
) -> None:
    route = gw.post("/embeddings").mock(side_effect=httpx.ConnectError("Connection refused"))
    with pytest.raises(APIConnectionError) as info:
        await embed(rw)
    err = info.value
    assert type(err) is APIConnectionError
    assert route.call_count == 3
    assert len(sleeps) == 2
    assert err.method == "POST"
    assert err.url == EMBED_URL
    assert "Connection refused" in str(err)
    assert f"(POST {EMBED_URL})" in str(err)
    assert isinstance(err.__cause__, httpx.ConnectError)


async def test_connection_error_then_success(
    rw: Client, gw: respx.MockRouter, sleeps: list[float]
) -> None:
    route = gw.post("/embeddings").mock(
        side_effect=[httpx.RemoteProtocolError("peer closed"), httpx.Response(200, json=EMBED_OK)]
    )
    assert (await embed(rw)).vectors == [[0.5, 0.25]]
    assert route.call_count == 2
    assert len(sleeps) == 1


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (httpx.ReadTimeout, "read timeout"),
        (httpx.ConnectTimeout, "connect timeout"),
        (httpx.WriteTimeout, "write timeout"),
        (httpx.PoolTimeout, "pool timeout"),
    ],
)
async def test_timeout_is_retried_then_raised(
    rw: Client,
    gw: respx.MockRouter,
    sleeps: list[float],
    exc: type[httpx.TimeoutException],
    kind: str,
) -> None:
    route = gw.post("/embeddings").mock(side_effect=exc("timed out"))
    with pytest.raises(APITimeoutError) as info:
        await embed(rw, extra_query={"trace": "1"})
    err = info.value
    assert isinstance(err, APIConnectionError)
    assert route.call_count == 3
    assert len(sleeps) == 2
    assert err.method == "POST"
    assert err.url == EMBED_URL  # the query is left out
    assert str(err).startswith(f"Request timed out ({kind}) (POST {EMBED_URL}). ")
    assert "timeout=" in str(err)


async def test_get_timeout_names_get(rw: Client, gw: respx.MockRouter) -> None:
    gw.get("/models/flux-schnell").mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(APITimeoutError) as info:
        await resolve(rw.models.get("flux-schnell"))
    assert info.value.method == "GET"
    assert f"GET {BASE_URL}/models/flux-schnell" in str(info.value)


async def test_closed_client_is_not_retried(
    rw: Client, gw: respx.MockRouter, sleeps: list[float]
) -> None:
    route = gw.post("/embeddings").respond(200, json=EMBED_OK)
    if isinstance(rw, AsyncRailwail):
        await rw.aclose()
    else:
        rw.close()
    with pytest.raises(RailwailError, match="closed"):
        await embed(rw)
    assert route.call_count == 0
    assert sleeps == []


# -- the pure helpers ---------------------------------------------------------------------------

NOW = 1_700_000_000.0


def headers(**values: str) -> httpx.Headers:
    return httpx.Headers({k.replace("_", "-"): v for k, v in values.items()})


@pytest.mark.parametrize(
    ("hdrs", "status", "expected"),
    [
        ({}, 503, None),
        ({"retry-after-ms": "1500"}, 503, 1.5),
        ({"Retry-After-Ms": "20"}, 500, 0.02),
        ({"retry-after-ms": "-5"}, 503, 0.0),
        ({"retry-after-ms": "abc", "Retry-After": "4"}, 503, 4.0),
        ({"retry-after-ms": "inf", "Retry-After": "4"}, 503, 4.0),
        ({"Retry-After": "7"}, 503, 7.0),
        ({"Retry-After": "2.5"}, 429, 2.5),
        ({"Retry-After": "-1"}, 503, 0.0),
        ({"Retry-After": "soon"}, 503, None),
        ({"Retry-After": "nan"}, 503, None),
        ({"Retry-After": "inf"}, 503, None),
        ({"Retry-After": ""}, 503, None),
        ({"Retry-After": "Tue, 14 Nov 2023 22:13:50 GMT"}, 503, 30.0),
        ({"Retry-After": "Tue, 14 Nov 2023 22:13:50 +0100"}, 503, 0.0),
        ({"Retry-After": "Tue, 14 Nov 2023 22:13:50"}, 503, 30.0),  # no zone: read as UTC
        ({"Retry-After": "Mon, 13 Nov 2023 22:13:20 GMT"}, 503, 0.0),  # in the past
        ({"Retry-After": "Tue, 99 Foo 2023 99:99:99 GMT"}, 503, None),
        ({"X-RateLimit-Reset": "1700000045"}, 429, 45.0),
        ({"X-RateLimit-Reset": "1700000045"}, 503, None),
        ({"X-RateLimit-Reset": "1699999000"}, 429, 0.0),
        ({"X-RateLimit-Reset": "tomorrow"}, 429, None),
        ({"Retry-After": "2", "X-RateLimit-Reset": "1700000045"}, 429, 2.0),
        ({"Retry-After": "junk", "X-RateLimit-Reset": "1700000045"}, 429, 45.0),
    ],
)
def test_retry_after_from_headers(
    hdrs: dict[str, str], status: int, expected: float | None
) -> None:
    assert retry_after_from_headers(httpx.Headers(hdrs), status, now=NOW) == (
        pytest.approx(expected) if expected is not None else None
    )


def test_retry_after_from_headers_defaults_to_the_clock() -> None:
    waited = retry_after_from_headers(
        httpx.Headers({"X-RateLimit-Reset": str(time.time() + 30)}), 429
    )
    assert waited is not None
    assert 28.0 <= waited <= 30.0


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1700000000", datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)),
        ("1700000000.5", datetime(2023, 11, 14, 22, 13, 20, 500000, tzinfo=UTC)),
        (None, None),
        ("", None),
        ("later", None),
        ("nan", None),
        ("1e30", None),
    ],
)
def test_reset_datetime(value: str | None, expected: datetime | None) -> None:
    hdrs = httpx.Headers({} if value is None else {"X-RateLimit-Reset": value})
    result = reset_datetime(hdrs)
    assert result == expected
    if result is not None:
        assert result.tzinfo is not None
        assert result.utcoffset() == timedelta(0)


def api_error(status: int, retry_after: float | None = None) -> APIError:
    return APIError("x", status=status, retry_after=retry_after)


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (APIConnectionError("refused"), True),
        (APITimeoutError("slow"), True),
        *[(api_error(s), True) for s in (408, 409, 429, 500, 502, 503, 504)],
        *[(api_error(s), False) for s in (400, 401, 402, 403, 404, 422, 418, 301)],
        (RateLimitError("x", status=429, retry_after=60.0), True),
        (RateLimitError("x", status=429, retry_after=60.01), False),
        (api_error(503, retry_after=0.0), True),
        (api_error(503, retry_after=3600.0), False),
        (RailwailError("closed"), False),
        (ValueError("bad argument"), False),
        (httpx.ConnectError("raw httpx error"), False),
    ],
)
def test_is_retryable(exc: BaseException, expected: bool) -> None:
    assert is_retryable(exc) is expected


def test_is_retryable_with_another_cap() -> None:
    assert is_retryable(api_error(429, retry_after=100.0), max_retry_after=120.0) is True
    assert is_retryable(api_error(429, retry_after=100.0), max_retry_after=10.0) is False


@pytest.mark.parametrize(
    ("rand", "expected"),
    [
        (0.0, [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]),
        (1.0, [0.375, 0.75, 1.5, 3.0, 6.0, 6.0, 6.0]),
        (0.5, [0.4375, 0.875, 1.75, 3.5, 7.0, 7.0, 7.0]),
    ],
)
def test_backoff(rand: float, expected: list[float]) -> None:
    policy = RetryPolicy(max_retries=2, random=lambda: rand)
    assert [policy.backoff(n) for n in range(7)] == expected


def test_backoff_stays_in_its_band_with_real_jitter() -> None:
    policy = RetryPolicy(max_retries=2)
    for n in range(10):
        full = min(0.5 * 2**n, 8.0)
        for _ in range(20):
            assert 0.75 * full <= policy.backoff(n) <= full


def _state(exc: BaseException, attempt: int) -> RetryCallState:
    state = RetryCallState(retry_object=None, fn=None, args=(), kwargs={})  # type: ignore[arg-type]
    state.attempt_number = attempt
    state.set_exception((type(exc), exc, None))
    return state


def test_policy_wait_prefers_the_server_hint() -> None:
    # Tenacity runs the retries only (the first attempt runs before it), so its attempt n is
    # the call's retry n, waited for with backoff(n): 0.5 s went before the first retry.
    policy = RetryPolicy(max_retries=2, random=lambda: 0.0)
    assert policy.wait(_state(api_error(503, retry_after=4.0), 1)) == 4.0
    assert policy.wait(_state(api_error(503), 1)) == 1.0
    assert policy.wait(_state(api_error(503), 3)) == 4.0
    assert policy.wait(_state(APIConnectionError("x"), 2)) == 2.0


def test_first_retry_delay() -> None:
    policy = RetryPolicy(max_retries=2, random=lambda: 0.0)
    assert policy.first_retry_delay(api_error(503)) == 0.5
    assert policy.first_retry_delay(api_error(429, retry_after=3.0)) == 3.0
    assert policy.first_retry_delay(api_error(429, retry_after=61.0)) is None  # over the cap
    assert policy.first_retry_delay(api_error(400)) is None
    assert RetryPolicy(max_retries=0).first_retry_delay(api_error(503)) is None


def test_policy_sleeps_through_the_injected_functions() -> None:
    slept: list[float] = []
    calls: list[int] = []
    policy = RetryPolicy(max_retries=3, sleep=slept.append, random=lambda: 0.0)

    # policy.retrying() drives the retries that follow a failed first attempt: up to
    # max_retries of them, waiting backoff(1), backoff(2), ... between them.
    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise APIConnectionError("reset")
        return "done"

    result: Callable[[], str] = flaky
    for attempt in policy.retrying():
        with attempt:
            value = result()
    assert value == "done"
    assert len(calls) == 3
    assert slept == [1.0, 2.0]


async def test_record_retry_waits_returns_its_own_list_and_checks_jitter(
    gw: respx.MockRouter,
) -> None:
    gw.post(EMBED_URL).mock(
        side_effect=[error(503), error(503), httpx.Response(200, json=EMBED_OK)]
    )
    with Railwail(API_KEY, base_url=BASE_URL) as client:
        waits = record_retry_waits(client, jitter=0.0)
        client.embed("text-embedding-3-small", "hello")
        assert waits == [0.5, 1.0]
        assert record_retry_waits(client.with_options(timeout=5)) == []
        with pytest.raises(ValueError, match="jitter must be from 0 to 1"):
            record_retry_waits(client, jitter=1.5)
