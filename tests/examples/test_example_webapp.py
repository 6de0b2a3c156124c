"""examples/webapp.py through FastAPI's TestClient, which runs the app's lifespan: one
AsyncRailwail for the app's lifetime, generated images served, gateway errors turned into the
right HTTP answers."""

from __future__ import annotations

import importlib.util
import logging
from types import ModuleType

import anyio
import pytest
from example_support import EXAMPLES
from fastapi.testclient import TestClient

from railwail import AsyncRailwail, RailwailError
from railwail.testing import FakeGateway


def _load_webapp() -> ModuleType:
    """A fresh copy of the app module, as `uvicorn webapp:app --app-dir examples` imports it."""
    spec = importlib.util.spec_from_file_location("webapp", EXAMPLES / "webapp.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _serve(gateway: FakeGateway, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    monkeypatch.setenv("RAILWAIL_BASE_URL", gateway.url)
    monkeypatch.setenv("RAILWAIL_API_KEY", gateway.api_key)
    return TestClient(_load_webapp().app)


def test_the_app_serves_generated_images_through_one_client(
    fake_gateway: FakeGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    with _serve(fake_gateway, monkeypatch) as client:
        rw = client.app.state.railwail  # type: ignore[attr-defined]  # set by the lifespan
        assert isinstance(rw, AsyncRailwail)
        fox = client.get("/images", params={"prompt": "a red fox"})
        whale = client.get("/images", params={"prompt": "a blue whale", "size": "256x256"})
        assert client.app.state.railwail is rw  # type: ignore[attr-defined]

    assert fox.status_code == 200
    assert whale.status_code == 200
    assert fox.headers["content-type"] == "image/png"
    assert fox.content.startswith(b"\x89PNG")
    assert fox.content != whale.content
    requests = fake_gateway.requests_to("/images/generations")
    assert [r.json() for r in requests] == [
        {"model": "flux-schnell", "prompt": "a red fox", "size": "512x512"},
        {"model": "flux-schnell", "prompt": "a blue whale", "size": "256x256"},
    ]
    assert fox.headers["x-request-id"].startswith("req_")
    # The lifespan closed the client when the app stopped.
    with pytest.raises(RailwailError, match="This AsyncRailwail is closed"):
        anyio.run(lambda: rw.image("flux-schnell", "after shutdown"))


def test_the_app_passes_a_rate_limit_on_with_its_wait(
    fake_gateway: FakeGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_gateway.fail(429, headers={"Retry-After": "3600"}, path="/images/generations")

    with _serve(fake_gateway, monkeypatch) as client:
        answer = client.get("/images", params={"prompt": "a red fox"})

    assert answer.status_code == 429
    assert answer.headers["retry-after"] == "3600"
    assert answer.json() == {"detail": "too many images right now"}


def test_the_app_refuses_a_bad_size_without_calling_the_gateway(
    fake_gateway: FakeGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    with _serve(fake_gateway, monkeypatch) as client:
        bad_size = client.get("/images", params={"prompt": "a red fox", "size": "huge"})
        no_prompt = client.get("/images", params={"prompt": ""})
        unknown = client.get("/images", params={"prompt": "a red fox", "model": "flux-schnel"})

    assert bad_size.status_code == 422
    assert "size" in bad_size.json()["detail"]
    assert no_prompt.status_code == 422  # FastAPI's own check of the query
    assert unknown.status_code == 404
    assert unknown.json() == {"detail": "unknown model 'flux-schnel'"}
    # Only the unknown model reached the gateway (then the catalogue, for suggestions).
    assert [r.json()["model"] for r in fake_gateway.requests_to("/generations")] == ["flux-schnel"]


def test_the_app_keeps_its_own_billing_trouble_out_of_the_answer(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    with FakeGateway(credits=0) as broke, _serve(broke, monkeypatch) as client:
        answer = client.get("/images", params={"prompt": "a red fox"})

    assert answer.status_code == 503
    assert answer.json() == {"detail": "image generation is unavailable"}
    (record,) = [r for r in caplog.records if r.name == "poster-maker"]
    assert record.levelno == logging.ERROR
    assert "insufficient_credits" in record.getMessage()


def test_the_app_answers_502_when_the_gateway_keeps_failing(
    fake_gateway: FakeGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_gateway.fail(400, path="/images/generations")  # not retried: one failed attempt

    with _serve(fake_gateway, monkeypatch) as client:
        answer = client.get("/images", params={"prompt": "a red fox"})

    assert answer.status_code == 502
    assert answer.json() == {"detail": "the image service failed"}
