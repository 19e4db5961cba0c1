"""What one warm-up per replicate saves (issue 16), measured two ways.

In this process: the arms of a replicate (every shipped scenario, the default population)
made from scratch, the kept week-0 state forgotten before each run, against the same arms
made in turn as a worker makes a task (the first builds and keeps the state, the rest start
from copies of it). Replicates alternate the two ways, so a change in the machine's load moves
both alike; the figures are seconds per run, mean and 95% t interval over replicates.

As users run it: the default ``coprod compare --quiet`` (11 scenarios x 10 replicates, every
core) started as the console script into a fresh folder: wall seconds of the whole command,
the job's wall seconds for its runs (``manifest.json`` timing, the report excluded), and each
run's seconds as its worker measured them (``status.jsonl``). ``--command`` names another
``coprod`` (say an older checkout's venv) to time in turn with this one, pair by pair.

The load average is printed at the start and the end: on a shared machine, quote it.

Run: ``python benchmarks/bench_warmup.py [--replicates 5] [--jobs 1] [--command OTHER]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scipy import stats

from coprod.simulation import week0
from coprod.simulation.model import simulate
from coprod.simulation.scenario import load_scenario, shipped_scenarios
from coprod.simulation.seeds import parse_seed, replicate_seeds

COMMAND = Path(sys.executable).parent / "coprod"


def interval(values: list[float]) -> str:
    """Mean and 95% t interval, as text."""
    mean = statistics.fmean(values)
    if len(values) < 2:
        return f"{mean:.3f}"
    half = stats.t.ppf(0.975, len(values) - 1) * statistics.stdev(values) / len(values) ** 0.5
    return f"{mean:.3f} [{mean - half:.3f}, {mean + half:.3f}]"


def in_process(replicates: int) -> None:
    """Seconds per run of a replicate's arms, from scratch and through the kept state: wall
    seconds, and this process's CPU seconds (less moved by other work on the machine)."""
    arms = [load_scenario(name).params for name in shipped_scenarios()]
    clocks = {"wall": time.perf_counter, "CPU": time.process_time}
    figures: dict[str, list[float]] = {
        f"{clock} {what}": []
        for clock in clocks
        for what in ("scratch", "kept", "kept: the first", "kept: the others")
    }
    for seed in replicate_seeds(20261201, replicates):
        for way in ("scratch", "kept"):
            week0.SHARED.clear()
            seconds: dict[str, list[float]] = {clock: [] for clock in clocks}
            for params in arms:
                if way == "scratch":
                    week0.SHARED.clear()
                start = {clock: read() for clock, read in clocks.items()}
                simulate(params, parse_seed(seed))
                for clock, read in clocks.items():
                    seconds[clock].append(read() - start[clock])
            for clock, values in seconds.items():
                figures[f"{clock} {way}"].append(statistics.fmean(values))
                if way == "kept":
                    figures[f"{clock} kept: the first"].append(values[0])
                    figures[f"{clock} kept: the others"].append(statistics.fmean(values[1:]))
    week0.SHARED.clear()
    print(f"{len(arms)} arms x {replicates} replicates, seconds per run (mean [95% CI]):")
    for label, values in figures.items():
        print(f"  {label:24} {interval(values)}")
    for clock in clocks:
        saved = 1 - statistics.fmean(figures[f"{clock} kept"]) / statistics.fmean(
            figures[f"{clock} scratch"]
        )
        print(f"  saved per run ({clock}): {saved:.0%}")


def compare_job(command: Path) -> tuple[float, float, list[float]]:
    """(command wall seconds, the job's runs wall seconds, each run's seconds) of one
    default ``coprod compare``."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "job"
        start = time.perf_counter()
        subprocess.run(
            [str(command), "compare", "--quiet", "--out", str(out)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        wall = time.perf_counter() - start
        manifest = json.loads((out / "manifest.json").read_text())
        lines = (out / "status.jsonl").read_text().splitlines()
        return wall, manifest["timing"]["wall_seconds"], [json.loads(x)["seconds"] for x in lines]


def as_users_run_it(jobs: int, other: Path | None) -> None:
    """Wall time of the default compare, this coprod and ``other`` in turn; with ``other``,
    the median over pairs of the ratio of the runs' wall seconds (this / other)."""
    commands = {"this": COMMAND} | ({"other": other} if other else {})
    for label, command in commands.items():
        print(f"  {label}: {command}")
    ratios = []
    for pair in range(jobs):
        runs_wall = {}
        for label, command in commands.items():
            wall, runs, seconds = compare_job(command)
            runs_wall[label] = runs
            print(
                f"  job {pair + 1} {label}: {wall:.1f} s wall, runs {runs:.1f} s, "
                f"{len(seconds)} runs of {statistics.fmean(seconds):.3f} s mean "
                f"(median {statistics.median(seconds):.3f}, sum {sum(seconds):.1f}); "
                f"load {os.getloadavg()[0]:.2f}"
            )
        if other:
            ratios.append(runs_wall["this"] / runs_wall["other"])
    if ratios:
        median = statistics.median(ratios)
        print(f"  runs' wall this / other, median of {len(ratios)} pairs: {median:.2f}")


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__)
    cli.add_argument("--replicates", type=int, default=5)
    cli.add_argument("--jobs", type=int, default=1, help="default compares per coprod")
    cli.add_argument("--command", type=Path, help="another coprod to time in turn")
    args = cli.parse_args()
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    in_process(args.replicates)
    if args.jobs:
        print("default `coprod compare --quiet`:")
        as_users_run_it(args.jobs, args.command)
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
