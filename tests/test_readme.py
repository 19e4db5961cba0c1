"""The README's commands and examples, run as written, only smaller.

Every ``coprod`` command of its shell blocks runs in a copy of the repository's example and
scenario folders, made small so that the whole README takes well under a minute: jobs get a
tiny population, 2 replicates and 8 weeks (a sweep file its own copy with those values), and
the long studies (``sensitivity``, ``calibrate``) run as ``--dry-run``; a PSA file's copy gets
6 draws. Then its Python blocks
run in order in one namespace, on the folders those commands made (about 45 s: a slow test).
A scenario file shown in a TOML block under a ``# path.toml`` comment is written there first.
Lines that install or start a cluster are not run: they are listed, so a new kind of command
cannot slip through.
"""

from __future__ import annotations

import argparse
import re
import shlex
import shutil
from pathlib import Path

import pytest

import coprod
from coprod.experiments import cli
from coprod.experiments.cli.parsing import parser

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"^```(\w+)\n(.*?)^```", README, flags=re.MULTILINE | re.DOTALL)
TINY = ["--set", "n_users=40", "--set", "n_neighbours=20", "--set", "n_professionals=3"]
JOB = ["--replicates", "2", "--steps", "8", "--workers", "1", "--quiet"]
NOT_RUN = ("python -m venv", ". .venv/bin/activate", "pip install", "python -m pytest", "dask ")
SWEEP_SIZES = {
    r"(?m)^n_users = \d+": "n_users = 40",
    r"(?m)^n_neighbours = \d+": "n_neighbours = 20",
    r"(?m)^n_professionals = \d+": "n_professionals = 3",
    r"(?m)^replicates = \d+": "replicates = 2",
    r"(?m)^steps = \d+": "steps = 8",
    r"(\{[^}]*)steps = \d+": r"\1steps = 2",  # a range's grid steps: 2 x 2 design points
    r"(?m)^draws = \d+": "draws = 6",  # a PSA's parameter draws
}


def shell_commands() -> tuple[list[list[str]], list[str]]:
    """The README's ``coprod`` commands as argument lists, and the lines left unrun."""
    run, skipped = [], []
    for language, body in BLOCKS:
        if language != "bash":
            continue
        for line in body.splitlines():
            for segment in line.split("&&"):
                words = shlex.split(segment, comments=True)
                if not words:
                    continue
                if words[0] == "coprod" and words[1] != "viz" and "HOST" not in segment:
                    run.append(words[1:])
                else:
                    skipped.append(" ".join(words))
    return run, skipped


def smaller(argv: list[str], index: int) -> list[str]:
    """A README command at the size of a test."""
    command = argv[0]
    if command in ("sensitivity", "calibrate"):
        return [*argv, "--dry-run"]
    if command == "compare":
        out = [] if "--out" in argv or "--dry-run" in argv else ["--out", f"results/r{index}"]
        return [*argv, *JOB, *TINY, *out]
    if command == "run":
        return [*argv, "--steps", "8", *TINY]
    if command in ("sweep", "psa"):
        return [*argv, "--workers", "1", "--quiet"]
    return argv


def test_every_line_is_run_or_known_not_to_be_runnable():
    run, skipped = shell_commands()
    assert {argv[0] for argv in run} >= {"compare", "sweep", "sensitivity", "calibrate", "run"}
    unknown = [line for line in skipped if not line.startswith(NOT_RUN)]
    unknown = [line for line in unknown if not line.startswith(("coprod viz", "coprod sweep X"))]
    assert unknown == []


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The folders the README's paths name, copied, with the sweep and PSA files made small."""
    shutil.copytree(ROOT / "experiments" / "examples", tmp_path / "experiments" / "examples")
    shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios")
    for name in ("power_timebank.toml", "psa.toml", "commissioning.toml"):  # jobs run in full
        path = tmp_path / "experiments" / "examples" / name
        text = path.read_text()
        for pattern, value in SWEEP_SIZES.items():
            text = re.sub(pattern, value, text)
        path.write_text(text)
    for language, body in BLOCKS:  # scenario files the README shows under their path
        first = body.splitlines()[0]
        if language == "toml" and first.startswith("# ") and first.endswith(".toml"):
            target = tmp_path / first.removeprefix("# ")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(body)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.slow  # about 45 s on the shared 2-core machine: five reports and a sweep
def test_the_readme_runs(workspace, capsys):
    run, _ = shell_commands()
    for index, argv in enumerate(run):
        code = cli.main(smaller(argv, index))
        assert code == 0, (argv, capsys.readouterr().err)
    assert (workspace / "results" / "compare" / "report.md").is_file()
    assert (workspace / "results" / "power_timebank" / "sweep.md").is_file()
    namespace: dict = {}
    for language, body in BLOCKS:
        if language == "python":
            exec(compile(body, "README.md", "exec"), namespace)
    assert (workspace / "curves.png").is_file() and (workspace / "cost.png").is_file()


def test_the_readme_names_every_public_function_and_every_option():
    for name in ("compare", "sweep", "sensitivity", "calibrate", "run", "scenario", "load"):
        assert f"coprod.{name}(" in README, name
        assert name in coprod.__all__
    (commands,) = [a for a in parser()._actions if isinstance(a, argparse._SubParsersAction)]
    for name, command in commands.choices.items():
        assert f"`coprod {name}" in README, name
        for action in command._actions:
            for option in action.option_strings:
                if option.startswith("--") and option != "--help":
                    assert option in README, (name, option)
