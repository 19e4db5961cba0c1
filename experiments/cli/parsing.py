"""The ``coprod`` command line: one subparser per subcommand, each with a description and
an example in its ``--help``; nothing here runs anything (``commands`` does)."""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Callable
from pathlib import Path

BASELINE = "traditional"
EXAMPLES = "examples:\n  coprod compare timebank --replicates 20\n  coprod compare --dry-run"


def parser() -> argparse.ArgumentParser:
    """The whole command line; ``args.command`` is the function a subcommand runs (None for
    bare ``coprod``, which prints the help)."""
    from coprod import __version__
    from coprod.experiments.cli import commands

    top = argparse.ArgumentParser(
        prog="coprod",
        description=fill(
            "Co-production versus traditional delivery of health and social care: an "
            "agent-based simulation. Run `coprod COMMAND --help` for a command's options."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    top.add_argument("--version", action="version", version=f"coprod {__version__}")
    top.set_defaults(command=None)
    sub = top.add_subparsers(metavar="COMMAND", title="commands")

    compare = command(
        sub,
        commands.cmd_compare,
        "compare scenarios over replicates (the main job)",
        "Run scenarios x replicates in parallel, store the results and write a comparison "
        "report against a baseline. Replicate i of every scenario shares its seed.",
        "coprod compare traditional timebank --replicates 20 --out results/tb",
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
    add_job_options(compare, csv=True)

    sweep = command(
        sub,
        commands.cmd_sweep,
        "sweep parameters over a design (an experiment file)",
        "Run an experiment file's scenarios at every design point x replicates, store the "
        "results and write sweep.md with figures. The file format is in the README (Sweeps) "
        "and in experiments/examples/.",
        "coprod sweep experiments/examples/power_timebank.toml --out results/power_timebank",
    )
    sweep.add_argument("experiment", type=Path, metavar="EXPERIMENT.toml")
    add_job_options(sweep, csv=True)

    sensitivity = command(
        sub,
        commands.cmd_sensitivity,
        "global sensitivity analysis of an experiment file (Sobol' or Morris)",
        "Sample the ranges of a sensitivity file with SALib, run the samples through the "
        "sweep runner and write indices with CIs, one chart per output and sensitivity.md. "
        "The file format is in experiments/examples/sensitivity.toml.",
        "coprod sensitivity experiments/examples/sensitivity.toml --method morris --dry-run",
    )
    sensitivity.add_argument("experiment", type=Path, metavar="EXPERIMENT.toml")
    sensitivity.add_argument(
        "--method",
        choices=("sobol", "morris"),
        default="sobol",
        help="sobol: first-order and total indices (default); morris: mu* and sigma, a cheaper "
        "screen",
    )
    add_job_options(sensitivity)

    psa = command(
        sub,
        commands.cmd_psa,
        "probabilistic sensitivity analysis: is co-production cost-effective, how sure are we?",
        "Draw the uncertain parameters of a PSA file from their distributions, run every arm "
        "and the baseline at each draw on the same people, and write psa.md: the verdict "
        "(QALYs, costs, ICER, net benefit, probability cost-effective), the cost-effectiveness "
        "plane, acceptability curves, EVPI and partial EVPI, and where each arm pays. The file "
        "format is in experiments/examples/psa.toml; docs/ECONOMICS.md says how to read it.",
        "coprod psa experiments/examples/psa.toml --out results/psa",
    )
    psa.add_argument("experiment", type=Path, metavar="PSA.toml")
    add_job_options(psa)

    calibrate = command(
        sub,
        commands.cmd_calibrate,
        "fit mechanism parameters to observed statistics (ABC, regression-adjusted)",
        "Screen a Latin hypercube over the ranges a targets file gives the parameters in "
        "--params, keep the points closest to the targets, check the fit with fresh "
        "replicates, and write calibrated_base.toml, timebank_calibrated.toml and "
        "calibration.md. The file format is in scenarios/targets/spice_cardiff.toml.",
        "coprod calibrate scenarios/targets/spice_cardiff.toml --params weight_agency,gp_rate",
    )
    calibrate.add_argument("targets", type=Path, metavar="TARGETS.toml")
    calibrate.add_argument(
        "--params",
        required=True,
        metavar="NAME[,NAME...]",
        help="parameters to fit; each needs a range in the file's [parameters]",
    )
    add_job_options(calibrate)

    run = command(
        sub,
        commands.cmd_run,
        "one run of one scenario, summarised on the terminal",
        "Run one scenario in this process and print each metric at week 0, early and at the "
        "end, with units. Nothing is written.",
        "coprod run timebank --steps 52 --set n_users=300",
    )
    run.add_argument("scenario", metavar="SCENARIO", help="shipped name or .toml path")
    add_run_options(run)

    command(
        sub,
        commands.cmd_scenarios,
        "list the shipped scenarios",
        "The shipped scenarios with their descriptions, and the calibrated base.",
        "coprod scenarios",
    )

    show = command(
        sub,
        commands.cmd_show,
        "the resolved parameters of a scenario",
        "Every parameter of a scenario with its value, unit and meaning; a star marks what "
        "the scenario, the files it extends, --base or --set changed.",
        "coprod show codesign --set power_sharing=0.5",
    )
    show.add_argument("scenario", metavar="SCENARIO", help="shipped name or .toml path")
    add_set_option(show, "override a parameter (repeatable)")
    add_base_option(show)

    validate = command(
        sub,
        commands.cmd_validate,
        "the model against the published record, and the sources' claims tested at rest",
        "Run the shipped scenarios at the defaults (10 replicates, common random numbers) and "
        "write the magnitudes (turnover, vacancies, GP consultations, contact hours, cost per "
        "user) beside their published UK sources, and facts 2, 3 and 5 with paired 95% CIs and "
        "computed verdicts: the text of docs/VALIDATION.md. A few minutes on 2 cores.",
        "coprod validate docs/VALIDATION.md",
    )
    validate.add_argument(
        "document", nargs="?", type=Path, default=None, metavar="FILE.md",
        help="where to write it (default: print it)",
    )  # fmt: skip

    report = command(
        sub,
        commands.cmd_report,
        "rebuild the report of a results folder",
        "Rebuild a results folder's report (report.md, sweep.md, sensitivity.md or psa.md) "
        "from its tables alone; the model is not run.",
        "coprod report results/power_timebank --csv",
    )
    report.add_argument("folder", type=Path, metavar="DIR")
    add_csv_option(report)

    viz = command(
        sub,
        commands.cmd_viz,
        "open the teaching page in a browser",
        "Serve the teaching page until Ctrl-C; it works offline.",
        "coprod viz --open",
    )
    viz.add_argument(
        "--port",
        type=positive,
        default=None,
        help="port (default 8765 if free, else any free port)",
    )
    viz.add_argument(
        "--host",
        default=None,
        help="address to listen on (default 127.0.0.1: this computer only; 0.0.0.0: every "
        "network interface, for a classroom)",
    )
    viz.add_argument("--open", action="store_true", help="open the page in a browser")
    return top


def command(
    sub: argparse._SubParsersAction,
    function: Callable[[argparse.Namespace], int],
    summary: str,
    description: str,
    example: str,
) -> argparse.ArgumentParser:
    """A subcommand named after ``function`` (``cmd_NAME``), whose ``--help`` gives its
    description and an example."""
    name = function.__name__.removeprefix("cmd_")
    made = sub.add_parser(
        name,
        help=summary,
        description=fill(description),
        epilog=f"example:\n  {example}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    made.set_defaults(command=function)
    return made


def fill(text: str) -> str:
    """A paragraph wrapped as argparse would wrap it (Raw formatters keep newlines as given)."""
    return textwrap.fill(text, 88)


def add_run_options(command: argparse.ArgumentParser) -> None:
    """Options shared by everything that runs the model."""
    command.add_argument(
        "--steps",
        type=positive,
        default=None,
        help="weeks after the warm-up (default: the scenario's, 104)",
    )
    command.add_argument("--seed", type=seed, default=0, help="master seed, 0 or more (0)")
    add_set_option(command, "override a parameter in every scenario (repeatable)")
    add_base_option(command)


def add_set_option(command: argparse.ArgumentParser, text: str) -> None:
    """``--set KEY=VALUE``, repeatable."""
    command.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help=text)


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


def add_job_options(command: argparse.ArgumentParser, csv: bool = False) -> None:
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
    command.add_argument(
        "--allow-version-change",
        action="store_true",
        help="with --resume: go on although the folder was begun by another version of coprod, "
        "numpy, mesa or the model (both are recorded in the manifest)",
    )
    command.add_argument(
        "--yes",
        action="store_true",
        help="start a very large job (over 100,000 runs, a day's estimated time or half the "
        "free disk) that is otherwise refused with its figures",
    )
    command.add_argument(
        "--dry-run",
        action="store_true",
        help="print the number of runs and an estimate of the time from a short probe run; "
        "run and write nothing",
    )
    command.add_argument(
        "--quiet",
        action="store_true",
        help="no progress (off a terminal, progress is a line a minute or a tenth of the job)",
    )
    if csv:
        add_csv_option(command)


def add_csv_option(command: argparse.ArgumentParser) -> None:
    """``--csv``: the report's tables as CSV files too."""
    command.add_argument(
        "--csv", action="store_true", help="write the report's tables as CSV files too"
    )


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
