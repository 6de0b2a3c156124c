"""The README's examples (tests/typing/readme_examples.py) run against the local emulator."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from railwail import InsufficientCreditsError, Railwail
from railwail.testing import FakeGateway
from support import PNG_SIGNATURE


@pytest.fixture(scope="module")
def examples() -> ModuleType:
    path = Path(__file__).parent / "typing" / "readme_examples.py"
    spec = importlib.util.spec_from_file_location("readme_examples", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["readme_examples"] = module
    spec.loader.exec_module(module)
    return module


def test_quickstart(examples: ModuleType, fake_gateway: FakeGateway, tmp_path: Path) -> None:
    with Railwail(fake_gateway.api_key, base_url=fake_gateway.url) as rw:
        path, text, chat, vectors = examples.quickstart(rw, tmp_path)
    assert path == tmp_path / "sunset.png"
    assert path.read_bytes().startswith(PNG_SIGNATURE)
    assert text == "Echo from gpt-4o: Explain quantum computing simply"
    assert chat.text == "Echo from gpt-4o: Hello!"
    assert len(vectors) == 2
    assert len(vectors[0]) == 1536


def test_sections(examples: ModuleType, fake_gateway: FakeGateway, tmp_path: Path) -> None:
    owner, rw = examples.factory(fake_gateway.api_key, fake_gateway.url)
    with owner:
        assert (owner.max_retries, rw.max_retries) == (3, 5)
        blobs = examples.images_section(rw, tmp_path)
        assert len(blobs) == 2
        assert all(b.startswith(PNG_SIGNATURE) for b in blobs)
        assert len(list((tmp_path / "out").glob("railwail-*.png"))) == 2
        answer, story = examples.chat_section(rw)
        assert answer.startswith("Echo from claude-sonnet-4-5-20250929")
        assert story == "Echo from gpt-4o: Tell me a story"
        vectors, images, text, forced = examples.embeddings_and_run(rw)
        assert len(vectors) == 2
        assert images[0].read().startswith(PNG_SIGNATURE)
        assert text == "Echo from gpt-4o: Hi"
        assert forced == "Echo from sonar-pro: Hi"
        found, one = examples.catalogue(rw)
        assert {m.category for m in found} == {"image"}
        assert one.slug == "flux-schnell"
        assert examples.errors(rw) == "ok"


def test_bulk_generation(examples: ModuleType, fake_gateway: FakeGateway, tmp_path: Path) -> None:
    with Railwail(fake_gateway.api_key, base_url=fake_gateway.url) as rw:
        result = examples.bulk_generation(rw, tmp_path)
        again = examples.bulk_generation(rw, tmp_path)
    assert result.counts == {"done": 3, "skipped": 0, "failed": 0, "pending": 0}
    assert result.credits_spent == 15
    assert [p.name for p in result.paths] == [
        "00000-a-red-fox-in-the-snow.png",
        "00001-a-blue-whale-watercolour.png",
        "cover.png",
    ]
    assert all(p.read_bytes().startswith(PNG_SIGNATURE) for p in result.paths)
    assert again.counts["skipped"] == 3
    assert len(fake_gateway.requests_to("/images/generations")) == 3


def test_errors_example_catches_what_the_gateway_sends(
    examples: ModuleType, tmp_path: Path
) -> None:
    with FakeGateway(credits=0) as gw, Railwail(gw.api_key, base_url=gw.url) as rw:
        assert examples.errors(rw) == "top up at https://railwail.com/billing"
        with pytest.raises(InsufficientCreditsError, match="402"):
            rw.run("flux-schnell", "A cat")
    with FakeGateway() as gw, Railwail(gw.api_key, base_url=gw.url) as rw:
        gw.fail(429, headers={"Retry-After": "90"})
        assert examples.errors(rw).startswith("wait 90.0 until 20")  # reset: an aware datetime


def test_async_examples(examples: ModuleType, fake_gateway: FakeGateway, tmp_path: Path) -> None:
    reply = examples.run_async(fake_gateway.api_key, fake_gateway.url, tmp_path)
    assert reply == "Echo from gpt-4o: Hello!"
    assert (tmp_path / "cat.png").read_bytes().startswith(PNG_SIGNATURE)
