"""What a run's week-0 state depends on: the key ``week0`` keeps it under (issue 16).

The arms of a replicate that build and warm up from the same inputs share one week-0 state.
Which inputs those are is said here, in a module that needs nothing but the standard library,
so that a job's parent process can group its runs by week-0 state (``experiments.jobs.runner``)
without importing the model itself (Mesa, numba, scipy: about two seconds) when its runs are
made in other processes. ``model`` imports these names and uses them for the build.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    from coprod.simulation.params import Params

#: The policy levers the warm-up holds at the status quo in every scenario: the scenario's
#: own values of these act from week 0, so replicate i meets the same people at week 0 in
#: every scenario (MODEL.md sections 2 and 9).
STATUS_QUO_LEVERS = {
    "power_rule": "expert",
    "reciprocity": "none",
    "capacity_factor": 1.0,
    "lived_experience_share": 0.0,
    "package_hours_factor": 1.0,  # S: the council's usual generosity
    "prevention_hours": 0.0,  # commissioning (issue 17): no community development before
}
#: Parameters the build and warm-up never read: the run's length and records, and the levers
#: that act only once the policy starts. With :data:`STATUS_QUO_LEVERS` (read in the warm-up
#: only at their status-quo values) they are left out of :func:`world_key`, so arms that
#: differ only in them share a week-0 state. tests/test_shared_warmup.py records every
#: parameter read before week 0 in every shipped scenario and fails if one of these is.
FROM_WEEK0 = (
    "weeks",
    "timeline",
    "snapshot_every",
    "survey_week",
    "power_sharing",
    "involvement",
    "pressure_effect",
    "coordinator_posts",
    "commissioning",
    "commissioning_voice",
    "commissioning_max_shift",
    "commissioning_notice_weeks",
    "commissioning_budget",
    "commissioning_budget_factor",
    "commissioning_split_posts",
    "commissioning_split_packages",
    "commissioning_split_timebank",
    "commissioning_split_prevention",
    "commissioning_isolated",
    "commissioning_high_need",
)
#: Above this many residents a run's week-0 state is never kept: copying a city costs memory
#: a worker may not have, and a city's replicates are too few for sharing to matter.
MOST_SHARED_PEOPLE = 20_000


def warm_up_inputs(values: Mapping[str, Any]) -> str | None:
    """What the build and warm-up read of a run's parameters (``Params.model_dump()``), as
    one digest: every parameter but :data:`STATUS_QUO_LEVERS` and :data:`FROM_WEEK0`. None
    for a population above :data:`MOST_SHARED_PEOPLE`, whose week-0 state is never kept."""
    if values["n_users"] + values["n_neighbours"] > MOST_SHARED_PEOPLE:
        return None
    left_out = {*STATUS_QUO_LEVERS, *FROM_WEEK0}
    read = {name: value for name, value in values.items() if name not in left_out}
    text = json.dumps(read, sort_keys=True, default=str).encode("utf-8")
    return hashlib.sha256(text).hexdigest()


def world_key(params: Params, seed: np.random.SeedSequence) -> str | None:
    """The key of the week-0 state a build would make: the seed (its entropy and spawn key,
    all that ``seeds.split`` reads) and :func:`warm_up_inputs`; None if it is not to be kept."""
    inputs = warm_up_inputs(params.model_dump())
    return None if inputs is None else f"{seed.entropy!r}/{seed.spawn_key!r}/{inputs}"
