"""Probabilistic sensitivity analysis through the sweep runner: ``coprod psa FILE.toml``.

A PSA file is an experiment file (``base``, ``baseline``, ``replicates``, ``seed``, ``steps``,
``[fixed]``, ``[record]`` mean what they mean in a sweep) plus::

    draws = 64                        # parameter draws; every arm runs at every draw
    perspective = "nhs_pss"           # or "societal" (volunteers' and carers' time valued)
    discount_rate = 0.035             # a year, costs and QALYs (1.5% is NICE's sensitivity case)
    [uncertain]                       # one distribution per uncertain parameter
    hours_per_need = { dist = "gamma", mean = 4.0, sd = 0.6 }
    gp_cost = "default"               # the schema's distribution (params.uncertainty)
    [groups]                          # optional: parameter groups for partial EVPI
    agency = ["agency_gain_rate", "agency_loss_rate"]

Without ``[uncertain]``, every parameter with a stated distribution in the schema is drawn
from it (``params.uncertainty.stated_names``); the file's own distributions override.
Each draw is a design point: the baseline and every arm run there on the same people (common
random numbers), replicates averaged. The draws of the parameters and of the utility mapping's
coefficients come from the job's seed (``economics.psa.psa_draws``), so a PSA is reproduced by
its file alone. Engines, ``--resume``, progress and failure records are the sweep's own.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coprod.simulation.errors import CoprodError

if TYPE_CHECKING:
    import pandas as pd

    from coprod.experiments.designs.experiment import Experiment
    from coprod.experiments.methods.economics.costing import Evaluation

OWN_KEYS = ("draws", "perspective", "discount_rate", "uncertain", "groups")
DEFAULT_REPLICATES = 2
DEFAULT = "default"
"""An ``[uncertain]`` entry that takes the parameter's distribution from the schema."""
DEFAULT_STEPS = 260  # five years: co-production's effects build up; NICE asks for long horizons


@dataclass(frozen=True)
class PSAStudy:
    """A validated PSA: the sweep that runs it, its draws (one row per design point, the
    mapping's coefficients included) and how outcomes are counted."""

    experiment: Experiment
    draws: pd.DataFrame
    evaluation: Evaluation
    groups: dict[str, list[str]] | None
    uncertain: dict[str, dict[str, str]]
    """Each uncertain parameter's distribution as drawn, and its source."""
    fingerprint: str
    """The sha256 of the PSA file's text: which file a results folder was run from."""

    def job(self) -> dict[str, Any]:
        """The sweep's manifest entry, with what makes it a PSA (enough to analyse it again
        from the results folder alone)."""
        return {
            **self.experiment.job(),
            "kind": "psa",
            "evaluation": self.evaluation.settings(),
            "rates": [self.evaluation.cost_rate, self.evaluation.qaly_rate],
            "perspective_key": self.evaluation.perspective,
            "groups": self.groups,
            "uncertain": self.uncertain,
            "experiment_sha256": self.fingerprint,
            "draws": self.draws.to_dict(orient="list"),
        }


def load_psa(path: str | Path) -> PSAStudy:
    """Read and validate a PSA file; every problem is reported at once, naming the file."""
    import numpy as np

    from coprod.experiments.designs import experiment_keys as keys
    from coprod.experiments.designs.design import DESIGN_STREAM, Range
    from coprod.experiments.designs.distributions import checked_distributions
    from coprod.experiments.designs.experiment import ExperimentError, _read, assemble
    from coprod.experiments.methods.economics.costing import PERSPECTIVES, Evaluation
    from coprod.experiments.methods.economics.psa import psa_draws
    from coprod.experiments.methods.economics.utility import COEFFICIENTS
    from coprod.simulation.scenario import _report, load_scenario

    _require_economics()
    path = Path(path).expanduser()
    raw = _read(path)
    own = {key: raw.pop(key) for key in OWN_KEYS if key in raw}
    problems: list[str] = []
    for key in ("design", "samples", "vary"):
        if raw.pop(key, None) is not None:
            problems.append(f"`{key}` is a sweep's: a PSA draws its points from [uncertain].")
    keys.top_level(raw, problems)
    replicates = keys.whole(raw, "replicates", DEFAULT_REPLICATES, problems, minimum=1)
    seed = keys.whole(raw, "seed", 0, problems, minimum=0)
    steps = keys.whole(raw, "steps", DEFAULT_STEPS, problems, minimum=1, maximum=2000)
    record = keys.record(keys.section(raw, "record", problems), problems)
    fixed = keys.fixed(keys.section(raw, "fixed", problems), problems)
    n_draws = keys.whole(own, "draws", None, problems, minimum=2, maximum=100_000)
    if "draws" not in own:
        problems.append("`draws` is missing: how many parameter draws to run (64 is a start).")
    perspective = own.get("perspective", "nhs_pss")
    if perspective not in PERSPECTIVES:
        problems.append(
            f"`perspective` = {perspective!r} is unknown; allowed: {', '.join(PERSPECTIVES)}."
        )
    rate = own.get("discount_rate", 0.035)
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate <= 0.2:
        problems.append(f"`discount_rate` = {rate!r} must be a number from 0 to 0.2 (a year).")
    table, sources = _with_defaults(own.get("uncertain"), problems)
    uncertain, wrong = checked_distributions(table)
    problems += [f"[uncertain] {problem}" for problem in wrong]
    problems += [f"`{key}` is both in [fixed] and [uncertain]." for key in fixed.keys() & table]
    groups = _groups(own.get("groups"), [*table, *COEFFICIENTS], problems)
    located = keys.scenarios(raw, path, problems)
    if raw.get("baseline") is None:
        problems.append("`baseline` is missing: a PSA compares arms with a baseline.")
    if problems:
        raise ExperimentError(_report(str(path), problems))
    loaded = [load_scenario(where) for where in located]
    draws = psa_draws(uncertain, n_draws, np.random.SeedSequence(seed, spawn_key=(DESIGN_STREAM,)))
    parameters = [name for name in draws.columns if name not in COEFFICIENTS]
    points = [
        {name: _plain(value) for name, value in row.items()}
        for row in draws[parameters].to_dict(orient="records")
    ]
    vary = {name: Range(float(draws[name].min()), float(draws[name].max())) for name in parameters}
    experiment = assemble(
        path,
        loaded,
        loaded[0].name,
        vary,
        points,
        description=str(raw.get("description", "")),
        design="psa",
        samples=n_draws,
        replicates=replicates,
        seed=seed,
        steps=steps,
        fixed={**fixed, "discount_rate": 0.0},  # discounting is the evaluation's, not the model's
        record=record,
    )
    evaluation = Evaluation(cost_rate=rate, qaly_rate=rate, perspective=perspective)
    described = {
        name: {"distribution": u.describe(), "source": sources[name]}
        for name, u in uncertain.items()
    }
    fingerprint = hashlib.sha256(path.read_bytes()).hexdigest()
    return PSAStudy(experiment, draws, evaluation, groups, described, fingerprint)


def _with_defaults(table: Any, problems: list[str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The file's ``[uncertain]`` table with the schema's distributions filled in
    (``params.uncertainty``), and where each distribution comes from.

    No table: every parameter with a stated distribution. An entry ``name = "default"``: that
    parameter's schema distribution (its own, stated, or the default rule). A table such as
    ``{ dist = "gamma", ... }``: the file's own, which overrides the schema's."""
    from coprod.simulation.params import PARAMETER_NAMES
    from coprod.simulation.params.uncertainty import distribution, stated_names

    if table is None:
        table = dict.fromkeys(stated_names(), DEFAULT)
    if not isinstance(table, dict) or not table:
        problems.append(
            '[uncertain] is empty: give each uncertain parameter a distribution or "default" '
            "(or leave the table out to draw every parameter with a stated distribution)."
        )
        return {}, {}
    resolved: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for name, spec in table.items():
        if isinstance(spec, str) and spec != DEFAULT:
            problems.append(
                f'[uncertain] `{name}` = {spec!r}: write "default" for the schema\'s '
                'distribution, or a table such as { dist = "gamma", mean = 4.0, sd = 0.5 }.'
            )
        elif spec == DEFAULT and name in PARAMETER_NAMES and _numeric(name):
            resolved[name], sources[name] = distribution(name)
        else:
            resolved[name], sources[name] = spec, "the experiment file"
    return resolved, sources


def analyse_folder(results: Any) -> Any:
    """The PSA's outputs (``economics.psa.PSAResult``) from its results folder alone."""
    import pandas as pd

    from coprod.experiments.methods.economics.costing import Evaluation, run_outcomes
    from coprod.experiments.methods.economics.decision import psa_table
    from coprod.experiments.methods.economics.psa import analyse
    from coprod.experiments.methods.economics.utility import COEFFICIENTS

    job = results.manifest["job"]
    draws = pd.DataFrame(job["draws"])
    draws.index.name = "point"
    cost_rate, qaly_rate = job["rates"]
    evaluation = Evaluation(cost_rate, qaly_rate, perspective=job["perspective_key"])
    outcomes = run_outcomes(
        results.timeseries, results.runs, evaluation, coefficients=draws[list(COEFFICIENTS)]
    )
    table = psa_table(outcomes)
    present = sorted(set(table["draw"]))
    if len(present) < len(draws):
        raise CoprodError(
            f"{len(draws) - len(present)} of {len(draws)} draws have no complete set of runs: "
            "finish the job with --resume before the analysis."
        )
    return analyse(table, draws, job["baseline"], job.get("groups"))


def _require_economics() -> None:
    """Refuse before any run, not after hours of them, when the analysis cannot be made."""
    import importlib.util

    missing = [m for m in ("sklearn", "ema_workbench") if importlib.util.find_spec(m) is None]
    if missing:
        raise CoprodError(
            f"coprod psa needs {' and '.join(missing)} for its analysis (partial EVPI, scenario "
            "discovery): pip install 'coprod[economics]'"
        )


def _groups(table: Any, names: list[str], problems: list[str]) -> dict[str, list[str]] | None:
    """EVPPI groups: each a list of uncertain parameters or of the utility mapping's
    coefficients (None: one group per parameter, and the mapping's)."""
    if table is None:
        return None
    if not isinstance(table, dict):
        problems.append("[groups] must be a table of name = [parameters].")
        return None
    groups = {}
    for group, members in table.items():
        if not isinstance(members, list) or not members:
            problems.append(f"[groups] `{group}` must be a list of uncertain parameters.")
            continue
        strays = [m for m in members if m not in names]
        if strays:
            problems.append(
                f"[groups] `{group}` names {', '.join(map(str, strays))}, not in [uncertain] "
                "(nor utility_intercept, utility_slope: the mapping's coefficients)."
            )
        groups[str(group)] = [str(m) for m in members]
    return groups


def _numeric(name: str) -> bool:
    """Whether the parameter is a number (others are refused by the distributions' checks)."""
    from coprod.simulation.params import Params

    return Params.model_fields[name].annotation in (int, float)


def _plain(value: Any) -> Any:
    """A numpy number as a plain Python one (JSON, pydantic strict mode)."""
    return value.item() if hasattr(value, "item") else value
