"""The teaching page without a browser: what the controls mean in parameters, the seeded
layout, side-by-side runs on the same people, chart data that moves with each step, the
pictures, the server command, and that batch code never pulls in solara."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from coprod.simulation.agents import Carer
from coprod.simulation.carers import caring
from coprod.simulation.errors import CoprodError
from coprod.simulation.packages import cut_ties, with_inactive
from coprod.simulation.page.figures import (
    BROKE_DOWN,
    CHARTS,
    GAP_MAP,
    GAP_RANGE,
    RINGS,
    STRAIN_MAP,
    WELLBEING_MAP,
    WELLBEING_RANGE,
    NetworkLayout,
    PersonMap,
    chart_option,
    gap_week,
    hex_colours,
    network_week,
    svg_path,
    wellbeing_gap,
)
from coprod.simulation.page.model import (
    LEVERS,
    PageModel,
    PageSettings,
    bridge_builder,
    helping_edges,
    history,
    lever_matters,
    positions,
    runs_for,
    scenario_params,
    slider_range,
    struggling,
)
from coprod.simulation.page.server import (
    APP,
    addresses,
    announce,
    check,
    command,
    environment,
    free_port,
    port_is_free,
)
from coprod.simulation.params import Params, describe
from coprod.simulation.rules import POWER_RULES
from coprod.simulation.scenario import list_scenarios, load_scenario

SMALL = PageSettings(n_users=60)


@pytest.mark.parametrize("name", [name for name, _ in list_scenarios()])
def test_picking_a_scenario_sets_its_levers_and_keeps_people_and_seed(name: str) -> None:
    settings = replace(SMALL, seed=7).with_scenario(name)
    scenario = load_scenario(name).params
    assert settings.scenario == name
    assert settings.levers() == {key: getattr(scenario, key) for key in LEVERS}
    assert (settings.n_users, settings.seed) == (60, 7)
    assert settings.changed_levers() == []
    (label, params), *_ = runs_for(settings)
    assert label == name
    population = {"n_users", "n_neighbours", "n_professionals"}
    unchanged = set(Params.model_fields) - set(LEVERS) - population
    assert all(getattr(params, key) == getattr(scenario, key) for key in unchanged)


def test_slider_values_reach_the_params_of_the_first_run_only() -> None:
    settings = replace(
        SMALL.with_scenario("traditional"),
        power_rule="shared_decisions",
        power_sharing=0.4,
        capacity_factor=0.8,
        lived_experience_share=0.5,
        compare_with="timebank",
    )
    (label, first), (other_label, second) = runs_for(settings)
    assert label == "traditional (with your changes)"
    assert (first.power_rule, first.power_sharing, first.capacity_factor) == (
        "shared_decisions",
        0.4,
        0.8,
    )
    assert first.lived_experience_share == 0.5
    assert other_label == "timebank"
    assert second == scenario_params("timebank", 60)
    assert set(settings.changed_levers()) == {
        "power_rule",
        "power_sharing",
        "capacity_factor",
        "lived_experience_share",
    }


def test_population_keeps_the_scenarios_ratios() -> None:
    base = load_scenario("traditional").params
    params = scenario_params("traditional", 300)
    assert params.n_users == 300
    assert params.n_neighbours == round(base.n_neighbours * 300 / base.n_users)
    assert params.n_professionals == round(base.n_professionals * 300 / base.n_users)
    assert scenario_params("traditional", 2).n_professionals >= 1


def test_slider_ranges_come_from_the_schema() -> None:
    for name in ("power_sharing", "involvement", "lived_experience_share"):
        info = describe(name)
        assert slider_range(name)[:2] == (info["min"], info["max"])
    low, high, _ = slider_range("capacity_factor")
    assert low > 0 and high == describe("capacity_factor")["max"]  # 0 is excluded
    scenario_params("traditional", 60, {"capacity_factor": low})  # the lowest value is valid


def test_power_sharing_does_nothing_under_expert_only() -> None:
    assert not lever_matters("power_sharing", "expert")
    assert all(lever_matters("power_sharing", rule) for rule in POWER_RULES if rule != "expert")
    assert not lever_matters("involvement", "shared_decisions")
    assert lever_matters("involvement", "consultation")
    assert lever_matters("involvement", "co_design")
    assert lever_matters("capacity_factor", "expert")


def test_layout_is_seeded_stable_and_computed_once() -> None:
    model = PageModel(SMALL).arms[0].model
    n = len(model.community.wellbeing)
    first = positions(model.ties, n, 0)
    again = positions(model.ties, n, 0)
    assert again is first  # cached, not recomputed
    rebuilt = PageModel(SMALL).arms[0]
    np.testing.assert_array_equal(rebuilt.positions, first)
    assert first.shape == (n, 2) and not first.flags.writeable
    assert np.all(np.hypot(*first.T) <= 1.0 + 1e-9)
    assert not np.array_equal(positions(model.ties, n, 1), first)


def test_side_by_side_runs_start_from_the_same_people() -> None:
    page = PageModel(replace(SMALL, compare_with="timebank"))
    a, b = (arm.model for arm in page.arms)
    assert [arm.label for arm in page.arms] == ["traditional", "timebank"]
    assert a.week == b.week == 0
    for name in ("need", "agency", "capability", "trust", "professional"):
        np.testing.assert_array_equal(getattr(a.users, name), getattr(b.users, name))
    np.testing.assert_array_equal(a.community.wellbeing, b.community.wellbeing)
    np.testing.assert_array_equal(a.ties.target, b.ties.target)
    np.testing.assert_array_equal(page.arms[0].positions, page.arms[1].positions)
    page.step()
    assert a.week == b.week == page.week == 1
    assert a.latest["community_hours"] != b.latest["community_hours"]


def test_stepping_updates_the_chart_data_and_stops_at_the_horizon() -> None:
    page = PageModel(SMALL.with_scenario("timebank"))
    before = history(page.arms[0].model)
    assert before["week"].tolist() == [0]
    for _ in range(3):
        page.step()
    after = history(page.arms[0].model)
    assert after["week"].tolist() == [0, 1, 2, 3]
    assert not after.iloc[-1].equals(before.iloc[-1])
    assert page.running and page.time == 3
    while page.running:
        page.step()
    assert page.week == page.horizon == load_scenario("timebank").params.weeks


def test_reset_gives_the_same_run_again() -> None:
    """Reset builds the page's model again from its settings: the same weeks follow."""
    settings = replace(SMALL, compare_with="codesign", seed=3)
    first, again = PageModel(settings), PageModel(settings)
    for _ in range(4):
        first.step()
        again.step()
    for one, other in zip(first.arms, again.arms, strict=True):
        pd.testing.assert_frame_equal(history(one.model), history(other.model))
    assert [arm.label for arm in first.arms] == ["traditional", "codesign"]


def test_network_layout_is_sent_once_and_the_week_follows_the_model() -> None:
    page = PageModel(SMALL.with_scenario("timebank"))
    arm = page.arms[0]
    layout = NetworkLayout(arm)
    static = json.loads(layout.static)
    comm = arm.model.community
    n_people = len(comm.is_user)
    assert len(static["users"]) == n_people and static["neighbours"] == ""
    assert static["ties"].count("M") == len(layout.pairs) < len(arm.model.ties.target)
    assert len(static["staff"]) == len(arm.model.professionals.burnout)
    before = network_week(layout, arm.model)
    page.step()
    after = network_week(layout, arm.model)
    assert after["week"] == 1 and len(after["fill"]) == n_people
    coloured = hex_colours(WELLBEING_MAP, comm.wellbeing, *WELLBEING_RANGE)
    # users in care by wellbeing, read from this week's mask; everyone else grey
    assert after["fill"] == [
        c if u else "#8a8a8a" for c, u in zip(coloured, comm.is_user, strict=True)
    ]
    assert "#8a8a8a" in after["fill"] and comm.is_user.any()
    assert after["fill"] != before["fill"]
    pairs = {
        tuple(sorted((arm.model.ties.source[i], arm.model.ties.target[i])))
        for i in helping_edges(arm.model)
    }
    assert 0 < after["help"].count("M") == len(pairs)
    assert layout.static is layout.static  # computed once per run


def test_help_is_drawn_after_placements_change_the_active_ties() -> None:
    """A placement cuts ties and a death restores them, so the model's active tie indices
    move under a layout drawn at week 0: help is found by its two ends (this crashed Play)."""
    page = PageModel(SMALL.with_scenario("timebank"))
    model = page.arms[0].model
    layout = NetworkLayout(page.arms[0])
    model.packages.placed[:] = False
    placed = np.zeros(len(model.community.is_user), dtype=bool)
    placed[::7] = True  # many placements at once: most of their ties go
    cut = cut_ties(model.packages, model.params, placed)
    model.ties = with_inactive(model.packages, cut, model.ledger)
    page.step()
    assert len(model.ties.target) < len(model.all_ties.target)
    ends = sorted(
        {tuple(sorted((model.ties.source[i], model.ties.target[i]))) for i in helping_edges(model)}
    )
    assert ends  # someone helped someone
    assert network_week(layout, model)["help"] == svg_path(layout.points[np.array(ends)])


def test_carers_and_care_homes_are_marked_on_the_network_week_by_week() -> None:
    """Each Carer agent is linked once to the person they care for; a ring marks a carer
    caring this week (coloured by strain) or resting after a breakdown (black); the people
    living in a care home are listed for their squares."""
    page = PageModel(PageSettings(n_users=150))
    model = page.arms[0].model
    layout = NetworkLayout(page.arms[0])
    agents = model.agents_by_type[Carer]
    assert len(agents) == len(layout.carer_pairs) > 0
    assert json.loads(layout.static)["carer_links"].count("M") == len(agents)
    for _ in range(6):
        page.step()
    carers, comm = model.carers, model.community
    active = caring(carers, comm.is_user, model.packages.placed, model.week)
    week = network_week(layout, model)
    rings = {slot: (colour, broke) for slot, colour, broke in week["carers"]}
    expected = {a.person: a for a in agents if active[a.cared_for]}
    assert set(rings) == set(expected) and 0 < len(rings) < len(agents)  # some not caring
    for slot, agent in expected.items():
        assert rings[slot] == (hex_colours(STRAIN_MAP, np.array([agent.strain]), 0, 1)[0], False)
    assert week["placed"] == np.flatnonzero(model.packages.placed).tolist()
    # a breakdown: the carer stops caring for a while and their ring turns black, dashed
    carer = next(a for a in expected.values())
    carers.broken_until[carer.cared_for] = model.week + 4
    assert [c for c in network_week(layout, model)["carers"] if c[0] == carer.person] == [
        [carer.person, BROKE_DOWN, True]
    ]
    model.packages.placed[carer.cared_for] = True  # placed (as a breakdown may bring)
    assert carer.cared_for in network_week(layout, model)["placed"]


def test_the_social_care_charts_show_care_homes_home_care_and_carers() -> None:
    page = PageModel(SMALL)
    for _ in range(6):
        page.step()
    frame = history(page.arms[0].model)
    homes, carers = (next(s for s in CHARTS if s.key == k) for k in
                     ("residents_in_placement", "carer_strain_mean"))  # fmt: skip
    option = chart_option(homes, page.horizon, [frame])
    assert [(s["name"], s["yAxisIndex"]) for s in option["series"]] == [
        ("care homes", 0), ("home care", 1),
    ]  # fmt: skip
    assert option["yAxis"][1]["name"] == "hours a week" and option["legend"]["show"]
    hours = [value for _, value in option["series"][1]["data"]]
    assert hours == pytest.approx(frame["package_hours"].round(3).tolist()) and max(hours) > 0
    breakdowns = chart_option(carers, page.horizon, [frame])["series"][1]["data"]
    weekly = frame["carer_breakdowns"].where(frame["week"] >= 1, 0.0)
    assert [value for _, value in breakdowns] == pytest.approx(weekly.cumsum().tolist())
    assert "Carol" in homes.words and "<i>to</i>" in homes.words


def test_a_persons_carer_is_on_the_inner_ring_of_their_own_map() -> None:
    arm = PageModel(SMALL).arms[0]
    carer = next(iter(arm.model.agents_by_type[Carer]))
    for person, family in ((carer.cared_for, carer.person), (carer.person, carer.cared_for)):
        one = PersonMap(arm, person)
        radius = np.hypot(*one.points.T)
        inner = one.contacts[np.isclose(radius, RINGS[0][0], atol=0.1)]
        assert inner.tolist() == [family]  # the carer, or the person cared for, and no one else
        assert np.isclose(radius, RINGS[1][0], atol=0.1).sum() == len(one.contacts) - 1
    assert f"cares for person {carer.cared_for}" in PersonMap(arm, carer.person).summary()


def test_colours_are_fixed_to_their_scale() -> None:
    low, high = WELLBEING_RANGE
    red, middle, green = hex_colours(
        WELLBEING_MAP, np.array([low - 1, (low + high) / 2, high + 1]), low, high
    )
    assert red == hex_colours(WELLBEING_MAP, np.array([low]), low, high)[0]
    assert green == hex_colours(WELLBEING_MAP, np.array([high]), low, high)[0]
    assert len({red, middle, green}) == 3


def test_gap_map_starts_blank_and_shows_each_persons_difference() -> None:
    page = PageModel(replace(SMALL, compare_with="timebank"))
    a, b = (arm.model for arm in page.arms)
    assert np.all(wellbeing_gap(a, b) == 0)  # the same people at week 0
    same = hex_colours(GAP_MAP, np.array([0.0]), *GAP_RANGE)[0]
    assert set(gap_week(a, b)["fill"]) == {same}
    for _ in range(8):
        page.step()
    gap = wellbeing_gap(a, b)
    assert np.any(gap != 0) and len(gap) == len(a.community.is_user)
    np.testing.assert_allclose(gap, 56 * (b.community.wellbeing - a.community.wellbeing))
    assert len(set(gap_week(a, b)["fill"])) > 1


def test_a_persons_own_network_shows_who_they_know_and_how_it_changed() -> None:
    page = PageModel(replace(SMALL, compare_with="timebank"))
    arm = page.arms[0]
    person = bridge_builder(arm.model, arm.positions)
    ties = arm.model.ties
    known = set(ties.target[ties.source == person].tolist())
    maps = [PersonMap(one, person) for one in page.arms]
    static = json.loads(maps[0].static)
    in_care = arm.model.community.is_user
    users = [c if in_care[c] else -1 for c in sorted(known)]
    assert static["ids"] == [person, *users, -1]  # the person, contacts, time bank
    assert in_care[person]  # the bridge builder is a user in care
    assert [label for _, label in static["rings"]][1:] == [
        "friends and neighbours", "groups, time bank", "services",
    ]  # fmt: skip
    start = maps[0].week()
    assert start["ever"] == "" and len(start["fill"]) == len(known) + 2
    for _ in range(10):
        page.step()
    helped = {
        int(other)
        for tie in np.flatnonzero(arm.model.ledger.last_given >= 0)
        for other in (ties.source[tie], ties.target[tie])
        if person in (ties.source[tie], ties.target[tie]) and other != person
    }
    later = maps[0].week()
    spokes = later["help"].count("M") + later["ever"].count("M")
    service = int(arm.model.users.professional_hours[person] > 0)
    assert spokes == len(helped) + service + int(
        arm.model.community.bank_last[person] == arm.model.week
    )
    assert f"knows {len(known)}, {len(helped)} helping or helped" in maps[0].summary()
    assert maps[0].static == maps[1].static  # the same person, the same people, in A and B


def test_picks_find_the_person_they_name() -> None:
    arm = PageModel(SMALL).arms[0]
    comm = arm.model.community
    assert comm.is_user[struggling(arm.model)]
    assert comm.wellbeing[struggling(arm.model)] == comm.wellbeing[comm.is_user].min()
    assert comm.is_user[bridge_builder(arm.model, arm.positions)]
    from coprod.simulation.page.app import PICKS  # what the page's "Pick" box offers

    assert PICKS["a person who is struggling"](arm) == struggling(arm.model)
    assert PICKS["a bridge builder"](arm) == bridge_builder(arm.model, arm.positions)


def test_chart_options_draw_every_run_and_line_week_by_week() -> None:
    page = PageModel(replace(SMALL, compare_with="timebank"))
    for _ in range(5):
        page.step()
    frames = [history(arm.model) for arm in page.arms]
    cost = next(spec for spec in CHARTS if spec.key == "cost_week")
    option = chart_option(cost, page.horizon, frames)
    assert [s["name"] for s in option["series"]] == ["A", "B"]
    first = option["series"][0]["data"]
    assert [week for week, _ in first] == list(range(6))
    raw = frames[0]["cost_week"].to_numpy() * cost.scale
    assert first[-1][1] == pytest.approx(raw[-4:].mean(), abs=1e-3)  # a 4-week average
    assert option["xAxis"]["max"] == page.horizon and option["yAxis"]["min"] == 0
    agency = chart_option(CHARTS[1], page.horizon, frames[:1])
    assert [s["name"] for s in agency["series"]] == ["agency", "dependence"]
    assert agency["legend"]["show"] and not chart_option(cost, 104, frames[:1])["legend"]["show"]
    assert option["xAxis"]["axisLabel"]["fontSize"] >= 16  # 12 pt: legible on a projector


def test_page_draws_in_the_browser_not_on_the_server() -> None:
    """The main area renders in-process: one network and every chart, no PNG; side by side
    adds the second network and the gap map; Step moves every picture on."""
    import ipyvue
    import ipyvuetify
    import ipywidgets
    import solara

    from coprod.simulation.page.app import Pictures, page
    from coprod.simulation.page.controls import PlayBar, named

    assert page is not None  # `solara run simulation/page/app.py` finds `page`
    for settings, networks in ((SMALL, 1), (replace(SMALL, compare_with="timebank"), 3)):
        model, week = solara.reactive(PageModel(settings)), solara.reactive(0)
        main = solara.Column(
            children=[
                PlayBar(model, week, lambda: None),
                Pictures(model.value, week, solara.reactive(-1)),
            ]
        )
        _, rc = solara.render(main, handle_error=False)
        svgs = [w for w in rc.find(ipyvue.VueTemplate).widgets if w.has_trait("places")]
        charts = rc.find(solara.components.echarts.EchartsWidget).widgets
        assert len(svgs) == networks and len(charts) == len(CHARTS)
        assert not rc.find(ipywidgets.Image).widgets
        step = rc.find(ipyvuetify.Btn, attributes=named("Step")).widget
        step.fire_event("click", {})
        assert week.value == model.value.week == 1
        assert all(svg.now["week"] == 1 for svg in svgs)
        assert all(chart.attributes["data-week"] == "1" for chart in charts)
        play = rc.find(ipyvuetify.Btn, attributes=named("Play")).widget
        assert play.children[-1] == "Play" and named("Play") == {
            "aria-label": "Play",
            "title": "Play",
        }


def test_a_step_while_the_page_reads_is_never_half_done() -> None:
    """Play steps in a thread while the page redraws from another: reads under the model's
    lock always see whole weeks."""
    page = PageModel(SMALL)
    stepping = threading.Thread(target=lambda: [page.step() for _ in range(40)])
    stepping.start()
    while stepping.is_alive():
        with page.lock:
            frame = history(page.arms[0].model)
            assert frame["week"].iloc[-1] == page.week == len(frame) - 1
    stepping.join()


def test_server_command_serves_the_page_offline() -> None:
    cmd = command(8123)
    assert cmd[:4] == [sys.executable, "-m", "solara", "run"]
    assert str(APP) in cmd and APP.is_file()
    assert "--production" in cmd and cmd[cmd.index("--host") + 1] == "127.0.0.1"
    assert cmd[cmd.index("--port") + 1] == "8123" and "--no-open" in cmd
    shared = command(8123, host="0.0.0.0", open_browser=True)
    assert "--open" in shared and shared[shared.index("--host") + 1] == "0.0.0.0"
    port = free_port()
    assert port_is_free(port) and check(port, "127.0.0.1") == port


@pytest.mark.parametrize(
    ("port", "host", "words"),
    [
        (0, "127.0.0.1", "port 0 is out of range"),
        (70000, "127.0.0.1", "from 1 to 65535"),
        (8123, "no-such-host.invalid", "not an address"),
    ],
)
def test_bad_port_or_host_is_a_clear_error(port: int, host: str, words: str) -> None:
    with pytest.raises(CoprodError, match=words):
        check(port, host)


def test_a_port_in_use_is_a_clear_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(CoprodError, match=f"port {port} cannot be used"):
            check(port, "127.0.0.1")


def test_sharing_with_the_class_says_where_and_what_it_exposes() -> None:
    alone = announce(8765, "127.0.0.1")
    assert "http://127.0.0.1:8765" in alone and "this computer only" in alone
    shared = announce(8765, "0.0.0.0")
    assert "no password" in shared and "Shared with the network" in shared
    assert all(f"http://{a}:8765" in shared for a in addresses("0.0.0.0"))
    assert "127.0.0.1" not in addresses("0.0.0.0")
    assert announce(8765, "192.0.2.7").count("http://192.0.2.7:8765") == 2


def test_the_cookie_warning_is_filtered_in_the_servers_environment() -> None:
    """Solara's 14-line SameSite warning on every page load: the server's environment drops
    it (and only it)."""
    code = (
        "import warnings; warnings.warn('Cookies with samesite=none require https, but "
        "the scheme is http', UserWarning); warnings.warn('another warning', UserWarning)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=environment(), capture_output=True, text=True
    )
    assert "another warning" in result.stderr and "samesite" not in result.stderr


def test_model_and_server_modules_do_not_import_solara() -> None:
    """Batch workers import simulation; `coprod viz` imports the server module: neither may
    load solara (only the page's own process does)."""
    code = (
        "import sys, coprod.simulation, coprod.simulation.page.model, "
        "coprod.simulation.page.server; print('solara' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr
