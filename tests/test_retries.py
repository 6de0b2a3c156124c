"""Retries: which answers are retried and how often, how long each wait is, the idempotency key
every POST carries across its attempts, and the pure helpers in ``railwail._retry``."""

from __future__ import annotations

import email.utils
import json
import math
import time
from collections.abc import Callable
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
    Railwail,
    RailwailError,
    RateLimitError,
    ServerError,
)
from railwail._headers import reset_datetime, retry_after_from_headers
from railwail._retry import RetryPolicy, is_retryable
from railwail.testing import record_retry_waits
from railwail.types import AsyncChatStream, ChatStream
from support import (
    API_KEY,
    BASE_URL,
    CHAT_OK,
    EMBED_OK,
    EMBED_URL,
    IMAGES_OK,
    MESSAGES,
    MODEL_OK,
    STREAM_OK,
    Client,
    resolve,
)

pytestmark = pytest.mark.anyio


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
    assert res.vectors == [[0.25, -0.5]]
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


async def _result(value: Any) -> Any:
    """What a call gave, read to the end: a stream's whole text."""
    value = await resolve(value)
    if isinstance(value, ChatStream | AsyncChatStream):
        return await resolve(value.final_text())
    return value


SSE = "text/event-stream"

# Every POST the SDK makes: (path, the call, its good answer, what the call then returns).
POST_ENDPOINTS = [
    pytest.param(
        "/images/generations",
        lambda rw: rw.image("flux-schnell", "a cat"),
        lambda: httpx.Response(200, json=IMAGES_OK),
        lambda res: res.data[0].url == IMAGES_OK["data"][0]["url"],
        id="images",
    ),
    pytest.param(
        "/chat/completions",
        lambda rw: rw.chat("gpt-4o", MESSAGES),
        lambda: httpx.Response(200, json=CHAT_OK),
        lambda res: res.text == "42",
        id="chat",
    ),
    pytest.param(
        "/chat/completions",
        lambda rw: rw.chat("gpt-4o", MESSAGES, stream=True),
        lambda: httpx.Response(
            200, content=STREAM_OK, headers={"content-type": "text/event-stream"}
        ),
        lambda text: text == "42",
        id="chat-stream",
    ),
    pytest.param(
        "/embeddings",
        lambda rw: rw.embed("text-embedding-3-small", "hello"),
        lambda: httpx.Response(200, json=EMBED_OK),
        lambda res: res.vectors == [[0.25, -0.5]],
        id="embeddings",
    ),
]


@pytest.mark.parametrize(("path", "call", "answer", "returned"), POST_ENDPOINTS)
async def test_idempotency_key_on_every_post_endpoint(
    rw: Client,
    gw: respx.MockRouter,
    sleeps: list[float],
    path: str,
    call: Callable[[Client], Any],
    answer: Callable[[], httpx.Response],
    returned: Callable[[Any], bool],
) -> None:
    # One key per call, generated, and the same on the retry, so a gateway that dedupes charges
    # once whichever endpoint it is.
    route = gw.post(path).mock(side_effect=[error(503), answer()])
    assert returned(await _result(call(rw)))
    assert route.call_count == 2
    assert len(sleeps) == 1
    keys = [c.request.headers.get("Idempotency-Key") for c in route.calls]
    assert keys[0] is not None
    assert keys[0].startswith("rw-")
    assert keys == [keys[0], keys[0]]


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


def _epoch_in(seconds: float) -> str:
    # Rounded down to the millisecond: rounding up would put the hint past `seconds`.
    return f"{math.floor((time.time() + seconds) * 1000) / 1000:.3f}"


# (status, headers of the failed answer, made when the test runs; the wait they ask for, as
# bounds where a clock is involved)
HINTS = [
    pytest.param(503, lambda: {"retry-after-ms": "1500"}, 1.5, 1.5, id="retry-after-ms"),
    pytest.param(
        429,
        lambda: {"retry-after-ms": "250", "Retry-After": "7"},
        0.25,
        0.25,
        id="retry-after-ms-wins-over-retry-after",
    ),
    # HTTP dates have whole seconds: up to 1 s lost to truncation, plus test run time.
    pytest.param(503, lambda: {"Retry-After": http_date(10)}, 8.0, 10.0, id="http-date"),
    # A moment already past is no usable hint: the backoff applies (0.5 s less jitter).
    pytest.param(503, lambda: {"Retry-After": http_date(-30)}, 0.375, 0.5, id="date-in-the-past"),
    pytest.param(
        429,
        lambda: {"X-RateLimit-Reset": _epoch_in(20), "X-RateLimit-Remaining": "0"},
        18.0,
        20.0,
        id="rate-limit-reset-on-429",
    ),
    pytest.param(
        429,
        lambda: {"Retry-After": "3", "X-RateLimit-Reset": _epoch_in(40)},
        3.0,
        3.0,
        id="retry-after-wins-over-rate-limit-reset",
    ),
]


@pytest.mark.parametrize(("status", "headers", "low", "high"), HINTS)
async def test_wait_follows_the_servers_hint(
    rw: Client,
    gw: respx.MockRouter,
    sleeps: list[float],
    status: int,
    headers: Callable[[], dict[str, str]],
    low: float,
    high: float,
) -> None:
    route = gw.post("/embeddings").mock(
        side_effect=[error(status, headers()), httpx.Response(200, json=EMBED_OK)]
    )
    assert (await embed(rw)).vectors == [[0.25, -0.5]]
    assert route.call_count == 2
    assert len(sleeps) == 1
    assert low <= sleeps[0] <= high


async def test_each_retry_waits_for_its_own_answers_hint(
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


async def test_max_retries_zero_makes_one_attempt(
    make_client: Callable[..., Client], gw: respx.MockRouter, sleeps: list[float]
) -> None:
    route = gw.post("/embeddings").mock(return_value=error(503))
    with pytest.raises(ServerError):
        await embed(make_client(API_KEY, max_retries=0))
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
    # How many attempts were made (the waits were recorded, not slept: no time passed).
    assert f"(POST {EMBED_URL}; 3 attempts over 0.0 s). " in str(err)
    assert (err.attempts, err.elapsed) == (3, pytest.approx(0.0, abs=0.5))
    assert isinstance(err.__cause__, httpx.ConnectError)


async def test_connection_error_then_success(
    rw: Client, gw: respx.MockRouter, sleeps: list[float]
) -> None:
    route = gw.post("/embeddings").mock(
        side_effect=[httpx.RemoteProtocolError("peer closed"), httpx.Response(200, json=EMBED_OK)]
    )
    assert (await embed(rw)).vectors == [[0.25, -0.5]]
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
    assert str(err).startswith(f"Request timed out ({kind}) (POST {EMBED_URL}; 3 attempts over ")
    assert "timeout=" in str(err)


async def test_get_timeout_names_get(rw: Client, gw: respx.MockRouter) -> None:
    gw.get("/models/flux-schnell").mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(APITimeoutError) as info:
        await resolve(rw.models.get("flux-schnell"))
    assert info.value.method == "GET"
    assert f"GET {BASE_URL}/models/flux-schnell" in str(info.value)


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
        ({"retry-after-ms": "-5"}, 503, None),  # negative: no hint, the backoff applies
        ({"retry-after-ms": "-5", "Retry-After": "3"}, 503, 3.0),
        ({"retry-after-ms": "abc", "Retry-After": "4"}, 503, 4.0),
        ({"retry-after-ms": "inf", "Retry-After": "4"}, 503, 4.0),
        ({"Retry-After": "7"}, 503, 7.0),
        ({"Retry-After": "2.5"}, 429, 2.5),
        ({"Retry-After": "-1"}, 503, None),
        ({"Retry-After": "0"}, 503, 0.0),  # "now" is a hint of its own
        ({"Retry-After": "soon"}, 503, None),
        ({"Retry-After": "nan"}, 503, None),
        ({"Retry-After": "inf"}, 503, None),
        ({"Retry-After": ""}, 503, None),
        ({"Retry-After": "Tue, 14 Nov 2023 22:13:50 GMT"}, 503, 30.0),
        ({"Retry-After": "Tue, 14 Nov 2023 22:13:50 +0100"}, 503, None),  # an hour ago
        ({"Retry-After": "Tue, 14 Nov 2023 22:13:50"}, 503, 30.0),  # no zone: read as UTC
        ({"Retry-After": "Mon, 13 Nov 2023 22:13:20 GMT"}, 503, None),  # in the past
        ({"Retry-After": "Tue, 99 Foo 2023 99:99:99 GMT"}, 503, None),
        ({"X-RateLimit-Reset": "1700000045"}, 429, 45.0),
        ({"X-RateLimit-Reset": "1700000045"}, 503, None),
        ({"X-RateLimit-Reset": "1699999000"}, 429, None),  # in the past
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
