"""The teaching page's model: what the controls mean in parameters, and the runs they start.

Kept free of solara so it can be unit-tested without a browser (``tests/test_app.py``), and
so the page (``app.py``) holds only components. A page run is one coprod model, or two on
the same people and seed side by side (the "compare" mode), wrapped in one Mesa model so
that Mesa's own Step, Play and Reset drive both together.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

import mesa
import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.linalg import eigsh

from coprod.simulation.model import CoProductionModel
from coprod.simulation.network import INDEX, Ties
from coprod.simulation.params import Params, describe
from coprod.simulation.rules import POWER_RULES
from coprod.simulation.scenario import load_scenario

#: The levers a teacher changes on the page; everything else comes from the scenario.
LEVERS = (
    "power_rule",
    "power_sharing",
    "involvement",
    "reciprocity",
    "capacity_factor",
    "lived_experience_share",
)
SLIDER_STEP = 0.05
#: Service users drawn on the page: a drawing limit, not a parameter range. 300 users (and,
#: at the defaults' ratios, 180 neighbours and 18 professionals) draw well under a second.
PAGE_USERS = 300
USERS_RANGE = (50, 1000, 50)
#: The weekly metrics the page charts and reads out, from the model's DataCollector.
CHART_METRICS = (
    "wemwbs_mean",
    "agency_mean",
    "dependence",
    "cost_week",
    "community_hours",
    "timebank_hours",
    "trust_mean",
    "residents_in_placement",
    "package_hours",
    "carer_strain_mean",
    "carer_breakdowns",
)
#: Weekly counts the charts show as running totals since week 0 (``<name>_so_far``): a rare
#: event is easier to point at as a line that steps up than as a spike.
SO_FAR = ("carer_breakdowns",)


@dataclass(frozen=True)
class PageSettings:
    """Everything the controls set. ``compare_with`` names a second scenario run beside the
    first on the same people (``None``: one scenario). The levers change the first run only."""

    scenario: str = "traditional"
    power_rule: str = "expert"
    power_sharing: float = 0.05
    involvement: float = 0.0
    reciprocity: str = "none"
    capacity_factor: float = 1.0
    lived_experience_share: float = 0.0
    n_users: int = PAGE_USERS
    seed: int = 0
    compare_with: str | None = None

    def with_scenario(self, name: str) -> PageSettings:
        """The settings after picking scenario ``name``: its levers; same people and seed."""
        params = load_scenario(name).params
        return replace(self, scenario=name, **{key: getattr(params, key) for key in LEVERS})

    def levers(self) -> dict[str, Any]:
        """The lever values as parameter overrides."""
        return {key: getattr(self, key) for key in LEVERS}

    def changed_levers(self) -> list[str]:
        """Levers set away from the scenario's own values (shown as "with your changes")."""
        params = load_scenario(self.scenario).params
        return [key for key, value in self.levers().items() if getattr(params, key) != value]


def lever_matters(name: str, power_rule: str) -> bool:
    """Whether a lever can change anything under ``power_rule``: power sharing needs a rule
    that shares, involvement one that consults (or holds forums, which consult)."""
    rule = POWER_RULES[power_rule]
    if name == "power_sharing":
        return rule.shares
    if name == "involvement":
        return rule.consults or rule.forums
    return True


def slider_range(name: str) -> tuple[float, float, float]:
    """(min, max, step) of a lever's slider, read from the parameter schema; an exclusive
    lower bound (capacity 0 would mean no staff at all) starts one step above it."""
    info = describe(name)
    low = info["min"] + (SLIDER_STEP if info["min_exclusive"] else 0.0)
    return float(low), float(info["max"]), SLIDER_STEP


def scenario_params(name: str, n_users: int, levers: dict[str, Any] | None = None) -> Params:
    """A shipped scenario at the page's population, with lever overrides, validated again.

    Neighbours and professionals keep the scenario's ratios to users, so a smaller page
    population keeps the same staff time per person (the model's capacity tipping point)."""
    base = load_scenario(name).params
    ratio = n_users / base.n_users
    changes = {
        "n_users": n_users,
        "n_neighbours": round(base.n_neighbours * ratio),
        "n_professionals": max(1, round(base.n_professionals * ratio)),
        **(levers or {}),
    }
    return Params(**{**base.model_dump(), **changes})


def runs_for(settings: PageSettings) -> list[tuple[str, Params]]:
    """(label, params) of each run the settings ask for: the first with the levers applied."""
    own = settings.changed_levers()
    label = settings.scenario + (" (with your changes)" if own else "")
    runs = [(label, scenario_params(settings.scenario, settings.n_users, settings.levers()))]
    if settings.compare_with is not None:
        other = settings.compare_with
        runs.append((other, scenario_params(other, settings.n_users)))
    return runs


def positions(ties: Ties, n_people: int, seed: int) -> np.ndarray:
    """Seeded drawing positions of the community network, cached by its ties.

    A spring layout costs 2 s at 480 people and 24 s at 1,600 (measured here) and moves on
    every call. The network is a small world rewired from a ring, so a ring shows it well:
    people go round the circle in the order of the angle of the two leading eigenvectors of
    the normalised adjacency (neighbours on the ring sit together, rewired ties cross it),
    spread at even angles and jittered in radius from ``seed``. About 50 ms at 1,600."""
    digest = hashlib.sha1(np.r_[ties.source, ties.target].tobytes()).hexdigest()
    return _ring_layout(digest, ties.source.tobytes(), ties.target.tobytes(), n_people, seed)


@lru_cache(maxsize=32)
def _ring_layout(_digest: str, source: bytes, target: bytes, n: int, seed: int) -> np.ndarray:
    """The layout behind :func:`positions`; ``_digest`` is the cache key of the ties."""
    src, dst = np.frombuffer(source, dtype=INDEX), np.frombuffer(target, dtype=INDEX)
    rng = np.random.default_rng(seed)
    degree = np.maximum(np.bincount(src, minlength=n), 1).astype(float)
    scale = sp.diags(1.0 / np.sqrt(degree))
    adjacency = scale @ sp.csr_matrix((np.ones(len(src)), (src, dst)), shape=(n, n)) @ scale
    if n > 4:
        values, vectors = eigsh(adjacency, k=3, which="LA", v0=rng.random(n))
        leading = vectors[:, np.argsort(values)[::-1][1:3]]
        angle = np.arctan2(leading[:, 1], leading[:, 0])
    else:
        angle = np.arange(n, dtype=float)
    order = np.empty(n, dtype=float)
    order[np.argsort(angle, kind="stable")] = np.arange(n)
    theta = 2 * np.pi * order / n
    radius = 0.75 + 0.25 * rng.random(n)
    layout = np.c_[radius * np.cos(theta), radius * np.sin(theta)]
    layout.flags.writeable = False
    return layout


@dataclass(eq=False)  # compared by identity: the page redraws an arm, not an equal one
class Arm:
    """One run on the page: its label, the coprod model, where its people are drawn, and
    their wellbeing at week 0 (each person's map shows how it changed since)."""

    label: str
    model: CoProductionModel
    positions: np.ndarray
    start: np.ndarray = field(init=False)  # everyone's wellbeing at week 0

    def __post_init__(self) -> None:
        self.start = self.model.community.wellbeing.copy()


class PageModel(mesa.Model):
    """One or two coprod runs that step together: what one browser tab shows.

    Reset builds a new one from the same settings (the same seed gives the same run). The
    run stops at the scenario's horizon (``weeks``). Play steps the runs in a thread while
    the page may redraw from another: hold ``lock`` to read a consistent week.
    """

    def __init__(self, settings: PageSettings | None = None) -> None:
        settings = settings or PageSettings()
        super().__init__(rng=settings.seed)
        self.settings: PageSettings = settings
        self.lock = threading.RLock()
        self.arms: list[Arm] = []
        for label, params in runs_for(settings):
            model = CoProductionModel(params, settings.seed)
            n_people = params.n_users + params.n_neighbours
            self.arms.append(Arm(label, model, positions(model.ties, n_people, settings.seed)))
        self.horizon = min(arm.model.params.weeks for arm in self.arms)

    @property
    def week(self) -> int:
        """The week every run has reached (0 = the first week of the scenario's policy)."""
        return self.arms[0].model.week

    def step(self) -> None:
        """One week of every run."""
        with self.lock:
            for arm in self.arms:
                arm.model.step()
            self.running = self.week < self.horizon


def history(model: CoProductionModel) -> pd.DataFrame:
    """The weekly metrics the charts draw, week 0 to now, and the running totals of
    ``SO_FAR`` from week 1 (week 0's count is the warm-up's last week)."""
    frame = model.timeseries()[["week", *CHART_METRICS]]
    since = frame["week"] >= 1
    return frame.assign(
        **{f"{name}_so_far": frame[name].where(since, 0.0).cumsum() for name in SO_FAR}
    )


def helping_edges(model: CoProductionModel) -> np.ndarray:
    """Indices of the directed ties along which help was given this week."""
    return np.flatnonzero(model.ledger.last_given == model.week)


def struggling(model: CoProductionModel) -> int:
    """The service user (in care this week) who feels worst."""
    comm = model.community
    return int(np.argmin(np.where(comm.is_user, comm.wellbeing, np.inf)))


def bridge_builder(model: CoProductionModel, positions: np.ndarray) -> int:
    """The service user with the most ties across the ring (rewired ties reaching another
    part of the community): the person who joins groups that would not meet otherwise."""
    ties = model.ties
    angle = np.arctan2(positions[:, 1], positions[:, 0])
    apart = np.abs(np.angle(np.exp(1j * (angle[ties.source] - angle[ties.target]))))
    reach = np.bincount(ties.source[apart > np.pi / 4], minlength=len(positions))
    return int(np.argmax(np.where(model.community.is_user, reach, -1)))
