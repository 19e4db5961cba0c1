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

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from coprod.experiments.designs import experiment_keys as keys
from coprod.experiments.designs.design import Design, Dimension, Lazy, design_points
from coprod.experiments.jobs.size import spread
from coprod.experiments.jobs.spec import RunSpec
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
    points: Sequence[dict[str, Any]]

    def specs(self) -> Runs:
        """One run per design point, scenario and replicate, in that order; replicate ``i``
        of every point and scenario shares seed ``i`` (common random numbers). Made on
        demand (:class:`Runs`): a sweep of a million runs is planned in constant memory."""
        return Runs(self)

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
            **_points_record(self.points),
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
    dumped = {name: params.model_dump() for name, params in scenarios.items()}
    for index in _checked_points(len(points)):
        for name, values in dumped.items():
            point = experiment.values_for(name, points[index])
            _checked({**values, **point}, f"design point {index} of {name}", path)
    return experiment


class Runs(Lazy[RunSpec]):
    """An experiment's runs, each made from its index when asked for (``Experiment.specs``).

    Run ``k`` is replicate ``k % replicates`` of scenario ``(k // replicates) % scenarios`` at
    design point ``k // (replicates * scenarios)``. ``plan()`` says what the manifest records
    of them: their count and ends, since the job's own record defines every run.
    """

    unique_ids = True  # ids are made from distinct indices: no need to check them

    def __init__(self, experiment: Experiment) -> None:
        self._experiment = experiment
        self._names = list(experiment.scenarios)
        self._point_width = max(4, len(str(len(experiment.points) - 1)))
        self._width = max(3, len(str(experiment.replicates - 1)))
        self._size = len(experiment.points) * len(self._names) * experiment.replicates

    @cached_property
    def _seeds(self) -> list[str]:
        return replicate_seeds(self._experiment.seed, self._experiment.replicates)

    @cached_property
    def _params(self) -> dict[str, dict[str, Any]]:
        return {name: p.model_dump() for name, p in self._experiment.scenarios.items()}

    def __len__(self) -> int:
        return self._size

    def _item(self, index: int) -> RunSpec:
        replicates = self._experiment.replicates
        point, rest = divmod(index, replicates * len(self._names))
        scenario, replicate = divmod(rest, replicates)
        return self._spec(point, self._experiment.points[point], scenario, replicate)

    def __iter__(self) -> Iterator[RunSpec]:
        for point, values in enumerate(self._experiment.points):
            for scenario in range(len(self._names)):
                for replicate in range(self._experiment.replicates):
                    yield self._spec(point, values, scenario, replicate)

    def plan(self) -> dict[str, Any]:
        """The manifest's record of the runs (the job's design defines each of them)."""
        return {"count": len(self), "first": self[0].run_id, "last": self[-1].run_id}

    def _spec(self, point: int, values: dict[str, Any], scenario: int, replicate: int) -> RunSpec:
        experiment, name = self._experiment, self._names[scenario]
        return RunSpec(
            f"{name}-p{point:0{self._point_width}d}-r{replicate:0{self._width}d}",
            name,
            replicate,
            self._seeds[replicate],
            {**self._params[name], **experiment.values_for(name, values)},
            point=point,
            record_every=experiment.record["every"],
            record_agents=experiment.record["agents"],
            record_survey=experiment.record["survey"],
        )


CHECKED_POINTS = 500
"""Design points validated one by one before a job starts; a larger design has about as many
checked, spread evenly over it from its first point to its last (a grid's last point has
every range at its maximum): a point that would still be refused fails its runs, and the
job reports them."""


def _checked_points(count: int) -> Sequence[int]:
    """Indices of the design points validated up front: spread as a large job's sized runs
    are (``jobs.size.spread``)."""
    return spread(range(count), CHECKED_POINTS)


def _points_record(points: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """What the manifest keeps of the points: a lazy design's definition (the job's ``vary``,
    ``design``, ``samples`` and ``seed`` remake them), else the points themselves."""
    if isinstance(points, Design):
        return {"point_count": len(points)}
    return {"points": list(points)}


def _policy_free(values: dict[str, Any]) -> dict[str, Any]:
    """``values`` without policy levers: what the baseline takes from ``[fixed]`` or a point."""
    return {key: value for key, value in values.items() if key not in LEVERS}


def _read(path: Path) -> dict[str, Any]:
    """The file's TOML, or an error naming it."""
    return read_toml(path, ExperimentError, "experiment file")


def _checked(values: dict[str, Any], where: str, path: Path) -> Params:
    """The parameters of a run, or an error naming the file and what clashes where."""
    try:
        return Params.model_validate(values, strict=True)
    except ValidationError:
        problems = keys.value_problems(values)  # the same errors, worded for the file
    raise ExperimentError(_report(str(path), [f"{where}: {p}" for p in problems]))
