"""The emulator's messages read as English: "an image model", "a text model"."""

from __future__ import annotations

import httpx
import pytest

from railwail.testing import FakeGateway


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        (
            "/images/generations",
            {"model": "gpt-4o", "prompt": "a cat"},
            "'model': 'gpt-4o' is a text model; this endpoint needs an image model",
        ),
        (
            "/chat/completions",
            {"model": "flux-schnell", "messages": [{"role": "user", "content": "hi"}]},
            "'model': 'flux-schnell' is an image model; this endpoint needs a text model",
        ),
        (
            "/embeddings",
            {"model": "gpt-4o", "input": "hi"},
            "'model': 'gpt-4o' is a text model; this endpoint needs an embedding model",
        ),
        (
            "/chat/completions",
            {"model": "whisper-large-v3", "messages": [{"role": "user", "content": "hi"}]},
            "'model': 'whisper-large-v3' is an audio model; this endpoint needs a text model",
        ),
    ],
)
def test_a_model_of_the_wrong_kind_is_named_with_its_article(
    fake_gateway: FakeGateway, path: str, body: dict[str, object], message: str
) -> None:
    headers = {"Authorization": f"Bearer {fake_gateway.api_key}"}
    response = httpx.post(f"{fake_gateway.url}{path}", json=body, headers=headers)
    assert response.status_code == 400
    assert response.json()["error"]["message"] == message
