"""Launching a job: scenarios resolved, a results folder chosen, runs sent to an engine.

This is the plumbing every job shares (``compare``, ``sweep``, ``sensitivity``,
``calibrate``), with plain keyword arguments, so that the public API (``coprod.api``) and, over
it, the command line are thin layers and no domain module needs the command line. What a job
*is* (its specs and its manifest entry) comes from ``designs``; where and how its runs execute
is decided here; what is written is the runner's business.
"""

from __future__ import annotations

import shlex
import signal
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coprod.experiments.jobs.pool import HealingPool, cores
from coprod.experiments.jobs.signals import raise_lost_interrupt
from coprod.experiments.jobs.size import SIZED_RUNS, agents, byte_text, size_of, spread
from coprod.simulation.errors import CoprodError

if TYPE_CHECKING:
    from coprod.experiments.jobs.runner import JobOutcome
    from coprod.experiments.jobs.spec import RunSpec
    from coprod.simulation.params import Params
    from coprod.simulation.scenario import Scenario

PROBE_AGENTS = 2000  # the probe's largest population: quick to time, big enough to scale from
PROBE_WEEKS = 12  # the probe's horizon after its warm-up


class JobInterrupted(KeyboardInterrupt):
    """Ctrl-C (or SIGTERM, SIGHUP: ``signum``) during a job. It is still a
    ``KeyboardInterrupt`` (nothing catches it by accident), and carries the results folder so
    that the caller can say how to finish it."""

    def __init__(self, out: Path, signum: int = signal.SIGINT) -> None:
        super().__init__(str(out))
        self.out = out
        self.signum = signum


class RunsFailedError(CoprodError):
    """Runs of a job raised: the finished ones are kept, ``resume`` retries the others.
    Exit status 1, not 2: nothing the user wrote was wrong."""

    exit_code = 1


@dataclass(frozen=True)
class Estimate:
    """What a job would cost, from a short probe run (``dry_run``): nothing was written.
    ``memory`` (the workers with their largest runs at once) and ``disk`` are in bytes, as
    the size check counts them before a real job starts (``jobs.size``)."""

    runs: int
    seconds: float
    workers: int
    memory: float = 0.0
    disk: float = 0.0

    def __str__(self) -> str:
        return (
            f"{self.runs} runs on {self.workers} worker(s): about {_duration(self.seconds)}, "
            f"about {byte_text(self.memory)} of memory at once and {byte_text(self.disk)} "
            "written (an estimate from a short probe run on this machine; nothing was run or "
            "written)"
        )


def assignments(overrides: Mapping[str, Any] | Iterable[str] | None) -> list[str]:
    """``set`` as the ``KEY=VALUE`` texts the scenario loader reads (and the manifest keeps):
    a dict's values are written as the command line would give them."""
    if overrides is None:
        return []
    if isinstance(overrides, Mapping):
        return [f"{key}={_text(value)}" for key, value in overrides.items()]
    if isinstance(overrides, str):
        return [overrides]
    return list(overrides)


def _text(value: Any) -> str:
    """A value as ``--set`` spells it (``true``, not Python's ``True``)."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def resolve_scenarios(
    names: Iterable[str | Path],
    overrides: Mapping[str, Any] | Iterable[str] | None = None,
    steps: int | None = None,
    base: str | Path | None = None,
) -> dict[str, Scenario]:
    """Scenarios by name or path, each changed by :func:`apply_changes`; a name used twice
    is refused."""
    from coprod.simulation.scenario import load_scenario

    resolved: dict[str, Scenario] = {}
    for name in names:
        scenario = apply_changes(load_scenario(name), overrides, steps, base)
        if scenario.name in resolved:
            raise CoprodError(
                f"two scenarios are called '{scenario.name}': give each file a different name"
            )
        resolved[scenario.name] = scenario
    return resolved


def apply_changes(
    scenario: Scenario,
    overrides: Mapping[str, Any] | Iterable[str] | None = None,
    steps: int | None = None,
    base: str | Path | None = None,
) -> Scenario:
    """The scenario on the ``base`` file's values if one is given (its own keys still win),
    then with ``overrides`` and ``steps`` (the horizon) applied and validated."""
    from coprod.simulation.params import describe
    from coprod.simulation.scenario import load_base, with_base, with_overrides

    horizon = describe("weeks")
    if steps is not None and not horizon["min"] <= steps <= horizon["max"]:
        raise CoprodError(
            f"--steps {steps} is out of range: the horizon after the warm-up is a whole number "
            f"of weeks from {horizon['min']} to {horizon['max']:,}."
        )
    changes = [*assignments(overrides), *([f"weeks={steps}"] if steps else [])]
    if base:
        scenario = with_base(scenario, load_base(base))
    return with_overrides(scenario, changes) if changes else scenario


def warn_world_differences(params: Mapping[str, Params], baseline: str) -> None:
    """Say on stderr when a scenario differs from the baseline in more than policy levers."""
    from coprod.simulation.params import world_differences

    values = {name: p.model_dump() for name, p in params.items()}
    for name, keys in world_differences(values, baseline).items():
        if keys:
            print(
                f"coprod: warning: {name} differs from {baseline} in more than policy: "
                f"{', '.join(sorted(keys))}. Its week-0 people differ and its differences mix "
                "another world with another policy; to compare policies in one world give every "
                "scenario the same values (--base FILE or --set).",
                file=sys.stderr,
            )


def job_folder(out: str | Path | None, prefix: str, resume: bool = False) -> Path:
    """The job's results folder: ``out``, or a new dated one under ``results/``. Resuming
    needs ``out``: a new dated folder has nothing to resume."""
    if resume and out is None:
        raise CoprodError("--resume needs --out DIR: the results folder of the job to finish.")
    if out is not None:
        return Path(out)
    return Path("results") / f"{prefix}-{datetime.now():%Y%m%d-%H%M%S}"


def execute(
    specs: Sequence[RunSpec],
    out: Path,
    job: dict[str, Any],
    *,
    workers: int | None = None,
    engine: str | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    progress: bool = True,
    allow_version_change: bool = False,
    then: Callable[[JobOutcome, HealingPool | None], None] | None = None,
) -> JobOutcome:
    """Run a job's specs on the engine asked for (``scheduler`` implies Dask). The engine
    options go in the manifest, and ``resume`` ignores them: they change where runs execute,
    never their results; ``allow_version_change`` lets ``resume`` go on with other code
    (recorded). ``then`` is called with the outcome once the folder is consolidated, and with
    the local pool while it is still up (None for one worker or Dask, whose workers may be
    other machines): a report draws its figures on the workers the runs have left idle.
    Ctrl-C becomes :class:`JobInterrupted` naming ``out``."""
    from coprod.experiments.jobs import runner
    from coprod.experiments.jobs.engines import executor_for, window_for

    chosen = engine or ("dask" if scheduler else "local")
    job = {
        "command": shlex.join(sys.argv),
        **job,
        "workers": workers,
        "engine": chosen,
        "scheduler": scheduler,
    }
    try:
        raise_lost_interrupt()  # a Ctrl-C the interpreter lost while the command imported
        with executor_for(chosen, workers, scheduler) as executor:
            outcome = runner.run_job(
                specs,
                out,
                job=job,
                executor=executor,
                resume=resume,
                progress=progress,
                window=window_for(executor),
                allow_version_change=allow_version_change,
            )
            if then is not None:
                then(outcome, executor if isinstance(executor, HealingPool) else None)
            return outcome
    except KeyboardInterrupt as interrupt:
        raise JobInterrupted(out, getattr(interrupt, "signum", signal.SIGINT)) from interrupt


def failure_message(outcome: JobOutcome) -> str | None:
    """What to tell the user when runs failed, else None."""
    if not outcome.failed:
        return None
    return (
        f"{failures_in_words(outcome.failed, outcome.runs)} Full tracebacks are in "
        f"{outcome.out_dir}/status.jsonl; rerun with --resume to retry the failed runs."
    )


def failures_in_words(failed: Mapping[str, str], runs: int) -> str:
    """How many runs failed, which, and the first error of each kind (with its count)."""
    kinds: dict[str, list[str]] = {}
    for run_id, error in failed.items():
        kinds.setdefault(error.split(":", 1)[0] or "error", []).append(f"{run_id}: {error}")
    listed = ", ".join(list(failed)[:5]) + (
        f" and {len(failed) - 5} more" if len(failed) > 5 else ""
    )
    errors = "; ".join(f"{entries[0]} ({len(entries)} run(s))" for entries in kinds.values())
    return f"{len(failed)} of {runs} runs failed ({listed}). First error of each kind: {errors}."


def require_some(outcome: JobOutcome) -> None:
    """Stop with :class:`RunsFailedError` when every run failed: there is nothing to report."""
    if outcome.failed and outcome.done == 0:
        raise RunsFailedError("every run failed: " + (failure_message(outcome) or ""))


def require_all(outcome: JobOutcome) -> None:
    """Stop with :class:`RunsFailedError` when a run failed: a method whose estimators need
    every design point cannot go on without them."""
    message = failure_message(outcome)
    if message:
        raise RunsFailedError(message)


def estimate(specs: Sequence[RunSpec], workers: int | None = None) -> Estimate:
    """The job's wall time, from a short probe run of the first spec's parameters in this
    process (at its own population, or at :data:`PROBE_AGENTS` if that is larger). Its time
    per week, building the run included, is scaled to each run's weeks (warm-up included)
    and, linearly, to its population (the cost per agent-week is flat at large populations,
    README Performance; below the probe's it is mostly per week, so a smaller run is not
    scaled down), and the total is shared among the workers. Charging the build to the
    probe's few weeks errs high, which roughly offsets what the probe leaves out (workers
    contending for cores, packing tables). A Dask cluster's size is unknown before
    connecting: ``workers``, else this machine's cores."""
    if not specs:
        return Estimate(0, 0.0, 0)
    week, probed = _probe(specs[0])
    sized = spread(specs, SIZED_RUNS)  # a large plan: runs spread over it, scaled up
    seconds = sum(
        (spec.params["warmup_weeks"] + spec.params["weeks"])
        * week
        * max(1.0, agents(spec.params) / probed)
        for spec in sized
    ) * (len(specs) / len(sized))
    count = min(len(specs), workers or cores())
    size = size_of(specs, count)
    return Estimate(len(specs), seconds / count, count, size.memory, size.disk)


def _probe(spec: RunSpec) -> tuple[float, int]:
    """Seconds per week of a short run of ``spec`` as a worker makes it (building the run and
    packing its tables included), and the population it had."""
    from dataclasses import replace

    from coprod.experiments.jobs.worker import execute
    from coprod.simulation import week0

    params = spec.params
    shrink = min(1.0, PROBE_AGENTS / agents(params))
    small = {
        key: max(1 if key == "n_professionals" else 2, round(params[key] * shrink))
        for key in ("n_users", "n_neighbours", "n_professionals")
    }
    probe = replace(spec, params={**params, **small, "weeks": PROBE_WEEKS})
    week0.SHARED.clear()  # time a build and warm-up: an earlier probe's kept state hides them
    started = time.perf_counter()
    execute(probe)
    elapsed = time.perf_counter() - started
    return elapsed / (params["warmup_weeks"] + PROBE_WEEKS), agents(small)


def _duration(seconds: float) -> str:
    """Seconds in the largest unit that keeps the number readable."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} minutes"
    return f"{seconds / 3600:.1f} hours"
