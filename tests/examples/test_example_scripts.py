"""The scripts of examples/, each run as a user runs it (``python examples/x.py``) against the
emulator: what they print, the files they write and the requests they send."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
from example_support import RunExample

from railwail import Railwail
from railwail.testing import FakeGateway

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE), f"{path} is not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_quickstart_saves_an_image_and_chats(
    run_example: RunExample, fake_gateway: FakeGateway, tmp_path: Path
) -> None:
    done = run_example("quickstart.py", str(tmp_path / "out"))

    assert done.returncode == 0, done.stderr
    saved = tmp_path / "out" / "sunset.png"
    lines = done.stdout.splitlines()
    assert lines[0] == f"Calling {fake_gateway.url} (credits are spent)."
    assert lines[1] == f"image: {saved}"
    assert lines[2].endswith(f"{saved.stat().st_size:,} bytes, 512x512 pixels")
    assert lines[3] == "chat:  Echo from gpt-4o: Say hello in five words."
    assert _png_size(saved) == (512, 512)
    (image,) = fake_gateway.requests_to("/images/generations")
    assert image.json() == {
        "model": "flux-schnell",
        "prompt": "A beautiful sunset over Tokyo",
        "size": "512x512",
    }
    assert len(fake_gateway.requests_to("/chat/completions")) == 1


def test_quickstart_without_a_key_runs_on_an_emulator_of_its_own(
    run_example: RunExample, fake_gateway: FakeGateway, tmp_path: Path
) -> None:
    done = run_example("quickstart.py", str(tmp_path / "out"), gateway=None)  # what make demo does

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("No API key found: running on the local emulator")
    assert "chat:  Echo from gpt-4o: Say hello in five words." in done.stdout
    assert _png_size(tmp_path / "out" / "sunset.png") == (512, 512)
    assert fake_gateway.requests == []  # not a request to the test's gateway


def test_stream_chat_prints_the_answer_alone_on_stdout(
    run_example: RunExample, fake_gateway: FakeGateway
) -> None:
    done = run_example("stream_chat.py", "Why is the sky blue?")

    assert done.returncode == 0, done.stderr
    assert done.stdout == "Echo from gpt-4o: Why is the sky blue?\n"
    assert done.stderr.startswith("(38 characters, request_id=req_")
    (request,) = fake_gateway.requests_to("/chat/completions")
    body = request.json()
    assert body["stream"] is True
    assert body["messages"][-1] == {"role": "user", "content": "Why is the sky blue?"}


def test_semantic_search_ranks_the_sentences_by_cosine_similarity(
    run_example: RunExample, fake_gateway: FakeGateway
) -> None:
    question = "How do I keep my plants alive?"
    done = run_example("semantic_search.py", question)

    assert done.returncode == 0, done.stderr
    first, *ranked = done.stdout.splitlines()
    assert first == f"Closest to {question!r}:"
    # The same ranking computed here with numpy, from the emulator's (deterministic) vectors.
    index_request, query_request = fake_gateway.requests_to("/embeddings")
    sentences = index_request.json()["input"]
    assert len(sentences) == 6
    assert query_request.json()["input"] == question
    with Railwail(fake_gateway.api_key, base_url=fake_gateway.url) as rw:
        matrix = rw.embed("text-embedding-3-small", sentences).to_numpy().astype(np.float64)
        query = rw.embed("text-embedding-3-small", question).to_numpy()[0].astype(np.float64)
    scores = matrix @ query / (np.linalg.norm(matrix, axis=1) * np.linalg.norm(query))
    best = sorted(zip(scores.tolist(), sentences, strict=True), reverse=True)[:3]
    assert ranked == [f"  {score:+.3f}  {text}" for score, text in best]


def test_async_fanout_saves_one_image_per_prompt(
    run_example: RunExample, fake_gateway: FakeGateway, tmp_path: Path
) -> None:
    done = run_example("async_fanout.py", str(tmp_path / "fanout"))

    assert done.returncode == 0, done.stderr
    prompts = [request.json()["prompt"] for request in fake_gateway.requests_to("/generations")]
    assert len(prompts) == 5
    paths = [Path(line) for line in done.stdout.splitlines()]
    # One file per prompt, printed in the order of the script's prompts (not of completion).
    assert sorted(path.name for path in paths) == sorted(
        f"{prompt.lower().replace(',', '').replace(' ', '-')}_flux-schnell_1.png"
        for prompt in prompts
    )
    assert paths[0].name == "a-lighthouse-at-dawn_flux-schnell_1.png"
    assert {path.parent for path in paths} == {tmp_path / "fanout"}
    assert all(_png_size(path) == (512, 512) for path in paths)
    assert done.stderr.startswith("5 images in ")


def test_image_batch_makes_every_image_once_and_a_second_run_skips_them(
    run_example: RunExample, tmp_path: Path
) -> None:
    out = tmp_path / "catalogue"
    # A short window, so that the run has to keep to the rate limit: 12 images and the model
    # lookup at 5 requests per 0.5 s.
    with FakeGateway(rate_limit=5, rate_window=0.5, credits=1000) as gw:
        first = run_example("image_batch.py", str(out), gateway=gw)
        made = gw.charges
        generations = len(gw.requests_to("/images/generations"))
        second = run_example("image_batch.py", str(out), gateway=gw)

        assert first.returncode == 0, first.stderr
        summary, where = first.stdout.splitlines()
        assert summary.startswith("12 item(s): 12 done, 0 skipped, 0 failed in ")
        assert summary.endswith(" s, about 60 credits")  # flux-schnell: 5 credits an image
        assert where == f"images in {out}"
        names = sorted(path.name for path in out.glob("*.png"))
        assert len(names) == 12
        assert names[0] == "00000-a-ceramic-mug-on-a-white-background.png"
        assert [name[:6] for name in names] == [f"{i:05d}-" for i in range(12)]
        assert all(_png_size(out / name) == (512, 512) for name in names)
        assert (out / "railwail-batch.jsonl").is_file()
        sent = [request.json() for request in gw.requests_to("/images/generations")]
        assert len({body["prompt"] for body in sent}) == 12
        assert all(body["size"] == "512x512" for body in sent)
        # Each image made and paid for once: 12 keys, each charged once, 12 x 5 credits.
        assert len(made) == 12
        assert set(made.values()) == {1}
        assert gw.credits == 1000 - 60
        # The bar went to stderr, a pipe here (tqdm draws it there all the same, updating the
        # line with carriage returns), and stdout has only the summary.
        assert "railwail batch: 100%" in first.stderr
        assert "12/12" in first.stderr
        assert "done=12, failed=0, skipped=0" in first.stderr
        assert "Traceback" not in first.stderr

        assert second.returncode == 0, second.stderr
        summary, where = second.stdout.splitlines()
        assert summary.startswith("12 item(s): 0 done, 12 skipped, 0 failed in ")
        assert where == f"images in {out}"
        assert "done=0, failed=0, skipped=12" in second.stderr
        # Nothing was asked for again: no generation, no charge.
        assert len(gw.requests_to("/images/generations")) == generations
        assert gw.charges == made
        assert gw.credits == 1000 - 60
        assert sorted(path.name for path in out.glob("*.png")) == names


def test_error_handling_waits_out_a_rate_limit_the_sdk_did_not_absorb(
    run_example: RunExample, fake_gateway: FakeGateway, tmp_path: Path
) -> None:
    # Four 429s: the SDK's three attempts, and the first of the script's second call.
    fake_gateway.fail(429, headers={"Retry-After": "0"}, times=4, path="/images/generations")

    done = run_example("error_handling.py", "A red fox", "flux-schnell", str(tmp_path / "out"))

    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{tmp_path / 'out' / 'a-red-fox_flux-schnell_1.png'}\n"
    assert done.stderr.startswith("rate limited: waiting 0 s (request_id=req_")
    attempts = fake_gateway.requests_to("/images/generations")
    keys = [request.headers["idempotency-key"] for request in attempts]
    # Two calls of three and two attempts: the SDK's retries keep their call's key.
    assert len(keys) == 5
    assert len(set(keys[:3])) == 1
    assert len(set(keys[3:])) == 1
    assert keys[0] != keys[3]


def test_error_handling_gives_up_on_a_wait_longer_than_it_accepts(
    run_example: RunExample, fake_gateway: FakeGateway, tmp_path: Path
) -> None:
    fake_gateway.fail(429, headers={"Retry-After": "3600"})

    done = run_example("error_handling.py", "A red fox", "flux-schnell", str(tmp_path / "out"))

    assert done.returncode == 5
    assert done.stderr.startswith("error: 429 rate_limit_exceeded")
    assert "Retry after 3600.0 s" in done.stderr
    assert len(fake_gateway.requests) == 1  # neither the SDK nor the script slept an hour
    assert not (tmp_path / "out").exists()


def test_error_handling_without_credits_exits_4_and_writes_nothing(
    run_example: RunExample, tmp_path: Path
) -> None:
    with FakeGateway(credits=0) as broke:
        done = run_example("error_handling.py", "A red fox", "flux-schnell", gateway=broke)

    assert done.returncode == 4
    assert done.stderr.startswith("error: 402 insufficient_credits")
    assert "Buy credits at https://railwail.com/billing" in done.stderr
    assert done.stdout == ""
    assert not (tmp_path / "output").exists()


def test_error_handling_suggests_the_model_meant(run_example: RunExample) -> None:
    done = run_example("error_handling.py", "A red fox", "flux-schnel")

    assert done.returncode == 1
    assert done.stderr == "error: no model 'flux-schnel'; try flux-schnell\n"


def test_error_handling_refuses_a_bad_argument_before_sending(
    run_example: RunExample, fake_gateway: FakeGateway
) -> None:
    done = run_example("error_handling.py", "")  # an empty prompt

    assert done.returncode == 2
    assert done.stderr.startswith("error: ")
    assert "prompt" in done.stderr
    assert fake_gateway.requests == []


def test_error_handling_without_a_key_exits_3(run_example: RunExample) -> None:
    done = run_example("error_handling.py", "A red fox", gateway=None)

    assert done.returncode == 3
    assert "RAILWAIL_API_KEY" in done.stderr
