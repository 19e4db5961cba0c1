"""Sweep throughput and parent memory: ``coprod sweep``'s runner against ``mesa.batch_run``.

    python benchmarks/bench_sweep.py [--runs 250 500] [--workers 2]

The same model, parameters and seeds on both sides: the ``timebank`` scenario at a small
population, a 5 x 5 grid of ``power_sharing`` x ``timebank_uptake``, replicates to make up
the run count, model metrics collected every week (batch_run reads the model's own
``DataCollector`` and builds it from flat keyword parameters). Every (engine, runs) is
timed in a fresh subprocess, because batch_run sets the spawn start method for the whole
process; engines alternate and the best of ``--repeat`` is kept, since a shared machine's
load comes and goes. Memory is the parent's peak resident set growth over the sweep
(``VmHWM`` after ``clear_refs``, from /proc): what grows with the number of runs. CPU time
per run counts every process of the engine (parent and workers): unlike wall time, a busy
machine barely changes it. The last run of both sides must give the same final cost.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing.forkserver
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import mesa

from coprod.experiments.designs.experiment import load_experiment
from coprod.experiments.jobs.engines import executor_for, window_for
from coprod.experiments.jobs.results import load
from coprod.experiments.jobs.runner import run_job
from coprod.simulation.model import CoProductionModel
from coprod.simulation.scenario import load_scenario
from coprod.simulation.seeds import replicate_seeds

FIXED = {"n_users": 200, "n_neighbours": 120, "n_professionals": 12, "weeks": 52}
GRID = {
    "power_sharing": [0.1, 0.3, 0.5, 0.7, 0.9],
    "timebank_uptake": [0.05, 0.1, 0.2, 0.3, 0.4],
}
POINTS = len(GRID["power_sharing"]) * len(GRID["timebank_uptake"])
BASE = load_scenario("timebank").params.model_dump() | FIXED
SEED = 0
ENGINES = ("coprod", "batch_run")


def status(key: str) -> float:
    """A /proc/self/status memory figure in MiB."""
    line = next(x for x in Path("/proc/self/status").read_text().splitlines() if x.startswith(key))
    return int(line.split()[1]) / 1024


def coprod(runs: int, workers: int) -> Callable[[], float]:
    """One sweep through coprod's runner, stored in a results folder; the last run's final
    cumulative cost (read from the folder after the memory is measured)."""
    folder = Path(tempfile.mkdtemp())
    lines = [
        'base = "timebank"',
        f"replicates = {runs // POINTS}",
        f"seed = {SEED}",
        "[vary]",
        *(f"{key} = {values}" for key, values in GRID.items()),
        "[fixed]",
        *(f"{key} = {value}" for key, value in FIXED.items()),
        "[record]",
        "agents = false",
        "survey = false",
    ]
    (folder / "bench.toml").write_text("\n".join(lines) + "\n")
    experiment = load_experiment(folder / "bench.toml")
    with executor_for("local", workers) as executor:
        run_job(
            experiment.specs(),
            folder / "out",
            job=experiment.job(),
            executor=executor,
            progress=False,
            window=window_for(executor),
        )
    return lambda: float(load(folder / "out").runs["total_cost"].iloc[-1])


def batch(runs: int, workers: int) -> Callable[[], float]:
    """The same sweep through mesa.batch_run with the same seeds: the rows stay in memory."""
    seeds = [int(seed) for seed in replicate_seeds(SEED, runs // POINTS)]
    rows = mesa.batch_run(
        CoProductionModel,
        parameters=BASE | GRID,
        number_processes=workers,
        rng=seeds,
        max_steps=FIXED["weeks"],
        data_collection_period=1,
        display_progress=False,
    )
    last = max(rows, key=lambda row: (row["RunId"], row["Step"]))  # rows arrive unordered
    return lambda: float(last["cost_cumulative"])


def child(engine: str, runs: int, workers: int) -> None:
    """Measure one sweep in this (fresh) process and print the figures as JSON."""
    CoProductionModel(seed=1, **BASE).step()  # load every module the sweep needs before measuring
    Path("/proc/self/clear_refs").write_text("5")  # peak RSS := current RSS
    before, start, cpu = status("VmRSS"), time.perf_counter(), time.process_time()
    last_cost = {"coprod": coprod, "batch_run": batch}[engine](runs, workers)
    seconds, parent_cpu, parent_mib = (
        time.perf_counter() - start,
        time.process_time() - cpu,
        status("VmHWM") - before,
    )
    # coprod's workers are children of the forkserver: stop it so that their CPU time is
    # counted in RUSAGE_CHILDREN, as batch_run's pool workers are (a private but stable call)
    multiprocessing.forkserver._forkserver._stop()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    figures = {"seconds": seconds, "parent_cpu": parent_cpu, "parent_mib": parent_mib}
    figures["cpu"] = parent_cpu + usage.ru_utime + usage.ru_stime
    print(json.dumps(figures | {"last_cost": last_cost()}))


def measure(engine: str, runs: int, workers: int) -> dict[str, float]:
    """One sweep's figures, from a fresh Python process."""
    command = [sys.executable, __file__, "--child", engine, str(runs), str(workers)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, nargs="+", default=[250, 500])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=2, help="alternate engines; keep the best")
    parser.add_argument("--child", nargs=3, metavar=("ENGINE", "RUNS", "WORKERS"))
    args = parser.parse_args()
    if args.child:
        engine, runs, workers = args.child
        child(engine, int(runs), int(workers))
        return
    load = os.getloadavg()[0]
    print(f"{POINTS} design points x replicates; {FIXED}; {args.workers} workers")
    print(f"best of {args.repeat}, engines alternating; load average {load:.1f}\n")
    columns = ["engine", "runs", "seconds", "runs/s", "CPU ms/run", "parent CPU s"]
    columns += ["parent MiB", "KiB/run"]
    print(" | ".join(columns))
    for runs in args.runs:
        best: dict[str, dict[str, float]] = {}
        for repeat in range(args.repeat):
            for engine in ENGINES[:: 1 if repeat % 2 == 0 else -1]:
                r = measure(engine, runs, args.workers)
                if engine not in best or r["seconds"] < best[engine]["seconds"]:
                    best[engine] = r
        for engine, r in best.items():
            cells = [r["seconds"], runs / r["seconds"], 1000 * r["cpu"] / runs, r["parent_cpu"]]
            cells += [r["parent_mib"], 1024 * r["parent_mib"] / runs]
            print(" | ".join([engine, str(runs), *(f"{cell:.1f}" for cell in cells)]))
        same = best["coprod"]["last_cost"] == best["batch_run"]["last_cost"]
        print(f"(last run's final cumulative cost: {'equal' if same else 'DIFFERENT'} on both)")
    print(f"(load average at the end {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
