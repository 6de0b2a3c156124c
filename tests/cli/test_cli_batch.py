"""``railwail batch``: in-process against the emulator (what it read, sent, saved, printed and
exited with), then as real processes (a run, its resume, and Ctrl-C)."""

from __future__ import annotations

import json
import signal
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from cli_support import SUBPROCESS_TIMEOUT, Cli, Result, is_png, spawn

from railwail._cli._batch import parse_prompts
from railwail._cli._errors import CLIError
from railwail.testing import FakeGateway

GENERATIONS = "/images/generations"


def prompts_sent(gw: FakeGateway) -> list[Any]:
    return [r.json()["prompt"] for r in gw.requests_to(GENERATIONS)]


def test_a_text_file_one_prompt_a_line(cli: Cli, gw: FakeGateway, workdir: Path) -> None:
    (workdir / "prompts.txt").write_text("a red fox\n\n  a blue whale  \r\n{not json}\n")
    result = cli("batch", "prompts.txt", "-m", "flux-schnell", "-o", "out")
    assert result.code == 0, result.err
    out = workdir / "out"
    assert result.out == (
        "3 item(s): 3 done, 0 skipped, 0 failed in "
        + result.out.split(" in ", 1)[1].split(" s,")[0]
        + f" s, about 15 credits; images in {out}\n"
    )
    assert result.err == ""
    assert sorted(prompts_sent(gw)) == ["a blue whale", "a red fox", "{not json}"]
    assert sorted(p.name for p in out.glob("*.png")) == [
        "00000-a-red-fox.png",
        "00001-a-blue-whale.png",
        "00002-not-json.png",
    ]
    assert all(is_png(p) for p in out.glob("*.png"))


def test_every_option_is_sent_for_every_item(cli: Cli, gw: FakeGateway, workdir: Path) -> None:
    (workdir / "p.txt").write_text("one\ntwo\n")
    result = cli(
        "batch", "p.txt", "-m", "dall-e-3", "-o", "out", "-n", "2", "--size", "1792x1024",
        "--quality", "hd", "--style", "natural", "--negative-prompt", "people",
        "--concurrency", "1", "--max-credits", "32",
    )  # fmt: skip
    assert result.code == 0, result.err
    bodies = [r.json() for r in gw.requests_to(GENERATIONS)]
    assert bodies == [
        {
            "model": "dall-e-3",
            "prompt": prompt,
            "n": 2,
            "size": "1792x1024",
            "quality": "hd",
            "style": "natural",
            "negative_prompt": "people",
        }
        for prompt in ("one", "two")
    ]
    assert len(list((workdir / "out").glob("*.png"))) == 4


def test_jsonl_items_from_stdin_with_a_json_summary(
    cli: Cli, gw: FakeGateway, workdir: Path
) -> None:
    stdin = '{"prompt": "a fox", "name": "fox", "size": "512x512"}\n"a plain prompt"\n'
    result = cli("batch", "-", "-m", "dall-e-3", "-o", "out", "--json", stdin=stdin)
    assert result.code == 0, result.err
    summary = json.loads(result.out)
    assert summary["counts"] == {"done": 2, "skipped": 0, "failed": 0, "pending": 0}
    assert summary["credits_spent"] == 16
    assert summary["out_dir"] == str(workdir / "out")
    assert summary["manifest"] == str(workdir / "out" / "railwail-batch.jsonl")
    fox, plain = summary["items"]
    assert (fox["index"], fox["status"], fox["paths"]) == (
        0,
        "done",
        [str(workdir / "out/fox.png")],
    )
    assert fox["revised_prompt"] == "A detailed, high-quality rendering of: a fox"
    assert fox["request_id"].startswith("req_")
    assert plain["paths"] == [str(workdir / "out/00001-a-plain-prompt.png")]
    # The items run concurrently: find each one's request by its prompt.
    sent = {r.json()["prompt"]: r.json() for r in gw.requests_to(GENERATIONS)}
    assert sent["a fox"]["size"] == "512x512"
    assert "size" not in sent["a plain prompt"]


def test_running_it_again_resumes(cli: Cli, gw: FakeGateway, workdir: Path) -> None:
    (workdir / "p.txt").write_text("one\ntwo\nthree\n")
    gw.fail(400, times=1, path=GENERATIONS, json={"error": {"message": "Bad prompt"}})
    first = cli("batch", "p.txt", "-m", "flux-schnell", "-o", "out", "--concurrency", "1")
    assert first.code == 1
    assert first.out.startswith("3 item(s): 2 done, 0 skipped, 1 failed in ")
    assert first.err.startswith("failed: item 0 (one): 400: Bad prompt (request_id=req_")
    assert first.err.count("\n") == 1
    second = cli("batch", "p.txt", "-m", "flux-schnell", "-o", "out", "--json")
    assert second.code == 0, second.err
    assert json.loads(second.out)["counts"] == {
        "done": 1,
        "skipped": 2,
        "failed": 0,
        "pending": 0,
    }
    assert prompts_sent(gw) == ["one", "two", "three", "one"]


def test_402_exits_4_with_what_was_done(cli: Cli, workdir: Path, monkeypatch: Any) -> None:
    with FakeGateway(credits=10) as gw:
        monkeypatch.setenv("RAILWAIL_BASE_URL", gw.url)
        monkeypatch.setenv("RAILWAIL_API_KEY", gw.api_key)
        (workdir / "p.txt").write_text("\n".join(f"cat {i}" for i in range(5)))
        result = cli("batch", "p.txt", "-m", "flux-schnell", "-o", "out", "--concurrency", "1")
    assert result.code == 4
    assert result.out.startswith("5 item(s): 2 done, 0 skipped, 1 failed, 2 pending in ")
    err = result.err.splitlines()
    assert err[0].startswith("failed: item 2 (cat 2): 402 insufficient_credits")
    assert err[1].startswith("railwail: error: 402 insufficient_credits: Insufficient credits")
    assert err[2] == "Finished items are recorded: run the same command again to resume."


def test_over_budget_exits_1_before_sending(cli: Cli, gw: FakeGateway, workdir: Path) -> None:
    (workdir / "p.txt").write_text("one\ntwo\n")
    result = cli("batch", "p.txt", "-m", "flux-schnell", "-o", "out", "--max-credits", "9")
    assert result.code == 1
    assert result.err.startswith(
        "railwail: error: this batch would make 2 image(s) at 5 credits each"
    )
    assert gw.requests_to(GENERATIONS) == []


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        ("", [], "railwail: error: p.txt has no prompts (every line is blank)\n"),
        ('{"prompt": "x"}\n{oops\n', [], "railwail: error: p.txt line 2: not JSON ("),
        ("[1]\n", ["--format", "jsonl"], "railwail: error: p.txt line 1: must be a JSON object"),
        (
            '"one"\n\n{"prompt": "two", "size": "big"}\n',
            ["--format", "jsonl"],
            "railwail: error: p.txt line 3: size must be 'WIDTHxHEIGHT'",
        ),
        ("one\n", ["--size", "big"], "railwail: error: size must be 'WIDTHxHEIGHT'"),
        ("one\n", ["--concurrency", "0"], "railwail: error: concurrency must be from 1 to 100"),
    ],
)
def test_bad_input_is_a_usage_error_before_anything_is_sent(
    cli: Cli, gw: FakeGateway, workdir: Path, content: str, args: list[str], message: str
) -> None:
    (workdir / "p.txt").write_text(content)
    result = cli("batch", "p.txt", "-m", "flux-schnell", "-o", "out", *args)
    assert result.code == 2
    assert result.err.startswith(message)
    assert gw.requests_to(GENERATIONS) == []


def test_a_missing_prompts_file(cli: Cli, gw: FakeGateway) -> None:
    result = cli("batch", "nope.txt", "-m", "flux-schnell", "-o", "out")
    assert (result.code, result.err) == (2, "railwail: error: PROMPTS: no such file: nope.txt\n")
    assert gw.requests == []


def test_a_prompts_file_that_is_not_text(cli: Cli, gw: FakeGateway, workdir: Path) -> None:
    (workdir / "p.txt").write_bytes(b"\xff\xfe\x00binary")
    result = cli("batch", "p.txt", "-m", "flux-schnell", "-o", "out")
    assert result.code == 2
    assert result.err.startswith("railwail: error: PROMPTS: cannot read p.txt: ")


def test_ctrl_c_says_how_to_resume(
    cli: Cli, gw: FakeGateway, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from railwail import Railwail

    def interrupted(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(Railwail, "image_batch", interrupted)
    (workdir / "p.txt").write_text("one\n")
    result = cli("batch", "p.txt", "-m", "flux-schnell", "-o", "out")
    assert result.code == 130
    assert result.err == (
        "railwail: interrupted. Finished items are recorded in out/railwail-batch.jsonl: run "
        "the same command again to resume.\n"
    )


def test_parse_prompts() -> None:
    assert parse_prompts("a\n\n b \n", "auto", "p.txt") == (["a", "b"], [1, 3])
    assert parse_prompts('"a"\n{"prompt": "b"}\n', "auto", "x.jsonl")[0] == ["a", {"prompt": "b"}]
    assert parse_prompts('{"prompt": "a"}\n', "text", "p.txt")[0] == ['{"prompt": "a"}']
    assert parse_prompts('  {"prompt": "a"}\n', "auto", "stdin")[0] == [{"prompt": "a"}]
    with pytest.raises(CLIError, match="stdin has no prompts"):
        parse_prompts(" \n", "auto", "stdin")


def test_the_progress_bar_goes_to_a_terminal_only(
    cli: Cli, gw: FakeGateway, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from railwail._cli import _batch

    (workdir / "p.txt").write_text("one\ntwo\n")
    assert cli("batch", "p.txt", "-m", "flux-schnell", "-o", "a").err == ""  # not a terminal
    monkeypatch.setattr(_batch, "_is_terminal", lambda stream: stream is sys.stderr)
    shown = cli("batch", "p.txt", "-m", "flux-schnell", "-o", "b")
    assert shown.code == 0, shown.err
    assert "railwail batch" in shown.err
    assert "2/2" in shown.err
    assert "done=2, failed=0, skipped=0" in shown.err
    hidden = cli("batch", "p.txt", "-m", "flux-schnell", "-o", "c", "--no-progress")
    assert (hidden.code, hidden.err) == (0, "")


# -- as real processes ---------------------------------------------------------------------------


def test_end_to_end_as_a_process(run_cli: Any, fake_gateway: FakeGateway, workdir: Path) -> None:
    env = {"RAILWAIL_BASE_URL": fake_gateway.url, "RAILWAIL_API_KEY": fake_gateway.api_key}
    (workdir / "prompts.txt").write_text("a red fox\na blue whale\n")
    first: Result = run_cli("batch", "prompts.txt", "-m", "flux-schnell", "-o", "out/", env=env)
    assert (first.code, first.err) == (0, "")
    assert first.out.startswith("2 item(s): 2 done, 0 skipped, 0 failed in ")
    again: Result = run_cli(
        "batch", "prompts.txt", "-m", "flux-schnell", "-o", "out/", "--json", env=env
    )
    assert again.code == 0, again.err
    assert json.loads(again.out)["counts"]["skipped"] == 2
    assert len(fake_gateway.requests_to(GENERATIONS)) == 2
    assert sorted(p.name for p in (workdir / "out").iterdir()) == [
        "00000-a-red-fox.png",
        "00001-a-blue-whale.png",
        "railwail-batch.jsonl",
    ]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_exits_130_records_what_finished_and_resumes(
    run_cli: Any, config_dir: Path, workdir: Path
) -> None:
    manifest = workdir / "out" / "railwail-batch.jsonl"
    with FakeGateway(generation_delay=0.1) as gw:
        env = {"RAILWAIL_BASE_URL": gw.url, "RAILWAIL_API_KEY": gw.api_key}
        (workdir / "p.txt").write_text("\n".join(f"cat {i}" for i in range(40)))
        proc = spawn(
            ["batch", "p.txt", "-m", "flux-schnell", "-o", "out"], config_dir, workdir, **env
        )
        try:
            deadline = time.monotonic() + SUBPROCESS_TIMEOUT
            while (not manifest.exists() or manifest.read_text().count("\n") < 5) and (
                time.monotonic() < deadline
            ):
                time.sleep(0.01)
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=SUBPROCESS_TIMEOUT)
        finally:
            proc.kill()
            proc.wait()
        assert proc.returncode == 130
        assert out == ""
        assert err.startswith("railwail: interrupted. Finished items are recorded in out/")
        assert "Traceback" not in err
        lines = manifest.read_text().splitlines()
        assert manifest.read_text().endswith("\n")  # whole lines only
        done = len(lines) - 1
        assert 4 <= done < 40
        assert len(list((workdir / "out").glob("*.png"))) == done
        assert not list((workdir / "out").glob(".*.tmp"))
        resumed: Result = run_cli("batch", "p.txt", "-m", "flux-schnell", "-o", "out", env=env)
        assert resumed.code == 0, resumed.err
        assert resumed.out.startswith(f"40 item(s): {40 - done} done, {done} skipped, 0 failed")
        assert set(gw.charges.values()) == {1}
