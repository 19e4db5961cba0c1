"""Home-care packages and care-home placements (MODEL.md 10.3): knock-outs, the review rule,
placements under the power rule, ties cut by a placement, costs and validation."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from coprod.simulation import CoProductionModel, Params, simulate
from coprod.simulation.community import TieLedger
from coprod.simulation.network import build_ties
from coprod.simulation.packages import (
    build_packages,
    cut_ties,
    place,
    vacate,
    with_inactive,
)
from coprod.simulation.params import LEVERS
from coprod.simulation.rules import POWER_RULES

SMALL = {"n_users": 300, "n_neighbours": 200, "n_professionals": 18, "warmup_weeks": 20}


def run(weeks: int = 52, seed: int = 3, **changes):
    return simulate(Params(**{**SMALL, "weeks": weeks, **changes}), seed).timeseries


def test_packages_off_means_no_package_hours_and_no_package_cost():
    """Off from each person's first review on: week 0 is the status quo in every scenario."""
    on, off = run(package_hours_factor=1.0), run(package_hours_factor=0.0)
    assert on["package_hours"].min() > 0 and on["cost_packages"].min() > 0
    after = off[off["week"] >= Params().review_weeks]
    assert (after["package_hours"] == 0).all() and (after["cost_packages"] == 0).all()
    assert (after["users_with_package"] == 0).all()
    assert off["package_hours"].iloc[0] == on["package_hours"].iloc[0]


def test_package_and_placement_costs_are_hours_and_residents_at_their_rates():
    series = run(weeks=30)
    p = Params()
    np.testing.assert_allclose(
        series["cost_packages"], series["package_hours"] * p.package_hour_cost
    )
    np.testing.assert_allclose(
        series["cost_placements"], series["residents_in_placement"] * p.placement_week_cost
    )
    parts = [c for c in series.columns if c.startswith("cost_") and c not in ("cost_cumulative",)]
    parts = [c for c in parts if c not in ("cost_week", "cost_per_user_week")]
    np.testing.assert_allclose(series["cost_week"], series[parts].sum(axis=1))


def test_packages_change_only_at_reviews_or_after_a_crisis_or_a_breakdown():
    model = CoProductionModel(Params(**SMALL, weeks=60), seed=5)
    p, packages = model.params, model.packages
    changed_weeks = 0
    for _ in range(60):
        hours, crises = packages.hours.copy(), model.users.crises.copy()
        model.step()
        changed = packages.hours != hours
        crisis = model.users.crises > crises
        allowed = (model.week % p.review_weeks == packages.review_phase) | crisis
        allowed |= model.carers.breakdowns
        assert not (changed & ~allowed).any(), (
            f"a package changed between reviews, week {model.week}"
        )
        changed_weeks += changed.any()
    assert changed_weeks > 30  # reviews are spread over the weeks, each person on their phase


def test_the_generosity_lever_acts_from_each_persons_next_review():
    base = Params(**SMALL, weeks=30)
    model = CoProductionModel(base.model_copy(update={"package_hours_factor": 1.0}), seed=2)
    cut = CoProductionModel(base.model_copy(update={"package_hours_factor": 0.5}), seed=2)
    np.testing.assert_array_equal(model.packages.hours, cut.packages.hours)  # week 0: the same
    for _ in range(base.review_weeks):
        model.step()
        cut.step()
    assert cut.packages.hours.sum() < 0.7 * model.packages.hours.sum()


def test_package_hours_factor_is_a_validated_lever():
    assert "package_hours_factor" in LEVERS
    with pytest.raises(ValidationError, match="package_hours_factor"):
        Params(package_hours_factor=3.5)
    with pytest.raises(ValidationError, match="package_hours_factor"):
        Params(timeline=[{"week": 10, "package_hours_factor": -1}])


def test_a_smallest_package_above_the_largest_is_rejected_naming_both_keys(tmp_path):
    from coprod.simulation.errors import CoprodError
    from coprod.simulation.scenario import load_scenario

    path = tmp_path / "mean.toml"
    path.write_text("package_min_hours = 30\npackage_hours_cap = 20\n", encoding="utf-8")
    with pytest.raises(CoprodError, match=r"package_min_hours.*package_hours_cap"):
        load_scenario(str(path))


def test_weighing_alternatives_places_only_whom_support_at_home_cannot_hold():
    """The same people facing the same draws: a rule that weighs alternatives places a subset
    of those the professional would place, and only people support at home cannot hold."""
    rng = np.random.default_rng(0)
    n = 2000
    ties = build_ties(n, 4, 0.1, rng)
    need = rng.random(n)
    home = rng.random(n)
    decided, unsupported, draw = rng.random(n) < 0.5, rng.random(n) < 0.5, rng.random(n)
    p = Params(placement_professional=0.5)
    placed = {}
    for name in ("expert", "shared_decisions"):
        packages = build_packages(n, ties, np.random.default_rng(1), p)
        packages.hours[:] = 5.0
        placed[name] = place(packages, p, POWER_RULES[name], decided, need, unsupported, home, draw)
        assert (packages.hours[placed[name]] == 0).all() and packages.placed.sum() == placed[
            name
        ].sum()
    assert placed["shared_decisions"].sum() < placed["expert"].sum()
    assert not (placed["shared_decisions"] & ~placed["expert"]).any()
    assert (home[placed["shared_decisions"]] < need[placed["shared_decisions"]]).all()
    assert (need[placed["expert"]] > p.placement_need).all() and unsupported[placed["expert"]].all()


def test_fewer_placements_when_alternatives_are_weighed_in_the_model():
    expert = run(weeks=104, power_rule="expert", placement_professional=0.5)
    shared = run(weeks=104, power_rule="shared_decisions", placement_professional=0.5)
    assert expert["placements"].sum() > 0
    assert shared["placements"].sum() < expert["placements"].sum()


def placed_world(n: int, placed_count: int, seed: int):
    """A network of ``n`` people whose first ``placed_count`` were just placed (ties cut)."""
    rng = np.random.default_rng(seed)
    ties = build_ties(n, 6, 0.1, rng)
    p = Params(placement_tie_loss=0.8)
    packages = build_packages(n, ties, rng, p)
    placed = np.arange(n) < placed_count
    packages.placed[placed] = True
    memory = np.arange(len(ties.target), dtype=np.int64)
    ledger = TieLedger.of(memory, ties.reverse)
    view = with_inactive(packages, cut_ties(packages, p, placed), ledger)
    return ties, packages, memory, view, ledger


def test_a_placement_cuts_most_ties_which_stay_in_the_network_and_count_as_lost():
    ties, packages, memory, view, ledger = placed_world(400, 40, seed=4)
    lost = 1 - view.degree[:40].sum() / ties.degree[:40].sum()
    assert 0.65 < lost < 0.95
    # the view is a valid CSR of the kept edges: twins are twins, memory went with its edge
    np.testing.assert_array_equal(view.source[view.reverse], view.target)
    np.testing.assert_array_equal(view.reverse[view.reverse], np.arange(len(view.target)))
    kept = np.flatnonzero(~packages.inactive)
    np.testing.assert_array_equal(ledger.last_given, memory[kept])
    np.testing.assert_array_equal(ledger.last_back, ledger.last_given[view.reverse])
    nothing_cut = np.zeros(len(ties.target), dtype=bool)
    packages.inactive = nothing_cut
    whole = with_inactive(packages, nothing_cut, TieLedger.of(memory, ties.reverse))
    np.testing.assert_array_equal(whole.start, ties.start)


def test_the_dead_leave_their_care_home_and_package_and_their_ties_come_back():
    ties, packages, _, view, ledger = placed_world(300, 30, seed=5)
    packages.hours[30:60] = 7.0
    dead = np.array([0, 1, 2, 30, 31])
    cut_before = packages.inactive.copy()
    restored = with_inactive(packages, vacate(packages, dead), ledger)
    assert not packages.placed[dead].any() and (packages.hours[dead] == 0).all()
    assert packages.placed[3:30].all() and (packages.hours[32:60] == 7.0).all()
    from_dead = np.isin(ties.source, dead)
    to_home = packages.placed[ties.target]
    assert not packages.inactive[from_dead & ~to_home].any()  # ties to people at home return
    among_living = ~np.isin(ties.source, dead) & ~np.isin(ties.target, dead)
    np.testing.assert_array_equal(packages.inactive[among_living], cut_before[among_living])
    assert restored.degree[dead].sum() > view.degree[dead].sum()
    assert len(restored.target) == np.count_nonzero(~packages.inactive)
    assert len(ledger.last_given) == len(restored.target)
    np.testing.assert_array_equal(ledger.last_back, ledger.last_given[restored.reverse])
    assert vacate(packages, np.array([200])) is None  # nothing of theirs was cut


def test_care_homes_place_only_the_old_and_their_residents_die_sooner():
    """Placements start at placement_min_age; the hazard ratio shortens stays (Little's law)."""
    stays = {}
    for ratio in (1.0, 7.0):
        model = CoProductionModel(
            Params(**SMALL, weeks=156, placement_professional=1.0, placement_mortality_ratio=ratio),
            seed=2,
        )
        admissions, stock = 0, 0
        for _ in range(156):
            before = model.packages.placed.copy()
            model.step()
            new = model.packages.placed & ~before
            assert (model.users.age[new] >= model.params.placement_min_age).all()
            admissions += int(new.sum())
            stock += int(model.packages.placed.sum())
        stays[ratio] = stock / max(admissions, 1)
    assert admissions > 0
    assert stays[7.0] < stays[1.0]


def a_world_with_residents_in_care_homes() -> CoProductionModel:
    """Two years of a small world, from the first seed that ends with someone in a care home
    (a few people are placed in a run of 500, and some of them die)."""
    for seed in range(1, 11):
        model = CoProductionModel(Params(**SMALL, weeks=104, placement_professional=1.0), seed)
        for _ in range(104):
            model.step()
        if model.packages.placed.any():
            return model
    raise AssertionError("nobody was in a care home after two years in ten small worlds")


def test_placed_residents_ask_nothing_of_professionals_and_lose_connectedness():
    model = a_world_with_residents_in_care_homes()
    placed = np.flatnonzero(model.packages.placed)
    assert len(model.network.G.edges) * 2 == len(model.packages.full_ties.target)
    assert model.ties.degree[placed].sum() < model.packages.full_ties.degree[placed].sum()
    users = placed[placed < SMALL["n_users"]]
    assert (model.packages.hours[placed] == 0).all()
    others = np.setdiff1d(np.arange(SMALL["n_users"]), users)
    conn = model.community.connectedness
    assert conn[users].mean() < conn[others].mean()


def test_week0_services_are_identical_across_scenarios():
    """Common random numbers: the same packages, carers and placements at week 0."""
    a = CoProductionModel(Params(**SMALL), seed=7)
    b = CoProductionModel(
        Params(**SMALL, power_rule="co_design", reciprocity="timebank", package_hours_factor=2),
        seed=7,
    )
    for state in ("hours", "placed", "review_phase"):
        np.testing.assert_array_equal(getattr(a.packages, state), getattr(b.packages, state))
    for state in ("carer", "strain", "wellbeing"):
        np.testing.assert_array_equal(getattr(a.carers, state), getattr(b.carers, state))
