"""Microseconds per agent-step, and the wall time of the default ``coprod compare``.

An agent-step is one agent (user, neighbour or professional) through one week. Populations keep
the default proportions (1,000 users : 600 neighbours : 60 professionals) scaled to the total.
Two figures per run: the time of a policy week alone, and the whole run (building the
population, the warm-up to week 0 and the policy weeks) divided by the policy weeks, which is
what a run of that horizon costs per agent-week: the warm-up runs in every run.
Run: ``python benchmarks/bench_step.py [--agents 1000 10000 100000] [--weeks 104]
[--scenarios traditional timebank] [--no-compare]``
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from coprod.simulation import CoProductionModel, Params
from coprod.simulation.scenario import list_scenarios, load_scenario

DEFAULT = Params()


def population(total: int) -> dict[str, int]:
    """Users, neighbours and professionals in the default proportions, summing to ``total``."""
    whole = DEFAULT.n_users + DEFAULT.n_neighbours + DEFAULT.n_professionals
    professionals = max(1, round(total * DEFAULT.n_professionals / whole))
    neighbours = round(total * DEFAULT.n_neighbours / whole)
    return {
        "n_users": total - professionals - neighbours,
        "n_neighbours": neighbours,
        "n_professionals": professionals,
    }


def time_scenario(name: str, total: int, weeks: int) -> tuple[float, float, float]:
    """(seconds to build incl. warm-up, microseconds per agent-step of a policy week,
    microseconds per agent-step of the whole run) for one scenario."""
    params = Params(**{**load_scenario(name).params.model_dump(), **population(total)})
    start = time.perf_counter()
    model = CoProductionModel(params, seed=0)
    built = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(weeks):
        model.step()
    stepping = time.perf_counter() - start
    return built, stepping / (weeks * total) * 1e6, (built + stepping) / (weeks * total) * 1e6


def time_compare() -> float:
    """Wall seconds of the default ``coprod compare`` (every scenario, 10 replicates)."""
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "coprod.experiments.cli",
                "compare",
                "--quiet",
                "--out",
                str(Path(tmp) / "bench"),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        return time.perf_counter() - start


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__)
    cli.add_argument("--agents", type=int, nargs="+", default=[1000, 10000])
    cli.add_argument("--weeks", type=int, default=104)
    cli.add_argument("--scenarios", nargs="+", default=None, help="default: every shipped one")
    cli.add_argument("--no-compare", action="store_true")
    args = cli.parse_args()
    names = args.scenarios or [name for name, _ in list_scenarios()]
    print(f"{'agents':>8} {'scenario':24} {'build s':>8} {'us/step':>8} {'us/step+warm-up':>16}")
    for total in args.agents:
        steps, runs = [], []
        for name in names:
            built, micro, whole = time_scenario(name, total, args.weeks)
            steps.append(micro)
            runs.append(whole)
            print(f"{total:8d} {name:24} {built:8.2f} {micro:8.2f} {whole:16.2f}")
        mean_step, mean_run = sum(steps) / len(steps), sum(runs) / len(runs)
        print(f"{total:8d} {'mean of the mix':24} {'':8} {mean_step:8.2f} {mean_run:16.2f}")
    if not args.no_compare:
        print(f"default coprod compare: {time_compare():.1f} s wall")


if __name__ == "__main__":
    main()
