"""Shared fixtures: a tiny two-scenario job of the real model, and its uninterrupted results.

The horizon (24 weeks, survey at 24, snapshots every 12) is the shortest that fills every
table, so tests of the results folder see real agents and survey rows in well under a second.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from coprod.experiments.jobs.runner import plan_runs, run_job
from coprod.experiments.jobs.worker import RunSpec
from coprod.simulation.params import Params

TINY = dict(
    n_users=30,
    n_neighbours=20,
    n_professionals=3,
    weeks=24,
    warmup_weeks=2,
    survey_week=24,
    snapshot_every=12,
)
REPLICATES = 3
SEED = 20240601


def tiny_job(replicates: int = REPLICATES, **changes: Any) -> tuple[list[RunSpec], dict]:
    """Specs and job dict of a tiny job; job order is deliberately not alphabetical."""
    scenarios = {
        "traditional": Params(**{**TINY, **changes}),
        "timebank": Params(
            **{**TINY, **changes}, reciprocity="timebank", power_rule="co_design", power_sharing=0.6
        ),
    }
    job = {
        "scenarios": {name: params.model_dump() for name, params in scenarios.items()},
        "replicates": replicates,
        "seed": SEED,
        "weeks": TINY["weeks"],
        "command": "pytest",
    }
    return plan_runs(scenarios, replicates, SEED), job


@pytest.fixture(scope="session")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The results folder of the tiny job made in one process, never interrupted."""
    specs, job = tiny_job()
    out = tmp_path_factory.mktemp("reference") / "results"
    run_job(specs, out, job=job, progress=False)
    return out
