"""The teaching page without a browser: what the controls mean in parameters, the seeded
layout, side-by-side runs on the same people, chart data that moves with each step, the
pictures, the server command, and that batch code never pulls in solara."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest

from coprod.simulation.page.figures import LineChart, NetworkPicture
from coprod.simulation.page.model import (
    LEVERS,
    PageModel,
    PageSettings,
    helping_edges,
    history,
    lever_matters,
    positions,
    runs_for,
    scenario_params,
    slider_range,
)
from coprod.simulation.page.server import APP, command, free_port, port_is_free
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


def test_reset_rebuilds_from_live_settings() -> None:
    """SolaraViz's Reset calls PageModel(settings=<what it was first given>): a live holder
    with ``.value`` makes it build from the current settings."""

    class Live:
        value = SMALL

    live = Live()
    live.value = replace(SMALL, compare_with="codesign", seed=3)
    model = PageModel(settings=live)
    assert model.settings == live.value
    assert [arm.label for arm in model.arms] == ["traditional", "codesign"]


def test_pictures_follow_the_model() -> None:
    page = PageModel(SMALL.with_scenario("timebank"))
    arm = page.arms[0]
    picture = NetworkPicture(arm.model, arm.positions, arm.label)
    picture.update()
    page.step()
    figure = picture.update()
    assert picture.heading.get_text() == "timebank: week 1"
    assert len(picture.helping.get_segments()) == len(helping_edges(arm.model)) > 0
    n_users = arm.model.params.n_users
    np.testing.assert_array_equal(
        picture.users.get_array(), arm.model.community.wellbeing[:n_users]
    )
    assert figure is picture.figure
    chart = LineChart("x", "y", 104, [("a", "#000000", "-")], ylim=(0, None))
    chart.update([(np.array([0, 1]), np.array([2.0, 4.0]))])
    line, dot = chart.lines[0]
    assert list(line.get_ydata()) == [2.0, 4.0] and list(dot.get_xdata()) == [1]
    assert chart.ax.get_ylim()[0] == 0 and chart.ax.get_ylim()[1] >= 4.0


def test_page_renders_its_pictures() -> None:
    """The page's main area renders in-process: two panels and four charts, five images."""
    import ipywidgets
    import solara

    from coprod.simulation.page.app import Page, page

    assert page is not None  # `solara run simulation/page/app.py` finds the Mesa-style `page`
    _, rc = solara.render(Page(), handle_error=False)
    images = rc.find(ipywidgets.Image).widgets
    assert len(images) == 5 and all(len(image.value) > 1000 for image in images)


def test_server_command_serves_the_page_offline_on_localhost() -> None:
    cmd = command(8123)
    assert cmd[:4] == [sys.executable, "-m", "solara", "run"]
    assert str(APP) in cmd and APP.is_file()
    assert "--production" in cmd and cmd[cmd.index("--host") + 1] == "127.0.0.1"
    assert cmd[cmd.index("--port") + 1] == "8123" and "--no-open" in cmd
    assert "--open" in command(8123, open_browser=True)
    port = free_port()
    assert port_is_free(port)


def test_model_and_server_modules_do_not_import_solara() -> None:
    """Batch workers import simulation; `coprod viz` imports the server module: neither may
    load solara (only the page's own process does)."""
    code = (
        "import sys, simulation, coprod.simulation.page.model, coprod.simulation.page.server; "
        "print('solara' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr
