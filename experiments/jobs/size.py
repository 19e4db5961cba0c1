"""A job's size before any work: runs, memory per run, disk and time, against stated limits.

A sweep grid of 1,000 x 1,000 points used to spend minutes writing a manifest of hundreds of
megabytes and then start a 22-hour job without a word, and the largest population the schema
allows ended in a raw ``MemoryError``. Every job is now sized first, from its plan and a few
measured constants (no run is made unless the cheap bound says the job may be long): what the
machine cannot hold is refused with the figures; what it can hold but is very large is refused
unless the user says ``yes``.

Memory per run was measured on this model (peak resident set of one run without agent
snapshots, less that of the imports: 100,000 and 200,000 residents at network degree 6 and 24,
December 2026, 32-bit network arrays): 0.95-1.23 KiB per agent plus 0.09-0.10 KiB per agent
and unit of degree (1.53-1.79 KiB an agent at degree 6, 3.3-3.5 at 24; a million residents at
degree 6 took 1.36). The constants below carry a margin. Disk counts the uncompressed stream
parts a job writes while it runs (Parquet at the end is smaller).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coprod.simulation.errors import CoprodError

if TYPE_CHECKING:
    from coprod.experiments.jobs.spec import RunSpec

KIB = 1024
PER_AGENT = 1.3 * KIB  # bytes a run holds per agent (measured 0.95-1.23 KiB)
PER_TIE_END = 0.12 * KIB  # bytes per agent and unit of network degree (measured 0.09-0.10 KiB)
PER_WORKER = 250 * KIB * KIB  # a worker process with the model imported
SNAPSHOT_ROW = 24 * 8  # bytes of one agent's row in a snapshot (about 24 columns)
SNAPSHOT_COPIES = 4.5
"""Times its snapshots' own bytes that a run holding them peaks at: they are joined into one
table, sorted and compressed at the end of the run (measured from the peak resident memory
with and without them: 3.9-4.1x at 20,000 and 208,000 agents with 9 or 27 snapshots, with a
margin here; 4.9-5.3x before the join stopped copying). Counting them once let a city with
snapshots pass a check it would fail by gigabytes."""
METRIC_ROW = 80 * 8  # bytes of one recorded week of a run (about 80 metrics)
MEMORY_SHARE = 0.8  # of the memory available now, the most a job may plan to use
PESSIMISTIC_SECONDS = 20e-6  # a run's cost per agent-week, slower than any measured here
LARGE_RUNS = 100_000  # beyond this, a job needs yes=True (--yes)
SIZED_RUNS = 1000  # runs of a larger job sized one by one; the rest is scaled from them
LARGE_SECONDS = 24 * 3600  # likewise beyond this estimated wall time
LARGE_DISK_SHARE = 0.5  # likewise beyond this share of the free disk


class JobTooLargeError(CoprodError):
    """A job that this machine cannot run, or that is too large to start without a yes."""


@dataclass(frozen=True)
class JobSize:
    """What a job would take: runs, the largest run's memory, workers' memory and disk."""

    runs: int
    run_memory: float
    workers: int
    disk: float
    agent_weeks: float

    @property
    def memory(self) -> float:
        """Bytes the job holds at once: every worker with its largest run."""
        return self.workers * (PER_WORKER + self.run_memory)


def size_of(specs: Sequence[RunSpec], workers: int) -> JobSize:
    """The size of a job of ``specs`` on ``workers`` workers (no run is made). A plan of
    more than :data:`SIZED_RUNS` runs is sized from that many spread evenly over it (its
    first and last among them) and scaled to its length, so sizing a million runs takes
    milliseconds; the largest run is then the largest of those."""
    run_memory = disk = agent_weeks = 0.0
    sized = spread(specs, SIZED_RUNS)
    for spec in sized:
        p = spec.params
        people = agents(p)
        weeks = p["warmup_weeks"] + p["weeks"]
        snapshots = p["weeks"] // p["snapshot_every"] + 1 if p["snapshot_every"] else 0
        kept = people * snapshots * SNAPSHOT_ROW if spec.record_agents else 0
        held = people * (PER_AGENT + PER_TIE_END * p["network_degree"]) + SNAPSHOT_COPIES * kept
        run_memory = max(run_memory, held)
        disk += kept + (p["weeks"] + 1) / max(spec.record_every, 1) * METRIC_ROW
        agent_weeks += people * weeks
    scale = len(specs) / max(len(sized), 1)
    workers = min(workers, max(len(specs), 1))
    return JobSize(len(specs), run_memory, workers, disk * scale, agent_weeks * scale)


def spread[T](specs: Sequence[T], most: int) -> Sequence[T]:
    """At most about ``most`` of ``specs``, evenly spaced from the first to the last."""
    if len(specs) <= most:
        return specs
    return [specs[i] for i in range(0, len(specs), -(-len(specs) // most))] + [specs[-1]]


def agents(params: Mapping[str, Any]) -> int:
    """The agents of a run: service users, neighbours and professionals."""
    return params["n_users"] + params["n_neighbours"] + params["n_professionals"]


def check_size(
    specs: Sequence[RunSpec],
    workers: int,
    out: Path,
    yes: bool,
    estimate_seconds: Callable[[], float],
    local: bool = True,
) -> None:
    """Refuse a job the machine cannot hold (always) or a very large one (unless ``yes``),
    with its figures. ``estimate_seconds`` times a probe run; it is called only when the cheap
    bound says the job may take longer than :data:`LARGE_SECONDS`. Memory is this machine's
    only for a ``local`` job (a Dask cluster's workers have their own)."""
    size = size_of(specs, workers)
    available = MEMORY_SHARE * available_memory() if local else float("inf")
    if size.run_memory + PER_WORKER > available:
        raise JobTooLargeError(
            f"one run of this job needs about {byte_text(size.run_memory)} of memory and this "
            f"machine has {byte_text(available / MEMORY_SHARE)} available: use a smaller "
            "population or a sparser network (network_degree), or a machine with more memory."
        )
    if size.memory > available:
        fit = max(int(available // (PER_WORKER + size.run_memory)), 1)
        raise JobTooLargeError(
            f"{size.workers} workers with runs of about {byte_text(size.run_memory)} each need "
            f"{byte_text(size.memory)} of memory and this machine has "
            f"{byte_text(available / MEMORY_SHARE)} available, of which a job plans at most "
            f"{MEMORY_SHARE:.0%}: use --workers {fit} or fewer."
        )
    free = shutil.disk_usage(_existing(out)).free
    if size.disk > free:
        raise JobTooLargeError(
            f"this job of {size.runs:,} runs writes about {byte_text(size.disk)} and "
            f"{_existing(out)} has "
            f"{byte_text(free)} free: record less (snapshots, [record] every) or choose --out "
            "on a larger disk."
        )
    if yes:
        return
    reasons = []
    if size.runs > LARGE_RUNS:
        reasons.append(f"{size.runs:,} runs")
    if size.disk > LARGE_DISK_SHARE * free:
        reasons.append(f"about {byte_text(size.disk)} of disk, over half of what is free")
    if size.agent_weeks * PESSIMISTIC_SECONDS / size.workers > LARGE_SECONDS:
        seconds = estimate_seconds()
        if seconds > LARGE_SECONDS:
            reasons.append(f"about {seconds / 3600:,.0f} hours on {size.workers} worker(s)")
    if reasons:
        raise JobTooLargeError(
            f"this is a very large job: {'; '.join(reasons)}. Check it with --dry-run, then "
            "add --yes to start it anyway."
        )


def available_memory() -> float:
    """Bytes of memory available now (Linux's MemAvailable; else all physical memory)."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return float(line.split()[1]) * KIB
    except OSError:
        pass
    return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))


def _existing(path: Path) -> Path:
    """The nearest folder of ``path`` that exists (where its disk is)."""
    path = Path(path).resolve()
    while not path.exists():
        path = path.parent
    return path


def byte_text(value: float) -> str:
    """A size in bytes as a reader wants it: GiB, MiB or KiB, one decimal."""
    for unit, scale in (("GiB", KIB**3), ("MiB", KIB**2)):
        if value >= scale:
            return f"{value / scale:,.1f} {unit}"
    return f"{value / KIB:,.0f} KiB"
