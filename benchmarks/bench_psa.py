"""How fast ``coprod psa`` runs the shipped PSA example: runs/s at 1 and 2 workers on a slice
of it, then the wall time of the whole example.

    python benchmarks/bench_psa.py [--slice 3] [--workers 1 2] [--no-full]

The slice is the shipped file ``experiments/examples/psa.toml`` with ``draws`` cut to
``--slice`` (every draw runs every arm and replicate, at the example's population and
horizon), so its runs/s are those of the example itself. Each measurement runs in a fresh
results folder through ``coprod.psa`` (runner, storage, analysis and report included);
runs/s counts the runs only, and the analysis and report time is given apart from the runs
by timing ``write_psa_report`` again on the finished folder. The whole example is then run
once at the largest worker count. On a shared machine wall times are noisy: the load
average is printed before and after, and 1 against 2 workers is the comparison to read.
"""

from __future__ import annotations

import argparse
import os
import re
import tempfile
import time
from pathlib import Path

import coprod
from coprod.experiments.reports.psa_report import write_psa_report

EXAMPLE = Path(__file__).resolve().parents[1] / "experiments" / "examples" / "psa.toml"


def sliced(draws: int, folder: Path) -> Path:
    """The shipped example with ``draws`` draws; its scenario paths stay valid (shipped
    names, resolved the same from any folder)."""
    text = re.sub(r"(?m)^draws = \d+", f"draws = {draws}", EXAMPLE.read_text())
    path = folder / f"psa_{draws}.toml"
    path.write_text(text)
    return path


def timed(path: Path, workers: int, out: Path) -> dict[str, float]:
    """Seconds of one PSA job, its runs, and the seconds of its analysis and report alone."""
    start = time.perf_counter()
    results = coprod.psa(path, workers=workers, out=out, progress=False)
    seconds = time.perf_counter() - start
    start = time.perf_counter()
    write_psa_report(results, results.path)
    report = time.perf_counter() - start
    return {"seconds": seconds, "runs": len(results.runs), "report": report}


def line(label: str, figures: dict[str, float]) -> str:
    """One row of the table."""
    runs_only = figures["seconds"] - figures["report"]
    return (
        f"{label:>24} | {figures['runs']:5.0f} | {figures['seconds']:8.1f} | "
        f"{figures['runs'] / runs_only:6.2f} | {figures['report']:6.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slice", type=int, default=3, help="draws in the timed slice")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--no-full", action="store_true", help="skip the whole example")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'job':>24} | runs  | seconds  | runs/s | report s")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = sliced(args.slice, folder)
        for workers in args.workers:
            figures = timed(path, workers, folder / f"slice_{workers}")
            print(line(f"{args.slice} draws, {workers} worker(s)", figures), flush=True)
        if not args.no_full:
            workers = max(args.workers)
            figures = timed(EXAMPLE, workers, folder / "full")
            print(line(f"shipped example, {workers} w", figures), flush=True)
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
