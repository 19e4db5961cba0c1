"""What the page's pictures show, as plain data the browser draws (no solara here).

A PNG redrawn on the server every week cost the page about a second a step (issue 14: two
network pictures alone took 0.53 s). Instead the browser draws: a network is an SVG whose
layout and ties are sent once per run (``NetworkLayout``) and whose colours and this week's
help are sent each week (``network_week``, a few kilobytes); the charts are ECharts options,
a few hundred numbers a week, drawn from solara's bundled copy of ECharts (offline). Colours
are fixed, not rescaled each week: a colour means the same thing all run long.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import colormaps

from coprod.simulation.agents import Carer
from coprod.simulation.carers import caring
from coprod.simulation.metrics import wemwbs
from coprod.simulation.model import CoProductionModel
from coprod.simulation.page.model import Arm, helping_edges

WELLBEING_MAP, WELLBEING_RANGE = "RdYlGn", (0.3, 0.8)  # covers every shipped scenario's spread
#: The gap map: B's wellbeing minus A's for each person, in WEMWBS points; 3 is a change people
#: notice, so the colour saturates at twice that.
GAP_MAP, GAP_RANGE = "PRGn", (-6.0, 6.0)
BURNOUT_MAP = "YlOrRd"
#: A family carer's strain (0-1) shares the staff's burnout colours: the same "how worn out".
STRAIN_MAP = BURNOUT_MAP
CARER_LINK = "#8c510a"  # a family carer's ring in the key, and their link to the person
BROKE_DOWN = "#000000"  # a carer's ring after a breakdown, while they are not caring
EMPTY_POST = "#ffffff"
NEIGHBOUR_COLOUR = "#8a8a8a"  # a resident out of care this week
#: One colour per run, shared by the charts' lines, the networks' help and the page's labels.
RUN_COLOURS = ("#1f6fd1", "#e66101")
SCALE = 100  # layout units (radius 1) to SVG units: one decimal place is then sharp enough
STAFF_COLUMN = 11  # SVG units between professionals' squares
FONT = 16  # px: 12 pt, legible on a projector
TITLE_FONT = 18


def hex_colours(name: str, values: np.ndarray, low: float, high: float) -> list[str]:
    """``values`` through colour map ``name`` over [low, high], as CSS hex colours."""
    rgba = colormaps[name](np.clip((np.asarray(values) - low) / (high - low), 0.0, 1.0))
    codes = np.round(np.atleast_2d(rgba)[:, :3] * 255).astype(int)
    return [f"#{r:02x}{g:02x}{b:02x}" for r, g, b in codes]


def svg_path(segments: np.ndarray) -> str:
    """An SVG path drawing each (2, 2) segment as one move-and-line."""
    return "".join(f"M{a:.1f} {b:.1f}L{c:.1f} {d:.1f}" for a, b, c, d in segments.reshape(-1, 4))


class NetworkLayout:
    """Where one run's people and ties are drawn: computed once per run, sent once.

    The ties are directed in the model (help flows one way); each pair of people is drawn
    once. Professionals are not on the network: they stand in columns of ten beside it."""

    def __init__(self, arm: Arm) -> None:
        model = arm.model
        self.points = np.round(arm.positions * SCALE, 1)
        # the whole network: the ties a placement makes inactive stay drawn (packages.py)
        ties = model.all_ties
        self.pairs = np.unique(np.sort(np.c_[ties.source, ties.target], axis=1), axis=0)
        self.pair_keys = self.pair_key(self.pairs[:, 0], self.pairs[:, 1])
        # (carer, cared-for) slots, read once from the Carer agents: a carer cares for the same
        # person all run long (carers.py), so only their strain and breakdowns change weekly
        carers = model.agents_by_type.get(Carer, [])
        self.carer_pairs = np.array([(c.person, c.cared_for) for c in carers], dtype=np.int64)
        count = len(model.professionals.burnout)
        self.staff = [
            [SCALE * 1.12 + STAFF_COLUMN * (i // 10), -SCALE + STAFF_COLUMN * (i % 10)]
            for i in range(count)
        ]
        width = SCALE * 2.2 + STAFF_COLUMN * max(int(np.ceil(count / 10)), 1)
        self.view_box = f"{-1.05 * SCALE:g} {-1.05 * SCALE:g} {width:g} {2.1 * SCALE:g}"

    @cached_property
    def static(self) -> str:
        """What never changes during the run: positions, ties, the professionals' places, and
        a dot size that shrinks as people crowd, and each family carer's link to the person
        they care for. Every resident is a dot: who is in care (or in a care home) changes
        week by week, so the week's colours and marks say it (:func:`network_week`)."""
        radius = float(np.clip(70 / np.sqrt(len(self.points)), 1.2, 5.0))
        return json.dumps(
            {
                "users": self.points.tolist(),
                "neighbours": "",
                "radius": round(radius, 2),
                "ties": svg_path(self.points[self.pairs]),
                "carer_links": svg_path(self.points[self.carer_pairs.reshape(-1, 2)]),
                "staff": self.staff,
                "view_box": self.view_box,
            }
        )

    def pair_key(self, one: np.ndarray, other: np.ndarray) -> np.ndarray:
        """One number per unordered pair of people."""
        return np.minimum(one, other) * len(self.points) + np.maximum(one, other)

    def help_path(self, model: CoProductionModel) -> str:
        """The ties along which help was given this week, each pair once. The edges are
        looked up by their ends: the model's active ties change when a placement cuts some
        or a death restores them, so an edge's index does not stay put (it crashed Play)."""
        ties, edges = model.ties, helping_edges(model)
        keys = self.pair_key(ties.source[edges], ties.target[edges])
        pairs = np.unique(np.searchsorted(self.pair_keys, keys))
        return svg_path(self.points[self.pairs[pairs]])


def network_week(layout: NetworkLayout, model: CoProductionModel) -> dict[str, Any]:
    """One week of a run's network: users in care by wellbeing, everyone else grey (the
    care-status mask of this week), the help given, staff by burnout, who lives in a care
    home and the family carers (:func:`carers_week`)."""
    pros, comm = model.professionals, model.community
    staff = hex_colours(BURNOUT_MAP, pros.burnout, 0.0, 1.0)
    empty = ~pros.in_post(model.week)
    wellbeing = hex_colours(WELLBEING_MAP, comm.wellbeing, *WELLBEING_RANGE)
    return {
        "fill": [
            colour if in_care else NEIGHBOUR_COLOUR
            for colour, in_care in zip(wellbeing, comm.is_user, strict=True)
        ],
        "help": layout.help_path(model),
        "staff_fill": [
            EMPTY_POST if out else colour for colour, out in zip(staff, empty, strict=True)
        ],
        "placed": np.flatnonzero(model.packages.placed).tolist(),
        "carers": carers_week(layout.carer_pairs, model),
        "week": model.week,
    }


def carers_week(pairs: np.ndarray, model: CoProductionModel) -> list[list]:
    """[carer slot, ring colour, broke down] of each carer caring this week (ring coloured by
    their strain) or resting after a breakdown (a black dashed ring); a carer whose person is
    out of care, or in a care home, has no ring: they are not caring."""
    if not len(pairs):
        return []
    carers, cared_for = model.carers, pairs[:, 1]
    active = caring(carers, model.community.is_user, model.packages.placed, model.week)[cared_for]
    broke = (model.week < carers.broken_until[cared_for]) & model.community.is_user[cared_for]
    shown = active | broke
    colours = hex_colours(STRAIN_MAP, carers.strain[cared_for[shown]], 0.0, 1.0)
    return [
        [int(slot), BROKE_DOWN if down else colour, bool(down)]
        for slot, colour, down in zip(pairs[shown, 0], colours, broke[shown], strict=True)
    ]


def wellbeing_gap(a: CoProductionModel, b: CoProductionModel) -> np.ndarray:
    """Each resident's wellbeing in run ``b`` minus run ``a``, in WEMWBS points: the same
    people (slot by slot), so the spread between people that hides a difference on each map
    cancels. Everyone is compared, in care or not: care status may differ between runs."""
    return wemwbs(b.community.wellbeing) - wemwbs(a.community.wellbeing)


def gap_week(a: CoProductionModel, b: CoProductionModel) -> dict[str, Any]:
    """The difference map: users coloured by the gap alone (no help lines, no staff), so
    nothing competes with the one thing it shows."""
    return {
        "fill": hex_colours(GAP_MAP, wellbeing_gap(a, b), *GAP_RANGE),
        "help": "",
        "staff_fill": [],
        "week": a.week,
    }


#: The rings of a personal network map (GENIE: the people, groups and services a person
#: draws on, closest inside), as (radius in SVG units, label).
RINGS = (
    (28.0, "household, carer"),
    (55.0, "friends and neighbours"),
    (78.0, "groups, time bank"),
    (98.0, "services"),
)
TIMEBANK_COLOUR = "#6a3d9a"


def _on_ring(count: int, radius: float, turn: float = 0.0) -> np.ndarray:
    """``count`` points spread evenly round a ring, the first at angle ``turn`` (radians)."""
    theta = turn + 2 * np.pi * np.arange(count) / max(count, 1)
    return np.round(np.c_[radius * np.cos(theta), radius * np.sin(theta)], 1)


def _spokes(points: np.ndarray) -> str:
    """A path from the centre to each point."""
    return svg_path(np.stack([np.zeros_like(points), points], axis=1))


class PersonMap:
    """One person's own network as concentric rings (a GENIE map): friends and neighbours
    they know on the network, the time bank if they are a member, and their professional.
    The layout is fixed for the person; each week's drawing shows who they know by
    wellbeing, the help given either way this week (solid) and the ties that have carried
    help since week 0 (dashed), so a class sees a network grow or wither round one person."""

    def __init__(self, arm: Arm, person: int) -> None:
        model, self.person, self.arm = arm.model, person, arm
        ties = model.ties
        self.out = np.flatnonzero(ties.source == person)  # directed ties, both ways
        self.back = np.flatnonzero(ties.target == person)
        self.contacts = np.unique(ties.target[self.out])
        # who a click opens next: users in care when the map opened (-1: a neighbour)
        self.opens = np.where(model.community.is_user[self.contacts], self.contacts, -1)
        # family closest: the person's carer, or the person they care for (one of their ties)
        family = np.r_[model.carers.carer[person], model.carers.carer_of[person]]
        close = np.isin(self.contacts, family[family >= 0])
        self.points = np.empty((len(self.contacts), 2))
        self.points[close] = _on_ring(int(close.sum()), RINGS[0][0], np.pi / 2)
        self.points[~close] = _on_ring(int((~close).sum()), RINGS[1][0], np.pi / 2)
        self.bank = _on_ring(1, RINGS[2][0], -np.pi / 4)
        self.service = _on_ring(1, RINGS[3][0], np.pi + np.pi / 5)

    @cached_property
    def static(self) -> str:
        """The rings, the person in the middle, contacts round them, the bank and services."""
        users = np.r_[[[0.0, 0.0]], self.points, self.bank]
        return json.dumps({
            "users": users.tolist(),
            "ids": [self.person, *self.opens.tolist(), -1],
            "neighbours": "",
            "radius": 4.5,
            "ties": _spokes(np.r_[self.points, self.bank, self.service]),
            "staff": (self.service - 4.5).tolist(),
            "rings": [[r, label] for r, label in RINGS],
            "view_box": "-110 -110 220 220",
        })  # fmt: skip

    def week(self) -> dict[str, Any]:
        """This week's colours and help round the person."""
        model, comm = self.arm.model, self.arm.model.community
        given = model.ledger.last_given
        ids = np.r_[self.person, self.contacts]
        fill = hex_colours(WELLBEING_MAP, comm.wellbeing[ids], *WELLBEING_RANGE)
        fill = [c if comm.is_user[i] else NEIGHBOUR_COLOUR for c, i in zip(fill, ids, strict=True)]
        member = bool(comm.member[self.person])
        fill.append(TIMEBANK_COLOUR if member else "#ffffff")
        now = self._helped(given == model.week)
        ever = self._helped(given >= 0)  # since week 0: the warm-up's help is not shown
        bank_now = member and comm.bank_last[self.person] == model.week
        pro = model.users.professional[self.person]
        seen = model.users.professional_hours[self.person] > 0  # since week 0
        return {
            "fill": fill,
            "help": _spokes(np.r_[self.points[now], self.bank[: int(bank_now)]]),
            "ever": _spokes(np.r_[self.points[ever & ~now], self.service[: int(seen)]]),
            "staff_fill": hex_colours(BURNOUT_MAP, model.professionals.burnout[[pro]], 0.0, 1.0),
            "week": model.week,
        }  # fmt: skip

    def _helped(self, along: np.ndarray) -> np.ndarray:
        """Which contacts gave help to, or got help from, the person along ``along`` ties."""
        ties = self.arm.model.ties
        people = np.r_[
            ties.target[self.out[along[self.out]]], ties.source[self.back[along[self.back]]]
        ]
        return np.isin(self.contacts, people)

    def summary(self) -> str:
        """The person's story in numbers: wellbeing now against week 0, who helped or was
        helped since week 0 (as the map shows it: the warm-up's help is not counted)."""
        model, p = self.arm.model, self.person
        now, start = (wemwbs(w[p]) for w in (model.community.wellbeing, self.arm.start))
        helped = int(self._helped(model.ledger.last_given >= 0).sum())
        bank = "in the time bank" if model.community.member[p] else "no time bank"
        return (
            f"wellbeing {now:.0f} ({now - start:+.1f} since week 0); knows "
            f"{len(self.contacts)}, {helped} helping or helped; {bank}; {self._care_words()}"
        )

    def _care_words(self) -> str:
        """Social care and family care round the person this week, in a few words."""
        model, p = self.arm.model, self.person
        hours = model.packages.hours[p]
        care = (
            "in a care home"
            if model.packages.placed[p]
            else f"home care {hours:.0f} h a week"
            if hours > 0
            else "no home care"
        )
        carers = model.carers
        if caring(carers, model.community.is_user, model.packages.placed, model.week)[p]:
            care += f"; their carer's strain {carers.strain[p]:.2f}"
        if carers.carer_of[p] >= 0:
            care += f"; cares for person {carers.carer_of[p]}"
        return care


@dataclass(frozen=True)
class ChartSpec:
    """What a chart shows: ``lines`` are (column, name, line style), drawn for every run in
    the run's colour; ``words`` is its caption; ``scale`` multiplies the values; ``smooth``
    averages over that many weeks up to each week. ``right`` lines go on a second axis in
    ``right_unit`` (from 0): two things a class reads together that have different units."""

    title: str
    unit: str
    lines: tuple[tuple[str, str, str], ...]
    words: str
    scale: float = 1.0
    smooth: int = 1
    ylim: tuple[float | None, float | None] = (None, None)
    right: tuple[tuple[str, str, str], ...] = ()
    right_unit: str = ""

    @property
    def key(self) -> str:
        """The chart's CSS class suffix: its first column."""
        return self.lines[0][0]


def chart_option(spec: ChartSpec, horizon: int, frames: Sequence[pd.DataFrame]) -> dict[str, Any]:
    """The ECharts option of ``spec`` for each run's weekly records (side by side: runs A and
    B, in the runs' colours). The x axis spans the horizon, so the lines grow to the right as
    the weeks pass; the unit goes in the title, where a projector does not cut it off."""
    series = []
    axes = [(0, line) for line in spec.lines] + [(1, line) for line in spec.right]
    for index, (frame, colour) in enumerate(zip(frames, RUN_COLOURS, strict=False)):
        weeks = frame["week"].to_numpy()
        for axis, (column, name, style) in axes:
            values = frame[column].rolling(spec.smooth, min_periods=1).mean() * spec.scale
            run = "AB"[index] if len(frames) > 1 else ""
            series.append(
                {
                    "type": "line",
                    "name": f"{run} {name}".strip() or spec.title,
                    "data": np.c_[weeks, np.round(values.to_numpy(), 3)].tolist(),
                    "color": colour,
                    "lineStyle": {"type": style, "width": 3},
                    "showSymbol": False,
                    "yAxisIndex": axis,
                }
            )
    low, high = spec.ylim
    text = {"fontSize": FONT, "color": "#222"}
    y_axis = {"type": "value", "min": low, "max": high, "scale": low is None, "axisLabel": text}
    if spec.right:  # from 0, its unit along it, no grid lines of its own across the first's
        y_axis = [y_axis, {"type": "value", "min": 0, "axisLabel": text, "name": spec.right_unit,
                           "nameLocation": "middle", "nameRotate": 270, "nameGap": 44,
                           "nameTextStyle": text, "splitLine": {"show": False}}]  # fmt: skip
    return {
        "animation": False,
        "title": {"text": f"{spec.title}, {spec.unit}", "textStyle": {"fontSize": TITLE_FONT}},
        "legend": {"show": len(series) > 1, "top": 28, "left": 0, "textStyle": text},
        "grid": {"left": 4, "right": 36 if spec.right else 16, "bottom": 22,
                 "top": 64 if len(series) > 1 else 36, "containLabel": True},
        "xAxis": {"type": "value", "min": 0, "max": horizon, "name": "week",
                  "nameLocation": "middle", "nameGap": 24, "nameTextStyle": text,
                  "axisLabel": text},
        "yAxis": y_axis,
        "series": series,
    }  # fmt: skip


CHARTS = (
    ChartSpec(
        "Wellbeing",
        "WEMWBS points",
        (("wemwbs_mean", "", "solid"),),
        "How well service users feel on average, on the Warwick-Edinburgh scale "
        "(14 = worst, 70 = best). Up is good; 3 points is a change people notice.",
        ylim=(35, 60),
    ),
    ChartSpec(
        "Agency and dependence",
        "share (0-1)",
        (("agency_mean", "agency", "solid"), ("dependence", "dependence", "dashed")),
        "Agency (solid): how able people feel to run their own lives. Dependence (dashed): "
        "of the help asked of professionals, the share people could have managed themselves.",
        ylim=(0, 1),
    ),
    ChartSpec(
        "Weekly cost",
        "£ thousand",
        (("cost_week", "", "solid"),),
        "What care cost a week (staff, A&E, hospital, GP, time bank), averaged over 4 weeks "
        "so one emergency admission does not hide the trend.",
        scale=1e-3,
        smooth=4,
        ylim=(0, None),
    ),
    ChartSpec(
        "Community hours",
        "hours a week",
        (("community_hours", "all help", "solid"), ("timebank_hours", "time bank", "dotted")),
        "Hours of help people gave each other this week (the blue lines on the network); "
        "dotted: the part exchanged through a time bank.",
        ylim=(0, None),
    ),
    ChartSpec(
        "Care homes",
        "people",
        (("residents_in_placement", "care homes", "solid"),),
        "Solid: people living in a care home (squares on the network); under <i>expert</i> it "
        "is decided <i>to</i> them, as it was for Carol. Dashed, right: home-care hours a week.",
        ylim=(0, None),
        right=(("package_hours", "home care", "dashed"),),
        right_unit="hours a week",
    ),
    ChartSpec(
        "Family carers",
        "strain (0-1)",
        (("carer_strain_mean", "strain", "solid"),),
        "Solid: carers' average strain (rings on the network; 1 = breaking point). Dashed, "
        "right: carers who broke down since week 0, each a crisis for the person cared for.",
        ylim=(0, 1),
        right=(("carer_breakdowns_so_far", "broke down", "dashed"),),
        right_unit="carers",
    ),
)
