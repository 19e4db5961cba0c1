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

from coprod.simulation.metrics import wemwbs
from coprod.simulation.model import CoProductionModel
from coprod.simulation.page.model import Arm, helping_edges

WELLBEING_MAP, WELLBEING_RANGE = "RdYlGn", (0.3, 0.8)  # covers every shipped scenario's spread
#: The gap map: B's wellbeing minus A's for each person, in WEMWBS points; 3 is a change people
#: notice, so the colour saturates at twice that.
GAP_MAP, GAP_RANGE = "PRGn", (-6.0, 6.0)
BURNOUT_MAP = "YlOrRd"
EMPTY_POST = "#ffffff"
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


def triangles(centres: np.ndarray, size: float) -> str:
    """An SVG path of one small upward triangle around each centre."""
    return "".join(
        f"M{x:.1f} {y - size:.1f}l{size:.1f} {1.7 * size:.1f}h{-2 * size:.1f}z" for x, y in centres
    )


class NetworkLayout:
    """Where one run's people and ties are drawn: computed once per run, sent once.

    The ties are directed in the model (help flows one way); each pair of people is drawn
    once. Professionals are not on the network: they stand in columns of ten beside it."""

    def __init__(self, arm: Arm) -> None:
        model = arm.model
        self.n_users = model.params.n_users
        self.points = np.round(arm.positions * SCALE, 1)
        ties = model.ties
        self.pairs = np.unique(np.sort(np.c_[ties.source, ties.target], axis=1), axis=0)
        self.pair_of_tie = np.searchsorted(
            self.pairs[:, 0] * len(self.points) + self.pairs[:, 1],
            np.minimum(ties.source, ties.target) * len(self.points)
            + np.maximum(ties.source, ties.target),
        )
        count = len(model.professionals.burnout)
        self.staff = [
            [SCALE * 1.12 + STAFF_COLUMN * (i // 10), -SCALE + STAFF_COLUMN * (i % 10)]
            for i in range(count)
        ]
        width = SCALE * 2.2 + STAFF_COLUMN * max(int(np.ceil(count / 10)), 1)
        self.view_box = f"{-1.05 * SCALE:g} {-1.05 * SCALE:g} {width:g} {2.1 * SCALE:g}"

    @cached_property
    def static(self) -> str:
        """What never changes during the run: positions, ties, neighbours (grey triangles,
        one path), the professionals' places, and a dot size that shrinks as people crowd."""
        radius = float(np.clip(70 / np.sqrt(len(self.points)), 1.2, 5.0))
        return json.dumps(
            {
                "users": self.points[: self.n_users].tolist(),
                "neighbours": triangles(self.points[self.n_users :], radius * 1.3),
                "radius": round(radius, 2),
                "ties": svg_path(self.points[self.pairs]),
                "staff": self.staff,
                "view_box": self.view_box,
            }
        )

    def help_path(self, model: CoProductionModel) -> str:
        """The ties along which help was given this week, each pair once."""
        pairs = np.unique(self.pair_of_tie[helping_edges(model)])
        return svg_path(self.points[self.pairs[pairs]])


def network_week(layout: NetworkLayout, model: CoProductionModel) -> dict[str, Any]:
    """One week of a run's network: users by wellbeing, the help given, staff by burnout."""
    pros = model.professionals
    staff = hex_colours(BURNOUT_MAP, pros.burnout, 0.0, 1.0)
    empty = ~pros.in_post(model.week)
    return {
        "fill": hex_colours(
            WELLBEING_MAP, model.community.wellbeing[: layout.n_users], *WELLBEING_RANGE
        ),
        "help": layout.help_path(model),
        "staff_fill": [
            EMPTY_POST if out else colour for colour, out in zip(staff, empty, strict=True)
        ],
        "week": model.week,
    }


def wellbeing_gap(a: CoProductionModel, b: CoProductionModel) -> np.ndarray:
    """Each service user's wellbeing in run ``b`` minus run ``a``, in WEMWBS points: the same
    people, so the spread between people that hides a difference on each map cancels."""
    n = a.params.n_users
    return wemwbs(b.community.wellbeing[:n]) - wemwbs(a.community.wellbeing[:n])


def gap_week(a: CoProductionModel, b: CoProductionModel) -> dict[str, Any]:
    """The difference map: users coloured by the gap alone (no help lines, no staff), so
    nothing competes with the one thing it shows."""
    return {
        "fill": hex_colours(GAP_MAP, wellbeing_gap(a, b), *GAP_RANGE),
        "help": "",
        "staff_fill": [],
        "week": a.week,
    }


@dataclass(frozen=True)
class ChartSpec:
    """What a chart shows: ``lines`` are (column, name, line style), drawn for every run in
    the run's colour; ``words`` is its caption; ``scale`` multiplies the values; ``smooth``
    averages over that many weeks up to each week."""

    title: str
    unit: str
    lines: tuple[tuple[str, str, str], ...]
    words: str
    scale: float = 1.0
    smooth: int = 1
    ylim: tuple[float | None, float | None] = (None, None)

    @property
    def key(self) -> str:
        """The chart's CSS class suffix: its first column."""
        return self.lines[0][0]


def chart_option(spec: ChartSpec, horizon: int, frames: Sequence[pd.DataFrame]) -> dict[str, Any]:
    """The ECharts option of ``spec`` for each run's weekly records (side by side: runs A and
    B, in the runs' colours). The x axis spans the horizon, so the lines grow to the right as
    the weeks pass; the unit goes in the title, where a projector does not cut it off."""
    series = []
    for index, (frame, colour) in enumerate(zip(frames, RUN_COLOURS, strict=False)):
        weeks = frame["week"].to_numpy()
        for column, name, style in spec.lines:
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
                }
            )
    low, high = spec.ylim
    text = {"fontSize": FONT, "color": "#222"}
    return {
        "animation": False,
        "title": {"text": f"{spec.title}, {spec.unit}", "textStyle": {"fontSize": TITLE_FONT}},
        "legend": {"show": len(series) > 1, "top": 28, "left": 0, "textStyle": text},
        "grid": {"left": 4, "right": 16, "top": 64 if len(series) > 1 else 36, "bottom": 22,
                 "containLabel": True},
        "xAxis": {"type": "value", "min": 0, "max": horizon, "name": "week",
                  "nameLocation": "middle", "nameGap": 24, "nameTextStyle": text,
                  "axisLabel": text},
        "yAxis": {"type": "value", "min": low, "max": high, "scale": low is None,
                  "axisLabel": text},
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
)
