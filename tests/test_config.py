"""Client construction: the key, the base URL, headers, timeouts, retries, ``with_options``,
the connection pool's lifetime, and what ``import railwail`` does (nothing)."""

from __future__ import annotations

import dataclasses
import inspect
import json
import pickle
import sys
import warnings
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio
import httpx
import pytest
import respx

import railwail
from railwail import (
    AsyncRailwail,
    InsecureBaseURLWarning,
    Railwail,
    RailwailError,
    __version__,
)

# Same values as tests/conftest.py (not imported: tests/testing has a conftest.py too).
BASE_URL = "http://127.0.0.1:8787/api/v1"
API_KEY = "rw_test_0123456789abcdefghij"
EMBED_URL = BASE_URL + "/embeddings"
EMBED_OK = {
    "object": "list",
    "data": [{"object": "embedding", "index": 0, "embedding": [0.25, -0.5]}],
    "model": "text-embedding-3-small",
}

Client = Railwail | AsyncRailwail
CLASSES: dict[str, type[Railwail] | type[AsyncRailwail]] = {
    "sync": Railwail,
    "async": AsyncRailwail,
}
both = pytest.mark.parametrize("kind", ["sync", "async"])
pytestmark = pytest.mark.anyio
_made: list[Client] = []


def make(kind: str, *args: Any, **kwargs: Any) -> Client:
    """A client closed after the test by ``_close_made`` (closing twice is harmless)."""
    kwargs.setdefault("base_url", BASE_URL)
    client = CLASSES[kind](*args, **kwargs)
    _made.append(client)
    return client


async def resolve(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


async def aclose(client: Client) -> None:
    if isinstance(client, AsyncRailwail):
        await client.aclose()
    else:
        client.close()


async def embed(client: Client, **kwargs: Any) -> Any:
    return await resolve(client.embed("text-embedding-3-small", "hello", **kwargs))


@pytest.fixture(autouse=True)
async def _close_made() -> AsyncIterator[None]:
    yield
    while _made:
        await aclose(_made.pop())


@pytest.fixture
def gw() -> Iterator[respx.MockRouter]:
    """Any URL on any host: lets a test see exactly which URL the SDK asked for."""
    with respx.mock(assert_all_called=False) as router:
        yield router


@pytest.fixture
def ok(gw: respx.MockRouter) -> respx.Route:
    return gw.post(EMBED_URL).respond(200, json=EMBED_OK)


@pytest.fixture(params=["sync", "async"])
async def rw(request: pytest.FixtureRequest) -> AsyncIterator[Client]:
    client = make(request.param, API_KEY)
    try:
        yield client
    finally:
        await aclose(client)


def sent(route: respx.Route) -> httpx.Request:
    request: httpx.Request = route.calls.last.request
    return request


# -- the API key --------------------------------------------------------------------------------


@both
async def test_key_from_argument_is_sent_as_bearer(kind: str, ok: respx.Route) -> None:
    client = make(kind, API_KEY)
    try:
        res = await embed(client)
    finally:
        await aclose(client)
    assert res.vectors == [[0.25, -0.5]]
    assert sent(ok).headers["Authorization"] == f"Bearer {API_KEY}"
    assert sent(ok).method == "POST"
    assert str(sent(ok).url) == EMBED_URL
    assert json.loads(sent(ok).content) == {
        "model": "text-embedding-3-small",
        "input": "hello",
        "encoding_format": "base64",
    }


@both
async def test_key_from_environment(
    kind: str, ok: respx.Route, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAILWAIL_API_KEY", "rw_test_from_the_environment_42")
    client = make(kind)
    try:
        await embed(client)
        assert "(from RAILWAIL_API_KEY)" in repr(client)
    finally:
        await aclose(client)
    assert sent(ok).headers["Authorization"] == "Bearer rw_test_from_the_environment_42"


@both
async def test_argument_wins_over_environment(
    kind: str, ok: respx.Route, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAILWAIL_API_KEY", "rw_test_from_the_environment_42")
    client = make(kind, API_KEY)
    try:
        await embed(client)
        assert "(from api_key=)" in repr(client)
    finally:
        await aclose(client)
    assert sent(ok).headers["Authorization"] == f"Bearer {API_KEY}"


@both
async def test_key_surrounding_whitespace_is_stripped(
    kind: str, ok: respx.Route, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `export RAILWAIL_API_KEY=$(cat key.txt)` leaves a newline behind.
    monkeypatch.setenv("RAILWAIL_API_KEY", f"  {API_KEY}\n")
    client = make(kind)
    try:
        await embed(client)
    finally:
        await aclose(client)
    assert sent(ok).headers["Authorization"] == f"Bearer {API_KEY}"


async def test_factory_builds_a_sync_client(ok: respx.Route) -> None:
    with railwail.railwail(API_KEY, base_url=BASE_URL, max_retries=4) as rw:
        assert type(rw) is Railwail
        assert rw.max_retries == 4
        assert rw.embed("text-embedding-3-small", "hello").vectors == [[0.25, -0.5]]
    assert sent(ok).headers["Authorization"] == f"Bearer {API_KEY}"


@both
async def test_missing_key_names_the_environment_variable(kind: str) -> None:
    with pytest.raises(ValueError, match="RAILWAIL_API_KEY") as info:
        make(kind)
    assert "api_key=" in str(info.value)


@both
@pytest.mark.parametrize("source", ["argument", "environment"])
@pytest.mark.parametrize("key", ["", "   ", "\t\n"])
async def test_empty_or_blank_key(
    kind: str, source: str, key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if source == "environment":
        monkeypatch.setenv("RAILWAIL_API_KEY", key)
        with pytest.raises(ValueError, match=r"from RAILWAIL_API_KEY is empty"):
            make(kind)
    else:
        with pytest.raises(ValueError, match=r"from api_key= is empty.*RAILWAIL_API_KEY"):
            make(kind, key)


BAD_KEYS = [
    "rw_test_secret with_a_space_1234",
    "rw_test_sécret_non_ascii_123456",
    "rw_test_secret\x07control_char_12",
    "rw_test_secret\u200bzero_width_1234",
]


@both
@pytest.mark.parametrize("key", BAD_KEYS)
async def test_malformed_key_is_refused_without_echoing_it(
    kind: str, key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ValueError, match="copy it again") as info:
        make(kind, key)
    assert key not in str(info.value)
    assert "rw_test_secret" not in str(info.value)
    assert "rw_test_secret" not in repr(info.value)

    monkeypatch.setenv("RAILWAIL_API_KEY", key)
    with pytest.raises(ValueError, match="RAILWAIL_API_KEY") as info:
        make(kind)
    assert "rw_test_secret" not in str(info.value)


@both
@pytest.mark.parametrize("key", [12345, b"rw_test_bytes_key_12345"])
async def test_non_string_key_is_a_type_error(kind: str, key: object) -> None:
    with pytest.raises(TypeError, match="api_key must be a string") as info:
        make(kind, key)
    assert "12345" not in str(info.value)


@both
async def test_key_prefix_is_not_validated(kind: str) -> None:
    # Some pages show rw-live-...; the gateway decides what a valid key is.
    client = make(kind, "rw-live-some-other-shape-0000")
    assert "****0000" in repr(client)


# -- the base URL -------------------------------------------------------------------------------


@both
async def test_base_url_from_environment(
    kind: str, gw: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    route = gw.post("http://127.0.0.1:9999/custom/v1/embeddings").respond(200, json=EMBED_OK)
    monkeypatch.setenv("RAILWAIL_BASE_URL", "http://127.0.0.1:9999/custom/v1/")
    client = CLASSES[kind](API_KEY)
    try:
        assert client.base_url == "http://127.0.0.1:9999/custom/v1"
        await embed(client)
    finally:
        await aclose(client)
    assert str(sent(route).url) == "http://127.0.0.1:9999/custom/v1/embeddings"


@both
async def test_base_url_argument_wins_over_environment(
    kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAILWAIL_BASE_URL", "http://127.0.0.1:9999/custom/v1")
    client = make(kind, API_KEY)
    assert client.base_url == BASE_URL


@both
async def test_default_base_url(kind: str) -> None:
    client = make(kind, API_KEY, base_url=None)
    assert client.base_url == "https://railwail.com/api/v1"


@both
@pytest.mark.parametrize(
    "base_url",
    [
        "127.0.0.1:8787/api/v1",
        "railwail.com/api/v1",
        "ftp://127.0.0.1/api/v1",
        "file:///etc/passwd",
        "http:///api/v1",
        "",
        "http://127.0.0.1:8787/api/v1?key=value",
        "http://127.0.0.1:8787/api/v1#top",
    ],
)
async def test_malformed_base_url(kind: str, base_url: str) -> None:
    with pytest.raises(ValueError, match="base_url"):
        make(kind, API_KEY, base_url=base_url)


@both
async def test_malformed_base_url_from_environment(
    kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAILWAIL_BASE_URL", "ftp://127.0.0.1/api/v1")
    with pytest.raises(ValueError, match="base_url"):
        CLASSES[kind](API_KEY)


@both
async def test_base_url_of_wrong_type(kind: str) -> None:
    with pytest.raises(TypeError, match="base_url"):
        make(kind, API_KEY, base_url=8787)


@both
@pytest.mark.parametrize(
    "base_url",
    [
        "http://127.0.0.1:8787/api/v1",
        "http://127.0.0.1:8787/api/v1/",
        "http://127.0.0.1:8787/api/v1//",
        "http://127.0.0.1:8787/api/v1/v1",
        "http://127.0.0.1:8787/api/v1/v1/",
        " http://127.0.0.1:8787/api/v1 ",
    ],
)
async def test_base_url_is_normalized_in_the_requested_url(
    kind: str, base_url: str, gw: respx.MockRouter
) -> None:
    route = gw.route().respond(200, json=EMBED_OK)
    client = make(kind, API_KEY, base_url=base_url)
    try:
        await embed(client)
    finally:
        await aclose(client)
    url = sent(route).url
    assert str(url) == EMBED_URL
    assert "//" not in url.raw_path.decode()
    assert "/v1/v1" not in str(url)


@both
async def test_base_url_without_path(kind: str, gw: respx.MockRouter) -> None:
    route = gw.route().respond(200, json=EMBED_OK)
    client = make(kind, API_KEY, base_url="http://127.0.0.1:8787/")
    try:
        await embed(client)
    finally:
        await aclose(client)
    assert str(sent(route).url) == "http://127.0.0.1:8787/embeddings"


@both
@pytest.mark.parametrize(
    "base_url", ["http://gateway.invalid/api/v1", "http://127.0.0.1.invalid:8787/api/v1"]
)
async def test_plain_http_to_a_remote_host_warns(kind: str, base_url: str) -> None:
    with respx.mock(assert_all_called=False) as router:
        with pytest.warns(InsecureBaseURLWarning, match="unencrypted") as record:
            client = make(kind, API_KEY, base_url=base_url)
        assert router.calls.call_count == 0
    assert len(record) == 1
    assert API_KEY not in str(record[0].message)
    # Attributed to the caller's line, not to a frame inside the SDK.
    assert record[0].filename == __file__
    assert client.base_url == base_url


async def test_plain_http_warning_points_at_the_factory_caller() -> None:
    with pytest.warns(InsecureBaseURLWarning) as record:
        client = railwail.railwail(API_KEY, base_url="http://gateway.invalid/api/v1")
    client.close()
    assert record[0].filename == __file__


@both
async def test_with_options_to_plain_http_remote_host_warns(kind: str) -> None:
    client = make(kind, API_KEY)
    with pytest.warns(InsecureBaseURLWarning) as record:
        client.with_options(base_url="http://gateway.invalid/api/v1")
    assert record[0].filename == __file__


@both
async def test_with_options_on_an_insecure_client_does_not_warn_again(kind: str) -> None:
    with pytest.warns(InsecureBaseURLWarning):
        client = make(kind, API_KEY, base_url="http://gateway.invalid/api/v1")
    # filterwarnings=error: a second warning here would fail the test.
    derived = client.with_options(max_retries=0, timeout=3.0)
    assert derived.base_url == "http://gateway.invalid/api/v1"
    with pytest.warns(InsecureBaseURLWarning):
        derived.with_options(base_url="http://other.invalid/api/v1")


@both
@pytest.mark.parametrize(
    "base_url",
    [
        "http://127.0.0.1:8787/api/v1",
        "http://127.0.0.5/api/v1",
        "http://localhost:8787/api/v1",
        "http://api.localhost/api/v1",
        "http://[::1]:8787/api/v1",
        "https://gateway.invalid/api/v1",
    ],
)
async def test_loopback_or_https_does_not_warn(kind: str, base_url: str) -> None:
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        make(kind, API_KEY, base_url=base_url)
    assert [w for w in record if issubclass(w.category, InsecureBaseURLWarning)] == []


# -- repr, User-Agent, headers ------------------------------------------------------------------


@both
async def test_repr_masks_the_key(kind: str) -> None:
    client = make(kind, API_KEY)
    text = repr(client)
    assert API_KEY not in text
    assert "0123456789" not in text
    assert "****ghij" in text
    assert "(from api_key=)" in text
    assert text.startswith(f"{CLASSES[kind].__name__}(base_url='{BASE_URL}'")
    assert "max_retries=2" in text
    assert API_KEY not in str(client)
    assert API_KEY not in repr(client._config)


@both
async def test_repr_of_a_short_key_shows_nothing_of_it(kind: str) -> None:
    client = make(kind, "rw_test_short1")
    assert "rw_test" not in repr(client)
    assert "hort1" not in repr(client)
    assert "'****'" in repr(client)


async def test_user_agent_accept_and_content_type(rw: Client, ok: respx.Route) -> None:
    await embed(rw)
    headers = sent(ok).headers
    assert headers["User-Agent"] == f"railwail-python/{__version__}"
    assert headers["Accept"] == "application/json"
    assert headers["Content-Type"] == "application/json"


async def test_get_request_headers(rw: Client, gw: respx.MockRouter) -> None:
    route = gw.get(f"{BASE_URL}/models/flux-schnell").respond(
        200, json={"id": "flux-schnell", "category": "image"}
    )
    model = await resolve(rw.models.get("flux-schnell"))
    assert model.id == "flux-schnell"
    request = sent(route)
    assert request.method == "GET"
    assert request.content == b""
    assert request.headers["Authorization"] == f"Bearer {API_KEY}"
    assert request.headers["User-Agent"] == f"railwail-python/{__version__}"


@both
async def test_default_headers_and_extra_headers_win(kind: str, ok: respx.Route) -> None:
    client = make(kind, API_KEY, default_headers={"X-Team": "vision", "X-Both": "default"})
    try:
        await embed(client, extra_headers={"X-Both": "call", "X-Only-Call": "1"})
        first = sent(ok).headers
        await embed(client)
        second = sent(ok).headers
    finally:
        await aclose(client)
    assert first["X-Team"] == "vision"
    assert first["X-Both"] == "call"
    assert first["X-Only-Call"] == "1"
    # Per-call headers stay with their call.
    assert second["X-Both"] == "default"
    assert "X-Only-Call" not in second
    assert first["Authorization"] == second["Authorization"] == f"Bearer {API_KEY}"


@both
@pytest.mark.parametrize("headers", [{"X-A": 1}, ["X-A"], {b"X-A": "1"}])
async def test_default_headers_must_map_str_to_str(kind: str, headers: Any) -> None:
    with pytest.raises(TypeError, match="default_headers"):
        make(kind, API_KEY, default_headers=headers)


# -- timeouts -----------------------------------------------------------------------------------


def timeout_of(route: respx.Route) -> dict[str, float | None]:
    timeout: dict[str, float | None] = sent(route).extensions["timeout"]
    return timeout


async def test_default_timeout_is_finite(rw: Client, ok: respx.Route) -> None:
    assert rw.timeout.connect == 5.0
    assert rw.timeout.read is not None
    assert rw.timeout.read >= 300.0
    assert rw.timeout.write is not None
    assert rw.timeout.pool is not None
    await embed(rw)
    timeout = timeout_of(ok)
    assert timeout["connect"] == 5.0
    assert timeout["read"] is not None
    assert timeout["read"] >= 300.0
    assert None not in timeout.values()


@both
async def test_client_timeout_as_float(kind: str, ok: respx.Route) -> None:
    client = make(kind, API_KEY, timeout=12.5)
    try:
        assert client.timeout == httpx.Timeout(12.5)
        await embed(client)
    finally:
        await aclose(client)
    assert timeout_of(ok) == {"connect": 12.5, "read": 12.5, "write": 12.5, "pool": 12.5}


@both
async def test_client_timeout_as_httpx_timeout(kind: str, ok: respx.Route) -> None:
    client = make(kind, API_KEY, timeout=httpx.Timeout(30.0, connect=2.0))
    try:
        await embed(client)
    finally:
        await aclose(client)
    assert timeout_of(ok) == {"connect": 2.0, "read": 30.0, "write": 30.0, "pool": 30.0}


async def test_per_call_timeout_overrides_the_client(rw: Client, ok: respx.Route) -> None:
    await embed(rw, timeout=3)
    assert timeout_of(ok) == {"connect": 3.0, "read": 3.0, "write": 3.0, "pool": 3.0}
    await embed(rw, timeout=httpx.Timeout(7.0, read=60.0))
    assert timeout_of(ok) == {"connect": 7.0, "read": 60.0, "write": 7.0, "pool": 7.0}
    await embed(rw)  # and the next call is back to the default
    assert timeout_of(ok)["connect"] == 5.0


async def test_explicit_unlimited_timeout_is_passed_through(rw: Client, ok: respx.Route) -> None:
    await embed(rw, timeout=httpx.Timeout(None))
    assert timeout_of(ok) == {"connect": None, "read": None, "write": None, "pool": None}


@both
async def test_timeout_none_is_refused_at_construction(kind: str) -> None:
    with pytest.raises(ValueError, match=r"timeout=None would wait forever.*httpx\.Timeout"):
        make(kind, API_KEY, timeout=None)


async def test_timeout_none_is_refused_per_call(rw: Client, ok: respx.Route) -> None:
    with pytest.raises(ValueError, match="timeout=None"):
        await embed(rw, timeout=None)
    with pytest.raises(ValueError, match="timeout=None"):
        rw.with_options(timeout=None)  # type: ignore[arg-type]
    assert ok.call_count == 0


@both
@pytest.mark.parametrize("value", [0, 0.0, -1, -0.5, float("inf"), float("nan")])
async def test_timeout_must_be_positive_and_finite(kind: str, value: float) -> None:
    with pytest.raises(ValueError, match="timeout must be a positive, finite number"):
        make(kind, API_KEY, timeout=value)


@both
@pytest.mark.parametrize("value", [True, False, "30", [30]])
async def test_timeout_of_wrong_type(kind: str, value: object) -> None:
    with pytest.raises(
        TypeError, match=r"timeout must be a number of seconds or an httpx\.Timeout"
    ):
        make(kind, API_KEY, timeout=value)


@pytest.mark.parametrize("value", [0, -2, True])
async def test_bad_per_call_timeout_sends_nothing(
    rw: Client, ok: respx.Route, value: object
) -> None:
    with pytest.raises((ValueError, TypeError), match="timeout"):
        await embed(rw, timeout=value)
    assert ok.call_count == 0


# -- max_retries --------------------------------------------------------------------------------


@both
async def test_max_retries_default_and_zero(kind: str) -> None:
    assert make(kind, API_KEY).max_retries == 2
    assert make(kind, API_KEY, max_retries=0).max_retries == 0


@both
async def test_negative_max_retries(kind: str) -> None:
    with pytest.raises(ValueError, match="max_retries must be at least 0"):
        make(kind, API_KEY, max_retries=-1)


@both
@pytest.mark.parametrize("value", [1.5, "2", True, None])
async def test_max_retries_of_wrong_type(kind: str, value: object) -> None:
    with pytest.raises(TypeError, match="max_retries must be an integer"):
        make(kind, API_KEY, max_retries=value)


@both
async def test_with_options_validates_max_retries(kind: str) -> None:
    client = make(kind, API_KEY)
    with pytest.raises(ValueError, match="max_retries"):
        client.with_options(max_retries=-3)


# -- with_options -------------------------------------------------------------------------------


@both
async def test_with_options_shares_the_pool_and_changes_options(
    kind: str, gw: respx.MockRouter
) -> None:
    route = gw.route().respond(200, json=EMBED_OK)
    client = make(kind, API_KEY, default_headers={"X-Team": "vision"})
    try:
        derived = client.with_options(
            api_key="rw_test_derived_key_000000000",
            base_url="http://127.0.0.1:8787/api/v2/",
            timeout=9.0,
            max_retries=5,
            default_headers={"X-Extra": "yes"},
        )
        assert type(derived) is type(client)
        assert derived is not client
        assert derived._state.http is client._state.http
        assert derived.max_retries == 5
        assert derived._policy.max_retries == 5
        assert derived.timeout == httpx.Timeout(9.0)
        assert derived.base_url == "http://127.0.0.1:8787/api/v2"
        assert "****0000" in repr(derived)

        await embed(derived)
        request = sent(route)
        assert str(request.url) == "http://127.0.0.1:8787/api/v2/embeddings"
        assert request.headers["Authorization"] == "Bearer rw_test_derived_key_000000000"
        assert request.headers["X-Team"] == "vision"
        assert request.headers["X-Extra"] == "yes"
        assert request.extensions["timeout"]["read"] == 9.0

        # The original is untouched.
        assert client.max_retries == 2
        assert client._policy.max_retries == 2
        await embed(client)
        request = sent(route)
        assert str(request.url) == EMBED_URL
        assert request.headers["Authorization"] == f"Bearer {API_KEY}"
        assert "X-Extra" not in request.headers
        assert request.extensions["timeout"]["connect"] == 5.0
    finally:
        await aclose(client)


@both
async def test_with_options_keeps_the_key_source(
    kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAILWAIL_API_KEY", API_KEY)
    client = make(kind, base_url=None)
    assert "(from RAILWAIL_API_KEY)" in repr(client.with_options(max_retries=1))
    assert "(from api_key=)" in repr(client.with_options(api_key="rw_test_other_key_0000000"))


@both
async def test_closing_a_derived_client_leaves_the_pool_open(kind: str, ok: respx.Route) -> None:
    client = make(kind, API_KEY)
    http = client._state.http
    derived = client.with_options(max_retries=0)
    await aclose(derived)
    assert not http.is_closed
    assert (await embed(client)).vectors == [[0.25, -0.5]]
    assert (await embed(derived)).vectors == [[0.25, -0.5]]

    await aclose(client)
    assert http.is_closed
    with pytest.raises(RailwailError, match="closed"):
        await embed(derived)
    assert ok.call_count == 2


# -- the connection pool ------------------------------------------------------------------------


async def test_user_http_client_is_used_and_not_closed() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=EMBED_OK)

    with httpx.Client(transport=httpx.MockTransport(handler)) as http:
        with Railwail(API_KEY, base_url=BASE_URL, http_client=http) as rw:
            assert rw._state.http is http
            assert rw.embed("text-embedding-3-small", "hello").vectors == [[0.25, -0.5]]
        assert not http.is_closed
    assert http.is_closed
    assert len(seen) == 1
    assert str(seen[0].url) == EMBED_URL
    assert seen[0].headers["Authorization"] == f"Bearer {API_KEY}"
    assert json.loads(seen[0].content)["input"] == "hello"


async def test_user_async_http_client_is_used_and_not_closed() -> None:
    seen: list[httpx.Request] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=EMBED_OK)

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    try:
        async with AsyncRailwail(API_KEY, base_url=BASE_URL, http_client=http) as rw:
            assert rw._state.http is http
            res = await rw.embed("text-embedding-3-small", "hello")
            assert res.vectors == [[0.25, -0.5]]
        assert not http.is_closed
    finally:
        await http.aclose()
    assert len(seen) == 1
    assert str(seen[0].url) == EMBED_URL
    assert seen[0].headers["Authorization"] == f"Bearer {API_KEY}"


async def test_async_http_client_given_to_sync_client() -> None:
    http = httpx.AsyncClient()
    try:
        with pytest.raises(TypeError, match="AsyncRailwail") as info:
            Railwail(API_KEY, base_url=BASE_URL, http_client=http)  # type: ignore[arg-type]
        assert "httpx.Client" in str(info.value)
    finally:
        await http.aclose()


async def test_sync_http_client_given_to_async_client() -> None:
    with httpx.Client() as http, pytest.raises(TypeError, match="did you mean Railwail"):
        AsyncRailwail(API_KEY, base_url=BASE_URL, http_client=http)  # type: ignore[arg-type]


@both
async def test_non_client_http_client(kind: str) -> None:
    with pytest.raises(TypeError, match="http_client must be"):
        make(kind, API_KEY, http_client=object())


async def test_sync_context_manager_closes_the_pool() -> None:
    with Railwail(API_KEY, base_url=BASE_URL) as rw:
        http = rw._state.http
        assert not http.is_closed
    assert http.is_closed
    rw.close()  # idempotent
    assert http.is_closed


async def test_async_context_manager_closes_the_pool() -> None:
    async with AsyncRailwail(API_KEY, base_url=BASE_URL) as rw:
        http = rw._state.http
        assert not http.is_closed
    assert http.is_closed
    await rw.aclose()  # idempotent
    assert http.is_closed


@both
async def test_closed_client_raises_without_sending(kind: str, ok: respx.Route) -> None:
    client = make(kind, API_KEY)
    await aclose(client)
    with pytest.raises(RailwailError, match=f"This {CLASSES[kind].__name__} is closed") as info:
        await embed(client)
    assert "create a new client" in str(info.value)
    assert ok.call_count == 0


@both
async def test_pickling_a_client_is_refused(kind: str) -> None:
    client = make(kind, API_KEY)
    with pytest.raises(TypeError, match="cannot be pickled") as info:
        pickle.dumps(client)
    assert API_KEY not in str(info.value)


async def test_client_has_no_del_doing_io() -> None:
    assert "__del__" not in vars(Railwail)
    assert "__del__" not in vars(AsyncRailwail)
    assert dataclasses.is_dataclass(make("sync", API_KEY)._config)


# -- import cost --------------------------------------------------------------------------------


_PROBE = """
import gc, json, sys
import httpx
import railwail
print(json.dumps({
    "pydantic_main": "pydantic.main" in sys.modules,
    "model_construction": "pydantic._internal._model_construction" in sys.modules,
    "railwail_models": "railwail._models" in sys.modules,
    "clients": sum(isinstance(o, (railwail.Railwail, railwail.AsyncRailwail))
                   for o in gc.get_objects()),
    "pools": sum(isinstance(o, (httpx.Client, httpx.AsyncClient)) for o in gc.get_objects()),
}))
"""


@pytest.mark.parametrize("with_key", [False, True])
async def test_import_is_cheap_and_creates_no_client(
    with_key: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if with_key:
        monkeypatch.setenv("RAILWAIL_API_KEY", API_KEY)
    with anyio.fail_after(60):
        out = await anyio.run_process([sys.executable, "-c", _PROBE], check=True)
    assert json.loads(out.stdout) == {
        "pydantic_main": False,
        "model_construction": False,
        "railwail_models": False,
        "clients": 0,
        "pools": 0,
    }
