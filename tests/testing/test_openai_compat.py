"""The official `openai` package, pointed at the emulator, gets correct results."""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Iterator

import httpx
import openai
import pytest
from PIL import Image

from railwail.testing import FakeGateway


@pytest.fixture
def oai(fake_gateway: FakeGateway) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(api_key=fake_gateway.api_key, base_url=fake_gateway.url, max_retries=0) as c:
        yield c


def _size(png: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(png)) as picture:
        return picture.size


def test_images_generate_url(oai: openai.OpenAI, fake_gateway: FakeGateway) -> None:
    result = oai.images.generate(model="flux-schnell", prompt="A lighthouse", size="512x512", n=2)
    assert len(result.data) == 2
    urls = [item.url for item in result.data]
    assert all(url and url.startswith(fake_gateway.origin + "/files/") for url in urls)
    with httpx.Client() as cdn:
        pictures = [cdn.get(url).content for url in urls if url]
    assert [_size(p) for p in pictures] == [(512, 512), (512, 512)]
    (request,) = fake_gateway.requests_to("/images/generations")
    assert request.headers["authorization"] == f"Bearer {fake_gateway.api_key}"
    assert request.json() == {
        "model": "flux-schnell",
        "prompt": "A lighthouse",
        "size": "512x512",
        "n": 2,
    }


def test_images_generate_b64(oai: openai.OpenAI) -> None:
    result = oai.images.generate(
        model="dall-e-3", prompt="A fox", size="1792x1024", response_format="b64_json"
    )
    (item,) = result.data
    assert item.url is None
    assert item.b64_json is not None
    assert _size(base64.b64decode(item.b64_json)) == (1792, 1024)
    assert item.revised_prompt is not None
    assert "A fox" in item.revised_prompt


def test_chat_completions_create(oai: openai.OpenAI) -> None:
    completion = oai.chat.completions.create(
        model="gpt-4o",
        messages=[
            {"role": "system", "content": "Be brief"},
            {"role": "user", "content": "What is railwail?"},
        ],
        temperature=0.2,
    )
    assert completion.object == "chat.completion"
    assert completion.model == "gpt-4o"
    assert completion.choices[0].message.role == "assistant"
    assert completion.choices[0].message.content == "Echo from gpt-4o: What is railwail?"
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (5, 6)


def test_chat_completions_stream(oai: openai.OpenAI) -> None:
    stream = oai.chat.completions.create(
        model="claude-sonnet-4-5-20250929",
        messages=[{"role": "user", "content": "Tell me a short story"}],
        stream=True,
        max_tokens=4,
    )
    pieces: list[str] = []
    finish_reasons: list[str | None] = []
    with stream:
        for chunk in stream:
            assert chunk.object == "chat.completion.chunk"
            pieces.append(chunk.choices[0].delta.content or "")
            finish_reasons.append(chunk.choices[0].finish_reason)
    assert "".join(pieces) == "Echo from claude-sonnet-4-5-20250929: Tell"
    assert finish_reasons[-1] == "length"
    assert finish_reasons[:-1] == [None] * (len(finish_reasons) - 1)


def test_embeddings_create(oai: openai.OpenAI, fake_gateway: FakeGateway) -> None:
    # openai asks for base64 by default and decodes it itself; both formats must agree.
    packed = oai.embeddings.create(model="text-embedding-3-small", input=["alpha", "beta"])
    floats = oai.embeddings.create(
        model="text-embedding-3-small", input="alpha", encoding_format="float"
    )
    assert [d.index for d in packed.data] == [0, 1]
    assert [len(d.embedding) for d in packed.data] == [1536, 1536]
    assert math.isclose(math.fsum(x * x for x in packed.data[0].embedding), 1.0, rel_tol=1e-5)
    assert packed.data[0].embedding == pytest.approx(floats.data[0].embedding, abs=1e-6)
    assert packed.usage.prompt_tokens == 2
    sent = [r.json().get("encoding_format") for r in fake_gateway.requests_to("/embeddings")]
    assert sent[1] == "float"


def test_errors_map_to_openai_exceptions(fake_gateway: FakeGateway, oai: openai.OpenAI) -> None:
    bad = openai.OpenAI(api_key="wrong", base_url=fake_gateway.url, max_retries=0)
    with bad, pytest.raises(openai.AuthenticationError) as auth_error:
        bad.models.retrieve("gpt-4o")
    assert auth_error.value.status_code == 401
    assert auth_error.value.code == "invalid_api_key"
    with pytest.raises(openai.NotFoundError) as not_found:
        oai.chat.completions.create(
            model="no-such-model", messages=[{"role": "user", "content": "x"}]
        )
    assert not_found.value.code == "model_not_found"
    fake_gateway.fail(429, headers={"Retry-After": "0"})
    with pytest.raises(openai.RateLimitError):
        oai.models.list()


def test_models_retrieve(oai: openai.OpenAI) -> None:
    model = oai.models.retrieve("text-embedding-3-large")
    assert model.id.startswith("model_")
    assert model.owned_by == "openai"
    assert model.model_extra is not None
    assert model.model_extra["slug"] == "text-embedding-3-large"
