"""Where a job's time goes outside its runs: wall time at 1 and 2 workers on a 20-run job,
the time to its first result, and the imports of a worker and of the parent.

Each job is a real ``coprod compare traditional timebank --replicates 10`` (20 runs) started
as users start it (the console script) into a fresh folder. The 1- and 2-worker jobs run in
turn, pair by pair, and the speed-up is the median of the pairs' ratios, so that a change in
the machine's load during the benchmark moves both sides of a pair alike. The time to the
first result is when the job's ``status.jsonl`` first holds a line, from the command's start.
Import times are the wall time of a fresh interpreter importing only that module, the median
of three. The load average is printed at the start and the end: on a shared machine, quote it
with the figures.

Run: ``python benchmarks/bench_jobs.py [--pairs 3] [--replicates 10] [--set n_users=300 ...]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMMAND = Path(sys.executable).parent / "coprod"
IMPORTS = {
    "worker (coprod.experiments.jobs.worker)": "coprod.experiments.jobs.worker",
    "parent (coprod.api)": "coprod.api",
    "console script (coprod.console)": "coprod.console",
}


def import_seconds(module: str, repeats: int = 3) -> float:
    """Median wall seconds of a fresh interpreter that imports ``module`` and exits."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", f"import {module}"], check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def job_seconds(workers: int, replicates: int, extra: list[str]) -> tuple[float, float]:
    """(wall seconds, seconds to the first logged run) of one 20-run compare."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "job"
        status = out / "status.jsonl"
        argv = [str(COMMAND), "compare", "traditional", "timebank", "--quiet", "--out", str(out)]
        argv += ["--replicates", str(replicates), "--workers", str(workers), *extra]
        start = time.perf_counter()
        job = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
        first = None
        while job.poll() is None:
            if first is None and status.is_file() and status.stat().st_size:
                first = time.perf_counter() - start
            time.sleep(0.02)
        wall = time.perf_counter() - start
        if job.returncode:
            raise SystemExit(f"{' '.join(argv)} exited {job.returncode}")
        return wall, first if first is not None else wall


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__)
    cli.add_argument("--pairs", type=int, default=3)
    cli.add_argument("--replicates", type=int, default=10)
    cli.add_argument("--set", action="append", default=[], help="KEY=VALUE, as coprod --set")
    args = cli.parse_args()
    extra = [word for pair in args.set for word in ("--set", pair)]
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for label, module in IMPORTS.items():
        print(f"import {label}: {import_seconds(module):.2f} s")
    ratios, walls, firsts = [], {1: [], 2: []}, {1: [], 2: []}
    for _ in range(args.pairs):
        for workers in (1, 2):
            wall, first = job_seconds(workers, args.replicates, extra)
            walls[workers].append(wall)
            firsts[workers].append(first)
        ratios.append(walls[1][-1] / walls[2][-1])
    runs = 2 * args.replicates
    for workers in (1, 2):
        median, low, high = (f(walls[workers]) for f in (statistics.median, min, max))
        first = statistics.median(firsts[workers])
        print(
            f"{runs}-run compare on {workers} worker(s): wall {median:.1f} s (min {low:.1f}, "
            f"max {high:.1f}), first result after {first:.1f} s"
        )
    print(
        f"speed-up of 2 workers over 1 (median of {args.pairs} paired ratios): "
        f"{statistics.median(ratios):.2f}x (pairs: {', '.join(f'{r:.2f}' for r in ratios)})"
    )
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
