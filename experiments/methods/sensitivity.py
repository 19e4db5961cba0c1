"""Global sensitivity analysis: which assumptions do the model's conclusions lean on?

``coprod sensitivity FILE.toml --method sobol|morris`` (or ``coprod.sensitivity``) reads a
sensitivity file, which is an experiment file (``designs.experiment``: ``base``,
``baseline``, ``replicates``, ``seed``, ``steps``, ``[vary]``, ``[fixed]``, ``[record]``,
meaning what they mean in a sweep) plus::

    samples = 64          # sobol: base samples N, a power of two
    trajectories = 16     # morris: trajectories r
    levels = 4            # morris: grid levels (default 4)

    [outputs.cost_gap]    # one table per output: a conclusion to question
    metric = "cost_cumulative"   # a weekly metric, or a column of runs (total_cost, survey_*)
    week = 104                   # its value that week, or over = "mean" | "sum" | "end" | "early"
    scenario = "timebank"        # default: the first base scenario
    minus = "traditional"        # paired difference: same design point, same replicate
    label = "Does co-production still pay?"

``[vary]`` takes ranges only (``min``, ``max``, ``log``): the design comes from SALib, not from
``design``. The job runs 2N base samples (2r trajectories) so that the indices at N, computed
from the first half, can be set beside those at 2N: both samplers' first half is their sample
at N, so the convergence check costs no extra run. Runs go through the sweep runner, so
engines, ``--resume``, progress and failure records are the sweep's own (``jobs.launch``).
The model and SALib are imported only when a study is loaded, so ``coprod --help`` stays fast.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coprod.simulation.errors import CoprodError

if TYPE_CHECKING:
    import numpy as np

    from coprod.experiments.designs.experiment import Experiment

METHODS = ("sobol", "morris")
OWN_KEYS = ("samples", "trajectories", "levels", "outputs")
OUTPUT_KEYS = ("metric", "week", "over", "scenario", "minus", "label")
OVER = {
    "mean": "mean over the horizon",
    "sum": "summed over the horizon",
    "end": "mean of the last 8 weeks",
    "early": "mean of weeks 1-8",
}
DEFAULT_REPLICATES = 2


@dataclass(frozen=True)
class Output:
    """One conclusion to question: a metric of one scenario (minus another, paired) at a
    week, or over the horizon (``over``), or a run summary as it is (both None)."""

    name: str
    metric: str
    scenario: str
    week: int | None = None
    over: str | None = None
    minus: str | None = None
    label: str = ""


@dataclass(frozen=True)
class Study:
    """A validated sensitivity study: the sweep that runs it (its points in the sampler's
    order) and what the analysis needs besides."""

    experiment: Experiment
    method: str
    base_samples: int
    levels: int
    outputs: dict[str, Output]

    def job(self) -> dict[str, Any]:
        """The sweep's manifest entry, with what makes it a sensitivity study."""
        return {
            **self.experiment.job(),
            "kind": "sensitivity",
            "method": self.method,
            "base_samples": self.base_samples,
            "levels": self.levels,
            "outputs": {name: vars(output) for name, output in self.outputs.items()},
        }


def unit_sample(method: str, names: list[str], base: int, levels: int, seed: int) -> np.ndarray:
    """The sampler's design in the unit cube, with 2 x ``base`` base samples (trajectories)."""
    from SALib.sample import morris, sobol

    problem = unit_problem(names)
    if method == "sobol":
        return sobol.sample(problem, 2 * base, calc_second_order=False, seed=salib_seed(seed))
    return morris.sample(problem, 2 * base, num_levels=levels, seed=salib_seed(seed))


def unit_problem(names: list[str]) -> dict[str, Any]:
    """SALib's problem over the unit cube: each range is mapped by ``Range.scale``, a monotone
    map, so the indices are those of the parameters themselves."""
    return {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}


def salib_seed(seed: int) -> int:
    """A non-zero integer seed for SALib from the job's design stream (SALib's Sobol
    analysis treats a seed of 0 as none, so 0 is never given)."""
    import numpy as np

    from coprod.experiments.designs.design import DESIGN_STREAM

    state = np.random.SeedSequence(seed, spawn_key=(DESIGN_STREAM,)).generate_state(1)[0]
    return int(state) | 1


def load_study(path: str | Path, method: str) -> Study:
    """Read and validate a sensitivity file for ``method``; every problem is reported at once,
    naming the file and the key, worded as the sweep's experiment files are."""
    from coprod.experiments.designs import experiment_keys as keys
    from coprod.experiments.designs.experiment import ExperimentError, _read, assemble
    from coprod.simulation.params import describe
    from coprod.simulation.scenario import _report, load_scenario

    if method not in METHODS:
        raise CoprodError(f"unknown method {method!r}: choose one of {', '.join(METHODS)}")
    path = Path(path).expanduser()
    raw = _read(path)
    own = {key: raw.pop(key) for key in OWN_KEYS if key in raw}
    problems: list[str] = []
    if raw.pop("design", None) is not None:
        problems.append("`design` is set by --method (sobol or morris): leave it out.")
    if isinstance(raw.get("record", {}), dict):  # the survey table is rarely needed here
        raw["record"] = {"survey": False, **raw.get("record", {})}
    keys.top_level(raw, problems)
    replicates = keys.whole(raw, "replicates", DEFAULT_REPLICATES, problems, minimum=1)
    seed = keys.whole(raw, "seed", 0, problems, minimum=0)
    most = describe("weeks")["max"]
    steps = keys.whole(raw, "steps", None, problems, minimum=1, maximum=most)
    record = keys.record(keys.section(raw, "record", problems), problems)
    fixed = keys.fixed(keys.section(raw, "fixed", problems), problems)
    vary = keys.vary(raw, method, problems)  # ranges only, as any sampled design has
    lists = [key for key, dim in vary.items() if isinstance(dim, tuple)]
    problems += [f"[vary] `{key}` is a list: give a range {{min, max}}." for key in lists]
    problems += [f"`{key}` is both in [fixed] and [vary]." for key in fixed.keys() & vary.keys()]
    base = _base_samples(own, method, problems)
    levels = keys.whole(own, "levels", 4, problems, minimum=2, maximum=20)
    if method == "morris" and levels and levels % 2:
        problems.append(
            f"`levels` = {levels} is odd: Morris trajectories need an even number of grid levels "
            "(4 is usual), or every trajectory starts from the same place."
        )
    located = keys.scenarios(raw, path, problems)
    loaded = [load_scenario(where) for where in located]
    horizon = {"weeks": steps} if steps else {}
    runs = {s.name: {**s.params.model_dump(), **fixed, **horizon} for s in loaded}
    if len(runs) < len(loaded):
        problems.append(
            "the same scenario is named twice (in `base`, or in `base` and `baseline`)."
        )
    bases = list(runs)[1:] if raw.get("baseline") is not None else list(runs)
    outputs = _outputs(own.get("outputs"), runs, bases[:1], record["every"], problems)
    if problems:
        raise ExperimentError(_report(str(path), problems))
    unit = unit_sample(method, list(vary), base, levels, seed)
    columns = [dim.scale(unit[:, j]) for j, dim in enumerate(vary.values())]
    points = [dict(zip(vary, row, strict=True)) for row in zip(*columns, strict=True)]
    experiment = assemble(
        path,
        loaded,
        loaded[0].name if raw.get("baseline") is not None else None,
        vary,
        points,
        description=str(raw.get("description", "")),
        design=method,
        samples=len(points),
        replicates=replicates,
        seed=seed,
        steps=steps,
        fixed=fixed,
        record=record,
    )
    return Study(experiment, method, base, levels, outputs)


def _base_samples(own: dict[str, Any], method: str, problems: list[str]) -> int:
    """N (a power of two, for the Sobol' sequence's balance) or the trajectories r."""
    from coprod.experiments.designs import experiment_keys as keys

    key = "samples" if method == "sobol" else "trajectories"
    if key not in own:
        problems.append(f"`{key}` is missing: --method {method} needs it.")
    elif method == "sobol":
        return keys.samples(own, "sobol", problems) or 1
    return keys.whole(own, key, 1, problems, minimum=2) or 1


def _outputs(
    table: Any, runs: dict[str, dict], default: list[str], every: int, problems: list[str]
) -> dict[str, Output]:
    """The ``[outputs]`` tables, each checked against the job's scenarios (``runs``: their
    resolved parameters) and what the runs record."""
    from coprod.simulation.scenario import _show

    if not isinstance(table, dict) or not table:
        problems.append("[outputs] is missing: name at least one output, as [outputs.NAME].")
        return {}
    outputs = {}
    for name, spec in table.items():
        where = f"[outputs.{name}]"
        if not isinstance(spec, dict):
            problems.append(f"{where} must be a table with `metric` and `week` or `over`.")
            continue
        count = len(problems)
        problems += unknown_keys(f"{where} ", spec, OUTPUT_KEYS, "an output key")
        problems += [
            f"{where} `{key}` = {_show(spec[key])} must be text in quotes."
            for key in ("metric", "scenario", "minus", "over", "label")
            if key in spec and not isinstance(spec[key], str)
        ]
        if len(problems) > count:
            continue
        scenario, minus = spec.get("scenario", *default), spec.get("minus")
        for key, value in (("scenario", scenario), ("minus", minus)):
            if value is not None and value not in runs:
                listed = ", ".join(runs)
                problems.append(
                    f"{where} `{key}` = {_show(value)} is not a scenario of this job ({listed})."
                )
        if minus is not None and minus == scenario:
            problems.append(f"{where} `minus` names the output's own scenario.")
        if len(problems) == count and scenario in runs:  # else `base` is already reported
            _when(where, spec, runs[scenario], every, problems)
        if len(problems) == count:
            metric, week, over = spec["metric"], spec.get("week"), spec.get("over")
            label = str(spec.get("label", name))
            outputs[name] = Output(name, metric, scenario, week, over, minus, label)
    return outputs


def _when(
    where: str, spec: dict[str, Any], params: dict[str, Any], every: int, problems: list[str]
) -> None:
    """An output's metric, and when it is read: weekly metrics need a recorded week within the
    horizon, or a span; the survey needs its week within the horizon."""
    from coprod.simulation.outputs import METRICS
    from coprod.simulation.scenario import _did_you_mean, _show

    metric, week, over = spec.get("metric"), spec.get("week"), spec.get("over")
    horizon, survey = params["weeks"], params["survey_week"]
    if not all(type(value) is int for value in (horizon, survey)):
        return  # a bad [fixed] `weeks` or `survey_week` is reported with [fixed]
    if week is not None and over is not None:
        problems.append(f"{where} give `week` or `over`, not both.")
    elif metric in METRICS and week is None and over is None:
        problems.append(
            f"{where} `{metric}` is weekly: say when, with `week` = a week number or "
            f"`over` = one of {', '.join(OVER)}."
        )
    elif metric in run_columns() and (week, over) != (None, None):
        problems.append(f"{where} `{metric}` is one value per run: no `week` or `over`.")
    elif metric not in METRICS and metric not in run_columns():
        problems.append(
            f"{where} `metric` = {_show(metric)} is not a weekly metric or a column of runs "
            "(total_cost, survey_...)." + _did_you_mean(str(metric), [*METRICS, *run_columns()])
        )
    elif str(metric).startswith("survey_") and survey > horizon:
        problems.append(
            f"{where} no survey: survey_week ({survey}) is after the horizon ({horizon})."
        )
    if week is not None and (isinstance(week, bool) or not isinstance(week, int) or week < 0):
        problems.append(f"{where} `week` = {_show(week)} must be a whole number from 0.")
    elif week is not None and week > horizon:
        problems.append(f"{where} `week` = {week} is after the horizon ({horizon}).")
    elif week is not None and week % every and week != horizon:
        problems.append(f"{where} `week` = {week} is not recorded: [record] every = {every}.")
    if over is not None and over not in OVER:
        problems.append(f"{where} `over` = {_show(over)} is not one of {', '.join(OVER)}.")
    elif over in ("mean", "sum") and every != 1:
        problems.append(f'{where} `over` = "{over}" needs [record] every = 1.')


def unknown_keys(where: str, table: dict[str, Any], allowed: Sequence[str], what: str) -> list[str]:
    """A problem for each key of ``table`` not in ``allowed``, with a did-you-mean."""
    from coprod.simulation.scenario import _did_you_mean

    return [
        f"{where}`{key}` is not {what} ({', '.join(allowed)}).{_did_you_mean(key, allowed)}"
        for key in table
        if key not in allowed
    ]


def run_columns() -> tuple[str, ...]:
    """Columns of runs an output may name as they are: total cost and the survey shares."""
    from coprod.simulation.outputs import SURVEY_QUESTIONS

    shares = [f"survey_{q}{part}" for part in ("", "_users") for q in SURVEY_QUESTIONS]
    return ("total_cost", "survey_participants", "survey_participants_users", *shares)
