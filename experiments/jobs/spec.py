"""What a job hands a worker and what it sends back, without the model.

The parent process plans, hands out and records runs but makes none of them when they go
to other processes, so it need not import the model (Mesa, numba, scipy: about two seconds
of a job's start, on a core the pool's server is using to import the very same): the specs
and the outputs live here, and :mod:`.worker`, which makes runs with the model, is imported
only where runs are made (``runner.run_task``; the pool's server imports it before forking).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RunSpec:
    """What a worker needs to make one run, and nothing more.

    ``seed`` is the replicate's 128-bit seed as a decimal string (``replicate_seeds``): the
    same for replicate ``i`` of every scenario (common random numbers). ``params`` is
    ``Params.model_dump()`` of the resolved scenario, a plain dict so the spec pickles cheaply.
    ``point`` is the design point of a sweep (0 in a comparison), stored as a key column. The
    ``record_*`` options thin what is sent back (agent snapshots not recorded are not even
    taken): a sweep of thousands of runs rarely needs every week or every person, and the
    run summaries in ``runs`` are computed from every week before thinning.
    """

    run_id: str
    scenario: str
    replicate: int
    seed: str
    params: dict[str, Any]
    point: int = 0
    record_every: int = 1
    record_agents: bool = True
    record_survey: bool = True


@dataclass(frozen=True)
class RunOutput:
    """What a worker sends back: the status of one run and, if it finished, its tables.

    ``tables`` maps each name of :data:`TABLES` to an Arrow IPC stream (zstd-compressed, rows
    sorted as :data:`ROW_ORDER` says); it is empty when the run failed, and ``error`` then
    holds the traceback.
    """

    run_id: str
    ok: bool
    seconds: float
    tables: dict[str, bytes] = field(default_factory=dict)
    error: str = ""
