"""The week-0 state of a run, kept so that the arms of one replicate warm up once (issue 16).

Every arm of a replicate builds the same residents from the same seed and runs the same
status-quo warm-up (common random numbers, MODEL.md section 9), so the state at week 0 is the
same in each: only the policy that starts then differs. Building and warming up is well over
half of a run at the default population; a worker that makes a replicate's arms one after
another builds the week-0 state once, keeps a copy, and starts every later arm from a fresh
copy of it. The copy is exact (the random generators too), so a run through a kept state is
bit for bit the run made from scratch (tests/test_shared_warmup.py, for every shipped
scenario).

What counts as "the same inputs" is the model's to say (``model.world_key``); this module only
copies a model's state and keeps one.
"""

from __future__ import annotations

import copy
from collections.abc import Set
from dataclasses import dataclass
from typing import Any

import mesa


@dataclass(frozen=True)
class World:
    """A model's own state at week 0, deep-copied: every attribute the build and warm-up set
    (not Mesa's bookkeeping, not the arm's parameters), and the state of Mesa's two
    generators (``rng`` and the standard-library ``random``), which the warm-up draws from.

    Nothing outside this object refers to its arrays: it is copied in and copied out, so no two
    runs ever share a mutable array with it or with each other.
    """

    attributes: dict[str, Any]
    rng_state: dict[str, Any]
    random_state: tuple[Any, ...]

    @classmethod
    def of(cls, model: mesa.Model, mesa_owned: Set[str]) -> World:
        """The state of ``model`` now; ``mesa_owned`` are the attributes Mesa's own
        ``__init__`` set, left out (a new model has its own), with ``params`` (the arm's)."""
        own = {k: v for k, v in vars(model).items() if k not in mesa_owned and k != "params"}
        # one deepcopy for all, so attributes that share an object still share its copy
        attributes, rng_state = copy.deepcopy((own, model.rng.bit_generator.state))
        return cls(attributes, rng_state, model.random.getstate())

    def restore(self, model: mesa.Model) -> None:
        """Give ``model`` (just through Mesa's ``__init__``, seeded alike) a fresh copy of
        this state. The generators keep their identity (Mesa's agent sets hold ``random``)
        and take the kept state."""
        vars(model).update(copy.deepcopy(self.attributes))
        model.rng.bit_generator.state = self.rng_state
        model.random.setstate(self.random_state)


class WarmUps:
    """The most recent week-0 state a process made, under its key: one entry, so a worker
    holds at most one population's state beyond the run it is making.

    Safe for threads sharing it (a Dask worker with several threads): a kept ``World`` is
    never changed, only replaced, so a lookup that races a replacement just misses.
    """

    def __init__(self) -> None:
        self._kept: tuple[str, World] | None = None

    def find(self, key: str) -> World | None:
        """The state kept under ``key``, or None."""
        kept = self._kept
        return kept[1] if kept is not None and kept[0] == key else None

    def keep(self, key: str, world: World) -> None:
        """Keep ``world`` under ``key`` in place of whatever was kept."""
        self._kept = (key, world)

    def clear(self) -> None:
        """Forget the kept state (its memory goes back)."""
        self._kept = None


SHARED = WarmUps()
"""This process's kept week-0 state, used by :func:`coprod.simulation.model.simulate`."""
