"""The API key stays secret: not in repr(), not in errors or their tracebacks, not in logs, not
sent to another origin. Logging is silent unless ``RAILWAIL_LOG`` asks for it."""

from __future__ import annotations

import base64
import logging
import re
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

import railwail._logging
from railwail import (
    APIConnectionError,
    APITimeoutError,
    AsyncRailwail,
    AuthenticationError,
    Railwail,
    RailwailError,
    RateLimitError,
    ResponseValidationError,
    ServerError,
)
from railwail.testing import record_retry_waits
from railwail.types import Image
from support import (
    BASE_URL,
    EMBED_OK,
    EMBED_URL,
    IMG_URL,
    JPEG,
    ORIGIN,
    PNG,
    Client,
    Twin,
    close,
    read,
    resolve,
)

pytestmark = pytest.mark.anyio

# Distinctive, so that a leak of any recognisable part of it is caught.
KEY = "rw_test_SuperSecretKeyMaterial_7f3a9c"
KEY_PARTS = (KEY, "SuperSecretKeyMaterial", "SuperSecret")


def assert_no_key(text: str) -> None:
    for part in KEY_PARTS:
        assert part not in text


@pytest.fixture
def rw(make_client: Callable[..., Client]) -> Client:
    """A client of the twin under test that holds the distinctive key."""
    return make_client(KEY)


async def embed(client: Client) -> Any:
    return await resolve(client.embed("text-embedding-3-small", "hello"))


# -- repr ---------------------------------------------------------------------------------------


async def test_repr_of_clients(rw: Client) -> None:
    assert_no_key(repr(rw))
    assert_no_key(str(rw))
    assert "****3a9c" in repr(rw)
    derived = rw.with_options(max_retries=0, timeout=3.0)
    assert_no_key(repr(derived))
    assert "****3a9c" in repr(derived)
    # What the client holds inside shows up in errors through the locals of the SDK's frames:
    # test_errors_never_contain_the_key formats tracebacks with their locals.


async def test_repr_of_client_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAILWAIL_API_KEY", KEY)
    with Railwail(base_url=BASE_URL) as client:
        assert_no_key(repr(client))
        assert "RAILWAIL_API_KEY" in repr(client)


# -- errors -------------------------------------------------------------------------------------


def full_text(err: BaseException) -> str:
    """Everything a user could see of an error: str, repr, attributes, the whole traceback
    with the local variables of every frame (as error trackers and ``--showlocals`` show it)."""
    with_locals = traceback.TracebackException.from_exception(err, capture_locals=True)
    parts = [str(err), repr(err), "".join(with_locals.format())]
    parts += [repr(v) for v in vars(err).values()]
    return "\n".join(parts)


@pytest.mark.parametrize(
    ("answer", "cls"),
    [
        (
            httpx.Response(
                401,
                json={"error": {"message": "Invalid API key provided", "code": "invalid_api_key"}},
            ),
            AuthenticationError,
        ),
        (httpx.Response(429, headers={"Retry-After": "120"}), RateLimitError),
        (httpx.Response(500, text="<html>Internal Server Error</html>"), ServerError),
        (httpx.ConnectError("All connection attempts failed"), APIConnectionError),
        (httpx.ReadTimeout("The read operation timed out"), APITimeoutError),
    ],
    ids=["401", "429", "500", "connect", "timeout"],
)
async def test_errors_never_contain_the_key(
    rw: Client, gw: respx.MockRouter, answer: httpx.Response | Exception, cls: type[RailwailError]
) -> None:
    route = gw.post("/embeddings").mock(side_effect=[answer] * 3)
    with pytest.raises(RailwailError) as info:
        await embed(rw)
    assert type(info.value) is cls
    # The key was sent (so there was something to leak) ...
    assert route.calls.last.request.headers["Authorization"] == f"Bearer {KEY}"
    # ... and appears nowhere in what the user sees.
    assert_no_key(full_text(info.value))


async def test_invalid_response_error_never_contains_the_key(
    rw: Client, gw: respx.MockRouter
) -> None:
    gw.post("/embeddings").respond(200, json={"data": "nope"})
    with pytest.raises(ResponseValidationError) as info:
        await embed(rw)
    assert_no_key(full_text(info.value))


async def test_bad_call_arguments_never_echo_the_key(rw: Client, gw: respx.MockRouter) -> None:
    route = gw.post("/embeddings").respond(200, json=EMBED_OK)
    with pytest.raises(TypeError) as info:
        await resolve(
            rw.embed("text-embedding-3-small", "hello", extra_headers={"X-Bad": 1})  # type: ignore[dict-item]
        )
    assert_no_key(full_text(info.value))
    assert route.call_count == 0


# -- where the key is sent ----------------------------------------------------------------------
# API calls are never redirected with the key: test_redirect_is_an_error_that_says_to_fix_base_url.

OWN_ORIGIN_URL = f"{ORIGIN}/files/a.png"
FINAL_URL = "http://127.0.0.3:8789/final/a.png"

# Each case: the hops of one image download (a redirect leads to the next), and for each hop
# whether it gets our key (and our default headers). Only the base URL's own origin does.
DOWNLOADS = [
    pytest.param([IMG_URL], [False], id="cdn"),
    pytest.param([OWN_ORIGIN_URL], [True], id="own-origin"),
    pytest.param(["http://127.0.0.1:9999/files/a.png"], [False], id="same-host-other-port"),
    pytest.param(["https://127.0.0.1:8787/files/a.png"], [False], id="same-host-other-scheme"),
    pytest.param(["http://localhost:8787/files/a.png"], [False], id="other-name-same-machine"),
    pytest.param([IMG_URL, FINAL_URL], [False, False], id="cdn-redirects-elsewhere"),
    pytest.param([OWN_ORIGIN_URL, IMG_URL], [True, False], id="own-origin-redirects-to-cdn"),
]


@pytest.mark.parametrize(("hops", "keyed"), DOWNLOADS)
async def test_image_downloads_get_the_key_only_on_our_own_origin(
    rw: Client, gw: respx.MockRouter, hops: list[str], keyed: list[bool]
) -> None:
    client = rw.with_options(default_headers={"X-Team-Secret": "s3cret"})
    generation = gw.post("/images/generations").respond(
        200, json={"created": 1, "data": [{"url": hops[0]}]}
    )
    routes = [
        gw.get(url).respond(307 if keyed[i] else 302, headers={"location": hops[i + 1]})
        for i, url in enumerate(hops[:-1])
    ]
    routes.append(gw.get(hops[-1]).respond(200, content=PNG))
    res = await resolve(client.image("flux-schnell", "a cat"))
    assert await read(res.data[0], client) == PNG
    assert generation.calls.last.request.headers["Authorization"] == f"Bearer {KEY}"
    for route, has_key in zip(routes, keyed, strict=True):
        assert route.call_count == 1
        sent = route.calls.last.request.headers
        assert sent["User-Agent"].startswith("railwail-python/")
        assert "Idempotency-Key" not in sent
        if has_key:
            assert sent["Authorization"] == f"Bearer {KEY}"
            assert sent["X-Team-Secret"] == "s3cret"
        else:
            assert "Authorization" not in sent
            assert "X-Team-Secret" not in sent  # default headers may carry secrets too
            assert_no_key(str(sent.raw))


async def test_hand_built_images_download_without_any_key(twin: Twin, gw: respx.MockRouter) -> None:
    cdn = gw.get(IMG_URL).respond(200, content=PNG)
    own = gw.get(OWN_ORIGIN_URL).respond(200, content=JPEG)
    image = Image(url=IMG_URL)
    assert await read(image, twin) == PNG
    assert await read(image, twin) == PNG
    assert cdn.call_count == 1  # read once, then kept
    # No client made it, so no origin gets a key: not even the one the clients here call.
    assert await read(Image(url=OWN_ORIGIN_URL), twin) == JPEG
    for route in (cdn, own):
        assert "Authorization" not in route.calls.last.request.headers


# -- logging ------------------------------------------------------------------------------------

LOG_LINE = re.compile(
    r"^(?P<method>GET|POST) (?P<url>\S+) -> (?P<status>\S+) "
    r"\(attempt (?P<attempt>\d+), (?P<elapsed>\d+\.\d{3}) s\) headers=(?P<headers>\{.*\})$"
)


@pytest.fixture
def fresh_logging(monkeypatch: pytest.MonkeyPatch) -> Iterator[logging.Logger]:
    """Lets the next client read ``RAILWAIL_LOG`` again; undoes what that configures."""
    log = logging.getLogger("railwail")
    level, handlers = log.level, list(log.handlers)
    monkeypatch.setattr(railwail._logging, "_configured", False)
    yield log
    for handler in log.handlers:
        if handler not in handlers:
            log.removeHandler(handler)
    log.setLevel(level)


def railwail_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name.startswith("railwail")]


async def test_debug_log_shows_each_attempt_and_redacts(
    twin: Twin,
    gw: respx.MockRouter,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    fresh_logging: logging.Logger,
) -> None:
    monkeypatch.setenv("RAILWAIL_LOG", "debug")
    client = twin(KEY, base_url=BASE_URL, default_headers={"X-Api-Key": KEY + "-copy"})
    record_retry_waits(client, jitter=0.0)
    # RAILWAIL_LOG=debug is what turned the logger on, not the test harness.
    assert fresh_logging.level == logging.DEBUG
    assert any(isinstance(h, logging.StreamHandler) for h in fresh_logging.handlers)
    gw.post("/embeddings").mock(
        side_effect=[
            httpx.Response(503),
            httpx.ConnectError("refused"),
            httpx.Response(200, json=EMBED_OK),
        ]
    )
    try:
        # at_level, not set_level: restored before fresh_logging undoes RAILWAIL_LOG's level.
        with caplog.at_level(logging.DEBUG, logger="railwail"):
            assert (await embed(client)).vectors == [[0.25, -0.5]]
            gw.post("/embeddings").respond(401)
            with pytest.raises(AuthenticationError):
                await embed(client)
    finally:
        await close(client)

    records = railwail_records(caplog)
    lines = [r.getMessage() for r in records]
    # Each retry wait has a line of its own (full backoff: jitter=0).
    waits = [line for line in lines if line.startswith("attempt ")]
    assert waits == [
        "attempt 1 failed: 503; retrying in 0.5 s",
        "attempt 2 failed: ConnectError; retrying in 1.0 s",
    ]
    lines = [line for line in lines if line not in waits]
    assert len(lines) == 4, lines
    parsed = [LOG_LINE.match(line) for line in lines]
    assert all(parsed), lines
    got = [(m["method"], m["url"], m["status"], m["attempt"]) for m in parsed if m]
    assert got == [
        ("POST", EMBED_URL, "503", "1"),
        ("POST", EMBED_URL, "ConnectError", "2"),
        ("POST", EMBED_URL, "200", "3"),
        ("POST", EMBED_URL, "401", "1"),
    ]
    for match in parsed:
        assert match is not None
        assert float(match["elapsed"]) >= 0.0
        assert "'authorization': '<redacted>'" in match["headers"]
        assert "'x-api-key': '<redacted>'" in match["headers"]
        assert "'idempotency-key': 'rw-" in match["headers"]
    assert all(r.levelno == logging.DEBUG for r in records)
    assert_no_key(caplog.text)
    assert_no_key("\n".join(lines))
    for record in records:
        assert_no_key(repr(record.args))


async def test_debug_log_of_the_stderr_handler_has_no_key(
    gw: respx.MockRouter,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    fresh_logging: logging.Logger,
) -> None:
    monkeypatch.setenv("RAILWAIL_LOG", "DEBUG ")
    gw.get("/models/flux-schnell").respond(200, json={"id": "flux-schnell"})
    with Railwail(KEY, base_url=BASE_URL) as client:
        client.models.get("flux-schnell")
    err = capsys.readouterr().err
    assert f"GET {BASE_URL}/models/flux-schnell -> 200 (attempt 1, " in err
    assert "<redacted>" in err
    assert_no_key(err)


async def test_logging_is_silent_by_default(
    gw: respx.MockRouter, caplog: pytest.LogCaptureFixture, fresh_logging: logging.Logger
) -> None:
    handlers = list(fresh_logging.handlers)
    caplog.set_level(logging.INFO)  # an app that logs at INFO must hear nothing from us
    gw.post("/embeddings").mock(
        side_effect=[httpx.Response(503), httpx.Response(401), httpx.Response(200, json=EMBED_OK)]
    )
    with Railwail(KEY, base_url=BASE_URL) as client:
        record_retry_waits(client, jitter=0.0)
        with pytest.raises(AuthenticationError):
            client.embed("text-embedding-3-small", "hello")
    assert fresh_logging.level == logging.NOTSET
    assert fresh_logging.handlers == handlers  # no stderr handler added
    assert [r for r in railwail_records(caplog) if r.levelno >= logging.WARNING] == []
    assert railwail_records(caplog) == []


async def test_info_level_logs_no_request_lines(
    gw: respx.MockRouter,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    fresh_logging: logging.Logger,
) -> None:
    monkeypatch.setenv("RAILWAIL_LOG", "info")
    gw.post("/embeddings").respond(200, json=EMBED_OK)
    async with AsyncRailwail(KEY, base_url=BASE_URL) as client:
        assert fresh_logging.level == logging.INFO
        await client.embed("text-embedding-3-small", "hello")
    assert railwail_records(caplog) == []


async def test_info_level_writes_the_batch_s_file_changes_to_stderr(
    gw: respx.MockRouter,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    fresh_logging: logging.Logger,
    tmp_path: Path,
) -> None:
    # RAILWAIL_LOG=info adds the stderr handler too (docs/configuration.md, "Logging"): what
    # image_batch did to files shows there, and no request line (those are DEBUG).
    monkeypatch.setenv("RAILWAIL_LOG", "info")
    gw.get("/models/flux-schnell").respond(200, json={"id": "flux-schnell"})
    png = base64.b64encode(PNG).decode()
    gw.post("/images/generations").respond(200, json={"created": 1, "data": [{"b64_json": png}]})
    (tmp_path / ".rw-left.tmp").write_bytes(b"half an image")
    with Railwail(KEY, base_url=BASE_URL) as client:
        result = client.image_batch("flux-schnell", ["a cat"], out_dir=tmp_path)
    assert result.counts["done"] == 1
    err = capsys.readouterr().err
    assert f"railwail INFO removed {tmp_path / '.rw-left.tmp'}, left by an interrupted run" in err
    assert "/images/generations" not in err
    assert "/models/flux-schnell" not in err
    assert_no_key(err)


@pytest.mark.parametrize("value", ["", "off", " OFF "])
async def test_log_off_stays_silent(
    value: str, monkeypatch: pytest.MonkeyPatch, fresh_logging: logging.Logger
) -> None:
    monkeypatch.setenv("RAILWAIL_LOG", value)
    handlers = list(fresh_logging.handlers)
    with Railwail(KEY, base_url=BASE_URL):
        pass
    assert fresh_logging.level == logging.NOTSET
    assert fresh_logging.handlers == handlers


@pytest.mark.parametrize("value", ["0", "verbose", "warning"])
async def test_unknown_log_values_warn_and_stay_off(
    value: str, monkeypatch: pytest.MonkeyPatch, fresh_logging: logging.Logger
) -> None:
    monkeypatch.setenv("RAILWAIL_LOG", value)
    handlers = list(fresh_logging.handlers)
    with pytest.warns(UserWarning, match=rf"RAILWAIL_LOG='{value}' .*use debug, info or off") as w:
        client = Railwail(KEY, base_url=BASE_URL)
    client.close()
    assert w[0].filename == __file__  # it points at the line that made the client
    assert fresh_logging.level == logging.NOTSET
    assert fresh_logging.handlers == handlers


async def test_redact_is_case_insensitive_and_keeps_the_rest() -> None:
    from railwail._logging import redact

    redacted = redact(
        {
            "Authorization": f"Bearer {KEY}",
            "PROXY-AUTHORIZATION": "Basic abc",
            "X-Api-Key": KEY,
            "Cookie": "session=1",
            "User-Agent": "railwail-python/0",
            "Idempotency-Key": "rw-1",
        }
    )
    assert redacted == {
        "Authorization": "<redacted>",
        "PROXY-AUTHORIZATION": "<redacted>",
        "X-Api-Key": "<redacted>",
        "Cookie": "<redacted>",
        "User-Agent": "railwail-python/0",
        "Idempotency-Key": "rw-1",
    }


async def test_a_key_echoed_by_the_gateway_is_masked(rw: Client, gw: respx.MockRouter) -> None:
    gw.post(EMBED_URL).respond(
        401, json={"error": {"message": f"Invalid API key {KEY}", "code": "invalid_api_key"}}
    )
    with pytest.raises(AuthenticationError) as info:
        await embed(rw)
    assert info.value.message == f"Invalid API key ****{KEY[-4:]}"
    assert_no_key(full_text(info.value))
    assert_no_key(repr(info.value.body))
    gw.post(EMBED_URL).respond(502, text=f"<html>upstream said {KEY}</html>")
    with pytest.raises(ServerError) as server:
        await embed(rw)
    assert_no_key(str(server.value.body))
    assert str(server.value.body).endswith(f"****{KEY[-4:]}</html>")


@pytest.mark.parametrize(
    "url", ["http://user:pass@127.0.0.1:8787/api/v1", "https://token@127.0.0.1/api/v1"]
)
async def test_credentials_in_base_url_are_refused(url: str) -> None:
    with pytest.raises(ValueError, match="must not contain credentials") as info:
        Railwail(KEY, base_url=url)
    assert "user:pass@" not in str(info.value)
    assert "token@" not in str(info.value)


async def test_bad_base_url_from_the_environment_names_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RAILWAIL_BASE_URL", "railwail.com/api/v1")
    with pytest.raises(ValueError, match="comes from RAILWAIL_BASE_URL"):
        AsyncRailwail(KEY)
    with pytest.raises(ValueError, match="base_url must be an absolute") as info:
        Railwail(KEY, base_url="nope")
    assert "RAILWAIL_BASE_URL" not in str(info.value)


async def test_the_clients_own_pool_keeps_no_cookies(rw: Client, gw: respx.MockRouter) -> None:
    route = gw.post(EMBED_URL).respond(
        200, json=EMBED_OK, headers={"Set-Cookie": "session=abc; Path=/"}
    )
    await embed(rw)
    await embed(rw)
    # Not between the calls of one key, nor to a client with another key sharing the pool.
    await embed(rw.with_options(api_key="rw_test_another_key_000000"))
    assert route.call_count == 3
    assert [c.request.headers.get("cookie") for c in route.calls] == [None, None, None]


async def test_a_user_supplied_pool_keeps_its_cookie_behaviour(gw: respx.MockRouter) -> None:
    route = gw.post(EMBED_URL).respond(
        200, json=EMBED_OK, headers={"Set-Cookie": "session=abc; Path=/"}
    )
    with httpx.Client() as http, Railwail(KEY, base_url=BASE_URL, http_client=http) as client:
        client.embed("text-embedding-3-small", "a")
        client.embed("text-embedding-3-small", "a")
    assert route.calls.last.request.headers["cookie"] == "session=abc"
