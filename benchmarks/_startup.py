"""Start-up of the ``railwail`` command (section ``cli``): whole fresh processes, each beside
its baseline in the same round.

- ``railwail --version`` against ``python -c "import railwail"``: what the command line adds
  to the import (target: at most 1.3x).
- ``railwail image PROMPT -m flux-schnell -o DIR/`` against a raw-httpx script doing the same
  requests (the generation, the download of the image it returns, writing the file, printing
  its path): what a one-shot command costs over the least code that could do it (target: at
  most 1.4x). The same command against a script making the same call through the SDK
  (``Railwail(...).image(...).data[0].save(path)``): what the command costs over the SDK call
  it stands for (target: at most 1.1x). The command reads the answer without the SDK's
  response objects (no pydantic import), so it comes in under the SDK script.

The server is the CLI's own emulator (``python -m railwail emulator --port 0 --json``), in its
own process: it answers generations with image URLs that it serves itself, so both contenders
really download. Times are process wall times taken by the parent, interpreter start-up
included, as a user running the command pays them.
"""

from __future__ import annotations

import json
import select
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from ._common import Config, error_text, log, median, ratio, rotated
from ._proc import _clean_env

# ratio key -> (the figure's contender, its baseline)
PAIRS = {
    "cli.version_vs_import": ("railwail_version", "import_railwail"),
    "cli.image_vs_httpx": ("cli_image", "httpx_image"),
    "cli.image_vs_sdk": ("cli_image", "sdk_image"),
}
NAMES = tuple(dict.fromkeys(name for pair in PAIRS.values() for name in pair))
REPEATS = 7  # runs of each contender per round; a round's figure is their median

# (label, ratio key, comparison, threshold), in the shape of _report.TARGETS
TARGETS: tuple[tuple[str, str, str, float], ...] = (
    ("railwail --version / import railwail (process wall)", "cli.version_vs_import", "<=", 1.30),
    ("railwail image / raw httpx script (process wall)", "cli.image_vs_httpx", "<=", 1.40),
    ("railwail image / the same SDK call in a script", "cli.image_vs_sdk", "<=", 1.10),
)
# (ratio key, path to the contender's samples, path to the baseline's), as _report.PAIRED
PAIRED: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = tuple(
    (key, ("cli", mine, "samples"), ("cli", base, "samples")) for key, (mine, base) in PAIRS.items()
)

RAW_IMAGE = """\
import sys, httpx
base, key, out = sys.argv[1:4]
with httpx.Client() as client:
    answer = client.post(base + '/images/generations', headers={'Authorization': 'Bearer ' + key},
                         json={'model': 'flux-schnell', 'prompt': 'a cat'})
    answer.raise_for_status()
    image = client.get(answer.json()['data'][0]['url'])
    image.raise_for_status()
with open(out, 'wb') as fh:
    fh.write(image.content)
print(out)
"""
SDK_IMAGE = """\
import sys, railwail
base, key, out = sys.argv[1:4]
with railwail.Railwail(key, base_url=base) as rw:
    print(rw.image('flux-schnell', 'a cat').data[0].save(out))
"""


def command() -> tuple[list[str], str]:
    """How to start the command: the installed console script, else ``python -m railwail``."""
    script = Path(sys.executable).with_name("railwail")
    if script.exists():
        return [str(script)], "console script"
    return [sys.executable, "-m", "railwail"], "python -m railwail"


class Emulator:
    """``railwail emulator`` in its own process, stopped (SIGTERM) when the block ends;
    ``options`` are more of the command's options (``--rate-limit``, ...)."""

    def __init__(self, *options: str) -> None:
        self.options = options

    def __enter__(self) -> Emulator:
        args = [sys.executable, "-m", "railwail", "emulator", "--port", "0", "--json"]
        args += self.options
        self.proc = subprocess.Popen(
            args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=_clean_env()
        )
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], 30)
        line = self.proc.stdout.readline().decode() if ready else ""
        if not line.startswith("{"):
            self.__exit__()
            raise RuntimeError(f"railwail emulator did not start (got {line!r})")
        info = json.loads(line)
        self.url, self.key = info["url"], info["api_key"]
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def argv_for(name: str, cmd: list[str], emulator: Emulator, out: Path, n: int) -> list[str]:
    if name == "railwail_version":
        return [*cmd, "--version"]
    if name == "import_railwail":
        return [sys.executable, "-c", "import railwail"]
    if name == "cli_image":
        flags = ["--base-url", emulator.url, "--api-key", emulator.key, "-o", f"{out}/"]
        return [*cmd, "image", "a cat", "-m", "flux-schnell", *flags]
    script = SDK_IMAGE if name == "sdk_image" else RAW_IMAGE
    return [sys.executable, "-c", script, emulator.url, emulator.key, str(out / f"{name}-{n}.png")]


def timed(argv: list[str]) -> tuple[float, str]:
    """(wall milliseconds, stdout) of one process; raises with its stderr if it failed."""
    start = time.perf_counter()
    done = subprocess.run(
        argv, capture_output=True, text=True, timeout=120, env=_clean_env(), check=False
    )
    wall = (time.perf_counter() - start) * 1e3
    if done.returncode != 0:
        raise RuntimeError(f"{argv[:3]!r} failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return wall, done.stdout


def run_startup(config: Config) -> dict[str, Any]:
    cmd, entry = command()
    repeats = 1 if config.quick else REPEATS
    samples: dict[str, list[float]] = {name: [] for name in NAMES}
    errors: dict[str, str] = {}
    with Emulator() as emulator, tempfile.TemporaryDirectory(prefix="rw-bench-cli-") as tmp:
        out, n = Path(tmp), 0
        # A warm-up round (.pyc files, page cache; skipped by --quick, as the import section
        # skips its own), then the measured rounds. The contenders take turns run by run, so a
        # burst of load on the machine hits them alike.
        for r in range(0 if config.quick else -1, config.rounds):
            walls: dict[str, list[float]] = {name: [] for name in NAMES}
            for repeat in range(repeats):
                for name in rotated([x for x in NAMES if x not in errors], r + 1 + repeat):
                    n += 1
                    try:
                        wall, stdout = timed(argv_for(name, cmd, emulator, out, n))
                        _check(name, stdout)
                    except Exception as exc:
                        errors[name] = error_text(exc)
                        continue
                    walls[name].append(wall)
            if r >= 0:
                for name, values in walls.items():
                    if values:
                        samples[name].append(median(values))
                log(config, f"  cli round {r + 1}/{config.rounds} done")
    result: dict[str, Any] = {"entry": entry, "repeats_per_round": repeats}
    for name in NAMES:
        if name in errors:
            result[name] = {"error": errors[name]}
        else:
            result[name] = {"wall_ms": median(samples[name]), "samples": samples[name]}
    return result


def _check(name: str, stdout: str) -> None:
    """The run did what it is timed for: a version line, or the path of a real PNG."""
    if name == "railwail_version" and not stdout.startswith("railwail "):
        raise RuntimeError(f"unexpected --version output {stdout!r}")
    if name in ("cli_image", "httpx_image", "sdk_image"):
        path = Path(stdout.strip())
        if not path.read_bytes().startswith(b"\x89PNG"):
            raise RuntimeError(f"{path} is not a PNG")


def ratios(results: dict[str, Any]) -> dict[str, float | None]:
    """The two figures' ratios, for _report.ratios."""
    cli = results.get("cli")
    if not isinstance(cli, dict):
        return {}
    return {key: ratio(_wall(cli, mine), _wall(cli, base)) for key, (mine, base) in PAIRS.items()}


def _wall(cli: dict[str, Any], name: str) -> float | None:
    value = cli.get(name, {}).get("wall_ms")
    return float(value) if isinstance(value, int | float) else None


def table_rows(cli: dict[str, Any]) -> list[tuple[str, list[str], str, None]]:
    """(label, cells, ratio key, None) for _table.render's ``row()``; the cells are
    railwail, baseline, openai (none here)."""
    from ._table import _cell

    labels = {
        "cli.version_vs_import": f"`railwail --version` via {cli['entry']} (ms, process wall; "
        "baseline = python -c 'import railwail')",
        "cli.image_vs_httpx": "`railwail image` incl. download and save (ms, process wall; "
        "baseline = raw httpx script)",
        "cli.image_vs_sdk": "`railwail image` (ms, process wall; "
        "baseline = the same call in an SDK script)",
    }
    return [
        (labels[key], [_cell(cli, mine, "wall_ms"), _cell(cli, base, "wall_ms"), "—"], key, None)
        for key, (mine, base) in PAIRS.items()
    ]
