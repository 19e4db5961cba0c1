"""The teaching page's controls, in classroom words: scenario, levers and people.

SolaraViz's own parameter inputs take effect only on Reset, cannot follow a scenario pick or
grey out a lever that does nothing, and give the seed as text (mesa issue 3516); these cards
hold the page's settings instead and restart the run at week 0 on every change.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace

import reacton.ipyvuetify as rv
import solara

from coprod.simulation.page.model import (
    USERS_RANGE,
    PageModel,
    PageSettings,
    lever_matters,
    scenario_params,
    slider_range,
)
from coprod.simulation.rules import POWER_RULES, RECIPROCITY_RULES
from coprod.simulation.scenario import list_scenarios

SCENARIOS = dict(list_scenarios())
DEFAULT_COMPARE = "timebank"
POWER_WORDS = {
    "expert": "Professionals are the experts and decide; people are not asked.",
    "consultation": "People are asked for their views, but professionals still decide.",
    "shared_decisions": "In every appointment, decisions and care plans are made together.",
    "co_design": "Shared decisions, plus a community forum every quarter that spots people "
    "who are struggling before they reach a crisis.",
}
#: Play speeds in plain words: the least time from one week to the next, in seconds. Two
#: years take 104 s slow, 26 s normal, 10 s fast (if the computer keeps up).
SPEEDS = {"slow": 1.0, "normal": 0.25, "fast": 0.1}
RECIPROCITY_WORDS = {
    "none": "Neighbours help out of goodwill only, and goodwill fades.",
    "direct": "People help those who help them back.",
    "timebank": "Every hour given earns an hour of credit to spend with any member.",
}


def caption(text: str) -> None:
    """A short plain-language note under a control or chart (HTML: ``<i>`` for names)."""
    solara.HTML(tag="div", unsafe_innerHTML=text, classes=["coprod-caption"])


def named(label: str) -> dict[str, str]:
    """Button attributes naming it for screen readers and on hover (its text may be a sign)."""
    return {"aria-label": label, "title": label}


@solara.component
def PlayBar(
    model: solara.Reactive[PageModel], week: solara.Reactive[int], reset: Callable[[], None]
) -> None:
    """Reset, Play/Pause, Step, the speed and the week counter, in the page's top bar.

    Play runs the weeks in a thread of this tab's own (solara's ``use_thread``); it stops at
    the horizon, on Pause, and when the tab closes (the thread is told to stop when the page
    is taken down). Each week is drawn before the next starts, so Play never runs ahead of
    the pictures."""
    playing = solara.use_reactive(False)
    speed = solara.use_reactive("normal")
    current = model.value

    def one_week() -> None:
        current.step()
        week.value = current.week

    def play(stop: threading.Event) -> None:
        while playing.value and current.running and not stop.is_set():
            started = time.monotonic()
            one_week()
            stop.wait(max(0.0, SPEEDS[speed.value] - (time.monotonic() - started)))
        if not stop.is_set():
            playing.value = False

    solara.use_thread(play, dependencies=[playing.value, current], intrusive_cancel=False)
    label = "Pause" if playing.value else "Play"
    with solara.Row(gap="8px", style={"align-items": "center", "background": "transparent"}):
        solara.Button(
            "Reset", icon_name="mdi-restart", on_click=lambda: (playing.set(False), reset()),
            attributes=named("Reset"),
        )  # fmt: skip
        solara.Button(
            label, icon_name="mdi-pause" if playing.value else "mdi-play",
            on_click=lambda: playing.set(not playing.value),
            disabled=not current.running, attributes=named(label), classes=["coprod-play"],
        )  # fmt: skip
        solara.Button(
            "Step", icon_name="mdi-skip-next", on_click=one_week,
            disabled=playing.value or not current.running, attributes=named("Step"),
        )  # fmt: skip
        solara.ToggleButtonsSingle(speed.value, list(SPEEDS), on_value=speed.set, dense=True)
        status = "" if current.running else " (the end: press Reset)"
        solara.Text(f"Week {week.value} of {current.horizon}{status}", classes=["coprod-week"])


@solara.component
def ReleaseSlider(
    label: str,
    value: float,
    on_release: Callable[[float], None],
    name: str,
    integer: bool = False,
    bounds: tuple[float, float, float] | None = None,
    disabled: bool = False,
) -> None:
    """A slider that acts when let go, not on every pixel of a drag: each change restarts
    the run, which should happen once."""
    low, high, step = bounds or slider_range(name)

    def released(_widget, _event, data) -> None:
        on_release(int(data) if integer else round(round(float(data) / step) * step, 4))

    slider = rv.Slider(
        label=f"{label}: {value:g}",  # the value stays in sight, not only while dragging
        v_model=value,
        min=low,
        max=high,
        step=step,
        thumb_label=True,
        disabled=disabled,
        class_=f"coprod-slider-{name}",
    )
    rv.use_event(slider, "change", released)


@solara.component
def ScenarioCard(settings: PageSettings, apply: Callable[[PageSettings], None]) -> None:
    """Which scenario runs, and whether a second one runs beside it on the same people."""
    with solara.Card("Scenario"):
        mode = "Side by side" if settings.compare_with else "One scenario"
        solara.ToggleButtonsSingle(
            value=mode,
            values=["One scenario", "Side by side"],
            on_value=lambda m: apply(
                replace(settings, compare_with=DEFAULT_COMPARE if m == "Side by side" else None)
            ),
        )
        caption(
            "<i>Side by side</i> runs a second scenario on exactly the same people, so the class "
            "can watch the two paths part. Changing anything here starts again from week 0."
        )
        solara.Select(
            "Scenario" + (" A (left)" if settings.compare_with else ""),
            values=list(SCENARIOS),
            value=settings.scenario,
            on_value=lambda name: apply(settings.with_scenario(name)),
            classes=["coprod-scenario"],
        )
        caption(SCENARIOS[settings.scenario])
        if settings.compare_with:
            solara.Select(
                "Scenario B (right)",
                values=list(SCENARIOS),
                value=settings.compare_with,
                on_value=lambda name: apply(replace(settings, compare_with=name)),
                classes=["coprod-compare"],
            )
            caption(SCENARIOS[settings.compare_with])


@solara.component
def LeversCard(settings: PageSettings, apply: Callable[[PageSettings], None]) -> None:
    """The levers of MODEL.md section 3, in classroom words; a lever that can do nothing
    under the chosen rule is greyed out and says why."""

    def setter(name: str) -> Callable[[object], None]:
        return lambda value: apply(replace(settings, **{name: value}))

    title = "Levers" + (" (change scenario A only)" if settings.compare_with else "")
    with solara.Card(title):
        solara.Select("Who decides?", list(POWER_RULES), settings.power_rule, setter("power_rule"))
        caption(POWER_WORDS.get(settings.power_rule, settings.power_rule))
        shares = lever_matters("power_sharing", settings.power_rule)
        ReleaseSlider(
            "Power sharing", settings.power_sharing, setter("power_sharing"), "power_sharing",
            disabled=not shares,
        )  # fmt: skip
        caption(
            "How far professionals are asked to share decisions (0 = not at all, 1 = fully)."
            if shares
            else "Greyed out: under <i>expert</i> professionals decide alone, so power sharing "
            "changes nothing. Pick another rule above to use it."
        )
        consults = lever_matters("involvement", settings.power_rule)
        ReleaseSlider(
            "Involvement", settings.involvement, setter("involvement"), "involvement",
            disabled=not consults,
        )  # fmt: skip
        caption(
            "How often people are asked for their views."
            if consults
            else "Greyed out: people are only asked for their views under <i>consultation</i> "
            "and <i>co_design</i>."
        )
        solara.Select(
            "How do people help each other?",
            list(RECIPROCITY_RULES),
            settings.reciprocity,
            setter("reciprocity"),
        )
        caption(RECIPROCITY_WORDS.get(settings.reciprocity, settings.reciprocity))
        ReleaseSlider(
            "Staff time", settings.capacity_factor, setter("capacity_factor"), "capacity_factor"
        )
        caption("1 = today's professional hours; 0.8 = a 20% cut; 1.2 = 20% more.")
        ReleaseSlider(
            "Lived experience",
            settings.lived_experience_share,
            setter("lived_experience_share"),
            "lived_experience_share",
        )
        caption(
            "Share of professionals who have used services themselves: they share power "
            "more readily and are trusted sooner."
        )


@solara.component
def PeopleCard(settings: PageSettings, apply: Callable[[PageSettings], None]) -> None:
    """How many people, and which ones (the seed)."""
    params = scenario_params(settings.scenario, settings.n_users)
    with solara.Card("People"):
        ReleaseSlider(
            "Service users",
            settings.n_users,
            lambda n: apply(replace(settings, n_users=n)),
            "n_users",
            integer=True,
            bounds=USERS_RANGE,
        )
        caption(
            f"With {params.n_neighbours} neighbours and {params.n_professionals} "
            "professionals: they grow in proportion. Bigger communities draw more slowly."
        )
        solara.InputInt(
            "Seed",
            value=settings.seed,
            on_value=lambda seed: apply(replace(settings, seed=max(0, seed))),
            classes=["coprod-seed"],
        )
        caption(
            "The same seed gives the same people and the same run every time; another "
            "whole number meets a different community. Press Enter to apply."
        )
