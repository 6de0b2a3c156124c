"""The data commands (image, chat, run, embed, models) run in-process against the emulator:
what they sent, what they printed, what they wrote, and their exit codes."""

from __future__ import annotations

import base64
import io
import json
import os
import sys
from pathlib import Path

import pytest
from cli_support import Cli, is_png

from railwail.testing import CATALOGUE, FakeGateway

# -- image --------------------------------------------------------------------------------------


def test_image_saves_in_the_current_directory_and_prints_the_path(
    cli: Cli, gw: FakeGateway, workdir: Path
) -> None:
    result = cli("image", "a cat in space", "-m", "flux-schnell")
    assert (result.code, result.err) == (0, "")
    path = Path(result.out.strip())
    assert path.parent == workdir
    assert path.name.startswith("flux-schnell-")
    assert path.suffix == ".png"
    assert is_png(path)
    assert [p.name for p in workdir.iterdir()] == [path.name]  # no temporary file left
    body = gw.requests_to("/images/generations")[0].json()
    assert body == {"model": "flux-schnell", "prompt": "a cat in space"}


def test_image_sends_every_option(cli: Cli, gw: FakeGateway) -> None:
    result = cli(
        "image", "a lighthouse", "-m", "dall-e-3", "-n", "1", "--size", "1792x1024",
        "--quality", "hd", "--style", "natural", "--negative-prompt", "people",
    )  # fmt: skip
    assert result.code == 0, result.err
    body = gw.requests_to("/images/generations")[0].json()
    assert body == {
        "model": "dall-e-3",
        "prompt": "a lighthouse",
        "n": 1,
        "size": "1792x1024",
        "quality": "hd",
        "style": "natural",
        "negative_prompt": "people",
    }


def test_image_several_into_a_directory_as_json_lines(
    cli: Cli, gw: FakeGateway, workdir: Path
) -> None:
    result = cli("image", "two cats", "-m", "flux-schnell", "-n", "2", "-o", "out/", "--json")
    assert result.code == 0, result.err
    lines = [json.loads(line) for line in result.out.splitlines()]
    assert [line["index"] for line in lines] == [1, 2]
    paths = [Path(line["path"]) for line in lines]
    assert len(set(paths)) == 2
    assert [p.name[-6:] for p in paths] == ["-1.png", "-2.png"]
    assert all(p.parent == workdir / "out" and is_png(p) for p in paths)
    for line, path in zip(lines, paths, strict=True):
        assert line["bytes"] == path.stat().st_size
        assert line["format"] == "image/png"
        assert line["model"] == "flux-schnell"
        assert line["url"].startswith(gw.origin + "/files/")
        assert line["request_id"].startswith("req_")


def test_image_never_overwrites_an_earlier_image(cli: Cli, gw: FakeGateway, workdir: Path) -> None:
    first = Path(cli("image", "a cat", "-m", "flux-schnell").out.strip())
    second = Path(cli("image", "a cat", "-m", "flux-schnell").out.strip())
    third = Path(cli("image", "a cat", "-m", "flux-schnell").out.strip())
    assert len({first, second, third}) == 3
    assert all(is_png(p) for p in (first, second, third))


def test_image_to_a_named_file_replaces_it(cli: Cli, gw: FakeGateway, workdir: Path) -> None:
    target = workdir / "fox.png"
    target.write_bytes(b"old")
    result = cli("image", "a fox", "-m", "flux-schnell", "-o", "fox.png")
    assert result.code == 0, result.err
    assert Path(result.out.strip()) == target.resolve()
    assert is_png(target)


def test_image_refuses_one_file_for_several_images_before_sending(
    cli: Cli, gw: FakeGateway
) -> None:
    result = cli("image", "cats", "-m", "flux-schnell", "-n", "2", "-o", "cat.png")
    assert result.code == 2
    assert "pass a directory instead (e.g. -o cat.png/)" in result.err
    assert gw.requests == []


@pytest.mark.parametrize("prompt", [[], ["-"]])
def test_image_reads_the_prompt_from_stdin(cli: Cli, gw: FakeGateway, prompt: list[str]) -> None:
    result = cli("image", *prompt, "-m", "flux-schnell", stdin="a red fox\n")
    assert result.code == 0, result.err
    assert gw.requests_to("/images/generations")[0].json()["prompt"] == "a red fox"


@pytest.mark.parametrize(("args", "stdin", "tty"), [([], "", True), (["-"], "  \n", False)])
def test_image_without_a_prompt_is_a_usage_error(
    cli: Cli, gw: FakeGateway, args: list[str], stdin: str, tty: bool
) -> None:
    result = cli("image", *args, "-m", "flux-schnell", stdin=stdin, tty=tty)
    assert result.code == 2
    assert result.err.startswith("railwail: error: PROMPT is required")
    assert gw.requests == []


def test_image_argument_the_sdk_refuses_is_a_usage_error(cli: Cli, gw: FakeGateway) -> None:
    result = cli("image", "x", "-m", "flux-schnell", "-n", "9", "-o", "d/")
    assert result.code == 2
    assert result.err == "railwail: error: n must be an integer from 1 to 4; got 9\n"
    assert gw.requests == []


def test_image_without_prompt_or_stdin_at_all(cli: Cli, gw: FakeGateway) -> None:
    result = cli("image", "-m", "flux-schnell", stdin=None)
    assert result.code == 2
    assert "PROMPT is required" in result.err


def test_image_request_carries_one_idempotency_key_across_retries(
    cli: Cli, gw: FakeGateway, workdir: Path
) -> None:
    gw.fail(503, path="/images/generations", headers={"Retry-After": "0"})
    result = cli("image", "a cat", "-m", "flux-schnell", "-o", "cat.png")
    assert result.code == 0, result.err
    first, second = gw.requests_to("/images/generations")
    key = first.headers["idempotency-key"]
    assert key.startswith("rw-")
    assert second.headers["idempotency-key"] == key
    assert result.out == f"{workdir / 'cat.png'}\n"
    assert is_png(workdir / "cat.png")


@pytest.mark.parametrize(
    ("status", "code", "says"),
    [(401, 3, "401"), (402, 4, "402"), (429, 5, "429"), (400, 1, "400")],
)
def test_image_errors_exit_with_their_code_and_write_nothing(
    cli: Cli, gw: FakeGateway, workdir: Path, status: int, code: int, says: str
) -> None:
    gw.fail(status, path="/images/generations", headers={"Retry-After": "30"})
    result = cli("image", "a cat", "-m", "flux-schnell", "--max-retries", "0")
    assert result.code == code
    assert result.err.startswith("railwail: error: ")
    assert says in result.err
    assert result.err.count("\n") == 1
    assert result.out == ""
    assert list(workdir.iterdir()) == []


def test_image_with_a_misspelled_model_suggests_the_right_one(cli: Cli, gw: FakeGateway) -> None:
    result = cli("image", "a cat", "-m", "flux-schnel")
    assert result.code == 1
    assert "Did you mean flux-schnell? Check the model slug; `railwail models` lists" in result.err
    assert "rw.models" not in result.err  # the SDK's advice, for Python code


def test_image_answer_of_the_wrong_shape_is_an_error_with_the_key_masked(
    cli: Cli, gw: FakeGateway, workdir: Path
) -> None:
    gw.fail(200, path="/images/generations", json={"data": "key " + gw.api_key})
    result = cli("image", "a cat", "-m", "flux-schnell", "-v")
    assert result.code == 1
    assert "is not a valid ImageResponse: data: Input should be a valid list" in result.err
    assert gw.api_key not in result.err + result.out
    assert list(workdir.iterdir()) == []


def test_image_sent_inline_is_saved_from_its_base64(
    cli: Cli, gw: FakeGateway, workdir: Path
) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(24)
    encoded = base64.b64encode(png).decode()
    gw.fail(200, path="/images/generations", json={"data": [{"b64_json": encoded}]})
    result = cli("image", "a cat", "-m", "flux-schnell", "-o", "cat", "--json")
    assert result.code == 0, result.err
    (line,) = [json.loads(text) for text in result.out.splitlines()]
    assert line["path"] == str(workdir / "cat.png")
    assert line["url"] is None
    assert (line["format"], line["bytes"]) == ("image/png", len(png))
    assert (workdir / "cat.png").read_bytes() == png
    assert [r.path for r in gw.requests] == ["/api/v1/images/generations"]  # no download


# -- chat ---------------------------------------------------------------------------------------


def test_chat_streams_the_answer(cli: Cli, gw: FakeGateway) -> None:
    result = cli("chat", "-m", "gpt-4o", "hello there")
    assert (result.code, result.out, result.err) == (0, "Echo from gpt-4o: hello there\n", "")
    body = gw.requests_to("/chat/completions")[0].json()
    assert body["stream"] is True
    assert body["messages"] == [{"role": "user", "content": "hello there"}]


def test_chat_joins_piped_stdin_after_the_prompt(cli: Cli, gw: FakeGateway) -> None:
    result = cli("chat", "-m", "gpt-4o", "-s", "be brief", "review this", stdin="diff --git a b\n")
    assert result.code == 0, result.err
    assert gw.requests_to("/chat/completions")[0].json()["messages"] == [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "review this\n\ndiff --git a b"},
    ]


def test_chat_prompt_from_stdin_alone(cli: Cli, gw: FakeGateway) -> None:
    result = cli("chat", "-m", "gpt-4o", "-", stdin="only stdin")
    assert result.out == "Echo from gpt-4o: only stdin\n"


def test_chat_no_stream_and_sampling_options(cli: Cli, gw: FakeGateway) -> None:
    result = cli(
        "chat", "-m", "gpt-4o", "--no-stream", "--temperature", "0.2", "--max-tokens", "50", "hi"
    )
    assert (result.code, result.out) == (0, "Echo from gpt-4o: hi\n")
    body = gw.requests_to("/chat/completions")[0].json()
    assert "stream" not in body
    assert (body["temperature"], body["max_tokens"]) == (0.2, 50)


def test_chat_json_prints_the_completion(cli: Cli, gw: FakeGateway) -> None:
    result = cli("chat", "-m", "gpt-4o", "--json", "hi")
    completion = json.loads(result.out)
    assert completion["object"] == "chat.completion"
    assert completion["choices"][0]["message"]["content"] == "Echo from gpt-4o: hi"
    assert completion["usage"]["total_tokens"] > 0


def test_chat_needs_a_prompt(cli: Cli, gw: FakeGateway) -> None:
    result = cli("chat", "-m", "gpt-4o", stdin="   ")
    assert result.code == 2
    assert "PROMPT is required" in result.err
    assert gw.requests == []


def test_chat_unknown_model_is_one_line_exit_1(cli: Cli, gw: FakeGateway) -> None:
    result = cli("chat", "-m", "no-such-model", "hi")
    assert result.code == 1
    assert result.err.startswith("railwail: error: 404 model_not_found: Model 'no-such-model'")
    assert result.err.count("\n") == 1


# -- run ----------------------------------------------------------------------------------------


def test_run_text_model_prints_the_text(cli: Cli, gw: FakeGateway) -> None:
    assert cli("run", "gpt-4o", "Explain").out == "Echo from gpt-4o: Explain\n"
    assert json.loads(cli("run", "gpt-4o", "Hi", "--json").out) == {
        "model": "gpt-4o",
        "text": "Echo from gpt-4o: Hi",
    }


def test_run_image_model_saves_the_images(cli: Cli, gw: FakeGateway, workdir: Path) -> None:
    result = cli("run", "flux-schnell", "a cat", "-o", "run/")
    assert result.code == 0, result.err
    path = Path(result.out.strip())
    assert path.parent == workdir / "run"
    assert is_png(path)


def test_run_embedding_model_prints_vectors(cli: Cli, gw: FakeGateway) -> None:
    result = cli("run", "text-embedding-3-small", "first", "second")
    vectors = [json.loads(line) for line in result.out.splitlines()]
    assert len(vectors) == 2
    assert vectors[0] != vectors[1]
    assert gw.requests_to("/embeddings")[0].json()["input"] == ["first", "second"]


def test_run_type_forces_the_route_and_stdin_is_the_input(cli: Cli, gw: FakeGateway) -> None:
    result = cli("run", "sonar-pro", "-t", "chat", stdin="from stdin")
    assert result.out == "Echo from sonar-pro: from stdin\n"
    assert gw.requests_to("/models/sonar-pro") == []  # --type: no catalogue lookup


def test_run_dash_must_be_alone(cli: Cli, gw: FakeGateway) -> None:
    result = cli("run", "gpt-4o", "a", "-")
    assert result.code == 2
    assert "must be the only INPUT" in result.err


def test_run_list_for_a_chat_model_is_a_usage_error(cli: Cli, gw: FakeGateway) -> None:
    result = cli("run", "gpt-4o", "two", "words")
    assert result.code == 2
    assert "run() input for a chat model must be a prompt string" in result.err


# -- embed --------------------------------------------------------------------------------------


def test_embed_prints_one_vector_per_text(cli: Cli, gw: FakeGateway) -> None:
    result = cli("embed", "-m", "text-embedding-3-small", "--dimensions", "4", "a", "b", "c")
    vectors = [json.loads(line) for line in result.out.splitlines()]
    assert [len(v) for v in vectors] == [4, 4, 4]
    assert all(isinstance(x, float) for v in vectors for x in v)
    body = gw.requests_to("/embeddings")[0].json()
    assert (body["input"], body["dimensions"]) == (["a", "b", "c"], 4)


def test_embed_reads_lines_from_stdin(cli: Cli, gw: FakeGateway) -> None:
    result = cli("embed", "-m", "text-embedding-3-small", stdin="one\n\n two \n")
    assert len(result.out.splitlines()) == 2
    assert gw.requests_to("/embeddings")[0].json()["input"] == ["one", "two"]


@pytest.mark.parametrize(("stdin", "where"), [("\n", "stdin had no text"), (None, "none")])
def test_embed_needs_text(cli: Cli, gw: FakeGateway, stdin: str | None, where: str) -> None:
    result = cli("embed", "-m", "text-embedding-3-small", stdin=stdin)
    assert result.code == 2
    assert where in result.err


# -- models -------------------------------------------------------------------------------------


def test_models_table(cli: Cli, gw: FakeGateway) -> None:
    result = cli("models")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].split() == ["slug", "name", "category", "provider", "price"]
    assert set(lines[1]) <= {"-", " "}
    assert len(lines) == 2 + len(CATALOGUE)
    flux = next(line for line in lines if line.startswith("flux-schnell "))
    assert "Flux Schnell" in flux
    assert "black-forest-labs" in flux
    gpt = next(line for line in lines if line.startswith("gpt-4o "))
    assert gpt.endswith("2 + 0.5 in / 1.5 out per 1k tokens")
    assert gw.requests_to("/models")[0].query == {"limit": "100", "offset": "0"}


@pytest.mark.parametrize("action", [[], ["list"]])
def test_models_filters_as_json_lines(cli: Cli, gw: FakeGateway, action: list[str]) -> None:
    result = cli("models", *action, "--category", "image", "--provider", "openai", "--featured")
    assert result.code == 0, result.err
    assert gw.requests_to("/models")[0].query == {
        "limit": "100",
        "offset": "0",
        "category": "image",
        "provider": "openai",
        "featured": "true",
    }
    listed = [
        json.loads(line)["slug"] for line in cli("models", "--json", *action).out.splitlines()
    ]
    assert listed == [m["slug"] for m in CATALOGUE]


def test_models_without_match_says_so(cli: Cli, gw: FakeGateway) -> None:
    result = cli("models", "--provider", "nobody")
    assert (result.code, result.out, result.err) == (0, "", "No models match these filters.\n")


def test_models_show(cli: Cli, gw: FakeGateway) -> None:
    result = cli("models", "show", "flux-schnell")
    assert result.code == 0, result.err
    fields = dict(line.split(None, 1) for line in result.out.splitlines())
    assert fields["slug"] == "flux-schnell"
    assert fields["pricing.credit_cost_fixed"] == "5.0"
    assert fields["capabilities.max_n"] == "4"
    assert json.loads(fields["metadata.tags"]) == ["image", "black-forest-labs"]
    shown = json.loads(cli("models", "show", "flux-schnell", "--json").out)
    assert shown == next(m for m in CATALOGUE if m["slug"] == "flux-schnell")


def test_models_show_unknown_slug(cli: Cli, gw: FakeGateway) -> None:
    result = cli("models", "show", "nope")
    assert result.code == 1
    assert result.err.startswith("railwail: error: 404")


def test_models_without_tabulate_says_how_to_fix(
    cli: Cli, gw: FakeGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "tabulate", None)  # the import fails
    result = cli("models")
    assert result.code == 1
    assert "pip install tabulate" in result.err


def test_several_images_for_one_named_file_are_numbered_beside_it(workdir: Path) -> None:
    from railwail import Image
    from railwail._cli import _common, _image

    png = b"\x89PNG\r\n\x1a\n" + bytes(32)
    images = [Image(b64_json=base64.b64encode(png).decode()) for _ in range(2)]
    out = io.StringIO()
    saved = _image.save_images(
        _common.Context(stdout=out), images, Image.read, "flux", "shots/one.png", None
    )
    assert [p.name for p in saved] == ["one-1.png", "one-2.png"]
    assert sorted(os.listdir(workdir / "shots")) == ["one-1.png", "one-2.png"]
    assert all(p.read_bytes() == png for p in saved)  # identical images, two files
    assert out.getvalue().splitlines() == [str(p) for p in saved]
