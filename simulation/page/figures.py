"""The teaching page's pictures, drawn with matplotlib's object API (no pyplot, no CDN).

One picture of the community network per run and one line chart per question. Each is built
once per run and updated every week: only the data of its artists changes, so a reused
figure keeps matplotlib's text-size cache (about a third of a chart's drawing time) and the
network's ties are laid out once. Vectorised collections keep a network of 480 people near
0.1 s, where Mesa's per-agent portrayal path, with its layout recomputed on every Reset,
would not (DESIGN.md). Colours are fixed, not rescaled each week: a colour means the same
thing all run long.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib import colormaps
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from coprod.simulation.model import CoProductionModel
from coprod.simulation.page.model import helping_edges

WELLBEING_MAP, WELLBEING_RANGE = "RdYlGn", (0.3, 0.8)  # covers every shipped scenario's spread
BURNOUT_MAP = "YlOrRd"
TIE_COLOUR, HELP_COLOUR, NEIGHBOUR_COLOUR = "#c8c8c8", "#1f6fd1", "#7a7a7a"
#: One colour per run, shared by the charts' lines and the page's labels.
RUN_COLOURS = ("#1f77b4", "#e66101")
EMPTY_POST = (1.0, 1.0, 1.0, 1.0)
DPI = 100


class NetworkPicture:
    """The community of one run: ties, help given along them this week, service users
    coloured by wellbeing, neighbours, and professionals (who are not on the network) as
    squares in columns of ten, filled by burnout; an empty post is an outline only."""

    def __init__(self, model: CoProductionModel, positions: np.ndarray, title: str) -> None:
        self.model, self.title = model, title
        self.figure = Figure(figsize=(4.8, 3.3), dpi=DPI)  # fixed axes: no layout engine
        net = self.figure.add_axes((0.0, 0.0, 0.74, 0.92))
        staff = self.figure.add_axes((0.76, 0.03, 0.22, 0.84))
        n_users, ties = model.params.n_users, model.ties
        self.segments = positions[np.c_[ties.source, ties.target]]
        net.add_collection(LineCollection(self.segments, colors=TIE_COLOUR, linewidths=0.3))
        self.helping = LineCollection([], colors=HELP_COLOUR, linewidths=0.9)
        net.add_collection(self.helping)
        size = float(np.clip(9000 / len(positions), 4, 36))
        net.scatter(*positions[n_users:].T, s=size * 0.8, marker="^", c=NEIGHBOUR_COLOUR, lw=0)
        self.users = net.scatter(
            *positions[:n_users].T,
            s=size,
            c=np.zeros(n_users),
            cmap=WELLBEING_MAP,
            norm=Normalize(*WELLBEING_RANGE),
            edgecolors="#333333",
            linewidths=0.2,
        )
        net.set(xlim=(-1.05, 1.05), ylim=(-1.05, 1.05), aspect="equal")
        net.set_axis_off()
        count = len(model.professionals.burnout)
        self.staff = staff.scatter(
            np.arange(count) // 10,
            -(np.arange(count) % 10),
            s=46,
            marker="s",
            edgecolors="#333333",
            linewidths=0.6,
        )
        staff.set(xlim=(-0.7, max(int(np.ceil(count / 10)), 2) - 0.3), ylim=(-10, 1))
        staff.set_aspect("equal")
        staff.set_axis_off()
        staff.set_title("professionals", fontsize=8)
        self.heading = self.figure.text(0.02, 0.95, "", fontsize=10)

    def update(self) -> Figure:
        """The figure as the run stands this week."""
        model = self.model
        self.helping.set_segments(self.segments[helping_edges(model)])
        self.users.set_array(model.community.wellbeing[: model.params.n_users])
        pros = model.professionals
        colours = colormaps[BURNOUT_MAP](np.clip(pros.burnout, 0.0, 1.0))
        colours[~pros.in_post(model.week)] = EMPTY_POST
        self.staff.set_facecolors(colours)
        self.heading.set_text(f"{self.title}: week {model.week}")
        return self.figure


class LineChart:
    """A small line chart whose x axis spans the whole horizon, so the lines grow to the
    right as weeks pass; a dot marks this week. ``lines``: (label, colour, style) each."""

    def __init__(
        self,
        title: str,
        unit: str,
        horizon: int,
        lines: Sequence[tuple[str, str, str]],
        ylim: tuple[float | None, float | None] = (None, None),
    ) -> None:
        self.figure = Figure(figsize=(4.8, 2.5), dpi=DPI)
        self.figure.subplots_adjust(left=0.12, right=0.98, bottom=0.17, top=0.89)
        self.ax = ax = self.figure.subplots()
        self.ylim = ylim
        self.lines = [
            (
                ax.plot([], [], color=colour, linestyle=style, linewidth=1.6, label=label)[0],
                ax.plot([], [], "o", color=colour, markersize=4)[0],
            )
            for label, colour, style in lines
        ]
        ax.set_xlim(0, horizon)
        ax.set_xlabel("week", fontsize=8)
        ax.set_ylabel(unit, fontsize=8)
        ax.set_title(title, fontsize=10, loc="left")
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
        if len(lines) > 1:
            ax.legend(fontsize=7, loc="best", frameon=False)

    def update(self, data: Sequence[tuple[np.ndarray, np.ndarray]]) -> Figure:
        """The figure with each line's (weeks, values); unfixed y limits follow the data."""
        for (line, dot), (weeks, values) in zip(self.lines, data, strict=True):
            line.set_data(weeks, values)
            dot.set_data(weeks[-1:], values[-1:])
        every = np.concatenate([values for _, values in data])
        low, high = self.ylim
        low = float(every.min()) * 0.95 if low is None else low
        high = max(float(every.max()) * 1.1, low + 1e-9) if high is None else high
        self.ax.set_ylim(low, high)
        return self.figure
