"""The health-economics core: discounting, QALYs, paired increments, PSA decision analysis and
scenario discovery, each against a case whose answer is known independently of the code."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from coprod.experiments.designs.distributions import parse_distributions
from coprod.experiments.jobs.results import load
from coprod.experiments.methods.economics import (
    DEFAULT_MAPPING,
    Evaluation,
    UtilityMapping,
    ceac,
    ceaf,
    discount_factors,
    evaluate,
    evpi,
    evppi,
    icer,
    increments,
    plane,
    price_year,
    psa_table,
    run_outcomes,
    summarise,
)
from coprod.experiments.methods.economics.psa import analyse, psa_draws
from coprod.experiments.methods.economics.utility import norm_anchored, slope_from_correlation
from coprod.experiments.methods.prim import discover
from coprod.simulation.errors import CoprodError

Q = 1.035 ** (-1 / 52)  # one week's discount factor at 3.5% a year


def _run(run_id, scenario="a", cost=520.0, wemwbs=50.0, weeks=104, hours=0.0, replicate=0, point=0):
    """One run's weekly table as ``coprod.load`` gives it: week 0 (the start) then 1..weeks."""
    week = np.arange(weeks + 1)
    cost_week = np.broadcast_to(np.asarray(cost, dtype=float), week.shape).copy()
    return pd.DataFrame(
        {
            "run_id": run_id,
            "scenario": scenario,
            "replicate": replicate,
            "point": point,
            "week": week,
            "wemwbs_mean": wemwbs,
            "cost_week": cost_week,
            "cost_cumulative": np.concatenate([[0.0], np.cumsum(cost_week[1:])]),
            "community_hours": hours,
        }
    )


def _runs_table(timeseries, n_users=10, discount_rate=0.0, year=2024):
    ids = timeseries.drop_duplicates("run_id")
    return pd.DataFrame(
        {
            "run_id": ids["run_id"],
            "scenario": ids["scenario"],
            "n_users": n_users,
            "discount_rate": discount_rate,
            "price_year": year,
        }
    )


def test_weekly_discount_factors_meet_the_annual_rate_each_year():
    factors = discount_factors(np.array([1, 27, 53, 105]), 0.035)
    assert factors == pytest.approx([1, 1.035**-0.5, 1 / 1.035, 1 / 1.035**2])
    assert discount_factors(np.array([1, 500]), 0.0) == pytest.approx([1, 1])


def test_two_years_of_constant_cost_and_wellbeing_discount_as_a_geometric_series():
    ts = _run("r", cost=520.0, wemwbs=50.0, weeks=104)
    out = run_outcomes(ts, _runs_table(ts, n_users=10)).iloc[0]
    geometric = (1 - Q**104) / (1 - Q)  # sum of Q**k for k = 0..103, by hand
    assert out["cost"] == pytest.approx(52.0 * geometric)
    assert out["cost_undiscounted"] == pytest.approx(52.0 * 104)
    utility = DEFAULT_MAPPING.intercept + DEFAULT_MAPPING.slope * 50.0
    assert out["qalys"] == pytest.approx(utility / 52 * geometric)
    assert out["qalys_undiscounted"] == pytest.approx(utility * 2)
    assert out["weeks"] == 104


def test_costs_and_qalys_take_their_own_rates():
    ts = _run("r", weeks=52)
    out = run_outcomes(ts, _runs_table(ts), Evaluation(cost_rate=0.0, qaly_rate=0.015)).iloc[0]
    assert out["cost"] == pytest.approx(out["cost_undiscounted"])
    assert out["qalys"] < out["qalys_undiscounted"]


def test_weeks_recorded_every_fourth_keep_the_undiscounted_cost_exact():
    rising = np.linspace(100, 300, 53)
    full = _run("full", cost=rising, weeks=52)
    thinned = _run("thin", cost=rising, weeks=52)
    thinned = thinned[(thinned["week"] % 4 == 0) | (thinned["week"] == 52)]
    both = pd.concat([full, thinned])  # one table may mix complete and thinned runs
    out = run_outcomes(both, _runs_table(both)).set_index("run_id")
    exact, approx = out.loc["full"], out.loc["thin"]
    assert approx["cost_undiscounted"] == pytest.approx(exact["cost_undiscounted"])
    assert approx["cost"] == pytest.approx(exact["cost"], rel=1e-3)
    assert approx["weeks"] == 52


def test_societal_perspective_adds_unpaid_hours_at_the_stated_rate():
    ts = _run("r", cost=500.0, hours=20.0, weeks=52)
    runs = _runs_table(ts, n_users=10)
    flat = {"cost_rate": 0.0, "qaly_rate": 0.0}
    nhs = run_outcomes(ts, runs, Evaluation(**flat)).iloc[0]
    societal = run_outcomes(ts, runs, Evaluation(perspective="societal", hour_value=12, **flat))
    assert societal.iloc[0]["cost"] - nhs["cost"] == pytest.approx(12 * 20 * 52 / 10)
    assert societal.iloc[0]["qalys"] == nhs["qalys"]


def test_runs_the_model_discounted_are_refused_and_price_years_must_agree():
    ts = _run("r")
    with pytest.raises(CoprodError, match="discount_rate"):
        run_outcomes(ts, _runs_table(ts, discount_rate=0.035))
    mixed = pd.concat([_runs_table(ts, year=2022), _runs_table(ts, year=2024)])
    with pytest.raises(CoprodError, match="price years"):
        price_year(mixed)
    assert price_year(_runs_table(ts)) == 2024


def test_the_evaluation_states_its_settings_and_the_hour_value_only_where_it_counts():
    nhs = Evaluation().settings()
    assert nhs["perspective"] == "NHS and personal social services"
    assert nhs["cost_discount_rate"] == 0.035 and "hour_value_gbp" not in nhs
    societal = Evaluation(perspective="societal").settings()
    assert societal["hour_value_gbp"] == 11.44
    assert "National Living Wage" in societal["hour_value_source"]
    assert Evaluation(perspective="societal", hour_value=15).settings()["hour_value_source"] == (
        "set by the user"
    )


def test_bad_evaluation_settings_are_named():
    with pytest.raises(CoprodError, match="perspective"):
        Evaluation(perspective="patient")
    with pytest.raises(CoprodError, match="cost_rate"):
        Evaluation(cost_rate=0.5)


def test_each_point_can_carry_its_own_draw_of_the_mapping():
    ts = pd.concat(
        [_run("p0", wemwbs=40, point=0, weeks=52), _run("p1", wemwbs=40, point=1, weeks=52)]
    )
    draws = pd.DataFrame({"utility_intercept": [0.5, 0.2], "utility_slope": [0.0, 0.01]})
    out = run_outcomes(ts, _runs_table(ts), Evaluation(qaly_rate=0.0), coefficients=draws)
    assert out["qalys"].tolist() == pytest.approx([0.5, 0.6])
    with pytest.raises(CoprodError, match=r"design points \[1\]"):
        run_outcomes(ts, _runs_table(ts), coefficients=draws.iloc[:1])


def test_the_mapping_passes_its_anchor_is_capped_and_draws_with_its_covariance():
    mapping = norm_anchored(
        "test", 50.0, 0.8, 0.01, 0.01, 0.002, target="t", source="s", weakness="w"
    )
    assert mapping.utility(np.array([50.0]))[0] == pytest.approx(0.8)
    assert mapping.utility(np.array([70.0]))[0] == 1.0  # 0.8 + 0.2 = 1.0, and no higher
    assert mapping.utility(np.array([90.0]))[0] == 1.0
    draws = mapping.draw(40_000, np.random.SeedSequence(3))
    assert np.cov(draws.to_numpy().T) == pytest.approx(np.array(mapping.covariance), rel=0.05)
    at_anchor = draws["utility_intercept"] + 50.0 * draws["utility_slope"]
    assert at_anchor.std() == pytest.approx(0.01, rel=0.05)  # the slope's spread cancels there
    with pytest.raises(CoprodError, match="semidefinite"):
        UtilityMapping("bad", 0, 0, ((1, 2), (2, 1)), "t", "s", "w")


def test_a_slope_from_r_squared_and_sds_is_the_least_squares_slope_with_its_se():
    rng = np.random.default_rng(4)
    wemwbs = rng.normal(50, 9, 3000)
    utility = 0.4 + 0.008 * wemwbs + rng.normal(0, 0.2, 3000)
    fit = stats.linregress(wemwbs, utility)
    sds = (utility.std(ddof=1), 0.0), (wemwbs.std(ddof=1), 0.0)
    slope, se = slope_from_correlation(fit.rvalue**2, 3000, *sds)
    assert slope == pytest.approx(fit.slope, rel=1e-12)
    assert se == pytest.approx(fit.stderr, rel=1e-9)  # the regression's own sampling se
    _, wider = slope_from_correlation(fit.rvalue**2, 3000, (sds[0][0], 0.02), sds[1])
    assert wider**2 == pytest.approx(se**2 + (slope * 0.02 / sds[0][0]) ** 2)
    with pytest.raises(CoprodError, match="r_squared"):
        slope_from_correlation(1.2, 3000, *sds)
    with pytest.raises(CoprodError, match="positive"):
        slope_from_correlation(0.1, 3000, (0.0, 0.0), sds[1])


# The published figures the default mapping is derived from, restated from their sources so
# that a slip in either place shows (docs/ECONOMICS.md section 2 gives the addresses).
JOHNSON_2016_R2, JOHNSON_2016_N = 0.104, 7469  # Health Qual Life Outcomes 14:126, abstract
SHES_2018_WEMWBS_MEAN, SHES_2018_WEMWBS_SD = 49.4, 8.96  # Scottish Health Survey 2018, T1.2
SHES_2018_WEMWBS_SD_AGE_BANDS = (7.62, 9.85)  # lowest and highest of its seven age bands
LINDKVIST_2016_EQ5D_SD = 0.22  # Health Qual Life Outcomes 14:134, Table 1, UK tariff
JANSSEN_2021_EQ5D_SD_BANDS = (0.096, 0.291)  # EUR5 norms, Eur J Health Econ, abstract
KIND_1999_EQ5D_MEAN, ASSUMED_MEAN_SE = 0.86, 0.01  # York CHE DP 172, not re-read


def test_the_default_mapping_is_derived_from_the_published_figures_it_names():
    m = DEFAULT_MAPPING
    z = stats.norm.ppf(0.975)
    se_su = (JANSSEN_2021_EQ5D_SD_BANDS[1] - JANSSEN_2021_EQ5D_SD_BANDS[0]) / (2 * z)
    se_sw = (SHES_2018_WEMWBS_SD_AGE_BANDS[1] - SHES_2018_WEMWBS_SD_AGE_BANDS[0]) / (2 * z)
    slope = math.sqrt(JOHNSON_2016_R2) * LINDKVIST_2016_EQ5D_SD / SHES_2018_WEMWBS_SD
    var_slope = slope**2 * (
        (1 - JOHNSON_2016_R2) / (JOHNSON_2016_R2 * (JOHNSON_2016_N - 2))
        + (se_su / LINDKVIST_2016_EQ5D_SD) ** 2
        + (se_sw / SHES_2018_WEMWBS_SD) ** 2
    )
    assert m.slope == pytest.approx(slope, rel=1e-12)
    assert m.intercept == pytest.approx(KIND_1999_EQ5D_MEAN - slope * SHES_2018_WEMWBS_MEAN)
    w0 = SHES_2018_WEMWBS_MEAN
    expected = [
        [ASSUMED_MEAN_SE**2 + w0**2 * var_slope, -w0 * var_slope],
        [-w0 * var_slope, var_slope],
    ]
    assert np.array(m.covariance) == pytest.approx(np.array(expected), rel=1e-12)
    assert "derived" in m.name and "provisional" in m.name
    assert m.weakness.startswith("Provisional: derived") and "not a published mapping" in m.weakness
    for figure in ("0.104", "7,469", "8.96", "0.22", "49.4", "0.86"):
        assert figure in m.source


def test_icer_names_each_quadrant():
    assert icer(1000, 0.1) == (pytest.approx(10_000), "cost per QALY gained")
    assert icer(-100, -0.01) == (pytest.approx(10_000), "saving per QALY lost")
    assert icer(-5, 0.1)[1] == "dominant"
    assert icer(0, 0.1)[1] == "dominant"
    assert icer(5, -0.1)[1] == "dominated"
    assert icer(0, 0)[1] == "no difference"


def _paired_outcomes(d_cost, d_qalys, baseline="base", arm="arm"):
    """Outcomes of paired replicates whose increments are exactly ``d_cost`` and ``d_qalys``."""
    rng = np.random.default_rng(0)
    n = len(d_cost)
    base_cost, base_q = rng.normal(2000, 300, n), rng.normal(0.8, 0.05, n)
    rows = {"point": 0, "replicate": np.arange(n)}
    return pd.concat(
        [
            pd.DataFrame({**rows, "scenario": baseline, "cost": base_cost, "qalys": base_q}),
            pd.DataFrame(
                {**rows, "scenario": arm, "cost": base_cost + d_cost, "qalys": base_q + d_qalys}
            ),
        ]
    )


def test_paired_increments_give_the_known_icer_and_inmb_with_a_t_interval():
    d_cost = np.array([900.0, 1100.0, 950.0, 1050.0])
    d_qalys = np.full(4, 0.1)
    table = summarise(increments(_paired_outcomes(d_cost, d_qalys), "base"), [20_000])
    row = table.set_index("scenario").loc["arm"]
    assert row["d_cost"] == pytest.approx(1000)
    assert row["icer"] == pytest.approx(10_000)
    assert row["quadrant"] == "cost per QALY gained"
    nmb = 20_000 * d_qalys - d_cost
    half = stats.t.ppf(0.975, 3) * nmb.std(ddof=1) / 2
    assert row["inmb_20000"] == pytest.approx(1000)
    assert (row["inmb_20000_lo"], row["inmb_20000_hi"]) == pytest.approx((1000 - half, 1000 + half))
    assert row["p_ce_20000"] == 1.0


def test_increments_refuse_unpaired_runs_and_unknown_baselines():
    outcomes = _paired_outcomes(np.zeros(3), np.zeros(3))
    with pytest.raises(CoprodError, match="pair"):
        increments(
            outcomes[~((outcomes["scenario"] == "base") & (outcomes["replicate"] == 2))], "base"
        )
    with pytest.raises(CoprodError, match="baseline 'nobody'"):
        increments(outcomes, "nobody")


def test_evaluate_reads_a_compare_from_its_tables():
    ts = pd.concat(
        [
            _run(f"base-r{i}", "base", cost=600.0, wemwbs=45.0, weeks=52, replicate=i)
            for i in range(3)
        ]
        + [
            _run(f"arm-r{i}", "arm", cost=500.0, wemwbs=47.0, weeks=52, replicate=i)
            for i in range(3)
        ]
    )
    verdict = evaluate(ts, _runs_table(ts, n_users=10), "base").set_index("scenario")
    assert verdict.loc["arm", "quadrant"] == "dominant"
    assert verdict.loc["arm", "d_wemwbs"] == pytest.approx(2.0)
    assert verdict.loc["arm", "d_qalys"] > 0


def _psa(d_cost, d_qalys, baseline="base", arm="arm"):
    """A PSA table: the baseline and one arm in every draw, with the given increments."""
    n = len(d_cost)
    base = pd.DataFrame({"draw": np.arange(n), "arm": baseline, "cost": 1000.0, "qalys": 1.0})
    other = base.assign(arm=arm, cost=1000.0 + d_cost, qalys=1.0 + d_qalys)
    return pd.concat([base, other], ignore_index=True)


def test_the_psa_table_averages_replicates_within_each_draw_and_arm():
    outcomes = pd.DataFrame(
        {
            "scenario": ["base", "base", "arm", "arm", "base", "arm"],
            "point": [0, 0, 0, 0, 1, 1],
            "replicate": [0, 1, 0, 1, 0, 0],
            "cost": [100.0, 300.0, 50.0, 70.0, 10.0, 20.0],
            "qalys": [0.5, 0.7, 0.6, 0.8, 0.1, 0.2],
        }
    )
    table = psa_table(outcomes).set_index(["draw", "arm"])
    assert table.loc[(0, "base"), "cost"] == pytest.approx(200)
    assert table.loc[(0, "arm"), "qalys"] == pytest.approx(0.7)
    assert table.loc[(1, "arm"), "cost"] == pytest.approx(20)


def test_ceac_of_a_planted_arm_matches_the_normal_probability():
    rng = np.random.default_rng(1)
    n, mq, sq, mc, sc = 40_000, 0.05, 0.02, 1000.0, 300.0
    psa = _psa(rng.normal(mc, sc, n), rng.normal(mq, sq, n))
    lams = [0, 10_000, 20_000, 30_000, 50_000]
    curve = ceac(psa, lams)
    for lam in lams:
        expected = stats.norm.cdf((lam * mq - mc) / math.hypot(lam * sq, sc))
        assert curve.loc[lam, "arm"] == pytest.approx(expected, abs=0.01)
    assert curve.sum(axis=1).to_numpy() == pytest.approx(1.0)


def test_the_plane_holds_each_draws_increments():
    d_cost, d_qalys = np.array([10.0, -5.0]), np.array([0.01, 0.02])
    points = plane(_psa(d_cost, d_qalys), "base")
    assert points["d_cost"].tolist() == pytest.approx(d_cost)
    assert points["d_qalys"].tolist() == pytest.approx(d_qalys)


def test_frontier_of_three_arms_switches_at_their_icers():
    rng = np.random.default_rng(2)
    n = 2000
    base = pd.DataFrame({"draw": np.arange(n), "arm": "A", "cost": 0.0, "qalys": 0.0})
    b = base.assign(arm="B", cost=1000 + rng.normal(0, 50, n), qalys=0.1 + rng.normal(0, 0.005, n))
    c = base.assign(arm="C", cost=3000 + rng.normal(0, 50, n), qalys=0.15 + rng.normal(0, 0.005, n))
    frontier = ceaf(pd.concat([base, b, c]), [5_000, 20_000, 50_000])
    assert frontier["arm"].tolist() == ["A", "B", "C"]  # B's ICER 10,000; C against B 40,000
    assert frontier["probability"].iloc[:2].tolist() == pytest.approx([1, 1], abs=0.01)
    c_over_b = stats.norm.cdf(
        (50_000 * 0.05 - 2000) / math.hypot(50_000 * 0.005 * 2**0.5, 50 * 2**0.5)
    )
    assert frontier.loc[50_000, "probability"] == pytest.approx(c_over_b, abs=0.03)


def test_evpi_is_zero_without_uncertainty():
    psa = _psa(np.full(500, 1000.0), np.full(500, 0.04))
    assert evpi(psa, [0, 25_000, 50_000]).to_numpy() == pytest.approx(0, abs=1e-9)


def test_evpi_of_a_two_arm_normal_decision_matches_its_closed_form():
    rng = np.random.default_rng(3)
    mu, sigma = 100.0, 400.0  # incremental net benefit ~ N(mu, sigma) at a zero threshold
    psa = _psa(-rng.normal(mu, sigma, 400_000), np.zeros(400_000))
    closed = sigma * stats.norm.pdf(mu / sigma) + mu * stats.norm.cdf(mu / sigma) - max(mu, 0)
    assert evpi(psa, [0]).loc[0] == pytest.approx(closed, rel=0.02)


def test_evppi_of_the_group_that_carries_the_uncertainty_approaches_evpi():
    rng = np.random.default_rng(4)
    n = 1500
    draws = pd.DataFrame({"x1": rng.uniform(0, 1, n), "x2": rng.uniform(0, 1, n)})
    d_cost = -1000 * (draws["x1"] - 0.45) ** 3 * 8  # only x1 matters, non-linearly
    psa = _psa(d_cost.to_numpy(), np.zeros(n))
    full = evpi(psa, [0]).loc[0]
    partial = evppi(
        psa, draws, {"relevant": ["x1"], "irrelevant": ["x2"], "both": ["x1", "x2"]}, "base", [0]
    )
    assert full > 10
    assert partial.loc[0, "relevant"] == pytest.approx(full, rel=0.05)
    assert partial.loc[0, "both"] == pytest.approx(full, rel=0.05)
    assert partial.loc[0, "irrelevant"] < 0.05 * full


def test_evppi_names_parameters_that_were_not_drawn():
    psa = _psa(np.zeros(5), np.zeros(5))
    draws = pd.DataFrame({"x1": np.arange(5.0)})
    with pytest.raises(CoprodError, match="not drawn: x9"):
        evppi(psa, draws, {"g": ["x9"]}, "base", [0])


def test_prim_recovers_a_planted_box():
    rng = np.random.default_rng(5)
    n = 2000
    x = pd.DataFrame({name: rng.uniform(0, 1, n) for name in ("hours_per_need", "uptake", "noise")})
    pays = (x["hours_per_need"] > 0.6).to_numpy() & (x["uptake"] < 0.3).to_numpy()
    boxes = discover(x, pays)
    first = boxes[0]
    assert set(first.limits) == {"hours_per_need", "uptake"}
    assert first.limits["hours_per_need"][0] == pytest.approx(0.6, abs=0.03)
    assert first.limits["hours_per_need"][1] is None
    assert first.limits["uptake"][1] == pytest.approx(0.3, abs=0.03)
    assert first.coverage > 0.9 and first.density > 0.9
    assert first.rule("INMB > 0").startswith("INMB > 0 when hours_per_need > 0.")


def test_prim_refuses_a_condition_with_nothing_to_discover():
    x = pd.DataFrame({"a": np.linspace(0, 1, 50)})
    with pytest.raises(CoprodError, match="none or all"):
        discover(x, np.zeros(50, dtype=bool))


def test_psa_draws_are_reproducible_and_the_mappings_do_not_move_with_the_parameters():
    uncertain = parse_distributions(
        {"hour_cost": {"dist": "gamma", "mean": 55, "sd": 8}}, "psa.toml"
    )
    more = parse_distributions(
        {
            "hour_cost": {"dist": "gamma", "mean": 55, "sd": 8},
            "gp_cost": {"dist": "normal", "mean": 42, "sd": 5},
        },
        "psa.toml",
    )
    one = psa_draws(uncertain, 100, np.random.SeedSequence(8))
    assert one.equals(psa_draws(uncertain, 100, np.random.SeedSequence(8)))
    assert list(one.columns) == ["hour_cost", "utility_intercept", "utility_slope"]
    two = psa_draws(more, 100, np.random.SeedSequence(8))
    assert two[["utility_intercept", "utility_slope"]].equals(
        one[["utility_intercept", "utility_slope"]]
    )


def test_analyse_gives_consistent_tables_and_finds_where_the_arm_pays():
    uncertain = parse_distributions(
        {
            "hours_per_need": {"dist": "uniform", "min": 1, "max": 6},
            "hour_cost": {"dist": "gamma", "mean": 55, "sd": 8},
        },
        "psa.toml",
    )
    draws = psa_draws(uncertain, 600, np.random.SeedSequence(9))
    # the arm gains 0.01 QALYs; its INMB at 20,000 is 400 x (hours_per_need - 3.5)
    d_cost = 200 - 400 * (draws["hours_per_need"].to_numpy() - 3.5)
    result = analyse(_psa(d_cost, np.full(len(draws), 0.01)), draws, "base")
    verdict = result.verdict.set_index("scenario").loc["arm"]
    assert verdict["p_ce_20000"] == pytest.approx(result.ceac.loc[20_000, "arm"])
    assert verdict["p_ce_20000"] == pytest.approx(0.5, abs=0.02)  # hours_per_need > 3.5
    assert set(result.evppi.columns) == {"hours_per_need", "hour_cost", "utility mapping"}
    full = result.evpi.loc[20_000]
    assert result.evppi.loc[20_000, "hours_per_need"] == pytest.approx(full, rel=0.05)
    assert result.evppi.loc[20_000, "hour_cost"] < 0.05 * full
    first = result.boxes["arm"][0]
    assert list(first.limits) == ["hours_per_need"]
    assert first.limits["hours_per_need"][0] == pytest.approx(3.5, abs=0.15)


def test_a_real_results_folder_is_evaluated_and_its_totals_are_the_models_own(reference):
    results = load(reference)
    out = run_outcomes(results.timeseries, results.runs).set_index("run_id")
    runs = results.runs.set_index("run_id")
    per_person = runs["total_cost"] / runs["n_users"]
    assert out["cost_undiscounted"].to_numpy() == pytest.approx(per_person[out.index].to_numpy())
    assert (out["cost"] < out["cost_undiscounted"]).all()  # 24 weeks at 3.5% a year
    assert (out["weeks"] == runs.loc[out.index, "weeks"]).all()
    verdict = evaluate(results.timeseries, results.runs, "traditional")
    assert verdict["scenario"].tolist() == ["timebank"]
    assert verdict["n"].iloc[0] == runs["replicate"].nunique()


def test_societal_perspective_values_carers_and_volunteers_hours_recorded_or_thinned():
    ts = _run("r", cost=500.0, hours=20.0, weeks=52).assign(carer_hours=7.0)
    runs = _runs_table(ts, n_users=10)
    flat = {"cost_rate": 0.0, "qaly_rate": 0.0}
    nhs = run_outcomes(ts, runs, Evaluation(**flat)).iloc[0]["cost"]
    societal = Evaluation(perspective="societal", hour_value=12, **flat)
    both = run_outcomes(ts, runs, societal).iloc[0]["cost"]
    assert both - nhs == pytest.approx(12 * (20 + 7) * 52 / 10)
    thinned = ts[ts["week"] % 4 == 0]  # [record] every = 4: hours interpolated between
    assert run_outcomes(thinned, runs, societal).iloc[0]["cost"] == pytest.approx(both)
    volunteers = run_outcomes(ts.drop(columns="carer_hours"), runs, societal).iloc[0]["cost"]
    assert both - volunteers == pytest.approx(12 * 7 * 52 / 10)  # carers' time is its own part
