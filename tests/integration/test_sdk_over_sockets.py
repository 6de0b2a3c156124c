"""The SDK against FakeGateway over real sockets: every call, retries, timeouts, drops,
concurrency, streaming and files. Any unclosed socket fails the test (ResourceWarning is an
error, and each test ends with a garbage collection so that a leak surfaces in that test)."""

from __future__ import annotations

import asyncio
import gc
import io
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from railwail import (
    APIConnectionError,
    APITimeoutError,
    AsyncRailwail,
    AuthenticationError,
    BadRequestError,
    InsufficientCreditsError,
    NotFoundError,
    Railwail,
    RateLimitError,
    ServerError,
)
from railwail.testing import FakeGateway, record_retry_waits
from support import PNG_SIGNATURE, names


@pytest.fixture(autouse=True)
def _collect_after_each_test() -> Iterator[None]:
    yield
    gc.collect()


@pytest.fixture
def waits() -> list[float]:
    return []


@pytest.fixture
def client(fake_gateway: FakeGateway, waits: list[float]) -> Iterator[Railwail]:
    """A sync client of the emulator (``fake_gateway``, from railwail's pytest plugin)."""
    with Railwail(fake_gateway.api_key, base_url=fake_gateway.url) as rw:
        record_retry_waits(rw, waits)
        yield rw


@pytest.fixture
async def aclient(fake_gateway: FakeGateway, waits: list[float]) -> AsyncIterator[AsyncRailwail]:
    """An async client of the emulator."""
    async with AsyncRailwail(fake_gateway.api_key, base_url=fake_gateway.url) as rw:
        record_retry_waits(rw, waits)
        yield rw


# -- the success path of every call -----------------------------------------------------------


def test_every_call_sync(client: Railwail, fake_gateway: FakeGateway, tmp_path: Path) -> None:
    res = client.image("flux-schnell", "a red fox", n=2, size="256x256")
    assert len(res.data) == 2
    assert res.request_id is not None
    assert res.request_id.startswith("req_")
    assert res.rate_limit is not None
    assert res.rate_limit.limit == 60
    assert res.rate_limit.reset is not None
    path = res.data[0].save(tmp_path)
    assert path.suffix == ".png"
    assert path.read_bytes() == res.data[0].read()

    b64 = client.image("dall-e-3", "a red fox", response_format="b64_json", size="512x512")
    assert b64.data[0].b64_json is not None
    assert b64.data[0].revised_prompt
    assert b64.data[0].read().startswith(PNG_SIGNATURE)

    chat = client.chat("gpt-4o", [{"role": "user", "content": "Hello there"}])
    assert chat.text == "Echo from gpt-4o: Hello there"
    assert chat.usage is not None
    assert chat.usage.total_tokens > 0

    emb = client.embed("text-embedding-3-small", ["a", "b"])
    assert [len(v) for v in emb.vectors] == [1536, 1536]

    assert client.run("gpt-4o", "Hi") == "Echo from gpt-4o: Hi"
    assert (
        client.run("mystic-2", "a fox")[0].read().startswith(PNG_SIGNATURE)
    )  # routed by the catalogue
    assert client.run("sonar-pro", "Hi") == "Echo from sonar-pro: Hi"

    models = list(client.models.list(category="image", page_size=3))
    assert len(models) >= 9
    assert {m.category for m in models} == {"image"}
    assert len(fake_gateway.requests_to("/models")) == -(-len(models) // 3)  # one request per page
    assert client.models.get("flux-schnell").pricing is not None


@pytest.mark.anyio
async def test_every_call_async(aclient: AsyncRailwail, tmp_path: Path) -> None:
    res = await aclient.image("flux-schnell", "a red fox", size="256x256")
    path = await res.data[0].asave(tmp_path / "fox.png")
    assert path.read_bytes().startswith(PNG_SIGNATURE)
    assert (await aclient.chat("gpt-4o", [{"role": "user", "content": "Hey"}])).text.endswith("Hey")
    assert len((await aclient.embed("text-embedding-3-large", "a")).vectors[0]) == 3072
    assert await aclient.run("mystic-2", "a fox")
    assert [m.slug async for m in aclient.models.list(category="embedding")] == [
        "text-embedding-3-small",
        "text-embedding-3-large",
    ]
    model = await aclient.models.get("kling-v1-6")
    assert model.category == "video"


def test_saved_png_is_a_real_image(client: Railwail, tmp_path: Path) -> None:
    from PIL import Image as PILImage

    image = client.run("flux-schnell", "a lighthouse", size="1024x1792")[0]
    path = image.save(tmp_path / "nested" / "lighthouse.png")
    with PILImage.open(path) as picture:
        assert picture.size == (1024, 1792)
        assert picture.format == "PNG"
    assert image.to_pil().size == (1024, 1792)
    assert names(path.parent) == ["lighthouse.png"]  # no temp files left


# -- errors from the emulator -----------------------------------------------------------------


def test_gateway_errors_map_to_classes(fake_gateway: FakeGateway) -> None:
    with Railwail("rw_test_not_a_known_key", base_url=fake_gateway.url) as rw:
        with pytest.raises(AuthenticationError) as info:
            rw.image("flux-schnell", "x")
        assert str(info.value).startswith("401 invalid_api_key: ")
        assert info.value.request_id is not None
    with Railwail(fake_gateway.api_key, base_url=fake_gateway.url, max_retries=0) as rw:
        with pytest.raises(NotFoundError):
            rw.image("no-such-model", "x")
        with pytest.raises(BadRequestError) as bad:
            rw.image("gpt-4o", "x")  # a text model on the image endpoint
        assert bad.value.status == 400


def test_credits_run_out(tmp_path: Path) -> None:
    with FakeGateway(credits=7) as gw, Railwail(gw.api_key, base_url=gw.url) as rw:
        rw.image("flux-schnell", "x")  # costs 5
        with pytest.raises(InsufficientCreditsError) as info:
            rw.image("flux-schnell", "x")
        assert info.value.status == 402
        assert gw.credits == 2
        assert len(gw.requests_to("/images/generations")) == 2  # 402 is never retried


def test_rate_limit_429_with_reset(waits: list[float]) -> None:
    with FakeGateway(rate_limit=2) as gw, Railwail(gw.api_key, base_url=gw.url) as rw:
        record_retry_waits(rw, waits)
        rw.chat("gpt-4o", [{"role": "user", "content": "1"}])
        rw.chat("gpt-4o", [{"role": "user", "content": "2"}])
        with pytest.raises(RateLimitError) as info:
            rw.chat("gpt-4o", [{"role": "user", "content": "3"}])
        assert info.value.reset is not None
        retry_after = info.value.retry_after
        assert retry_after is not None
        assert 58 <= retry_after <= 61  # from X-RateLimit-Reset: the end of the 60 s window
        if retry_after > 60:  # over the cap: raised at once, nothing slept
            assert (len(gw.requests_to("/chat/completions")), waits) == (3, [])
        else:  # within the cap: waited (recorded, not slept) and retried; the window stays full
            assert len(gw.requests_to("/chat/completions")) == 5
            assert len(waits) == 2


# -- retries, timeouts and drops over real sockets ---------------------------------------------


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_is_honoured(
    client: Railwail, fake_gateway: FakeGateway, waits: list[float], status: int
) -> None:
    fake_gateway.fail(status, times=2, headers={"Retry-After": "1"}, path="/images/generations")
    res = client.image("flux-schnell", "persistent fox")
    assert res.data[0].url
    log = fake_gateway.requests_to("/images/generations")
    assert len(log) == 3
    assert len({r.headers["idempotency-key"] for r in log}) == 1
    assert waits == [1.0, 1.0]


def test_html_502_then_success(
    client: Railwail, fake_gateway: FakeGateway, waits: list[float]
) -> None:
    fake_gateway.fail(
        502, body="<html><body>Bad gateway</body></html>", headers={"content-type": "text/html"}
    )
    assert client.run("gpt-4o", "Hi") == "Echo from gpt-4o: Hi"
    assert len(waits) == 1
    fake_gateway.fail(502, times=3, body="<html>down</html>", headers={"content-type": "text/html"})
    with pytest.raises(ServerError) as info:
        client.run("gpt-4o", "Hi")
    assert info.value.message == "Bad Gateway"
    assert info.value.body == "<html>down</html>"


def test_read_timeout_raises_api_timeout_error(
    fake_gateway: FakeGateway, waits: list[float]
) -> None:
    fake_gateway.delay(5, times=2)
    with Railwail(
        fake_gateway.api_key, base_url=fake_gateway.url, timeout=0.3, max_retries=1
    ) as rw:
        record_retry_waits(rw, waits)
        with pytest.raises(APITimeoutError, match="timed out"):
            rw.image("flux-schnell", "slow fox")
    assert len(fake_gateway.requests_to("/images/generations")) == 2


def test_per_call_timeout_override(client: Railwail, fake_gateway: FakeGateway) -> None:
    fake_gateway.delay(5)
    with pytest.raises(APITimeoutError):
        client.with_options(max_retries=0).chat(
            "gpt-4o", [{"role": "user", "content": "x"}], timeout=0.2
        )


def test_dropped_connection_is_retried_then_raised(
    client: Railwail, fake_gateway: FakeGateway
) -> None:
    fake_gateway.drop(times=1)
    assert client.run("gpt-4o", "Hi") == "Echo from gpt-4o: Hi"
    fake_gateway.drop(times=3)
    with pytest.raises(APIConnectionError) as info:
        client.run("gpt-4o", "Hi")
    assert not isinstance(info.value, APITimeoutError)
    assert len(fake_gateway.requests_to("/chat/completions")) == 5


def test_drop_mid_body_is_retried_without_charging_twice(waits: list[float]) -> None:
    with FakeGateway(credits=100) as gw, Railwail(gw.api_key, base_url=gw.url) as rw:
        record_retry_waits(rw, waits)
        gw.drop(when="mid_body", path="/images/generations")
        res = rw.image("flux-schnell", "a fox", n=2)
        assert len(res.data) == 2
        log = gw.requests_to("/images/generations")
        assert len(log) == 2
        assert log[0].headers["idempotency-key"] == log[1].headers["idempotency-key"]
        assert gw.credits == 90  # 2 images x 5 credits, charged once


def test_malformed_json_is_a_validation_error(client: Railwail, fake_gateway: FakeGateway) -> None:
    from railwail import ResponseValidationError

    fake_gateway.malformed_json(path="/embeddings")
    with pytest.raises(ResponseValidationError) as info:
        client.embed("text-embedding-3-small", "a")
    assert isinstance(info.value.body, str)


@pytest.mark.anyio
async def test_async_retries_timeouts_and_drops(
    aclient: AsyncRailwail, fake_gateway: FakeGateway, waits: list[float]
) -> None:
    fake_gateway.fail(503, headers={"Retry-After": "0"})
    fake_gateway.drop(times=1)
    assert await aclient.run("gpt-4o", "Hi") == "Echo from gpt-4o: Hi"
    assert len(fake_gateway.requests_to("/chat/completions")) == 3
    fake_gateway.delay(5, times=3)
    with pytest.raises(APITimeoutError):
        await aclient.with_options(timeout=0.2).embed("text-embedding-3-small", "a")


@pytest.mark.anyio
async def test_fifty_concurrent_async_requests(
    aclient: AsyncRailwail, fake_gateway: FakeGateway
) -> None:
    results = await asyncio.gather(
        *(aclient.image("flux-schnell", f"fox {i}", size="256x256") for i in range(50))
    )
    assert len(results) == 50
    assert all(len(r.data) == 1 for r in results)
    urls = {r.data[0].url for r in results}
    assert len(urls) == 50  # one distinct image per prompt
    log = fake_gateway.requests_to("/images/generations")
    assert len(log) == 50
    assert len({r.headers["idempotency-key"] for r in log}) == 50


# -- streaming over a real socket --------------------------------------------------------------


def test_streaming_sync(client: Railwail) -> None:
    messages = [{"role": "user", "content": "one two three four"}]
    with client.chat("gpt-4o", messages, stream=True) as stream:
        parts = [chunk.text for chunk in stream]
    assert "".join(parts) == "Echo from gpt-4o: one two three four"
    assert len(parts) > 3
    stream = client.chat("gpt-4o", messages, stream=True)
    for chunk in stream:
        if chunk.text:
            break
    assert stream.response.is_closed
    # The pool is still usable after an abandoned stream.
    assert client.run("gpt-4o", "after") == "Echo from gpt-4o: after"


@pytest.mark.anyio
async def test_streaming_async(aclient: AsyncRailwail) -> None:
    stream = await aclient.chat("gpt-4o", [{"role": "user", "content": "a b c"}], stream=True)
    async with stream:
        text = await stream.final_text()
    assert text == "Echo from gpt-4o: a b c"
    assert stream.response.is_closed


def test_png_decodes_with_pillow(client: Railwail) -> None:
    from PIL import Image as PILImage

    data = client.run("flux-dev", "pixels", size="512x512")[0].read()
    with PILImage.open(io.BytesIO(data)) as picture:
        assert picture.size == (512, 512)
