"""Calibration targets: what the model should reproduce, where each figure comes from, and
which parameters may be fitted to them within which ranges.

A targets file (``scenarios/targets/spice_cardiff.toml`` is the shipped one)::

    description = "..."
    caveat = "..."                      # what kind of evidence the figures are
    scenario = "timebank"               # whose participants the survey asks

    [targets.better_quality_of_life]    # a survey question (outputs.SURVEY_QUESTIONS)
    share = 0.71                        # share of participants answering yes, 0 to 1
    tolerance = 0.05                    # how far off still counts as a fit, in share points
    source = "..."

    [parameters]                        # ranges of the parameters --params may fit
    gp_rate = { min = 0.05, max = 0.3 } # within the schema's bounds; `log = true` allowed

    [calibration]                       # how the fit is run (defaults shown)
    samples = 256                       # Latin hypercube points of the screen
    replicates = 2                      # runs per point, averaged
    accept = 0.05                       # share of points kept (ABC rejection)
    check_replicates = 10               # runs at the fitted values
    seed = 0

    [fixed]                             # values for every run (a smaller population, say)

The screen and the check are sweeps of the surveyed scenario, run to its survey week.
Statistics are read from runs' ``survey_<question>`` columns: the model's week-52 survey of
participants, computed as the evaluation's survey was (MODEL.md section 5), never set.
Policy levers (the schema's `levers` group), the time frame and the population sizes
cannot be fitted: calibration fits mechanisms, which every scenario then shares.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from coprod.experiments.designs import experiment_keys as keys
from coprod.experiments.designs.design import Range, design_points
from coprod.experiments.designs.experiment import Experiment, _read, assemble
from coprod.experiments.methods.sensitivity import unknown_keys
from coprod.experiments.reports.stats import ci_table
from coprod.simulation.errors import CoprodError
from coprod.simulation.outputs import SURVEY_QUESTIONS
from coprod.simulation.params import LEVERS, PARAMETER_NAMES, Params, describe
from coprod.simulation.scenario import (
    Scenario,
    _did_you_mean,
    _report,
    _show,
    load_scenario,
)

TOP_KEYS = ("description", "caveat", "scenario", "targets", "parameters", "calibration", "fixed")
TARGET_KEYS = ("share", "tolerance", "source")
SETTINGS: dict[str, Any] = {
    "samples": 256,
    "replicates": 2,
    "accept": 0.05,
    "check_replicates": 10,
    "seed": 0,
}
STRUCTURE = ("n_users", "n_neighbours", "n_professionals", "price_year")


class TargetsError(CoprodError):
    """A targets file, or a --params list, that cannot be used as written."""


@dataclass(frozen=True)
class Target:
    """One observed statistic: the share answering yes, how close counts, and its source."""

    share: float
    tolerance: float
    source: str


@dataclass(frozen=True)
class Targets:
    """A validated targets file."""

    path: Path
    description: str
    caveat: str
    scenario: Scenario
    targets: dict[str, Target]
    ranges: dict[str, Range]
    settings: dict[str, Any]
    fixed: dict[str, Any]

    def columns(self) -> list[str]:
        """The runs' columns that hold the simulated statistics."""
        return [f"survey_{name}" for name in self.targets]

    def screen(self, ranges: dict[str, Range]) -> Experiment:
        """The Latin hypercube screen over ``ranges``."""
        samples, seed = self.settings["samples"], self.settings["seed"]
        points = design_points(ranges, "latin_hypercube", samples, seed)
        return self._sweep(ranges, points, self.settings["replicates"], seed)

    def check(self, values: dict[str, Any]) -> Experiment:
        """The fitted ``values`` alone, on replicates the screen did not use (seed + 1)."""
        ranges = {name: Range(value, value) for name, value in values.items()}
        seed = self.settings["seed"] + 1
        return self._sweep(ranges, [values], self.settings["check_replicates"], seed)

    def _sweep(
        self, ranges: dict[str, Range], points: list[dict], replicates: int, seed: int
    ) -> Experiment:
        """The surveyed scenario at ``points``, run to its survey week; run summaries only."""
        week = {**self.scenario.params.model_dump(), **self.fixed}["survey_week"]
        record = {"every": week, "agents": False, "survey": False}
        return assemble(
            self.path,
            [self.scenario],
            None,
            ranges,
            points,
            description=f"Calibration to {self.path.name}: {self.description}",
            design="latin_hypercube",
            samples=len(points),
            replicates=replicates,
            seed=seed,
            steps=week,
            fixed=self.fixed,
            record=record,
        )


def load_targets(path: str | Path) -> Targets:
    """Read and validate a targets file; all its problems are reported at once."""
    path = Path(path).expanduser()
    raw = _read(path)
    problems = unknown_keys("", raw, TOP_KEYS, "a targets-file key")
    targets = _targets(keys.section(raw, "targets", problems), problems)
    ranges = {}
    for key, value in keys.section(raw, "parameters", problems).items():
        said: list[str] = []
        ranges[key] = keys.dimension(key, value, "latin_hypercube", said)
        problems += [text.replace("[vary]", "[parameters]", 1) for text in said]
    if any(isinstance(dim, tuple) for dim in ranges.values()):
        problems.append("[parameters] take ranges {min, max}, not lists.")
    settings = _settings(keys.section(raw, "calibration", problems), problems)
    fixed = keys.fixed(keys.section(raw, "fixed", problems), problems)
    found: list[str] = []
    located = keys.scenarios({"base": raw.get("scenario", "timebank")}, path, found)
    problems += [text.replace("`base`", "`scenario`") for text in found]
    text = {key: raw.get(key, "") for key in ("description", "caveat")}
    problems += [
        f"`{k}` must be text in quotes." for k, v in text.items() if not isinstance(v, str)
    ]
    if problems:
        raise TargetsError(_report(str(path), problems))
    kept = {k: v for k, v in ranges.items() if isinstance(v, Range)}
    scenario = load_scenario(located[0])
    return Targets(path, *text.values(), scenario, targets, kept, settings, fixed)


def _targets(table: dict[str, Any], problems: list[str]) -> dict[str, Target]:
    """Each ``[targets.<question>]``: a known question, a share and tolerance in 0-1."""
    if not table:
        problems.append("[targets] is missing: give at least one [targets.<question>].")
    found = {}
    for name, spec in table.items():
        where = f"[targets.{name}]"
        if name not in SURVEY_QUESTIONS:
            problems.append(
                f"{where}: `{name}` is not a survey statistic; the model's survey asks "
                f"{', '.join(SURVEY_QUESTIONS)}.{_did_you_mean(name, SURVEY_QUESTIONS)}"
            )
            continue
        if not isinstance(spec, dict):
            problems.append(f"{where} must be a table with share, tolerance and source.")
            continue
        count = len(problems)
        problems += unknown_keys(f"{where} ", spec, TARGET_KEYS, "a target key")
        for key, low in (("share", 0.0), ("tolerance", 1e-9)):
            value = spec.get(key)
            if key not in spec:
                problems.append(f"{where} `{key}` is missing: give it as a share from 0 to 1.")
            elif isinstance(value, bool) or not isinstance(value, int | float):
                problems.append(f"{where} `{key}` = {_show(value)} must be a number.")
            elif not low <= value <= 1:
                problems.append(
                    f"{where} `{key}` = {value:g} must be a share, above 0 and at most 1"
                    if key == "tolerance"
                    else f"{where} `{key}` = {value:g} must be a share from 0 to 1."
                )
        if not isinstance(spec.get("source", ""), str) or not spec.get("source"):
            problems.append(f"{where} `source` is missing: say where the figure comes from.")
        if len(problems) == count:
            found[name] = Target(float(spec["share"]), float(spec["tolerance"]), spec["source"])
    return found


def _settings(table: dict[str, Any], problems: list[str]) -> dict[str, Any]:
    """The ``[calibration]`` settings, defaults filled in."""
    settings = dict(SETTINGS)
    problems += unknown_keys("[calibration] ", table, list(SETTINGS), "a setting")
    for key, value in table.items():
        if key not in SETTINGS:
            continue
        if key == "accept":
            if isinstance(value, bool) or not isinstance(value, float | int) or not 0 < value < 1:
                problems.append(f"[calibration] `accept` = {_show(value)} must be between 0 and 1.")
            else:
                settings[key] = float(value)
        else:
            least = 0 if key == "seed" else 2 if key == "samples" else 1
            settings[key] = keys.whole(
                table, key, SETTINGS[key], problems, minimum=least, where="[calibration] "
            )
    return settings


def fittable(name: str) -> str | None:
    """Why ``name`` cannot be fitted, or None if it can."""
    if name not in PARAMETER_NAMES:
        return f"`{name}` is not a parameter.{_did_you_mean(name, PARAMETER_NAMES)}"
    if Params.model_fields[name].annotation not in (int, float):
        return f"`{name}` is not a number ({describe(name)['meaning']}): it cannot be fitted."
    if name in STRUCTURE or describe(name)["group"] == "time":
        return f"`{name}` fixes the population or the time frame of the survey: set it in [fixed]."
    if name in LEVERS:
        return (
            f"`{name}` is a policy lever ({describe(name)['meaning']}): fitting it would change "
            "what a scenario is, not how the world works."
        )
    return None


def parse_params(text: str, targets: Targets) -> dict[str, Range]:
    """The ranges of the parameters ``--params`` names (comma-separated), from the file's
    ``[parameters]``; an error names ``--params`` or the file, and the key."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    problems = [reason for name in names if (reason := fittable(name))]
    if not names:
        problems.append("name at least one parameter to fit, e.g. --params gp_rate,acute_prob.")
    if len(set(names)) < len(names):
        problems.append("a parameter is named twice.")
    clash = sorted(set(names) & set(targets.fixed))
    problems += [
        f"`{name}` is in [fixed] of {targets.path}: it cannot also be fitted." for name in clash
    ]
    missing = [name for name in names if name not in targets.ranges and not fittable(name)]
    problems += [
        f"`{name}` has no range in [parameters] of {targets.path}; add one, e.g. "
        f"{name} = {{ min = ..., max = ... }}."
        for name in missing
    ]
    if problems:
        raise TargetsError(_report(f"{targets.path}: --params", problems))
    return {name: targets.ranges[name] for name in names}


def statistics(runs: pd.DataFrame, targets: Targets) -> pd.DataFrame:
    """Replicate means of the simulated statistics per design point (columns: questions)."""
    table = runs.groupby("point")[targets.columns()].mean()
    return table.rename(columns=lambda column: column.removeprefix("survey_"))


def distance(stats: pd.DataFrame, targets: Targets, questions: list[str]) -> pd.Series:
    """Root mean square of the ``questions``' misses in units of their tolerances: 1 means
    the statistics miss by one tolerance on average."""
    found = targets.targets
    scaled = [(stats[q] - found[q].share) / found[q].tolerance for q in questions]
    return pd.Series(np.sqrt(np.mean(np.square(scaled), axis=0)), index=stats.index)


def within_reach(stats: pd.DataFrame, targets: Targets) -> list[str]:
    """The statistics that some point of the screen brings within their tolerance."""
    return [
        q for q, t in targets.targets.items() if (stats[q] - t.share).abs().min() <= t.tolerance
    ]


def achieved(results: Any, targets: Targets) -> pd.DataFrame:
    """Mean and 95% t-CI of each statistic over the check's replicates, beside its target."""
    table = ci_table(results.runs, ["scenario"], targets.columns()).set_index("metric")
    table.index = table.index.str.removeprefix("survey_")
    table["target"] = [targets.targets[q].share for q in table.index]
    table["tolerance"] = [targets.targets[q].tolerance for q in table.index]
    table[["lo", "hi"]] = table[["lo", "hi"]].clip(0, 1)  # a share's CI stays a share
    table["within"] = (table["mean"] - table["target"]).abs() <= table["tolerance"]
    return table[["target", "tolerance", "mean", "lo", "hi", "n", "within"]]
