"""Client construction: the key, the base URL, headers, timeouts, retries, ``with_options``,
the connection pool's lifetime, and what ``import railwail`` does (nothing)."""

from __future__ import annotations

import gc
import json
import pickle
import sys
import traceback
import warnings
import weakref
from collections.abc import Callable
from typing import Any

import anyio
import httpx
import pytest
import respx

import railwail
from railwail import (
    InsecureBaseURLWarning,
    Railwail,
    RailwailError,
    __version__,
)
from support import (
    API_KEY,
    BASE_URL,
    EMBED_OK,
    EMBED_URL,
    Client,
    Twin,
    close,
    entered,
    is_async,
    resolve,
)

pytestmark = pytest.mark.anyio
Make = Callable[..., Client]


async def embed(client: Client, **kwargs: Any) -> Any:
    return await resolve(client.embed("text-embedding-3-small", "hello", **kwargs))


@pytest.fixture
def ok(respx_mock: respx.MockRouter) -> respx.Route:
    """The embeddings endpoint answering. ``respx_mock`` mocks every host and path, so a test
    sees exactly which URL the SDK asked for."""
    return respx_mock.post(EMBED_URL).respond(200, json=EMBED_OK)


Pool = httpx.Client | httpx.AsyncClient


@pytest.fixture
def pools(monkeypatch: pytest.MonkeyPatch) -> list[Pool]:
    """Every httpx connection pool created during the test, in order: the SDK's own included."""
    made: list[Pool] = []

    def spy(init: Callable[..., None]) -> Callable[..., None]:
        def record(self: Pool, *args: Any, **kwargs: Any) -> None:
            made.append(self)
            init(self, *args, **kwargs)

        return record

    for cls in (httpx.Client, httpx.AsyncClient):
        monkeypatch.setattr(cls, "__init__", spy(cls.__init__))
    return made


def sent(route: respx.Route) -> httpx.Request:
    request: httpx.Request = route.calls.last.request
    return request


# -- the API key --------------------------------------------------------------------------------


async def test_key_from_argument_is_sent_as_bearer(make_client: Make, ok: respx.Route) -> None:
    client = make_client(API_KEY)
    res = await embed(client)
    assert res.vectors == [[0.25, -0.5]]
    assert sent(ok).headers["Authorization"] == f"Bearer {API_KEY}"
    assert sent(ok).method == "POST"
    assert str(sent(ok).url) == EMBED_URL
    assert json.loads(sent(ok).content) == {
        "model": "text-embedding-3-small",
        "input": "hello",
        "encoding_format": "base64",
    }


async def test_key_from_environment(
    make_client: Make, ok: respx.Route, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAILWAIL_API_KEY", "rw_test_from_the_environment_42")
    client = make_client()
    await embed(client)
    assert "(from RAILWAIL_API_KEY)" in repr(client)
    assert sent(ok).headers["Authorization"] == "Bearer rw_test_from_the_environment_42"


async def test_argument_wins_over_environment(
    make_client: Make, ok: respx.Route, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAILWAIL_API_KEY", "rw_test_from_the_environment_42")
    client = make_client(API_KEY)
    await embed(client)
    assert "(from api_key=)" in repr(client)
    assert sent(ok).headers["Authorization"] == f"Bearer {API_KEY}"


async def test_key_surrounding_whitespace_is_stripped(
    make_client: Make, ok: respx.Route, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `export RAILWAIL_API_KEY=$(cat key.txt)` leaves a newline behind.
    monkeypatch.setenv("RAILWAIL_API_KEY", f"  {API_KEY}\n")
    client = make_client()
    await embed(client)
    assert sent(ok).headers["Authorization"] == f"Bearer {API_KEY}"


async def test_factory_builds_a_sync_client(ok: respx.Route) -> None:
    with railwail.railwail(API_KEY, base_url=BASE_URL, max_retries=4) as rw:
        assert type(rw) is Railwail
        assert rw.max_retries == 4
        assert rw.embed("text-embedding-3-small", "hello").vectors == [[0.25, -0.5]]
    assert sent(ok).headers["Authorization"] == f"Bearer {API_KEY}"


async def test_missing_key_names_the_environment_variable(make_client: Make) -> None:
    with pytest.raises(ValueError, match="RAILWAIL_API_KEY") as info:
        make_client()
    assert "api_key=" in str(info.value)


@pytest.mark.parametrize("source", ["argument", "environment"])
@pytest.mark.parametrize("key", ["", "   ", "\t\n"])
async def test_empty_or_blank_key(
    make_client: Make, source: str, key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if source == "environment":
        monkeypatch.setenv("RAILWAIL_API_KEY", key)
        with pytest.raises(ValueError, match=r"from RAILWAIL_API_KEY is empty"):
            make_client()
    else:
        with pytest.raises(ValueError, match=r"from api_key= is empty.*RAILWAIL_API_KEY"):
            make_client(key)


BAD_KEYS = [
    "rw_test_secret with_a_space_1234",
    "rw_test_sécret_non_ascii_123456",
    "rw_test_secret\x07control_char_12",
    "rw_test_secret\u200bzero_width_1234",
]


@pytest.mark.parametrize("key", BAD_KEYS)
async def test_malformed_key_is_refused_without_echoing_it(
    make_client: Make, key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ValueError, match="copy it again") as info:
        make_client(key)
    shown = "".join(traceback.format_exception(info.value))  # str, repr and the whole traceback
    assert key not in shown
    assert "rw_test_secret" not in shown
    assert "rw_test_secret" not in repr(info.value)

    monkeypatch.setenv("RAILWAIL_API_KEY", key)
    with pytest.raises(ValueError, match="RAILWAIL_API_KEY") as info:
        make_client()
    assert "rw_test_secret" not in str(info.value)


@pytest.mark.parametrize("key", [12345, b"rw_test_bytes_key_12345"])
async def test_non_string_key_is_a_type_error(make_client: Make, key: object) -> None:
    with pytest.raises(TypeError, match="api_key must be a string") as info:
        make_client(key)
    assert "12345" not in str(info.value)


async def test_key_prefix_is_not_validated(make_client: Make) -> None:
    # Some pages show rw-live-...; the gateway decides what a valid key is.
    client = make_client("rw-live-some-other-shape-0000")
    assert "****0000" in repr(client)


# -- the base URL -------------------------------------------------------------------------------


async def test_base_url_from_environment(
    make_client: Make, respx_mock: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    route = respx_mock.post("http://127.0.0.1:9999/custom/v1/embeddings").respond(
        200, json=EMBED_OK
    )
    monkeypatch.setenv("RAILWAIL_BASE_URL", "http://127.0.0.1:9999/custom/v1/")
    client = make_client(API_KEY, base_url=None)
    assert client.base_url == "http://127.0.0.1:9999/custom/v1"
    await embed(client)
    assert str(sent(route).url) == "http://127.0.0.1:9999/custom/v1/embeddings"


async def test_base_url_argument_wins_over_environment(
    make_client: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAILWAIL_BASE_URL", "http://127.0.0.1:9999/custom/v1")
    client = make_client(API_KEY)
    assert client.base_url == BASE_URL


async def test_default_base_url(make_client: Make) -> None:
    client = make_client(API_KEY, base_url=None)
    assert client.base_url == "https://railwail.com/api/v1"


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
async def test_malformed_base_url(make_client: Make, base_url: str) -> None:
    with pytest.raises(ValueError, match="base_url"):
        make_client(API_KEY, base_url=base_url)


async def test_malformed_base_url_from_environment(
    make_client: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAILWAIL_BASE_URL", "ftp://127.0.0.1/api/v1")
    with pytest.raises(ValueError, match="base_url"):
        make_client(API_KEY, base_url=None)


async def test_base_url_of_wrong_type(make_client: Make) -> None:
    with pytest.raises(TypeError, match="base_url"):
        make_client(API_KEY, base_url=8787)


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
    make_client: Make, base_url: str, respx_mock: respx.MockRouter
) -> None:
    route = respx_mock.route().respond(200, json=EMBED_OK)
    client = make_client(API_KEY, base_url=base_url)
    await embed(client)

    url = sent(route).url
    assert str(url) == EMBED_URL
    assert "//" not in url.raw_path.decode()
    assert "/v1/v1" not in str(url)


async def test_base_url_without_path(make_client: Make, respx_mock: respx.MockRouter) -> None:
    route = respx_mock.route().respond(200, json=EMBED_OK)
    client = make_client(API_KEY, base_url="http://127.0.0.1:8787/")
    await embed(client)
    assert str(sent(route).url) == "http://127.0.0.1:8787/embeddings"


@pytest.mark.parametrize(
    "base_url", ["http://gateway.invalid/api/v1", "http://127.0.0.1.invalid:8787/api/v1"]
)
async def test_plain_http_to_a_remote_host_warns(
    twin: Twin, respx_mock: respx.MockRouter, base_url: str
) -> None:
    with pytest.warns(InsecureBaseURLWarning, match="unencrypted") as record:
        client = twin(API_KEY, base_url=base_url)  # here, not in a fixture: see the filename
    await close(client)
    assert respx_mock.calls.call_count == 0
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


async def test_with_options_to_plain_http_remote_host_warns(make_client: Make) -> None:
    client = make_client(API_KEY)
    with pytest.warns(InsecureBaseURLWarning) as record:
        client.with_options(base_url="http://gateway.invalid/api/v1")
    assert record[0].filename == __file__


async def test_with_options_on_an_insecure_client_does_not_warn_again(make_client: Make) -> None:
    with pytest.warns(InsecureBaseURLWarning):
        client = make_client(API_KEY, base_url="http://gateway.invalid/api/v1")
    # filterwarnings=error: a second warning here would fail the test.
    derived = client.with_options(max_retries=0, timeout=3.0)
    assert derived.base_url == "http://gateway.invalid/api/v1"
    with pytest.warns(InsecureBaseURLWarning):
        derived.with_options(base_url="http://other.invalid/api/v1")


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
async def test_loopback_or_https_does_not_warn(make_client: Make, base_url: str) -> None:
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        client = make_client(API_KEY, base_url=base_url)
    assert [w for w in record if issubclass(w.category, InsecureBaseURLWarning)] == []
    assert client.base_url == base_url


# -- repr, User-Agent, headers ------------------------------------------------------------------


async def test_repr_shows_the_options_and_the_masked_key(twin: Twin, make_client: Make) -> None:
    # That no part of the key shows anywhere: tests/test_security.py.
    client = make_client(API_KEY)
    assert repr(client) == (
        f"{twin.__name__}(base_url='{BASE_URL}', api_key='****ghij' (from api_key=), "
        f"max_retries=2, timeout={client.timeout!r})"
    )


async def test_repr_of_a_short_key_shows_nothing_of_it(make_client: Make) -> None:
    client = make_client("rw_test_short1")
    assert "rw_test" not in repr(client)
    assert "hort1" not in repr(client)
    assert "'****'" in repr(client)


async def test_user_agent_accept_and_content_type(rw: Client, ok: respx.Route) -> None:
    await embed(rw)
    headers = sent(ok).headers
    assert headers["User-Agent"] == f"railwail-python/{__version__}"
    assert headers["Accept"] == "application/json"
    assert headers["Content-Type"] == "application/json"


async def test_get_request_headers(rw: Client, respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get(f"{BASE_URL}/models/flux-schnell").respond(
        200, json={"id": "flux-schnell", "category": "image"}
    )
    model = await resolve(rw.models.get("flux-schnell"))
    assert model.id == "flux-schnell"
    request = sent(route)
    assert request.method == "GET"
    assert request.content == b""
    assert request.headers["Authorization"] == f"Bearer {API_KEY}"
    assert request.headers["User-Agent"] == f"railwail-python/{__version__}"


async def test_default_headers_and_extra_headers_win(make_client: Make, ok: respx.Route) -> None:
    client = make_client(API_KEY, default_headers={"X-Team": "vision", "X-Both": "default"})
    await embed(client, extra_headers={"X-Both": "call", "X-Only-Call": "1"})
    first = sent(ok).headers
    await embed(client)
    second = sent(ok).headers

    assert first["X-Team"] == "vision"
    assert first["X-Both"] == "call"
    assert first["X-Only-Call"] == "1"
    # Per-call headers stay with their call.
    assert second["X-Both"] == "default"
    assert "X-Only-Call" not in second
    assert first["Authorization"] == second["Authorization"] == f"Bearer {API_KEY}"


@pytest.mark.parametrize("headers", [{"X-A": 1}, ["X-A"], {b"X-A": "1"}])
async def test_default_headers_must_map_str_to_str(make_client: Make, headers: Any) -> None:
    with pytest.raises(TypeError, match="default_headers"):
        make_client(API_KEY, default_headers=headers)


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


async def test_client_timeout_as_float(make_client: Make, ok: respx.Route) -> None:
    client = make_client(API_KEY, timeout=12.5)
    assert client.timeout == httpx.Timeout(12.5)
    await embed(client)
    assert timeout_of(ok) == {"connect": 12.5, "read": 12.5, "write": 12.5, "pool": 12.5}


async def test_client_timeout_as_httpx_timeout(make_client: Make, ok: respx.Route) -> None:
    client = make_client(API_KEY, timeout=httpx.Timeout(30.0, connect=2.0))
    await embed(client)
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


async def test_constructor_checks_the_timeout(make_client: Make) -> None:
    # Every timeout value refused, with its message: tests/test_requests.py.
    with pytest.raises(ValueError, match=r"timeout=None would wait forever.*httpx\.Timeout"):
        make_client(API_KEY, timeout=None)
    with pytest.raises(ValueError, match="timeout must be a positive, finite number"):
        make_client(API_KEY, timeout=float("inf"))
    with pytest.raises(TypeError, match=r"timeout must be a number of seconds or an httpx\."):
        make_client(API_KEY, timeout="30")


async def test_timeout_none_is_refused_per_call(rw: Client, ok: respx.Route) -> None:
    with pytest.raises(ValueError, match="timeout=None"):
        await embed(rw, timeout=None)
    with pytest.raises(ValueError, match="timeout=None"):
        rw.with_options(timeout=None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="timeout must be a positive, finite number"):
        await embed(rw, timeout=-2)
    assert ok.call_count == 0


# -- max_retries --------------------------------------------------------------------------------


async def test_max_retries_default_and_zero(make_client: Make) -> None:
    assert make_client(API_KEY).max_retries == 2
    assert make_client(API_KEY, max_retries=0).max_retries == 0


async def test_negative_max_retries(make_client: Make) -> None:
    with pytest.raises(ValueError, match="max_retries must be at least 0"):
        make_client(API_KEY, max_retries=-1)


@pytest.mark.parametrize("value", [1.5, "2", True, None])
async def test_max_retries_of_wrong_type(make_client: Make, value: object) -> None:
    with pytest.raises(TypeError, match="max_retries must be an integer"):
        make_client(API_KEY, max_retries=value)


async def test_with_options_validates_max_retries(make_client: Make) -> None:
    client = make_client(API_KEY)
    with pytest.raises(ValueError, match="max_retries"):
        client.with_options(max_retries=-3)


# -- with_options -------------------------------------------------------------------------------


async def test_with_options_shares_the_pool_and_changes_options(
    make_client: Make, respx_mock: respx.MockRouter, pools: list[Pool]
) -> None:
    route = respx_mock.route().respond(200, json=EMBED_OK)
    client = make_client(API_KEY, default_headers={"X-Team": "vision"})
    derived = client.with_options(
        api_key="rw_test_derived_key_000000000",
        base_url="http://127.0.0.1:8787/api/v2/",
        timeout=9.0,
        max_retries=5,
        default_headers={"X-Extra": "yes"},
    )
    assert type(derived) is type(client)
    assert derived is not client
    assert len(pools) == 1  # no pool of its own: it sends through the client's
    assert derived.max_retries == 5  # the attempts it makes: test_with_options_max_retries
    assert derived.timeout == httpx.Timeout(9.0)
    assert derived.base_url == "http://127.0.0.1:8787/api/v2"
    assert "****0000" in repr(derived)

    await embed(derived)
    request = sent(route)
    assert str(request.url) == "http://127.0.0.1:8787/api/v2/embeddings"
    assert request.headers["Authorization"] == "Bearer rw_test_derived_key_000000000"
    assert request.headers["X-Team"] == "vision"
    assert request.headers["X-Extra"] == "yes"
    # What is left of it by the time the answer's headers came (the SDK clips the read
    # timeout to the attempt's deadline; with httpx 0.27 the request shows the clipped value).
    assert request.extensions["timeout"]["read"] == pytest.approx(9.0, abs=0.5)

    # The original is untouched.
    assert client.max_retries == 2
    await embed(client)
    request = sent(route)
    assert str(request.url) == EMBED_URL
    assert request.headers["Authorization"] == f"Bearer {API_KEY}"
    assert "X-Extra" not in request.headers
    assert request.extensions["timeout"]["connect"] == 5.0
    assert len(pools) == 1


async def test_with_options_keeps_the_key_source(
    make_client: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAILWAIL_API_KEY", API_KEY)
    client = make_client(base_url=None)
    assert "(from RAILWAIL_API_KEY)" in repr(client.with_options(max_retries=1))
    assert "(from api_key=)" in repr(client.with_options(api_key="rw_test_other_key_0000000"))


async def test_closing_a_derived_client_leaves_the_pool_open(
    make_client: Make, ok: respx.Route, pools: list[Pool]
) -> None:
    client = make_client(API_KEY)
    (pool,) = pools
    derived = client.with_options(max_retries=0)
    await close(derived)
    assert not pool.is_closed
    assert (await embed(client)).vectors == [[0.25, -0.5]]
    assert (await embed(derived)).vectors == [[0.25, -0.5]]

    await close(client)
    assert pool.is_closed
    with pytest.raises(RailwailError, match="closed"):
        await embed(derived)
    assert ok.call_count == 2


# -- the connection pool ------------------------------------------------------------------------


async def test_user_http_client_is_used_and_not_closed(twin: Twin, pools: list[Pool]) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=EMBED_OK)

    pool_class = httpx.AsyncClient if is_async(twin) else httpx.Client
    http = pool_class(transport=httpx.MockTransport(handler))
    async with entered(twin(API_KEY, base_url=BASE_URL, http_client=http)) as rw:
        assert (await embed(rw)).vectors == [[0.25, -0.5]]
    assert pools == [http]  # the client made no pool of its own...
    assert not http.is_closed  # ... and left the caller's open
    await resolve(http.aclose() if isinstance(http, httpx.AsyncClient) else http.close())
    assert len(seen) == 1
    assert str(seen[0].url) == EMBED_URL
    assert seen[0].headers["Authorization"] == f"Bearer {API_KEY}"
    assert json.loads(seen[0].content)["input"] == "hello"


async def test_the_other_twins_http_client_is_refused(twin: Twin) -> None:
    wrong = httpx.Client() if is_async(twin) else httpx.AsyncClient()
    right, other = ("AsyncClient", "Railwail") if is_async(twin) else ("Client", "AsyncRailwail")
    with pytest.raises(TypeError) as info:
        twin(API_KEY, base_url=BASE_URL, http_client=wrong)  # type: ignore[arg-type]
    assert str(info.value).startswith(f"http_client must be an httpx.{right}; got ")
    assert str(info.value).endswith(f"did you mean {other}?)")
    await close(wrong)


async def test_non_client_http_client(make_client: Make) -> None:
    with pytest.raises(TypeError, match="http_client must be"):
        make_client(API_KEY, http_client=object())


async def test_context_manager_closes_the_pool(
    twin: Twin, ok: respx.Route, pools: list[Pool]
) -> None:
    async with entered(twin(API_KEY, base_url=BASE_URL)) as rw:
        (pool,) = pools
        assert not pool.is_closed
        await embed(rw)
    assert pool.is_closed
    await close(rw)  # idempotent
    assert pool.is_closed
    assert ok.call_count == 1


async def test_closed_client_raises_without_sending_or_retrying(
    twin: Twin, make_client: Make, ok: respx.Route, sleeps: list[float]
) -> None:
    client = make_client(API_KEY)
    await close(client)
    with pytest.raises(RailwailError, match=f"This {twin.__name__} is closed") as info:
        await embed(client)
    assert "create a new client" in str(info.value)
    assert ok.call_count == 0
    assert sleeps == []


async def test_pickling_a_client_is_refused(make_client: Make) -> None:
    client = make_client(API_KEY)
    with pytest.raises(TypeError, match="cannot be pickled") as info:
        pickle.dumps(client)
    assert API_KEY not in str(info.value)


async def test_an_unclosed_client_is_collected_without_io(
    twin: Twin, respx_mock: respx.MockRouter
) -> None:
    # No __del__: collecting a client sends nothing, needs no event loop, raises nothing (an
    # exception there would surface as an unraisable-exception warning, an error here).
    assert "__del__" not in vars(twin)
    client = twin(API_KEY, base_url=BASE_URL)
    derived = client.with_options(max_retries=0)
    collected = weakref.ref(client)
    del client, derived
    gc.collect()
    assert collected() is None
    assert respx_mock.calls.call_count == 0


async def test_options_cannot_be_changed_in_place(rw: Client, ok: respx.Route) -> None:
    # The options are read-only; with_options() makes a client with others.
    for name, value in [("base_url", "http://127.0.0.1:9/x"), ("timeout", 1.0), ("max_retries", 9)]:
        with pytest.raises(AttributeError):
            setattr(rw, name, value)
    await embed(rw)
    assert str(sent(ok).url) == EMBED_URL
    assert sent(ok).extensions["timeout"]["connect"] == 5.0
    assert rw.max_retries == 2


# -- import cost --------------------------------------------------------------------------------


_PROBE = """
import gc, json, socket, sys

def refuse(*args, **kwargs):
    raise SystemExit("network I/O during import railwail")

socket.socket.connect = socket.socket.connect_ex = socket.getaddrinfo = refuse
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
async def test_import_is_cheap_does_no_io_and_creates_no_client(
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
