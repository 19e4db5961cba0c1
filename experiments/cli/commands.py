"""What each subcommand does: call the public API (``coprod.api``) with the parsed options,
then print. No logic of its own beyond choosing what to print and the exit status: 0, or 1
when runs failed (their errors are in the folder's ``status.jsonl``)."""

from __future__ import annotations

import argparse
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coprod.simulation.errors import CoprodError

if TYPE_CHECKING:
    from coprod.experiments.jobs.results import Results


def cmd_compare(args: argparse.Namespace) -> int:
    """Run the comparison job, then summarise its report."""
    from coprod.api import compare
    from coprod.experiments.cli.tables import summary_table

    results = compare(
        args.scenarios or None,
        baseline=args.baseline,
        replicates=args.replicates,
        seed=args.seed,
        steps=args.steps,
        set=args.set,
        base=args.base,
        **job_options(args),
    )
    if args.dry_run:
        return estimated(results)
    print(summary_table(results.runs, Path(args.baseline).stem))
    return finished(results, "report", results.path / "report.md", args.csv)


def cmd_sweep(args: argparse.Namespace) -> int:
    """Run an experiment file's sweep; sweep.md and its figures are written by the API."""
    from coprod.api import sweep

    results = sweep(args.experiment, **job_options(args))
    if args.dry_run:
        return estimated(results)
    return finished(results, "summary", results.path / "sweep.md", args.csv)


def cmd_sensitivity(args: argparse.Namespace) -> int:
    """Run a sensitivity study and its analysis."""
    from coprod.api import sensitivity

    results = sensitivity(args.experiment, method=args.method, **job_options(args))
    if args.dry_run:
        return estimated(results)
    return finished(results, "summary", results.path / "sensitivity.md")


def cmd_psa(args: argparse.Namespace) -> int:
    """Run a probabilistic sensitivity analysis and its economic evaluation."""
    from coprod.api import psa

    results = psa(args.experiment, **job_options(args))
    if args.dry_run:
        return estimated(results)
    return finished(results, "verdict", results.path / "psa.md")


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Run a calibration and say what was fitted and where it was written."""
    from coprod.api import calibrate

    fit = calibrate(args.targets, args.params, **job_options(args))
    if args.dry_run:
        return estimated(fit)
    print(f"fitted {', '.join(f'{k} = {v:g}' for k, v in fit.values.items())}")
    print(f"results in {fit.path}/: base {fit.base}, scenario {fit.scenario}, report {fit.report}")
    return 0


def job_options(args: argparse.Namespace) -> dict[str, Any]:
    """The API's job options from the parsed job options."""
    return {
        "workers": args.workers,
        "engine": args.engine,
        "scheduler": args.scheduler,
        "out": args.out,
        "resume": args.resume,
        "progress": not args.quiet,
        "dry_run": args.dry_run,
        "allow_version_change": args.allow_version_change,
        "yes": args.yes,
    }


def estimated(estimate: object) -> int:
    """Print a dry run's estimate."""
    print(estimate)
    return 0


def finished(results: Results, what: str, page: Path, csv: bool = False) -> int:
    """The end-of-job line (and the CSV files); status 1 when runs failed (the API has
    warned, naming the log)."""
    counts, timing = results.manifest["counts"], results.manifest["timing"]
    if csv:
        write_csv(results)
    print(
        f"\n{counts['done']} runs in {timing['wall_seconds']:.1f} s; results in "
        f"{results.path}/, {what} {page}"
    )
    return 1 if counts["failed"] else 0


def write_csv(results: Results) -> None:
    """The report's tables as CSV beside it (``reports.csv_tables``, imported only here)."""
    try:
        from coprod.experiments.reports.csv_tables import write_csv as write_tables
    except ModuleNotFoundError as missing:
        if missing.name != "coprod.experiments.reports.csv_tables":
            raise
        raise CoprodError("--csv is not available in this version of coprod") from None
    for path in write_tables(results, results.path):
        print(f"CSV {path}")


def cmd_run(args: argparse.Namespace) -> int:
    """One run in this process, with week-0, early and end means on the terminal."""
    import pandas as pd

    from coprod.api import run, scenario
    from coprod.experiments.cli.tables import metric_table
    from coprod.simulation.model import SUMMARY_WEEKS

    chosen = scenario(args.scenario, base=args.base, set=args.set, steps=args.steps)
    result = run(chosen, seed=args.seed)
    summary = result.summary
    metrics = [k.removeprefix("end_") for k in summary if k.startswith("end_")]
    span = min(SUMMARY_WEEKS, chosen.params.weeks)  # a shorter run's windows are the run
    table = pd.DataFrame(
        {
            "week 0": result.timeseries.iloc[0][metrics],
            f"weeks 1-{span}": [summary[f"early_{m}"] for m in metrics],
            f"last {span} weeks": [summary[f"end_{m}"] for m in metrics],
        },
        index=metrics,
    )
    print(f"{chosen.name}: {chosen.description}\n{chosen.params.weeks} weeks, seed {args.seed}\n")
    print(metric_table(table))
    survey = {
        k.removeprefix("survey_"): v
        for k, v in summary.items()
        if k.startswith("survey_") and not k.endswith("_users")
    }
    if survey:
        shares = [
            f"{k} {v:.0f}" if k == "participants" else f"{k} {v:.0%}" for k, v in survey.items()
        ]
        print(f"\nWeek-{chosen.params.survey_week} survey of participants: {', '.join(shares)}")
    return 0


def cmd_scenarios(args: argparse.Namespace) -> int:
    """The shipped scenarios with their descriptions."""
    from importlib.resources import files

    from coprod.simulation.scenario import list_scenarios

    for name, description in list_scenarios():
        print(name, textwrap.indent(textwrap.fill(description, 92), "    "), sep="\n")
    calibrated = Path(str(files("coprod.scenarios"))) / "calibrated" / "calibrated_base.toml"
    print(
        f"\nMechanisms calibrated to the Spice survey (docs/CALIBRATION.md): {calibrated}\n"
        "    give it to compare, run or show with --base: every scenario then runs in that world"
    )
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    """Every parameter of a scenario, its value, unit and where the value came from."""
    from coprod.api import scenario
    from coprod.simulation.params import PARAMETER_NAMES, describe

    chosen = scenario(args.scenario, base=args.base, set=args.set)
    print(f"{chosen.name} ({chosen.path})\n{textwrap.fill(chosen.description, 100)}\n")
    values = chosen.params.model_dump()
    for name in PARAMETER_NAMES:
        info = describe(name)
        mark = "*" if name in chosen.overrides else " "
        print(f"{mark} {name:32} {values[name]!s:>12}  {info['unit']:16} {info['meaning']}")
    print("\n* set by this scenario, a scenario it extends, --base or --set; others are defaults")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Rebuild a folder's report from its tables alone: the comparison report, ``sweep.md``
    or ``sensitivity.md``, as the job that made the folder wrote it."""
    from coprod.experiments.jobs.results import load
    from coprod.experiments.reports.psa_report import write_psa_report
    from coprod.experiments.reports.report import write_report
    from coprod.experiments.reports.sensitivity_report import write_sensitivity_report
    from coprod.experiments.reports.sweep_report import write_sweep_report

    folder = args.folder
    if (folder / "screen").is_dir() and not (folder / "manifest.json").exists():
        raise CoprodError(
            f"{folder} is a calibration folder: its calibration.md is rebuilt by running the "
            f"same coprod calibrate command with --resume --out {folder} (no run is repeated)."
        )
    results = load(folder)
    writers = {
        "sweep": write_sweep_report,
        "sensitivity": write_sensitivity_report,
        "psa": write_psa_report,
    }
    print(writers.get(results.manifest["job"].get("kind"), write_report)(results, folder))
    if args.csv:
        write_csv(results)
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """Write (or print) the validation document from a fresh run."""
    from coprod.experiments.methods.validation import main as validation

    return validation([str(args.document)] if args.document else [])


def cmd_viz(args: argparse.Namespace) -> int:
    """Serve the teaching page (this computer only, unless ``--host`` says otherwise)."""
    from coprod.simulation.page.server import HOST, serve

    return serve(args.port, host=args.host or HOST, open_browser=args.open)
