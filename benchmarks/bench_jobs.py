"""Where a job's time goes outside its runs: wall time at 1 and 2 workers on a 20-run job,
the default ``coprod compare`` (every shipped scenario x 10 replicates) on every core, each
job's phases, and the imports of a worker and of the parent.

Each job is a real ``coprod compare`` started as users start it (the console script) into a
fresh folder, timed from outside. The 1- and 2-worker jobs of 20 runs (``traditional
timebank --replicates 10``) run in turn, pair by pair, and the speed-up is the median of the
pairs' ratios, so that a change in the machine's load during the benchmark moves both sides
of a pair alike. A job's phases are read from its folder as it runs, from the command's
start: the first and the last run logged (``status.jsonl``), the tables consolidated
(``DATA.md``, written last), the report's Markdown and its HTML page, and the exit; so a
phase is "imports, pool start and the first task", "the runs", "consolidation",
"the report page" and so on, each the median over the jobs of that kind. Import times are the
wall time of a fresh interpreter importing only that module, the median of three. The load
average is printed at the start and the end: on a shared machine, quote it with the figures.

Run: ``python benchmarks/bench_jobs.py [--pairs 3] [--replicates 10] [--default 1]
[--set n_users=300 ...]`` (``--default 0`` skips the default compare).
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
    "parent's job runner (coprod.experiments.jobs.runner)": "coprod.experiments.jobs.runner",
    "report (coprod.experiments.reports.report)": "coprod.experiments.reports.report",
    "console script (coprod.console)": "coprod.console",
}
PHASES = {
    "first run logged": "first",
    "last run logged": "last",
    "tables consolidated": "DATA.md",
    "report.md written": "report.md",
    "report.html written": "report.html",
    "exit": "exit",
}
"""Moments of a job, by what marks them: a run logged (``status.jsonl``), a file written."""


def import_seconds(module: str, repeats: int = 3) -> float:
    """Median wall seconds of a fresh interpreter that imports ``module`` and exits."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", f"import {module}"], check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def job_phases(scenarios: list[str], workers: int | None, extra: list[str]) -> dict[str, float]:
    """Seconds from the start of one ``coprod compare`` to each of :data:`PHASES`."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "job"
        status = out / "status.jsonl"
        argv = [str(COMMAND), "compare", *scenarios, "--quiet", "--out", str(out), *extra]
        argv += ["--workers", str(workers)] if workers else []
        started, clock = time.perf_counter(), time.time()
        job = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
        first = None
        while job.poll() is None:
            if first is None and status.is_file() and status.stat().st_size:
                first = time.perf_counter() - started
            time.sleep(0.02)
        wall = time.perf_counter() - started
        if job.returncode:
            raise SystemExit(f"{' '.join(argv)} exited {job.returncode}")
        written = {
            name: (out / name).stat().st_mtime - clock
            for name in ("status.jsonl", "DATA.md", "report.md", "report.html")
        }
        moments = {"first": wall if first is None else first, "last": written["status.jsonl"]}
        moments |= {"exit": wall} | written
        return {phase: moments[mark] for phase, mark in PHASES.items()}


def summary(label: str, jobs: list[dict[str, float]]) -> str:
    """A kind of job's median wall (and range), then the median moment of each phase."""
    walls = [job["exit"] for job in jobs]
    phases = ", ".join(
        f"{phase} {statistics.median(job[phase] for job in jobs):.1f}" for phase in PHASES
    )
    return (
        f"{label}: wall {statistics.median(walls):.1f} s (min {min(walls):.1f}, max "
        f"{max(walls):.1f}, {len(jobs)} jobs)\n  seconds from the start (medians): {phases}"
    )


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__)
    cli.add_argument("--pairs", type=int, default=3)
    cli.add_argument("--replicates", type=int, default=10)
    cli.add_argument("--default", type=int, default=1, help="default compares to time (1)")
    cli.add_argument("--set", action="append", default=[], help="KEY=VALUE, as coprod --set")
    args = cli.parse_args()
    extra = [word for pair in args.set for word in ("--set", pair)]
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for label, module in IMPORTS.items():
        print(f"import {label}: {import_seconds(module):.2f} s")
    small = ["traditional", "timebank", "--replicates", str(args.replicates)]
    jobs: dict[int, list[dict[str, float]]] = {1: [], 2: []}
    ratios = []
    for _ in range(args.pairs):
        for workers in (1, 2):
            jobs[workers].append(job_phases(small, workers, extra))
        ratios.append(jobs[1][-1]["exit"] / jobs[2][-1]["exit"])
    runs = 2 * args.replicates
    for workers in (1, 2) if args.pairs else ():
        print(summary(f"{runs}-run compare on {workers} worker(s)", jobs[workers]))
    if ratios:
        print(
            f"speed-up of 2 workers over 1 (median of {args.pairs} paired ratios): "
            f"{statistics.median(ratios):.2f}x (pairs: {', '.join(f'{r:.2f}' for r in ratios)})"
        )
    if args.default:
        defaults = [job_phases([], None, extra) for _ in range(args.default)]
        print(summary("default compare (every scenario x 10 replicates, every core)", defaults))
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
