"""The teaching page: pick a scenario, press Play, and talk through what happens.

Start it with ``coprod viz`` or ``solara run simulation/page/app.py``. The page is built
from solara components rather than Mesa's SolaraViz: SolaraViz puts developer controls
(play interval, render interval, threads), an information card and a page tab on show,
lays its pictures out in fixed pixels and shows one model, where a class needs a clean
page that fills a projector and two runs side by side (mesa issue 573). The browser draws
the pictures (``page_figures``): the server sends a few kilobytes a week, not PNGs.
"""

from __future__ import annotations

from collections.abc import Callable

import solara
import solara.server.settings

from coprod.simulation.page.controls import (
    SCENARIOS,
    LeversCard,
    PeopleCard,
    PlayBar,
    ScenarioCard,
    caption,
)
from coprod.simulation.page.figures import (
    CHARTS,
    GAP_RANGE,
    RUN_COLOURS,
    ChartSpec,
    NetworkLayout,
    chart_option,
    gap_week,
    network_week,
)
from coprod.simulation.page.model import Arm, PageModel, PageSettings, history
from coprod.simulation.page.server import serve

__all__ = ["Page", "page", "serve"]  # serve: also importable from page.server, without solara

# A classroom page, not a product demo: no "runs on Solara" badge over the captions, and a
# light theme whatever the projector's computer prefers (solara's auto theme followed the
# system into dark grey text on dark).
solara.server.settings.theme.show_banner = False
solara.server.settings.theme.variant = solara.server.settings.ThemeVariant.light

NETWORK_KEY = (
    '<span class="coprod-bar coprod-wellbeing"></span> wellbeing &nbsp;<span style="color:'
    '#8a8a8a">&#9650;</span> neighbour &nbsp;<span style="color:{help}">&#9472;&#9472;</span>'
    ' help this week &nbsp;<span class="coprod-bar coprod-burnout"></span> staff burnout'
)
GAP_KEY = (
    '<span class="coprod-bar coprod-gap-bar"></span> each person in B: worse off &#8592; same '
    f"&#8594; better off than in A (&#177;{GAP_RANGE[1]:g} WEMWBS points and more)"
)
CSS = (
    """
.coprod-grid { display: grid; gap: 10px; padding: 8px; width: 100%;
  grid-template-columns: repeat(3, minmax(0, 1fr));
  grid-auto-rows: minmax(300px, calc((100vh - 100px) / 2)); }
@media (max-width: 900px) { .coprod-grid { grid-template-columns: minmax(0, 1fr); } }
.coprod-cell { display: flex; flex-direction: column; min-height: 0; background: #fff;
  border: 1px solid #ddd; border-radius: 6px; padding: 6px 8px; overflow: hidden; }
.coprod-cell > .coprod-fill { flex: 1 1 auto; min-height: 0; }
.coprod-cell h3 { font-size: 18px; font-weight: 600; margin: 0 0 2px 0; color: #111; }
.coprod-svg { width: 100%; height: 100%; display: block; }
.coprod-ties { stroke: #c8c8c8; stroke-width: 0.3; fill: none; }
.coprod-help { stroke-width: 0.9; fill: none; }
.coprod-neighbours { fill: #8a8a8a; }
.coprod-user { stroke: #333; stroke-width: 0.2; cursor: pointer; }
.coprod-picked { stroke: #000; stroke-width: 1.2; }
.coprod-staff { stroke: #333; stroke-width: 0.6; }
.coprod-caption { font-size: 15px; color: #333; line-height: 1.35; margin: 2px 0 8px 0; }
.coprod-legend { font-size: 15px; line-height: 1.45; color: #222; }
.coprod-bar { display: inline-block; width: 44px; height: 11px; vertical-align: middle; }
.coprod-week { font-size: 20px; font-weight: 600; white-space: nowrap; }
.coprod-readout td, .coprod-readout th { padding: 1px 6px 1px 0; font-size: 15px; }
.coprod-talk { font-size: 16px; color: #222; overflow: auto; }
.v-navigation-drawer { min-width: 340px !important; width: 340px !important; }
.v-application .v-card__title { font-size: 18px; }
"""
    + ".coprod-wellbeing { background: linear-gradient(90deg,#a50026,#fee08b,#006837); }"
    + ".coprod-burnout { background: linear-gradient(90deg,#ffffcc,#fd8d3c,#800026); }"
    + ".coprod-gap-bar { background: linear-gradient(90deg,#40004b,#f7f7f7,#00441b); }"
)
TALK = """<p><b>Things to talk about</b></p><ul>
<li>Watch the blue lines: who helps whom? Does the help grow or fade week by week?</li>
<li>Are the service users' dots turning green (feeling better) or red?</li>
<li>Do the professionals' squares turn red (burnout)? What happens to the cost then?</li>
<li>Why might agency fall when professionals decide everything?</li></ul>
<p>Try: switch on <i>Side by side</i>, or pick <i>tokenistic</i>: people are asked, not
heard.</p>"""


@solara.component_vue("network.vue", vuetify=False)
def NetworkSvg(
    places: str,
    now: dict,
    help_colours: list,
    label: str,
    selected: int = -1,
    event_pick: Callable[[int], None] | None = None,
) -> None:
    """The browser-drawn network (``network.vue``): ``places`` (JSON) is sent once
    per run, ``now`` every week. (Not ``layout``: that name is taken by every ipywidget.)"""


@solara.component
def NetworkCell(
    title: str, layout: NetworkLayout, state: dict, key_html: str, side: str, colours: list
) -> None:
    """One network picture with its heading and the key to its colours."""
    with solara.Column(gap="0px", classes=["coprod-cell", f"coprod-network{side}"]):
        solara.HTML("h3", title)
        with solara.Div(classes=["coprod-fill"]):
            NetworkSvg(places=layout.static, now=state, help_colours=colours, label=title)
        solara.HTML("div", key_html, classes=["coprod-legend"])


@solara.component
def ChartCell(spec: ChartSpec, model: PageModel, frames: list, week: int) -> None:
    """One chart of every run's weekly records, drawn by ECharts in the browser."""
    option = chart_option(spec, model.horizon, frames)
    with solara.Column(gap="0px", classes=["coprod-cell", f"coprod-chart-{spec.key}"]):
        with solara.Div(classes=["coprod-fill"]):
            solara.FigureEcharts(
                option,
                attributes={"style": "width: 100%; height: 100%", "data-week": str(week)},
                responsive=True,
            )
        caption(spec.words)


def layouts_of(model: PageModel) -> list[NetworkLayout]:
    """Each run's drawing layout (the runs share one set of positions, so one serves both
    networks and the difference map)."""
    return [NetworkLayout(arm) for arm in model.arms]


@solara.component
def Pictures(model: PageModel, week: solara.Reactive[int]) -> None:
    """The networks (and, side by side, the difference map) and the charts, for this week."""
    week.value  # noqa: B018  (subscribe: this component redraws every week)
    layouts = solara.use_memo(lambda: layouts_of(model), [model])
    arms: list[Arm] = model.arms
    with model.lock:  # a consistent week, even while Play steps in its thread
        now = model.week
        frames = [history(arm.model) for arm in arms]
        states = [
            network_week(layout, arm.model) for arm, layout in zip(arms, layouts, strict=True)
        ]
        gap = gap_week(arms[0].model, arms[1].model) if len(arms) > 1 else None
    with solara.Div(classes=["coprod-grid"]):
        for index, (arm, layout, state) in enumerate(zip(arms, layouts, states, strict=True)):
            name = f"{'AB'[index]}: {arm.label}" if len(arms) > 1 else arm.label
            NetworkCell(
                f"{name}, week {now}",
                layout,
                state,
                NETWORK_KEY.format(help=RUN_COLOURS[index]),
                "-b" if index else "",
                [RUN_COLOURS[index]],
            )
        if gap is not None:
            NetworkCell(
                f"How B differs from A, week {now}", layouts[0], gap, GAP_KEY, "-gap", []
            ).key("gap")
        for spec in CHARTS:
            ChartCell(spec, model, frames, now).key(spec.key)
        if len(arms) == 1:
            name = model.settings.scenario
            solara.HTML(
                "div", f"<p><b>{name}</b>: {SCENARIOS[name]}</p>{TALK}",
                classes=["coprod-cell", "coprod-talk"],
            )  # fmt: skip


@solara.component
def ThisWeek(model: PageModel, week: solara.Reactive[int]) -> None:
    """Each run's headline numbers, now and at week 0."""
    week.value  # noqa: B018  (subscribe: the numbers change every week)
    with model.lock:
        frames = [history(arm.model) for arm in model.arms]
    with solara.Card("This week"):
        rows = []
        for arm, frame in zip(model.arms, frames, strict=True):
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


@solara.component
def Page() -> None:
    """One browser tab's page: its own settings, model and play thread."""
    settings = solara.use_reactive(PageSettings())
    first = solara.use_memo(lambda: PageModel(settings.value), [])
    model = solara.use_reactive(first)
    week = solara.use_reactive(0)

    def apply(new: PageSettings) -> None:
        settings.value = new
        model.value = PageModel(new)
        week.value = 0

    solara.lab.theme.dark = False  # this tab's theme: light, whatever was stored before
    solara.Style(CSS)
    solara.Title("coprod: co-production of health and social care")
    with solara.AppBar():
        solara.AppBarTitle("coprod: doing to, or doing with?")
        PlayBar(model, week, lambda: apply(settings.value))
    with solara.Sidebar(), solara.Column():
        ThisWeek(model.value, week)
        ScenarioCard(settings.value, apply)
        LeversCard(settings.value, apply)
        PeopleCard(settings.value, apply)
    Pictures(model.value, week)


page = Page()
