"""The ``coprod`` command: parse arguments, call the stages, turn user errors into exit 2.

Every subcommand is a small function taking the parsed arguments; none holds logic of its
own beyond wiring scenario loading, the runner, the results folder and the report. A
``CoprodError`` (bad scenario, bad folder, bad value) prints one paragraph and exits 2, never a
traceback; Ctrl-C exits 130 and prints the command that resumes the job.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import textwrap
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from coprod.simulation.errors import CoprodError

if TYPE_CHECKING:
    from coprod.experiments.jobs.runner import JobOutcome
    from coprod.experiments.jobs.worker import RunSpec
    from coprod.simulation.params import Params

BASELINE = "traditional"
HEADLINE = (
    "wemwbs_mean",
    "wellbeing_p10",
    "agency_mean",
    "dependence",
    "cost_week",
    "cost_cumulative",
    "community_hours",
    "trust_mean",
)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    args = parser().parse_args(argv)
    try:
        return args.command(args) or 0
    except CoprodError as error:
        print(f"coprod: error: {wrap(str(error))}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head` and the like: not an error
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        return 0
    except KeyboardInterrupt:
        resume = getattr(args, "resume_hint", None)
        print(
            "\ncoprod: interrupted."
            + (f" Finished runs are kept; to finish the job run:\n  {resume}" if resume else ""),
            file=sys.stderr,
        )
        return 130


def wrap(message: str) -> str:
    """Wrap each line of a message to the terminal, keeping its list structure."""
    return "\n".join(
        textwrap.fill(line, 100, subsequent_indent="    " if line.lstrip().startswith("-") else "")
        for line in message.splitlines()
    )


def parser() -> argparse.ArgumentParser:
    """The whole command line, one subparser per subcommand."""
    top = argparse.ArgumentParser(
        prog="coprod",
        description="Co-production versus traditional delivery of health and social care: "
        "an agent-based coprod.simulation.",
    )
    from coprod.experiments.methods.calibration import add_calibrate_parser
    from coprod.experiments.methods.sensitivity import add_sensitivity_parser

    sub = top.add_subparsers(required=True, metavar="COMMAND")

    compare = sub.add_parser(
        "compare",
        help="compare scenarios over replicates (the main job)",
        description="Run scenarios x replicates in parallel, store the "
        "results and write a comparison report against a baseline.",
    )
    compare.add_argument(
        "scenarios",
        nargs="*",
        metavar="SCENARIO",
        help="shipped names or .toml paths (default: every shipped scenario)",
    )
    compare.add_argument(
        "--baseline",
        default=BASELINE,
        help=f"scenario the others are compared with (default {BASELINE})",
    )
    compare.add_argument("--replicates", type=positive, default=10, help="runs per scenario (10)")
    add_run_options(compare)
    add_job_options(compare)
    compare.set_defaults(command=cmd_compare)

    sweep = sub.add_parser(
        "sweep",
        help="sweep parameters over a design (an experiment file)",
        description="Run an experiment file's scenarios at every design point x replicates, "
        "store the results and write sweep.md with figures. The file format is in the README "
        "(Sweeps) and in experiments/examples/.",
    )
    sweep.add_argument("experiment", type=Path, metavar="EXPERIMENT.toml")
    add_job_options(sweep)
    sweep.set_defaults(command=cmd_sweep)
    add_sensitivity_parser(sub)  # each module keeps the model out of its top-level imports
    add_calibrate_parser(sub)

    run = sub.add_parser("run", help="one run of one scenario, summarised on the terminal")
    run.add_argument("scenario", metavar="SCENARIO", help="shipped name or .toml path")
    add_run_options(run)
    run.set_defaults(command=cmd_run)

    scenarios = sub.add_parser("scenarios", help="list the shipped scenarios")
    scenarios.set_defaults(command=cmd_scenarios)

    show = sub.add_parser("show", help="the resolved parameters of a scenario")
    show.add_argument("scenario", metavar="SCENARIO", help="shipped name or .toml path")
    show.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a parameter (repeatable)",
    )
    add_base_option(show)
    show.set_defaults(command=cmd_show)

    report = sub.add_parser("report", help="rebuild the report of a results folder")
    report.add_argument("folder", type=Path, metavar="DIR")
    report.set_defaults(command=cmd_report)

    viz = sub.add_parser("viz", help="open the teaching page in a browser")
    viz.add_argument(
        "--port",
        type=positive,
        default=None,
        help="port (default 8765 if free, else any free port)",
    )
    viz.set_defaults(command=cmd_viz)
    return top


def add_run_options(command: argparse.ArgumentParser) -> None:
    """Options shared by everything that runs the model."""
    command.add_argument(
        "--steps",
        type=positive,
        default=None,
        help="weeks after the warm-up (default: the scenario's, 104)",
    )
    command.add_argument("--seed", type=seed, default=0, help="master seed, 0 or more (0)")
    command.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a parameter in every scenario (repeatable)",
    )
    add_base_option(command)


def add_base_option(command: argparse.ArgumentParser) -> None:
    """``--base FILE``: mechanism values every scenario rests on (a calibration's result)."""
    command.add_argument(
        "--base",
        type=Path,
        default=None,
        metavar="FILE",
        help="a base file of mechanism values that every scenario rests on, such as the "
        "calibrated_base.toml that coprod calibrate writes (scenario keys and --set still win)",
    )


def add_job_options(command: argparse.ArgumentParser) -> None:
    """Options of jobs that write a results folder."""
    command.add_argument(
        "--workers",
        type=positive,
        default=None,
        help="worker processes (default: all cores; with --scheduler, the cluster's)",
    )
    command.add_argument(
        "--engine",
        choices=("local", "dask"),
        default=None,
        help="local: a process pool on this machine (default); dask: a Dask cluster",
    )
    command.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="a running Dask scheduler, e.g. tcp://host:8786 (implies --engine dask; default: "
        "a local Dask cluster)",
    )
    command.add_argument(
        "--out",
        type=Path,
        default=None,
        help="results folder (default results/<command>-<date-time>)",
    )
    command.add_argument(
        "--resume",
        action="store_true",
        help="finish an interrupted job in --out without redoing finished runs",
    )
    command.add_argument("--quiet", action="store_true", help="no progress bar")


def whole_at_least(minimum: int) -> Callable[[str], int]:
    """An argparse type: a whole number of at least ``minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, not {value}")
        return value

    return parse


positive = whole_at_least(1)
seed = whole_at_least(0)  # what numpy's SeedSequence takes


def resolve(names: list[str], sets: list[str], steps: int | None, base: Path | None = None):
    """Load scenarios by name or path, each on the ``--base`` file's values if one is given,
    with ``--set`` and ``--steps`` applied to each."""
    from coprod.simulation.scenario import load_base, load_scenario, with_base, with_overrides

    assignments = [*sets, *([f"weeks={steps}"] if steps else [])]
    values = load_base(base) if base else {}
    resolved = {}
    for name in names:
        scenario = with_base(load_scenario(name), values) if values else load_scenario(name)
        if scenario.name in resolved:
            raise CoprodError(
                f"two scenarios are called '{scenario.name}': give each file a different name"
            )
        resolved[scenario.name] = with_overrides(scenario, assignments) if assignments else scenario
    return resolved


def cmd_compare(args: argparse.Namespace) -> int:
    """Run the comparison job, then write and summarise its report."""
    from coprod.experiments.jobs.results import load
    from coprod.experiments.jobs.runner import plan_runs
    from coprod.experiments.reports.report import write_report
    from coprod.simulation.scenario import shipped_scenarios

    names = args.scenarios or list(shipped_scenarios())
    if args.baseline not in names and Path(args.baseline).stem not in [Path(n).stem for n in names]:
        names = [args.baseline, *names]
    scenarios = resolve(names, args.set, args.steps, args.base)
    baseline = Path(args.baseline).stem
    warn_world_differences({name: s.params for name, s in scenarios.items()}, baseline)
    out = job_folder(args, "compare")
    job = {
        "kind": "compare",
        "baseline": baseline,
        "replicates": args.replicates,
        "seed": args.seed,
        "set": args.set,
        "base": str(args.base) if args.base else None,
        "steps": args.steps,
        "scenarios": {name: s.params.model_dump() for name, s in scenarios.items()},
        "scenario_files": {name: str(s.path) for name, s in scenarios.items()},
        "command": shlex.join(sys.argv),
    }
    specs = plan_runs({name: s.params for name, s in scenarios.items()}, args.replicates, args.seed)
    outcome = execute_job(args, specs, out, job)
    results = load(out)
    report = write_report(results, out)
    print(summary_table(results.runs, baseline))
    print(f"\n{outcome.done} runs in {outcome.seconds:.1f} s; results in {out}/, report {report}")
    return failures(outcome)


def cmd_sweep(args: argparse.Namespace) -> int:
    """Run an experiment file's sweep, then write sweep.md and its figures."""
    from coprod.experiments.designs.experiment import load_experiment
    from coprod.experiments.jobs.results import load
    from coprod.experiments.reports.sweep_report import write_sweep_report

    experiment = load_experiment(args.experiment)
    if experiment.baseline:
        warn_world_differences(experiment.scenarios, experiment.baseline)
    out = job_folder(args, f"sweep-{experiment.name}")
    job = {**experiment.job(), "command": shlex.join(sys.argv)}
    specs = experiment.specs()
    outcome = execute_job(args, specs, out, job)
    page = write_sweep_report(load(out), out)
    print(f"{outcome.done} runs in {outcome.seconds:.1f} s; results in {out}/, summary {page}")
    return failures(outcome)


def warn_world_differences(params: dict[str, Params], baseline: str) -> None:
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


def execute_job(args: argparse.Namespace, specs: list[RunSpec], out: Path, job: dict) -> JobOutcome:
    """Run a job's specs on the engine the options ask for; the options go in the manifest
    (they are ignored by --resume: they change where runs execute, never their results)."""
    from coprod.experiments.jobs.engines import executor_for, window_for
    from coprod.experiments.jobs.runner import run_job

    engine = args.engine or ("dask" if args.scheduler else "local")
    job = {**job, "workers": args.workers, "engine": engine, "scheduler": args.scheduler}
    with executor_for(engine, args.workers, args.scheduler) as executor:
        return run_job(
            specs,
            out,
            job=job,
            executor=executor,
            resume=args.resume,
            progress=not args.quiet,
            window=window_for(executor),
        )


def failures(outcome: JobOutcome) -> int:
    """Exit status 1 and a pointer to the errors when runs failed, else 0."""
    if not outcome.failed:
        return 0
    print(
        f"{len(outcome.failed)} runs failed (see {outcome.out_dir}/status.jsonl); rerun with "
        "--resume to retry them",
        file=sys.stderr,
    )
    return 1


def job_folder(args: argparse.Namespace, prefix: str) -> Path:
    """The job's results folder: ``--out``, or a new dated one under ``results/``; and the
    command that finishes the job after an interruption. ``--resume`` needs ``--out``: a new
    dated folder has nothing to resume."""
    if args.resume and args.out is None:
        raise CoprodError("--resume needs --out DIR: the results folder of the job to finish.")
    out = args.out or Path("results") / f"{prefix}-{datetime.now():%Y%m%d-%H%M%S}"
    args.resume_hint = resume_command(out)
    return out


def resume_command(out: Path) -> str:
    """The command line that finishes this job, for the interrupt message."""
    argv = [a for a in sys.argv[1:] if a != "--resume"]
    if "--out" not in argv and not any(a.startswith("--out=") for a in argv):
        argv += ["--out", str(out)]
    return shlex.join(["coprod", *argv, "--resume"])


def summary_table(runs, baseline: str) -> str:
    """End-of-horizon means per scenario of the headline metrics, for the terminal."""
    columns = [f"end_{m}" for m in HEADLINE if f"end_{m}" in runs]
    table = runs.groupby("scenario", observed=True)[columns].mean()
    table.columns = [c.removeprefix("end_") for c in columns]
    if "cost_cumulative" in table:
        table["cost_cumulative"] = runs.groupby("scenario", observed=True)["total_cost"].mean()
    return (
        f"Means over replicates of the last 8 weeks (baseline {baseline}; cost_cumulative "
        "at the horizon):\n"
        + table.to_string(float_format=lambda v: f"{v:,.3f}" if abs(v) < 100 else f"{v:,.0f}")
    )


def cmd_run(args: argparse.Namespace) -> int:
    """One run in this process, with early and end means on the terminal."""
    import pandas as pd

    from coprod.simulation import simulate
    from coprod.simulation.model import SUMMARY_WEEKS
    from coprod.simulation.seeds import parse_seed, replicate_seeds

    ((name, scenario),) = resolve([args.scenario], args.set, args.steps, args.base).items()
    seed = replicate_seeds(args.seed, 1)[0]
    result = simulate(scenario.params, parse_seed(seed))
    summary = result.summary
    metrics = [k.removeprefix("end_") for k in summary if k.startswith("end_")]
    span = min(SUMMARY_WEEKS, scenario.params.weeks)  # a shorter run's windows are the run
    table = pd.DataFrame(
        {
            "week 0": result.timeseries.iloc[0][metrics],
            f"weeks 1-{span}": [summary[f"early_{m}"] for m in metrics],
            f"last {span} weeks": [summary[f"end_{m}"] for m in metrics],
        },
        index=metrics,
    )
    print(f"{name}: {scenario.description}\n{scenario.params.weeks} weeks, seed {args.seed}\n")
    print(table.to_string(float_format=lambda v: f"{v:,.3f}" if abs(v) < 100 else f"{v:,.0f}"))
    survey = {
        k: v for k, v in summary.items() if k.startswith("survey_") and not k.endswith("_users")
    }
    if survey:
        print(
            "\nWeek-"
            + str(scenario.params.survey_week)
            + " survey of participants: "
            + ", ".join(
                f"{k.removeprefix('survey_')} {v:.0%}"
                if v <= 1
                else f"{k.removeprefix('survey_')} {v:.0f}"
                for k, v in survey.items()
            )
        )
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
    from coprod.simulation.params import PARAMETER_NAMES, describe

    ((_, scenario),) = resolve([args.scenario], args.set, None, args.base).items()
    print(f"{scenario.name} ({scenario.path})\n{textwrap.fill(scenario.description, 100)}\n")
    values = scenario.params.model_dump()
    for name in PARAMETER_NAMES:
        info = describe(name)
        mark = "*" if name in scenario.overrides else " "
        print(f"{mark} {name:32} {values[name]!s:>12}  {info['unit']:16} {info['meaning']}")
    print("\n* set by this scenario, a scenario it extends, --base or --set; others are defaults")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Rebuild a folder's report from its tables alone: the comparison report, ``sweep.md`` or
    ``sensitivity.md``, as the job that made the folder wrote it."""
    from coprod.experiments.jobs.results import load
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
    writers = {"sweep": write_sweep_report, "sensitivity": write_sensitivity_report}
    print(writers.get(results.manifest["job"].get("kind"), write_report)(results, folder))
    return 0


def cmd_viz(args: argparse.Namespace) -> int:
    """Serve the teaching page."""
    from coprod.simulation.page.server import serve

    return serve(args.port)


if __name__ == "__main__":
    sys.exit(main())
