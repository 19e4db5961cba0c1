"""Sensitivity study throughput on the local engine, 2 workers against 1, and the wall time of
the shipped example (``experiments/examples/sensitivity.toml``).

    python benchmarks/bench_sensitivity.py [--runs 160] [--full]

Throughput: the first ``--runs`` runs of the example's Sobol' design (its population, horizon
and recording, so a run costs what it costs there) through ``run_job`` on
``executor_for("local", workers)``, each worker count in a fresh subprocess, wall time from
the first submission to the consolidated folder. A warm-up job first starts the pool and
imports the model in every worker (a few seconds, once per job, reported apart): a study of
thousands of runs pays it once, so the speed-up is measured without it. ``--full`` also runs
``coprod sensitivity`` on the whole example, analysis and report included. The speed-up
target is 1.8x on 2 cores: a sensitivity study is thousands of independent runs, so anything
less is overhead in the runner (DESIGN.md: keep tasks coarse).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[1] / "experiments" / "examples" / "sensitivity.toml"
TARGET_SPEEDUP = 1.8


def child(workers: int, runs: int) -> dict[str, float]:
    """Time ``runs`` runs of the example on ``workers`` local workers, in this process, after
    a warm-up job of two runs per worker (which starts the pool and imports the model in each
    worker: a one-off cost, reported apart as ``warm_up``)."""
    from coprod.experiments.jobs.engines import executor_for
    from coprod.experiments.jobs.runner import run_job
    from coprod.experiments.methods.sensitivity import load_study

    study = load_study(EXAMPLE, "sobol")
    specs = study.experiment.specs()
    with tempfile.TemporaryDirectory() as tmp, executor_for("local", workers) as executor:
        start = time.perf_counter()
        run_job(
            specs[-2 * workers :], Path(tmp) / "warm", job={}, executor=executor, progress=False
        )
        warm = time.perf_counter()
        outcome = run_job(
            specs[:runs], Path(tmp) / "out", job=study.job(), executor=executor, progress=False
        )
        seconds = time.perf_counter() - warm
    assert outcome.done == runs, outcome.failed
    return {
        "workers": workers,
        "runs": runs,
        "seconds": seconds,
        "warm_up": warm - start,
        "runs_per_second": runs / seconds,
    }


def measure(workers: int, runs: int) -> dict[str, float]:
    """:func:`child` in a fresh interpreter, so no pool or import is shared between counts."""
    argv = [sys.executable, __file__, "--child", str(workers), "--runs", str(runs)]
    done = subprocess.run(argv, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def full_example() -> float:
    """Wall seconds of ``coprod sensitivity`` on the whole shipped example, on 2 workers."""
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "coprod.experiments.cli",
                "sensitivity",
                str(EXAMPLE),
                "--method",
                "sobol",
                "--workers",
                "2",
                "--quiet",
                "--out",
                str(Path(tmp) / "gsa"),
            ],
            check=True,
        )
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=160, help="runs per measurement (160)")
    parser.add_argument("--full", action="store_true", help="also time the whole example")
    parser.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(child(args.child, args.runs)))
        return
    print(f"{os.cpu_count()} cores; the first {args.runs} runs of {EXAMPLE.name} (sobol)")
    found = {workers: measure(workers, args.runs) for workers in (1, 2)}
    for workers, row in found.items():
        print(
            f"  {workers} worker(s): {row['seconds']:6.1f} s, {row['runs_per_second']:5.2f} runs/s"
        )
    speedup = found[2]["runs_per_second"] / found[1]["runs_per_second"]
    verdict = "meets" if speedup >= TARGET_SPEEDUP else "misses"
    print(f"  speed-up {speedup:.2f}x ({verdict} the {TARGET_SPEEDUP}x target)")
    if args.full:
        print(f"whole example, sobol, 2 workers: {full_example() / 60:.1f} min")


if __name__ == "__main__":
    main()
