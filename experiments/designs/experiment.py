"""Experiment files: which scenarios a sweep runs, which parameters it varies, and how.

A sweep is written down, not typed on a command line, so that it can be reviewed, rerun and
cited. The file is TOML (examples in ``experiments/examples/``); every key but ``base`` and
``[vary]`` is optional::

    description = "Where does co-production cost less than traditional delivery?"
    base = "timebank"          # swept scenario(s): shipped names or paths relative to this file
    baseline = "traditional"   # also run at every design point, so each run has a pair
    design = "grid"            # grid | latin_hypercube | sobol  (default grid)
    # samples = 16             # latin_hypercube and sobol only: the number of design points
    replicates = 3             # runs per design point and scenario (default 10)
    steps = 104                # weeks after the warm-up (default: the scenarios' own)
    seed = 0                   # replicate i of every point and scenario gets seed i (default 0)

    [vary]                     # ranges {min, max, steps (grid only), log} or lists of values
    power_sharing = { min = 0.1, max = 0.9, steps = 4 }
    timebank_uptake = { min = 0.02, max = 0.5, steps = 3, log = true }
    power_rule = ["shared_decisions", "co_design"]

    [fixed]                    # parameter values for every run (after the scenario's own)
    n_users = 300

    [record]                   # what each run sends back (defaults shown)
    every = 1                  # model metrics every k weeks, plus the last week
    agents = false             # agent snapshots, or none
    survey = true              # the survey table, or none (its shares stay in runs)

Precedence: the scenario file, then ``[fixed]``, then ``steps``, then the design point. The
baseline takes ``[fixed]`` and the design point's values except policy levers
(``coprod.simulation.params.LEVERS``): it is the policy everything is compared with, run in the same
world as each point, so sweeping ``power_sharing`` never changes what "traditional" is. Like
scenario files, every mistake becomes one error naming the file and the key with what is
allowed (worded from ``params.describe``), all problems of a file at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coprod.experiments.designs import experiment_keys as keys
from coprod.experiments.designs.design import Dimension, design_points, design_size
from coprod.experiments.jobs.size import MAX_RUNS
from coprod.experiments.jobs.worker import RunSpec
from coprod.simulation.errors import CoprodError
from coprod.simulation.params import LEVERS, Params, describe
from coprod.simulation.scenario import Scenario, _report, load_scenario
from coprod.simulation.seeds import replicate_seeds
from coprod.simulation.toml_file import read_toml


class ExperimentError(CoprodError):
    """An experiment file that cannot be run as written."""


@dataclass(frozen=True)
class Experiment:
    """A validated sweep: its scenarios (baseline first, ``[fixed]`` and ``steps`` applied),
    what varies, and the design points drawn from it."""

    name: str
    path: Path
    description: str
    scenarios: dict[str, Params]
    scenario_files: dict[str, str]
    baseline: str | None
    vary: dict[str, Dimension]
    design: str
    samples: int | None
    replicates: int
    seed: int
    steps: int | None
    fixed: dict[str, Any]
    record: dict[str, Any]
    points: list[dict[str, Any]]

    def specs(self) -> list[RunSpec]:
        """One run per design point, scenario and replicate, in that order; replicate ``i``
        of every point and scenario shares seed ``i`` (common random numbers)."""
        seeds = replicate_seeds(self.seed, self.replicates)
        point_width = max(4, len(str(len(self.points) - 1)))
        width = max(3, len(str(self.replicates - 1)))
        return [
            RunSpec(
                f"{name}-p{point:0{point_width}d}-r{i:0{width}d}",
                name,
                i,
                seeds[i],
                {**params.model_dump(), **self.values_for(name, values)},
                point=point,
                record_every=self.record["every"],
                record_agents=self.record["agents"],
                record_survey=self.record["survey"],
            )
            for point, values in enumerate(self.points)
            for name, params in self.scenarios.items()
            for i in range(self.replicates)
        ]

    def values_for(self, scenario: str, values: dict[str, Any]) -> dict[str, Any]:
        """The values ``scenario`` takes from a design point or ``[fixed]``: all of them,
        except that the baseline keeps its own policy levers."""
        return values if scenario != self.baseline else _policy_free(values)

    def job(self) -> dict[str, Any]:
        """What the manifest records of the sweep; ``--resume`` refuses a changed one."""
        vary = {
            key: list(dim) if isinstance(dim, tuple) else {**vars(dim)}
            for key, dim in self.vary.items()
        }
        return {
            "kind": "sweep",
            "experiment": str(self.path.resolve()),
            "description": self.description,
            "baseline": self.baseline,
            "design": self.design,
            "samples": self.samples,
            "replicates": self.replicates,
            "seed": self.seed,
            "steps": self.steps,
            "vary": vary,
            "fixed": self.fixed,
            "record": self.record,
            "scenarios": {name: params.model_dump() for name, params in self.scenarios.items()},
            "scenario_files": self.scenario_files,
            "points": self.points,
        }


def load_experiment(path: str | Path) -> Experiment:
    """Read and validate an experiment file, and draw its design points."""
    path = Path(path).expanduser()
    raw = _read(path)
    problems: list[str] = []
    keys.top_level(raw, problems)
    design = keys.design_name(raw, problems)
    replicates = keys.whole(raw, "replicates", 10, problems, minimum=1)
    seed = keys.whole(raw, "seed", 0, problems, minimum=0)
    weeks = describe("weeks")
    steps = keys.whole(raw, "steps", None, problems, minimum=weeks["min"], maximum=weeks["max"])
    samples = keys.samples(raw, design, problems)
    description = raw.get("description", "")
    if not isinstance(description, str):
        problems.append("`description` must be text in quotes.")
    record = keys.record(keys.section(raw, "record", problems), problems)
    fixed = keys.fixed(keys.section(raw, "fixed", problems), problems)
    vary = keys.vary(raw, design, problems)
    problems += [f"`{key}` is both in [fixed] and [vary]." for key in fixed.keys() & vary.keys()]
    if steps is not None and "weeks" in {*fixed, *vary}:
        problems.append("`steps` and `weeks` both set the horizon: keep one.")
    located = keys.scenarios(raw, path, problems)
    if problems:
        raise ExperimentError(_report(str(path), problems))
    loaded = [load_scenario(where) for where in located]
    if len({scenario.name for scenario in loaded}) < len(loaded):
        raise ExperimentError(
            f"{path}: the same scenario is named twice (in `base`, or in `base` and `baseline`)."
        )
    baseline = loaded[0].name if raw.get("baseline") is not None else None
    runs = design_size(vary, design, samples) * len(loaded) * replicates
    if runs > MAX_RUNS:
        raise ExperimentError(
            f"{path}: this design makes {runs:,} runs ({design_size(vary, design, samples):,} "
            f"points x {len(loaded)} scenarios x {replicates} replicates); at most {MAX_RUNS:,} "
            "fit one job (its plan is held whole). Use fewer points or split the sweep."
        )
    return assemble(
        path,
        loaded,
        baseline,
        vary,
        design_points(vary, design, samples, seed),
        description=description,
        design=design,
        samples=samples,
        replicates=replicates,
        seed=seed,
        steps=steps,
        fixed=fixed,
        record=record,
    )


def assemble(
    path: Path,
    loaded: list[Scenario],
    baseline: str | None,
    vary: dict[str, Dimension],
    points: list[dict[str, Any]],
    **settings: Any,
) -> Experiment:
    """The experiment of ``loaded`` scenarios (the baseline first, if any) at ``points``:
    ``[fixed]`` and ``steps`` applied (the baseline keeping its policy levers) and every run's
    parameters checked, so a bad point is refused before any run starts."""
    horizon = {"weeks": settings["steps"]} if settings["steps"] is not None else {}
    overrides = {**settings["fixed"], **horizon}
    scenarios = {
        s.name: _checked(
            {
                **s.params.model_dump(),
                **(_policy_free(overrides) if s.name == baseline else overrides),
            },
            "[fixed]",
            path,
        )
        for s in loaded
    }
    experiment = Experiment(
        name=path.stem,
        path=path,
        scenarios=scenarios,
        scenario_files={s.name: str(s.path) for s in loaded},
        baseline=baseline,
        vary=vary,
        points=points,
        **settings,
    )
    for index, point in enumerate(points):
        for name, params in scenarios.items():
            values = {**params.model_dump(), **experiment.values_for(name, point)}
            _checked(values, f"design point {index} of {name}", path)
    return experiment


def _policy_free(values: dict[str, Any]) -> dict[str, Any]:
    """``values`` without policy levers: what the baseline takes from ``[fixed]`` or a point."""
    return {key: value for key, value in values.items() if key not in LEVERS}


def _read(path: Path) -> dict[str, Any]:
    """The file's TOML, or an error naming it."""
    return read_toml(path, ExperimentError, "experiment file")


def _checked(values: dict[str, Any], where: str, path: Path) -> Params:
    """The parameters of a run, or an error naming the file and what clashes where."""
    problems = keys.value_problems(values)
    if problems:
        raise ExperimentError(_report(str(path), [f"{where}: {p}" for p in problems]))
    return Params.model_validate(values, strict=True)
