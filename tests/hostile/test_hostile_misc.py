"""The rest of issue 9 against scripted servers: run()'s catalogue lookup single-flight per slug
(item 10), unusable rate-limit values (item 11), waits already past (item 12), dot segments in
slugs (item 14). (Item 13, what Image.read() lets out, is in test_hostile_secrets.py.)"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import unquote

import pytest
from hostile_servers import CHAT_OK, Conn, Request, Server, answer

from railwail import AsyncRailwail, Railwail, ServerError
from support import API_KEY, MESSAGES, Client, resolve

pytestmark = pytest.mark.anyio


def catalogue(held: threading.Event | None = None) -> Callable[[Conn, Request], bool]:
    """Models ``slow-*`` (answered once ``held`` is set) and ``fast-*``, all text models."""

    def handler(conn: Conn, request: Request) -> bool:
        if request.path.startswith("/api/v1/models/"):
            slug = unquote(request.path.rsplit("/", 1)[1])
            if slug.startswith("slow-") and held is not None:
                deadline = time.monotonic() + 10
                while not held.is_set() and time.monotonic() < deadline:
                    conn.wait(0.02)
            conn.send(answer(200, {"id": slug, "category": "text"}))
        else:
            conn.send(answer(200, CHAT_OK))
        return True

    return handler


# -- item 10: single-flight per slug ------------------------------------------------------------


def test_a_slow_lookup_holds_up_no_run_on_another_slug_threads(
    serve: Callable[..., Server],
) -> None:
    held = threading.Event()
    server = serve(catalogue(held))
    with Railwail(API_KEY, base_url=server.base_url) as rw, ThreadPoolExecutor(2) as pool:
        slow = pool.submit(rw.run, "slow-model", "hi")
        server.wait_for("/api/v1/models/slow-model")
        # A with_options clone shares the catalogue cache and its locks.
        fast = pool.submit(rw.with_options(max_retries=1).run, "fast-model", "hi")
        try:
            assert fast.result(timeout=5) == "ok"  # while the slow lookup is still held
            assert not slow.done()
        finally:
            held.set()
        assert slow.result(timeout=5) == "ok"


async def test_a_slow_lookup_holds_up_no_run_on_another_slug_tasks(
    serve: Callable[..., Server],
) -> None:
    held = threading.Event()
    server = serve(catalogue(held))
    async with AsyncRailwail(API_KEY, base_url=server.base_url) as rw:
        slow = asyncio.create_task(rw.run("slow-model", "hi"))
        await asyncio.to_thread(server.wait_for, "/api/v1/models/slow-model")
        try:
            assert await asyncio.wait_for(rw.run("fast-model", "hi"), 5) == "ok"
            assert not slow.done()
        finally:
            held.set()
        assert await asyncio.wait_for(slow, 5) == "ok"


def test_concurrent_first_runs_of_one_slug_look_it_up_once_threads(
    serve: Callable[..., Server],
) -> None:
    server = serve(catalogue())
    with Railwail(API_KEY, base_url=server.base_url) as rw, ThreadPoolExecutor(8) as pool:
        clients = [rw, rw.with_options(timeout=30)]
        results = list(pool.map(lambda i: clients[i % 2].run("fast-model", f"hi {i}"), range(16)))
    assert results == ["ok"] * 16
    assert server.paths().count("/api/v1/models/fast-model") == 1


async def test_concurrent_first_runs_of_one_slug_look_it_up_once_tasks(
    serve: Callable[..., Server],
) -> None:
    server = serve(catalogue())
    async with AsyncRailwail(API_KEY, base_url=server.base_url) as rw:
        derived = rw.with_options(timeout=30)
        runs = [(rw if i % 2 else derived).run("fast-model", f"hi {i}") for i in range(16)]
        assert await asyncio.gather(*runs) == ["ok"] * 16
    assert server.paths().count("/api/v1/models/fast-model") == 1


# -- item 11: rate-limit values no server means ---------------------------------------------


@pytest.mark.parametrize(
    ("headers", "limit", "remaining"),
    [
        ({"X-RateLimit-Limit": "inf", "X-RateLimit-Remaining": "1e400"}, None, None),
        ({"X-RateLimit-Limit": "nan", "X-RateLimit-Remaining": "-inf"}, None, None),
        ({"X-RateLimit-Limit": "-5", "X-RateLimit-Remaining": "7"}, None, 7),
        ({"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "59.0"}, 60, 59),
    ],
    ids=["inf", "nan", "negative", "usable"],
)
async def test_unusable_rate_limit_values_read_as_absent(
    serve: Callable[..., Server],
    client_for: Callable[..., Client],
    headers: dict[str, str],
    limit: int | None,
    remaining: int | None,
) -> None:
    all_headers = {**headers, "X-RateLimit-Reset": "1e400"}
    server = serve(lambda conn, request: conn.send(answer(200, CHAT_OK, all_headers)) or True)
    res = await resolve(client_for(server).chat("gpt-4o", MESSAGES))
    if limit is None and remaining is None:
        assert res.rate_limit is None
    else:
        assert res.rate_limit is not None
        assert (res.rate_limit.limit, res.rate_limit.remaining, res.rate_limit.reset) == (
            limit,
            remaining,
            None,
        )


# -- item 12: a wait that already ended is no hint ----------------------------------------------


@pytest.mark.parametrize(
    ("status", "headers"),
    [
        (503, {"Retry-After": "-3"}),
        (503, {"retry-after-ms": "-100"}),
        (503, {"Retry-After": "Mon, 13 Nov 2023 22:13:20 GMT"}),
        (429, {"X-RateLimit-Reset": "1000000000"}),
        (429, {"Retry-After": "-1", "X-RateLimit-Reset": "-1"}),
    ],
    ids=["negative", "negative-ms", "date-past", "reset-past", "all-negative"],
)
async def test_waits_in_the_past_fall_back_to_the_backoff(
    serve: Callable[..., Server],
    client_for: Callable[..., Client],
    sleeps: list[float],
    status: int,
    headers: dict[str, str],
) -> None:
    server = serve(lambda conn, request: conn.send(answer(status, {"error": "x"}, headers)) or True)
    with pytest.raises(ServerError if status == 503 else Exception):
        await resolve(client_for(server).chat("gpt-4o", MESSAGES))
    assert len(server.requests) == 3
    # The backoff (0.5 s, then 1 s, less up to 25% jitter), not three requests back to back.
    assert len(sleeps) == 2
    assert 0.375 <= sleeps[0] <= 0.5
    assert 0.75 <= sleeps[1] <= 1.0


# -- item 14: dot segments in slugs -------------------------------------------------------------

BAD_SLUGS = ["..", ".", "a/../b", "a//b", "/models", "flux/.", "x/"]


@pytest.mark.parametrize("slug", BAD_SLUGS)
async def test_dot_segments_in_slugs_are_refused_before_sending(
    serve: Callable[..., Server], client_for: Callable[..., Client], slug: str
) -> None:
    server = serve(lambda conn, request: conn.send(answer(200, {})) or True)
    rw = client_for(server)
    calls = [
        lambda: rw.models.get(slug),
        lambda: rw.run(slug, "hi"),
        lambda: rw.image(slug, "a cat"),
        lambda: rw.chat(slug, MESSAGES),
        lambda: rw.embed(slug, "hi"),
    ]
    for call in calls:
        with pytest.raises(ValueError, match=r"empty, '\.' or '\.\.' path segment"):
            await resolve(call())
    assert server.requests == []


async def test_slugs_with_a_provider_prefix_still_work(
    serve: Callable[..., Server], client_for: Callable[..., Client]
) -> None:
    server = serve(catalogue())
    rw = client_for(server)
    model = await resolve(rw.models.get("meta-llama/llama-3.1-8b"))
    assert model.id == "meta-llama/llama-3.1-8b"
    assert server.paths() == ["/api/v1/models/meta-llama%2Fllama-3.1-8b"]
