"""coprod's public API: every job of the command line as a Python function.

Each function takes what its command takes, as keywords (``--set KEY=VALUE`` becomes
``set={"KEY": value}``, ``--dry-run`` becomes ``dry_run=True``), writes the same results
folder and returns what :func:`load` gives for it, so a notebook and a shell make the same
files and read them the same way. The command line (``coprod.experiments.cli``) is a thin layer
over these functions: it parses, calls and prints.

Job options shared by ``compare``, ``sweep``, ``sensitivity`` and ``calibrate``:

- ``workers``: worker processes (default all cores; 1 runs in this process);
- ``engine``: ``"local"`` (a process pool, the default) or ``"dask"``;
- ``scheduler``: a running Dask scheduler's address (implies ``engine="dask"``);
- ``out``: the results folder (default ``results/<job>-<date>-<time>``); never overwritten;
- ``resume``: finish an interrupted job in ``out`` without redoing its finished runs;
- ``progress``: a progress bar on stderr (whole lines when stderr is not a terminal);
- ``dry_run``: run nothing and write nothing; return an :class:`Estimate` of the job's size
  and time instead.

A job in a script that uses more than one worker needs the ``if __name__ == "__main__":``
guard (the workers start by importing the script). Mistakes in what is asked raise
``CoprodError`` with a message naming the file, the key and what is allowed.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict, Unpack

from coprod.experiments.jobs.launch import (
    Estimate,
    apply_changes,
    assignments,
    estimate,
    execute,
    failure_message,
    job_folder,
    require_all,
    require_some,
    resolve_scenarios,
    warn_world_differences,
)
from coprod.experiments.jobs.pool import cores, import_meanwhile, pooled, start_early
from coprod.experiments.jobs.results import Results, load
from coprod.experiments.jobs.size import check_size

if TYPE_CHECKING:
    from coprod.experiments.jobs.pool import HealingPool
    from coprod.experiments.jobs.runner import JobOutcome
    from coprod.experiments.jobs.spec import RunSpec
    from coprod.experiments.methods.calibration import Calibration
    from coprod.simulation.outputs import RunResult
    from coprod.simulation.scenario import Scenario

BASELINE = "traditional"
Overrides = Mapping[str, Any] | Iterable[str] | None

__all__ = [
    "BASELINE",
    "Estimate",
    "JobOptions",
    "RunsFailedWarning",
    "calibrate",
    "compare",
    "load",
    "psa",
    "run",
    "scenario",
    "sensitivity",
    "sweep",
]


class JobOptions(TypedDict, total=False):
    """The options every job takes (this module's docstring says what each does)."""

    workers: int | None
    engine: str | None
    scheduler: str | None
    out: str | Path | None
    resume: bool
    progress: bool
    dry_run: bool
    allow_version_change: bool
    yes: bool


class RunsFailedWarning(UserWarning):
    """Some runs of a comparison or a sweep raised: the results hold the others, the folder's
    ``status.jsonl`` the errors, and the same call with ``resume=True`` retries them."""


def scenario(
    name_or_path: str | Path,
    *,
    base: str | Path | None = None,
    set: Overrides = None,
    steps: int | None = None,
) -> Scenario:
    """A scenario with its parameters resolved, as ``coprod show`` lists them: a shipped name
    or a ``.toml`` path, on a ``base`` file's mechanisms if given, with ``set`` overrides and
    ``steps`` weeks applied. ``.params`` holds every value, ``.overrides`` what differs from
    the defaults (set by the file, the files it extends, ``base`` or ``set``)."""
    ((_, resolved),) = resolve_scenarios([name_or_path], set, steps, base).items()
    return resolved


def run(
    scenario: str | Path | Scenario,
    *,
    seed: int = 0,
    steps: int | None = None,
    set: Overrides = None,
    base: str | Path | None = None,
) -> RunResult:
    """One run of one scenario in this process, nothing written (``coprod run``).

    Returns the model's ``RunResult``: ``timeseries`` (one row per week, one column per
    metric), ``agents`` (snapshots), ``survey`` and ``summary`` (early and end means). Its
    randomness is replicate 0 of a ``compare`` with the same ``seed``, so the two agree."""
    from coprod.simulation.model import simulate
    from coprod.simulation.scenario import Scenario
    from coprod.simulation.seeds import parse_seed, replicate_seeds

    if isinstance(scenario, Scenario):
        chosen = apply_changes(scenario, set, steps, base)
    else:
        ((_, chosen),) = resolve_scenarios([scenario], set, steps, base).items()
    return simulate(chosen.params, parse_seed(replicate_seeds(_whole(seed, "seed", 0), 1)[0]))


def compare(
    scenarios: Sequence[str | Path] | None = None,
    *,
    baseline: str = BASELINE,
    replicates: int = 10,
    seed: int = 0,
    steps: int | None = None,
    set: Overrides = None,
    base: str | Path | None = None,
    report: bool = True,
    **job: Unpack[JobOptions],
) -> Results | Estimate:
    """Run scenarios x replicates against a baseline and write the comparison report
    (``coprod compare``). ``scenarios``: shipped names or ``.toml`` paths (default every
    shipped scenario); the baseline is added when missing. Replicate ``i`` of every scenario
    shares its seed (common random numbers). ``report=False`` skips ``report.md`` and its
    figures. ``job``: the job options of this module's docstring."""
    _start_pool(job)
    from coprod.experiments.jobs.runner import plan_runs
    from coprod.simulation.scenario import shipped_scenarios

    names = [str(name) for name in scenarios] if scenarios else list(shipped_scenarios())
    if baseline not in names and Path(baseline).stem not in [Path(n).stem for n in names]:
        names = [baseline, *names]
    resolved = resolve_scenarios(names, set, steps, base)
    params = {name: s.params for name, s in resolved.items()}
    specs = plan_runs(params, _whole(replicates, "replicates", 1), _whole(seed, "seed", 0))
    warn_world_differences(params, Path(baseline).stem)
    entry = {
        "kind": "compare",
        "baseline": Path(baseline).stem,
        "replicates": replicates,
        "seed": seed,
        "set": assignments(set),
        "base": str(base) if base else None,
        "steps": steps,
        "scenarios": {name: p.model_dump() for name, p in params.items()},
        "scenario_files": {name: str(s.path) for name, s in resolved.items()},
    }
    if not report:
        return _job("compare", specs, "compare", entry, job)
    if not job.get("dry_run") and pooled(
        job.get("workers"), job.get("engine"), job.get("scheduler")
    ):
        import_meanwhile("coprod.experiments.reports.report")  # while the pool's server starts
    return _job("compare", specs, "compare", entry, job, report=_comparison_report)


def _comparison_report(folder: Path, pool: HealingPool | None) -> Results:
    """The comparison's results, and ``report.md`` with its figures drawn on the job's own
    pool when it has one (its workers get ready to draw while this process loads)."""
    from coprod.experiments.reports import drawing
    from coprod.experiments.reports.report import write_report

    if pool is not None:
        drawing.get_ready(pool, len(pool.processes))
    results = load(folder)
    write_report(results, results.path, drawing=pool)
    return results


def sweep(experiment: str | Path, **job: Unpack[JobOptions]) -> Results | Estimate:
    """Run an experiment file's scenarios at every design point x replicates and write
    ``sweep.md`` with its figures (``coprod sweep``; the file format is in the README,
    Sweeps). ``job``: the job options of this module's docstring."""
    _start_pool(job)
    from coprod.experiments.designs.experiment import load_experiment
    from coprod.experiments.reports.sweep_report import write_sweep_report

    design = load_experiment(experiment)
    if design.baseline:
        warn_world_differences(design.scenarios, design.baseline)
    results = _job("sweep", design.specs(), f"sweep-{design.name}", design.job(), job)
    if isinstance(results, Results):
        write_sweep_report(results, results.path)
    return results


def sensitivity(
    experiment: str | Path, *, method: str = "sobol", **job: Unpack[JobOptions]
) -> Results | Estimate:
    """Global sensitivity analysis of a sensitivity file (``coprod sensitivity``): SALib's
    Sobol' (``method="sobol"``) or Morris (``"morris"``) design run through the sweep runner,
    then indices, charts and ``sensitivity.md`` written into the folder. Every run must
    succeed (the estimators need every point): a failure raises ``RunsFailedError``.
    ``job``: the job options of this module's docstring."""
    _start_pool(job)
    from coprod.experiments.methods.sensitivity import load_study
    from coprod.experiments.reports.sensitivity_report import write_sensitivity_report

    study = load_study(experiment, method)
    if study.experiment.baseline:
        warn_world_differences(study.experiment.scenarios, study.experiment.baseline)
    prefix = f"sensitivity-{study.experiment.name}-{method}"
    specs = study.experiment.specs()
    results = _job("sensitivity", specs, prefix, study.job(), job, all_runs=True)
    if isinstance(results, Results):
        write_sensitivity_report(results, results.path)
    return results


def psa(experiment: str | Path, **job: Unpack[JobOptions]) -> Results | Estimate:
    """Probabilistic sensitivity analysis of a PSA file (``coprod psa``): each uncertain
    parameter drawn from its distribution, every arm and the baseline run at each draw on the
    same people, then costs and QALYs discounted, the verdict, the cost-effectiveness plane,
    acceptability curves, EVPI, partial EVPI and the boxes where each arm pays written to
    ``psa.md`` (docs/ECONOMICS.md says how to read them). Every run must succeed: a failure
    raises ``RunsFailedError``. ``job``: the job options of this module's docstring."""
    _start_pool(job)
    from coprod.experiments.methods.psa import load_psa
    from coprod.experiments.reports.psa_report import write_psa_report

    study = load_psa(experiment)
    warn_world_differences(study.experiment.scenarios, study.experiment.baseline)
    specs = study.experiment.specs()
    results = _job("psa", specs, f"psa-{study.experiment.name}", study.job(), job, all_runs=True)
    if isinstance(results, Results):
        write_psa_report(results, results.path)
    return results


def calibrate(
    targets: str | Path, params: str | Sequence[str], **job: Unpack[JobOptions]
) -> Calibration | Estimate:
    """Fit mechanism parameters to observed statistics (``coprod calibrate``): a Latin
    hypercube screen over the ranges the targets file gives ``params`` (names, or
    ``"a,b"``), approximate Bayesian computation, a check on fresh replicates, and
    ``calibrated_base.toml``, ``timebank_calibrated.toml`` and ``calibration.md`` in the
    folder. Returns a ``Calibration``: ``values`` (fitted), ``base``, ``scenario`` and
    ``report`` (paths), and ``screen`` and ``check`` (their ``Results``). ``job``: the job
    options of this module's docstring."""
    _start_pool(job)
    from coprod.experiments.methods import calibration

    options = _options("calibrate", job)
    chosen, ranges = calibration.prepare(targets, params)
    if options.pop("dry_run", False):
        return estimate(calibration.planned_specs(chosen, ranges), options.get("workers"))
    out, resume = options.pop("out", None), options.pop("resume", False)
    folder = job_folder(out, "calibrate", resume)
    _check_size(calibration.planned_specs(chosen, ranges), folder, options)
    return calibration.calibrate(chosen, ranges, folder, resume=resume, **options)


def _job(
    command: str,
    specs: Sequence[RunSpec],
    prefix: str,
    entry: dict[str, Any],
    job: JobOptions,
    *,
    all_runs: bool = False,
    report: Callable[[Path, HealingPool | None], Results] | None = None,
) -> Results | Estimate:
    """Run a job into its folder and load it (or only estimate it: ``dry_run``). Failed
    runs are an error when ``all_runs``, else a :class:`RunsFailedWarning` beside the results
    of the others. ``report`` loads the folder and writes the job's page while the job's
    local pool, if any, is still up (``launch.execute``'s ``then``)."""
    options = _options(command, job)
    if options.pop("dry_run", False):
        return estimate(specs, options.get("workers"))
    out, resume = options.pop("out", None), options.pop("resume", False)
    folder = job_folder(out, prefix, resume)
    _check_size(specs, folder, options)
    loaded: list[Results] = []

    def finish(outcome: JobOutcome, pool: HealingPool | None) -> None:
        require_some(outcome)
        if all_runs:
            require_all(outcome)
        loaded.append(load(folder) if report is None else report(folder, pool))

    outcome: JobOutcome = execute(specs, folder, entry, resume=resume, then=finish, **options)
    if not all_runs and (message := failure_message(outcome)):
        warnings.warn(message, RunsFailedWarning, stacklevel=3)
    return loaded[0]


def _start_pool(job: Mapping[str, Any]) -> None:
    """Start a local job's worker pool before anything else (``pool.start_early``): the
    workers' imports then run beside this process's imports and planning. A dry run starts
    none."""
    if not job.get("dry_run"):
        start_early(job.get("workers"), job.get("engine"), job.get("scheduler"))


def _check_size(specs: Sequence[RunSpec], folder: Path, options: dict[str, Any]) -> None:
    """The job's size against the limits (``jobs.size``), before anything is written; takes
    the ``yes`` option out of ``options``."""
    workers = options.get("workers") or cores()
    engine = options.get("engine") or ("dask" if options.get("scheduler") else "local")
    check_size(
        specs,
        workers,
        folder,
        yes=options.pop("yes", False),
        estimate_seconds=lambda: estimate(specs, workers).seconds,
        local=engine == "local",
    )


def _options(command: str, job: Mapping[str, Any]) -> dict[str, Any]:
    """The job options, a misspelt one refused by name (not by a TypeError deep inside)."""
    allowed = JobOptions.__annotations__
    unknown = [key for key in job if key not in allowed]
    if unknown:
        raise TypeError(
            f"coprod.{command}() got unknown option(s) {', '.join(map(repr, unknown))}; "
            f"job options: {', '.join(allowed)}"
        )
    return dict(job)


def _whole(value: Any, name: str, minimum: int) -> int:
    """A whole-number option checked as the command line checks it."""
    from coprod.simulation.errors import CoprodError

    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise CoprodError(f"{name} must be a whole number of at least {minimum}, not {value!r}")
    return value
