"""The teaching page: pick a scenario, press play, and talk through what happens.

Start it with ``coprod viz`` or, as Mesa apps are, ``solara run simulation/page/app.py``. Mesa's
``SolaraViz`` gives the page its frame, its Step, Play/Pause and Reset, and the grid the
pictures sit in. The pictures are matplotlib figures (``page_figures``: no CDN copies needed
offline, a seeded layout computed once); the controls are the page's own (``page_controls``).
The side-by-side mode is a second coprod run inside the same page model
(``page_model.PageModel``), so Mesa's buttons step both runs together.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import solara
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from coprod.simulation.page.controls import (
    SCENARIOS,
    LeversCard,
    PeopleCard,
    ScenarioCard,
    caption,
)
from coprod.simulation.page.figures import RUN_COLOURS, LineChart, NetworkPicture
from coprod.simulation.page.model import Arm, PageModel, PageSettings, history
from coprod.simulation.page.server import serve

__all__ = ["Page", "page", "serve"]  # serve: also importable from page_server, without solara

LEGEND = (
    "&#9679; service user, wellbeing "
    '<span class="coprod-bar" style="background:linear-gradient(90deg,#d73027,#fee08b,'
    '#1a9850)"></span> low&#8594;high &nbsp; <span style="color:#777">&#9650;</span> '
    'neighbour<br><span style="color:#1f6fd1">&#9472;&#9472;</span> help given this week '
    '&nbsp; <span style="color:#aaa">&#9472;&#9472;</span> people who know each other<br>'
    "&#9632; professional, burnout "
    '<span class="coprod-bar" style="background:linear-gradient(90deg,#ffffcc,#fd8d3c,'
    '#800026)"></span> none&#8594;high; white: post empty'
)
CSS = """
.coprod-caption { font-size: 12px; color: #555; line-height: 1.35; margin: 2px 0 10px 0; }
.coprod-legend { font-size: 11px; line-height: 1.5; color: #333; }
.coprod-bar { display: inline-block; width: 44px; height: 9px; vertical-align: middle; }
.coprod-week { font-size: 18px; font-weight: 600; }
.coprod-readout td, .coprod-readout th { padding: 1px 6px 1px 0; font-size: 12px; }
/* SolaraViz's own parameter card stays empty: the page's cards replace it. */
.v-card:has(> .v-card__title + .v-card__text > div:only-child:empty) { display: none; }
"""
TALK = """<p><b>Things to talk about</b></p><ul>
<li>Watch the blue lines: who helps whom? Does the help grow or fade week by week?</li>
<li>Are the service users' dots turning green (feeling better) or red?</li>
<li>Do the professionals' squares turn red (burnout)? What happens to the cost then?</li>
<li>Why might agency fall when professionals decide everything?</li></ul>
<p>Try: switch on <i>Side by side</i>, or pick <i>tokenistic</i>: people are asked, not
heard.</p>"""


@solara.component
def NetworkView(arm: Arm, side: str = "") -> None:
    """One run's community this week, with the key to its colours."""
    update_counter.get()  # redraw with every step, like SolaraViz's own components
    picture = solara.use_memo(lambda: NetworkPicture(arm.model, arm.positions, arm.label), [arm])
    with solara.Column(gap="0px", classes=[f"coprod-network{side}"]):
        # the figure object is reused, so tell solara when its picture changes
        solara.FigureMatplotlib(picture.update(), [arm, arm.model.week], format="png")
        solara.HTML(tag="div", unsafe_innerHTML=LEGEND, classes=["coprod-legend"])


def first_network(model: PageModel) -> solara.Element:
    """The (first) run's network."""
    return NetworkView(model.arms[0])


def second_panel(model: PageModel) -> solara.Element:
    """Side by side: the second run's network. Alone: what the class might look for."""
    if len(model.arms) > 1:
        return NetworkView(model.arms[1], "-b")
    name = model.settings.scenario
    html = f"<p><b>{name}</b>: {SCENARIOS[name]}</p>{TALK}"
    return solara.HTML("div", html, classes=["coprod-talk"])


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


@solara.component
def ChartView(model: PageModel, spec: ChartSpec) -> None:
    """A chart of every run's weekly records, redrawn each step."""
    update_counter.get()

    def build() -> LineChart:
        lines = [
            (f"{name}: {arm.label}" if name else arm.label, colour, style)
            for arm, colour in zip(model.arms, RUN_COLOURS, strict=False)
            for _, name, style in spec.lines
        ]
        return LineChart(spec.title, spec.unit, model.horizon, lines, spec.ylim)

    chart = solara.use_memo(build, [model])
    data = []
    for arm in model.arms:
        frame = history(arm.model)
        for column, _, _ in spec.lines:
            values = frame[column].rolling(spec.smooth, min_periods=1).mean() * spec.scale
            data.append((frame["week"].to_numpy(), values.to_numpy()))
    with solara.Column(gap="0px", classes=[f"coprod-chart-{spec.lines[0][0]}"]):
        solara.FigureMatplotlib(chart.update(data), [model, model.week], format="png")
        caption(spec.words)


def chart(spec: ChartSpec) -> Callable[[PageModel], solara.Element]:
    """A SolaraViz component (a function of the model) showing ``spec``."""

    def component(model: PageModel) -> solara.Element:
        return ChartView(model, spec)

    return component


COMPONENTS = [
    first_network,
    second_panel,
    chart(
        ChartSpec(
            "Wellbeing",
            "WEMWBS points",
            (("wemwbs_mean", "", "-"),),
            "How well service users feel on average, on the Warwick-Edinburgh scale "
            "(14 = worst, 70 = best). Up is good; 3 points is a change people notice.",
            ylim=(35, 60),
        )
    ),
    chart(
        ChartSpec(
            "Agency and dependence",
            "share (0-1)",
            (("agency_mean", "agency", "-"), ("dependence", "dependence", "--")),
            "Agency (solid): how able people feel to manage their own lives. Dependence "
            "(dashed): of the help people ask professionals for, the share they could have "
            "managed themselves. 'Doing with' should lift agency and lower dependence.",
            ylim=(0, 1),
        )
    ),
    chart(
        ChartSpec(
            "Weekly cost",
            "£ thousand per week",
            (("cost_week", "", "-"),),
            "What care cost a week: professionals' time, A&E visits, hospital admissions, GP "
            "visits and running a time bank; averaged over the last 4 weeks, so that one "
            "emergency admission does not hide the trend.",
            scale=1e-3,
            smooth=4,
            ylim=(0, None),
        )
    ),
    chart(
        ChartSpec(
            "Community hours",
            "hours per week",
            (("community_hours", "all help", "-"), ("timebank_hours", "time bank", ":")),
            "Hours of help people gave each other this week (the blue lines on the network); "
            "dotted: the part exchanged through a time bank.",
            ylim=(0, None),
        )
    ),
]


@solara.component
def ThisWeek(model: PageModel) -> None:
    """The week reached and each run's headline numbers, now and at week 0."""
    update_counter.get()  # redraw with every step, like SolaraViz's own components
    with solara.Card("This week"):
        solara.Text(f"Week {model.week} of {model.horizon}", classes=["coprod-week"])
        rows = []
        for arm in model.arms:
            frame = history(arm.model)
            start, now = frame.iloc[0], frame.iloc[-1]
            rows.append(
                f"<tr><th colspan=2>{arm.label}</th></tr>"
                f"<tr><td>wellbeing</td><td>{now.wemwbs_mean:.1f} "
                f"({now.wemwbs_mean - start.wemwbs_mean:+.1f} since week 0)</td></tr>"
                f"<tr><td>agency / dependence</td><td>{now.agency_mean:.2f} / "
                f"{now.dependence:.2f}</td></tr>"
                f"<tr><td>trust in professionals</td><td>{now.trust_mean:.2f}</td></tr>"
                f"<tr><td>cost this week</td><td>£{now.cost_week:,.0f}</td></tr>"
                f"<tr><td>community help</td><td>{now.community_hours:.0f} h</td></tr>"
            )
        solara.HTML("table", "".join(rows), classes=["coprod-readout"])
        if not model.running:
            caption("The run has reached its horizon. Press Reset to start again.")
        caption(
            "<b>Step</b> moves on one week, <b>&#9654;</b> plays week after week (the play "
            "interval is the pause between weeks), <b>Reset</b> goes back to week 0."
        )


@solara.component
def Sidebar(model: PageModel, settings: PageSettings, apply) -> None:
    """The page's own cards, below SolaraViz's Controls: a sidebar is ordered by how deep
    its component sits, and this one sits one level deeper than SolaraViz."""
    with solara.Sidebar(), solara.Column():
        ThisWeek(model)
        ScenarioCard(settings, apply)
        LeversCard(settings, apply)
        PeopleCard(settings, apply)


@solara.component
def Controls(model: PageModel, settings: PageSettings, apply) -> None:
    """A level of nesting so the page's cards come after SolaraViz's (see ``Sidebar``)."""
    Sidebar(model, settings, apply)


@solara.component
def Page() -> None:
    """One session's page: its settings, its model, SolaraViz and the controls."""
    settings = solara.use_reactive(PageSettings())
    first = solara.use_memo(lambda: PageModel(settings.value), [])
    model = solara.use_reactive(first)

    def apply(new: PageSettings) -> None:
        settings.value = new
        model.value = PageModel(new)

    solara.Style(CSS)
    SolaraViz(
        model,
        components=COMPONENTS,
        model_params={"settings": settings},  # Reset rebuilds from the live settings
        name="coprod: co-production of health and social care",
        play_interval=200,
    )
    Controls(model.value, settings.value, apply)


page = Page()
