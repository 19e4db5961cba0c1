"""The teaching page: pick a scenario, press Play, and talk through what happens.

Start it with ``coprod viz`` or ``solara run simulation/page/app.py``. The page is built
from solara components rather than Mesa's SolaraViz: SolaraViz puts developer controls
(play interval, render interval, threads), an information card and a page tab on show,
lays its pictures out in fixed pixels and shows one model, where a class needs a clean
page that fills a projector and two runs side by side (mesa issue 573). The browser draws
the pictures (``figures``, ``network.vue``): the server sends a few kilobytes a week, not
PNGs.
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
    CARER_LINK,
    CHARTS,
    GAP_RANGE,
    RUN_COLOURS,
    TIMEBANK_COLOUR,
    ChartSpec,
    NetworkLayout,
    PersonMap,
    chart_option,
    gap_week,
    network_week,
)
from coprod.simulation.page.model import (
    Arm,
    PageModel,
    PageSettings,
    bridge_builder,
    history,
    struggling,
)
from coprod.simulation.page.server import serve

__all__ = ["Page", "page", "serve"]  # serve: also importable from page.server, without solara

# A classroom page, not a product demo: no "runs on Solara" badge over the captions, and a
# light theme whatever the projector's computer prefers (solara's auto theme followed the
# system into dark grey text on dark).
solara.server.settings.theme.show_banner = False
solara.server.settings.theme.variant = solara.server.settings.ThemeVariant.light

NETWORK_KEY = (
    '<span class="coprod-bar coprod-wellbeing"></span> wellbeing &nbsp;<span style="color:'
    '#8a8a8a">&#9679;</span> not in care &nbsp;<span style="color:{help}">&#9472;&#9472;</span>'
    ' help this week &nbsp;<span class="coprod-key-home">&#9632;</span> care home &nbsp;'
    '<span style="color:#fd8d3c">&#9711;</span><span style="color:' + CARER_LINK + '">&#9472;'
    '</span> family carer (<b>&#9676;</b> broke down) &nbsp;<span class="coprod-bar '
    'coprod-burnout"></span> carer strain, burnout of staff (&#9642; at the side)'
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
.coprod-carer-link { stroke: """
    + CARER_LINK
    + """; stroke-width: 0.7; fill: none; }
.coprod-carer { fill: none; stroke-width: 0.9; pointer-events: none; }
.coprod-broke { stroke-dasharray: 1.6 1.2; }
.coprod-placed { stroke: #000; stroke-width: 0.6; cursor: pointer; }
.coprod-key-home { color: #000; font-size: 17px; }
.coprod-ring { fill: none; stroke: #d0d0d0; stroke-width: 0.6; }
.coprod-ring-label { font-size: 11px; fill: #444; text-anchor: middle; }
.coprod-ever { stroke-width: 1.2; stroke-dasharray: 3 2; fill: none; }
.coprod-single > .coprod-network { grid-row: span 2; grid-column: span 2; }
.coprod-person-wide { grid-column: span 2; }
.coprod-person-tall { grid-row: span 2; }
.coprod-person .coprod-fill { flex: 1 1 auto; min-height: 140px; }
.coprod-one { flex: 1 1 0; min-width: 0; height: 100%; }
.coprod-pick { max-width: 190px; }
.coprod-person h3 { white-space: nowrap; }
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
<li>Why might agency fall when professionals decide everything?</li>
<li>Who ends up in a care home (a square)? Was it decided with them, or <i>to</i> them, as
it was for Carol?</li>
<li>Watch a carer's ring turn red as they wear out: what happens to the person they care
for when the carer breaks down?</li></ul>
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
    title: str,
    layout: NetworkLayout,
    state: dict,
    key_html: str,
    side: str,
    colours: list,
    person: solara.Reactive[int],
) -> None:
    """One network picture with its heading and the key to its colours; a click on a
    service user opens their own network map."""
    with solara.Column(gap="0px", classes=["coprod-cell", f"coprod-network{side}"]):
        solara.HTML("h3", title)
        with solara.Div(classes=["coprod-fill"]):
            NetworkSvg(
                places=layout.static, now=state, help_colours=colours, label=title,
                selected=person.value, event_pick=person.set,
            )  # fmt: skip
        solara.HTML("div", key_html, classes=["coprod-legend"])


PERSON_KEY = (
    '<span style="color:{help}">&#9472;&#9472;</span> help this week &nbsp;'
    '<span style="color:{help}">- - -</span> since week 0 &nbsp;'
    f'<span style="color:{TIMEBANK_COLOUR}">&#9679;</span> time bank member'
)
PICKS: dict[str, Callable[[Arm], int]] = {
    "a person who is struggling": lambda arm: struggling(arm.model),
    "a bridge builder": lambda arm: bridge_builder(arm.model, arm.positions),
}


@solara.component
def PersonCell(model: PageModel, person: solara.Reactive[int], now: int) -> None:
    """Each person's own network (a GENIE map), the same person in every run; before a
    pick, what the class might look for."""
    arms: list[Arm] = model.arms

    def pick(choice: str) -> None:
        if choice in PICKS:
            person.set(PICKS[choice](arms[0]))

    maps = solara.use_memo(
        lambda: [PersonMap(arm, person.value) for arm in arms] if person.value >= 0 else [],
        [model, person.value],
    )
    # side by side: A and B next to each other; one run: two rows tall once a person is open
    shape = "coprod-person-wide" if len(arms) > 1 else "coprod-person-tall" if maps else ""
    with solara.Column(gap="0px", classes=["coprod-cell", "coprod-person", shape]):
        with solara.Row(style={"align-items": "baseline"}):
            solara.HTML("h3", f"Person {person.value}" if maps else "One person's network")
            solara.Select("Pick", ["(click a dot)", *PICKS], "(click a dot)", pick,
                          classes=["coprod-pick"])  # fmt: skip
        if not maps:
            name = model.settings.scenario
            solara.HTML(
                "div",
                "<p>Click a service user's dot on a network, or pick one above, to see the "
                f"people, groups and services round them.</p><p><b>{name}</b>: "
                f"{SCENARIOS[name]}</p>{TALK}",
                classes=["coprod-talk"],
            )
            return
        with solara.Row(classes=["coprod-fill"], style={"min-height": "0"}):
            with model.lock:
                weeks = [(m.week(), m.summary()) for m in maps]
            for index, (arm, one, (state, words)) in enumerate(zip(arms, maps, weeks, strict=True)):
                with solara.Column(gap="0px", classes=["coprod-one"]):
                    with solara.Div(classes=["coprod-fill"]):
                        NetworkSvg(
                            places=one.static, now=state, help_colours=[RUN_COLOURS[index]],
                            label=f"{arm.label}: person {person.value}, week {now}",
                            event_pick=person.set,
                        )  # fmt: skip
                    caption(f"<b>{arm.label}</b>: {words}")
        solara.HTML("div", PERSON_KEY.format(help=RUN_COLOURS[0]), classes=["coprod-legend"])


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
def Pictures(model: PageModel, week: solara.Reactive[int], person: solara.Reactive[int]) -> None:
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
    # one run: its network two rows and columns big, so squares and carers' rings show
    with solara.Div(classes=["coprod-grid", "coprod-single" if len(arms) == 1 else "coprod-two"]):
        for index, (arm, layout, state) in enumerate(zip(arms, layouts, states, strict=True)):
            name = f"{'AB'[index]}: {arm.label}" if len(arms) > 1 else arm.label
            NetworkCell(
                f"{name}, week {now}",
                layout,
                state,
                NETWORK_KEY.format(help=RUN_COLOURS[index]),
                "-b" if index else "",
                [RUN_COLOURS[index]],
                person,
            )
        if gap is not None:
            NetworkCell(
                f"How B differs from A, week {now}", layouts[0], gap, GAP_KEY, "-gap", [], person
            ).key("gap")
        # One run with a person open: their map takes the third column, two rows tall, and
        # the charts flow round it (wellbeing, agency and cost stay on a projector's screen).
        tall = len(arms) == 1 and person.value >= 0
        for index, spec in enumerate(CHARTS):
            if tall and index == 1:
                PersonCell(model, person, now).key("person")
            ChartCell(spec, model, frames, now).key(spec.key)
        if not tall:
            PersonCell(model, person, now).key("person")


def count(people: float) -> str:
    """A number of people in words: "1 person", "3 people"."""
    return f"{people:.0f} {'person' if round(people) == 1 else 'people'}"


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
                f"<tr><td>in a care home</td><td>{count(now.residents_in_placement)}</td></tr>"
                f"<tr><td>home care</td><td>{now.package_hours:.0f} h a week</td></tr>"
                f"<tr><td>carers' strain</td><td>{now.carer_strain_mean:.2f} "
                f"({now.carer_breakdowns_so_far:.0f} broke down since week 0)</td></tr>"
            )
        solara.HTML("table", "".join(rows), classes=["coprod-readout"])


@solara.component
def Page() -> None:
    """One browser tab's page: its own settings, model and play thread."""
    settings = solara.use_reactive(PageSettings())
    first = solara.use_memo(lambda: PageModel(settings.value), [])
    model = solara.use_reactive(first)
    week = solara.use_reactive(0)
    person = solara.use_reactive(-1)  # whose own network is open (-1: nobody's)

    def apply(new: PageSettings) -> None:
        settings.value = new
        model.value = PageModel(new)
        week.value = 0
        if person.value >= len(model.value.arms[0].model.community.is_user):
            person.value = -1

    solara.lab.theme.dark = False  # this tab's theme: light, whatever was stored before
    with solara.Column(gap="0px"):  # no gaps for the elements that draw nothing here
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
        Pictures(model.value, week, person)


page = Page()
