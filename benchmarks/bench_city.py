"""A city run, timed by stage: build, warm-up, policy weeks, and the peak memory.

The world of ``experiments/examples/city.toml``: 1,000,000 residents (625,000 users, 375,000
neighbours) and 37,500 professionals, the default proportions, no agent snapshots. Heavy:
at a million residents the build and the 156-week warm-up, which every run pays before
week 0, took 2.6-3.2 CPU-minutes, the whole run 4.4-5.2 (6-7 minutes wall at load 3-4), and
the peak memory was 1.6 GiB; try ``--residents 100000`` first (under a minute).

Wall time on a shared machine says how busy it was as much as how fast the code is, so CPU
time is printed beside every wall time, with the load average at the start and end.

Run: ``python benchmarks/bench_city.py [--residents 1000000] [--weeks 104]
[--scenario timebank]``
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from collections.abc import Callable
from pathlib import Path

from coprod.simulation import CoProductionModel, Params
from coprod.simulation.scenario import load_scenario

DEFAULT = Params()
PAGE = os.sysconf("SC_PAGE_SIZE")


class Clock:
    """Wall and CPU seconds since it was made."""

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def read(self) -> tuple[float, float]:
        return time.perf_counter() - self.wall, time.process_time() - self.cpu


def city(residents: int) -> dict[str, int]:
    """Users, neighbours and professionals for ``residents`` in the default proportions."""
    users = round(residents * DEFAULT.n_users / (DEFAULT.n_users + DEFAULT.n_neighbours))
    professionals = round(users * DEFAULT.n_professionals / DEFAULT.n_users)
    return {"n_users": users, "n_neighbours": residents - users, "n_professionals": professionals}


def rss_gib() -> float:
    """The process's resident memory now."""
    return int(Path("/proc/self/statm").read_text().split()[1]) * PAGE / 2**30


def peak_gib() -> float:
    """The process's peak resident memory so far (``ru_maxrss`` is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def timing_warm_up(record: dict[str, tuple[float, float]]) -> Callable[..., None]:
    """``CoProductionModel._warm_up`` with its wall and CPU time kept in ``record``: the
    constructor builds and warms up in one call, and the benchmark reports them apart."""
    warm_up = CoProductionModel._warm_up

    def timed(model: CoProductionModel, status_quo: Params) -> None:
        clock = Clock()
        warm_up(model, status_quo)
        record["warm-up"] = clock.read()

    return timed


def line(stage: str, wall: float, cpu: float, note: str = "") -> None:
    print(f"{stage:24} {wall:10.1f} {cpu:10.1f}  {note}")


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__)
    cli.add_argument("--residents", type=int, default=1_000_000)
    cli.add_argument("--weeks", type=int, default=104)
    cli.add_argument("--scenario", default="timebank")
    args = cli.parse_args()
    sizes = city(args.residents)
    # as the example runs it: no agent snapshots (a worker sets snapshot_every 0 when the
    # experiment records none; each would be a million-row table)
    params = Params(
        **{**load_scenario(args.scenario).params.model_dump(), **sizes, "snapshot_every": 0}
    )
    print(f"{args.scenario}: {sizes}, warm-up {params.warmup_weeks} weeks, {args.weeks} weeks")
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'stage':24} {'wall s':>10} {'cpu s':>10}")
    record: dict[str, tuple[float, float]] = {}
    CoProductionModel._warm_up = timing_warm_up(record)  # type: ignore[method-assign]
    clock = Clock()
    model = CoProductionModel(params, seed=0)
    total_wall, total_cpu = clock.read()
    warm_wall, warm_cpu = record["warm-up"]
    line("build", total_wall - warm_wall, total_cpu - warm_cpu, f"RSS {rss_gib():.2f} GiB")
    line("warm-up", warm_wall, warm_cpu, f"{warm_wall / params.warmup_weeks:.2f} s a week")
    clock = Clock()
    for _ in range(args.weeks):
        model.step()
    wall, cpu = clock.read()
    line(f"{args.weeks} policy weeks", wall, cpu, f"{wall / args.weeks:.2f} s a week wall, "
         f"{cpu / args.weeks:.2f} cpu")  # fmt: skip
    people = args.residents + sizes["n_professionals"]
    print(f"cpu per agent-step in the policy weeks: {cpu / args.weeks / people * 1e6:.2f} us")
    line("whole run", total_wall + wall, total_cpu + cpu)
    print(f"peak RSS {peak_gib():.2f} GiB; RSS at the end {rss_gib():.2f} GiB")
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
