"""reports.stats recovers effects planted in small synthetic tables, and fails loudly if not."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as scipy_stats

from coprod.experiments.reports import stats as st
from coprod.simulation.outputs import METRICS

SCENARIOS = ["traditional", "timebank", "tokenistic"]


def make_ts(effects: dict[str, float], replicates: int = 10, weeks: int = 20, noise: float = 0.005,
            seed: int = 0) -> pd.DataFrame:  # fmt: skip
    """wellbeing_mean = 0.6 + a large replicate effect shared by every scenario (common random
    numbers) + the scenario's effect + small noise; cost_cumulative grows 100 a week."""
    rng = np.random.default_rng(seed)
    rep = rng.normal(0, 0.05, replicates)
    rows = []
    for name, effect in effects.items():
        for r in range(replicates):
            week = np.arange(weeks + 1)
            wb = 0.6 + rep[r] + effect + rng.normal(0, noise, len(week)) if noise else (
                0.6 + rep[r] + effect + 0 * week)  # fmt: skip
            rows.append(pd.DataFrame({"run_id": f"{name}-{r}", "scenario": name, "replicate": r,
                                      "week": week, "wellbeing_mean": wb,
                                      "cost_cumulative": 100.0 * week}))  # fmt: skip
    ts = pd.concat(rows, ignore_index=True)
    ts["scenario"] = ts["scenario"].astype(pd.CategoricalDtype(list(effects)))
    return ts


def row(table: pd.DataFrame, scenario: str, metric: str) -> pd.Series:
    return table[(table["scenario"] == scenario) & (table["metric"] == metric)].iloc[0]


def test_scenario_order_follows_the_job_not_the_alphabet() -> None:
    ts = make_ts({"traditional": 0, "codesign": 0, "austerity": 0}, replicates=2)
    assert st.scenario_order(ts) == ["traditional", "codesign", "austerity"]
    ends = st.window_values(ts, ["wellbeing_mean"], "end")
    assert list(ends.index.get_level_values("scenario").unique()) == st.scenario_order(ts)


def test_windows_are_early_weeks_and_last_weeks_and_cumulative_at_the_end() -> None:
    ts = make_ts({"traditional": 0.0}, replicates=2, weeks=30)
    ts["wellbeing_mean"] = ts["week"].astype(float)
    early = st.window_values(ts, ["wellbeing_mean", "cost_cumulative"], "early")
    end = st.window_values(ts, ["wellbeing_mean", "cost_cumulative"], "end")
    assert early["wellbeing_mean"].tolist() == [4.5, 4.5]  # weeks 1-8
    assert end["wellbeing_mean"].tolist() == [26.5, 26.5]  # weeks 23-30
    assert early["cost_cumulative"].tolist() == [800.0, 800.0]  # at week 8
    assert end["cost_cumulative"].tolist() == [3000.0, 3000.0]  # at week 30


def test_paired_difference_recovers_a_known_effect() -> None:
    ts = make_ts({"traditional": 0.0, "timebank": 0.05, "tokenistic": 0.0})
    d = st.paired_differences(st.window_values(ts, ["wellbeing_mean"], "end"), "traditional")
    tb = row(d, "timebank", "wellbeing_mean")
    assert tb["lo"] < 0.05 < tb["hi"] and tb["hi"] - tb["lo"] < 0.01
    assert tb["n"] == 10 and tb["d_z"] > 10
    tok = row(d, "tokenistic", "wellbeing_mean")
    assert tok["lo"] < 0 < tok["hi"]
    # Pairing is what makes it tight: the replicate effect (sd 0.05) cancels.
    levels = st.ci_table(st.window_values(ts, ["wellbeing_mean"], "end"), ["scenario"],
                         ["wellbeing_mean"])  # fmt: skip
    assert (levels["hi"] - levels["lo"]).min() > 5 * (tb["hi"] - tb["lo"])


def test_wilcoxon_small_for_big_effect_and_holm_within_scenario() -> None:
    ts = make_ts({"traditional": 0.0, "timebank": 0.05, "tokenistic": 0.0})
    ts["cost_cumulative"] += np.where(ts["scenario"] == "timebank", -500.0, 0.0)
    end = st.window_values(ts, ["wellbeing_mean", "cost_cumulative"], "end")
    t = st.wilcoxon_tests(end, "traditional", ["wellbeing_mean", "cost_cumulative"])
    tb = t[t["scenario"] == "timebank"]
    assert tb["p"].tolist() == pytest.approx([2 / 2**10] * 2)  # the smallest possible
    assert tb["p_holm"].tolist() == pytest.approx([4 / 2**10] * 2)
    assert row(t, "tokenistic", "wellbeing_mean")["p"] > 0.05


def test_holm_matches_hand_computation() -> None:
    assert st.holm(np.array([0.01, 0.04, 0.03])) == pytest.approx([0.03, 0.06, 0.06])


def test_identical_arms_and_constant_shifts_do_not_break() -> None:
    ts = make_ts({"traditional": 0.0, "copy": 0.0, "shift": 0.01}, noise=0)
    end = st.window_values(ts, ["wellbeing_mean"], "end")
    d = st.paired_differences(end, "traditional")
    same, shift = row(d, "copy", "wellbeing_mean"), row(d, "shift", "wellbeing_mean")
    assert (same["diff"], same["lo"], same["hi"]) == (0, 0, 0) and np.isnan(same["d_z"])
    assert shift["lo"] == pytest.approx(0.01) and np.isnan(shift["d_z"])
    t = st.wilcoxon_tests(end, "traditional", ["wellbeing_mean"])
    assert row(t, "copy", "wellbeing_mean")["p"] == 1.0
    assert st.gain_verdict(same["lo"], same["hi"], st.MID["wellbeing_mean"]).startswith("no gain")


def test_one_replicate_gives_no_interval_and_no_test() -> None:
    ts = make_ts({"traditional": 0.0, "timebank": 0.05}, replicates=1)
    end = st.window_values(ts, ["wellbeing_mean"], "end")
    d = row(st.paired_differences(end, "traditional"), "timebank", "wellbeing_mean")
    assert d["diff"] == pytest.approx(0.05, abs=0.01)
    assert np.isnan(d["lo"]) and np.isnan(d["hi"]) and np.isnan(d["d_z"])
    assert np.isnan(st.wilcoxon_tests(end, "traditional", ["wellbeing_mean"])["p"].iloc[0])
    assert st.gain_verdict(d["lo"], d["hi"], 0.018).startswith("cannot say")
    assert st.ci_table(end, ["scenario"], ["wellbeing_mean"])["lo"].isna().all()


@pytest.mark.parametrize(("effect", "noise", "verdict"), [
    (0.0, 0.001, "no gain: a gain as large"), (0.05, 0.001, "a gain larger"),
    (-0.05, 0.001, "no gain: a loss"), (0.01, 0.001, "no gain: a gain as large as the minimal "
    "important difference is ruled out (a smaller gain is likely"),
    (0.018, 0.014, "a gain, but it may be smaller"), (0.01, 0.05, "inconclusive")])  # fmt: skip
def test_mid_verdicts(effect: float, noise: float, verdict: str) -> None:
    ts = make_ts({"traditional": 0.0, "b": effect}, noise=noise, weeks=8)
    end = st.window_values(ts, ["wellbeing_mean"], "end")
    d = row(st.paired_differences(end, "traditional"), "b", "wellbeing_mean")
    assert st.gain_verdict(d["lo"], d["hi"], st.MID["wellbeing_mean"]).startswith(verdict)


def test_break_even_week_is_the_known_crossing() -> None:
    ts = make_ts({"traditional": 0.0, "late": 0.0, "never": 0.0, "always": 0.0, "back": 0.0},
                 replicates=3, weeks=40)  # fmt: skip
    w, s = ts["week"].to_numpy(), ts["scenario"].astype(str).to_numpy()
    extra = {"late": np.where(w <= 10, 50.0 * w, 500 - 100.0 * (w - 10)),  # 0 at week 15
             "never": 10.0 * w, "always": -10.0 * w,
             "back": np.where(w <= 30, -10.0 * w, -300 + 100.0 * (w - 30))}  # fmt: skip
    for name, add in extra.items():
        ts.loc[s == name, "cost_cumulative"] += add[s == name]
    diff = st.paired_over_time(ts, "traditional", "cost_cumulative")
    assert st.break_even_week(diff, "late") == 16  # below from week 16 on
    assert st.break_even_week(diff, "never") is None
    assert st.break_even_week(diff, "always") == 1
    assert st.break_even_week(diff, "back") is None  # cheaper, then dearer again
    late = diff[(diff["scenario"] == "late") & (diff["week"] == 10)].iloc[0]
    assert late["diff"] == pytest.approx(500) and late["lo"] == pytest.approx(500)


@pytest.mark.parametrize(("cost", "gain", "words"), [
    (-100, 2.0, "dominant"), (100, -2.0, "dominated"), (100, 2.0, "cost per point"),
    (-100, -2.0, "cheaper but worse"), (100, 0.1, "no clear wellbeing difference")])  # fmt: skip
def test_cost_per_point_quadrants(cost: float, gain: float, words: str) -> None:
    ratio, text = st.cost_per_point(cost, gain, gain - 0.5, gain + 0.5)
    assert text.startswith(words)
    assert np.isnan(ratio) or ratio == pytest.approx(cost / gain)


def test_survey_counterfactual_is_the_same_people_in_the_baseline() -> None:
    people = np.arange(8)
    rows = []
    for scen, yes in [("traditional", people < 2), ("timebank", people < 6)]:
        for r in range(2):
            rows.append(pd.DataFrame({"scenario": scen, "replicate": r, "agent_id": people,
                                      "agent_type": np.where(people < 6, "user", "neighbour"),
                                      "participant": (people % 2 == 0) | (scen == "timebank"),
                                      "feel_healthier": yes}))  # fmt: skip
    survey = pd.concat(rows, ignore_index=True)
    s = st.survey_shares(survey, "traditional", ["feel_healthier"]).set_index(["scenario", "group"])
    assert s.loc[("timebank", "participants")].tolist() == [16, 12]
    assert s.loc[("timebank", "participating users")].tolist() == [12, 12]
    assert s.loc[("timebank", "same people under traditional")].tolist() == [16, 4]
    assert s.loc[("traditional", "participants")].tolist() == [8, 2]  # people 0, 2, 4, 6


def test_quartiles_pair_the_same_people_and_show_who_gains() -> None:
    n = 40
    need = np.random.default_rng(1).uniform(0, 1, n)
    rows = []
    for scen, gain in [("traditional", 0.0), ("timebank", 0.1)]:
        for r in range(3):
            for week in (0, 13):
                wb = 0.5 + (gain * need if week else 0)
                rows.append(pd.DataFrame({"run_id": f"{scen}-{r}", "scenario": scen,
                                          "replicate": r, "week": week, "agent_id": np.arange(n),
                                          "agent_type": "user", "baseline_need": need,
                                          "agency": 1 - need, "wellbeing": wb}))  # fmt: skip
    agents = pd.concat(rows, ignore_index=True)
    people = st.quartile_end_wellbeing(agents, ["baseline_need", "agency"])
    assert len(people) == 2 * 3 * n
    assert (people["baseline_need"] == 5 - people["agency"]).all()
    means = people.groupby(["scenario", "baseline_need"])["wellbeing"].mean()
    gains = means["timebank"] - means["traditional"]
    assert gains.is_monotonic_increasing and gains.iloc[0] < 0.03 < 0.07 < gains.iloc[-1]


def test_every_documented_unit_has_a_decided_range() -> None:
    """A new metric unit must be decided (bounded or not) before its levels get intervals."""
    assert {unit for unit, _ in METRICS.values()} <= set(st.UNIT_RANGES)
    got = st.ranges(["wellbeing_mean", "cost_week", "end_crises", "total_cost", "undocumented"])
    assert got["wellbeing_mean"] == (0, 1) and got["end_crises"] == (0, np.inf)
    assert got["cost_week"] == got["total_cost"] == (0, np.inf) and "undocumented" not in got


def test_intervals_of_levels_stay_in_range_and_keep_the_t_intervals_coverage() -> None:
    """Skewed counts from 3 replicates: the t-interval reaches below zero most of the time;
    the level's interval never does, and covers the true mean exactly as often."""
    rng = np.random.default_rng(0)
    x = rng.gamma(0.5, 2.0, (4000, 3))  # true mean 1
    mean, sd, n = x.mean(1), x.std(1, ddof=1), np.full(4000, 3)
    lo, hi = st.level_bounds(mean, sd, n, 0.0)
    t_lo, t_hi = st._t_bounds(mean, sd, n)
    assert (lo >= 0).all() and (t_lo < 0).mean() > 0.5
    assert (((lo <= 1) & (hi >= 1)) == ((t_lo <= 1) & (t_hi >= 1))).all()
    assert ((lo <= mean) & (mean <= hi)).all()
    shares = rng.beta(0.3, 3, (4000, 3))
    lo, hi = st.level_bounds(shares.mean(1), shares.std(1, ddof=1), n, 0.0, 1.0)
    assert (lo >= 0).all() and (hi <= 1).all() and (lo < hi).all()


def test_level_intervals_are_t_intervals_inside_the_range_and_none_from_one_run():
    mean, sd, n = np.array([50.0, 3.0]), np.array([0.5, 0.0]), np.array([10, 10])
    lo, hi = st.level_bounds(mean, sd, n, 0)
    t_lo, t_hi = st._t_bounds(mean, sd, n)
    assert lo.tolist() == t_lo.tolist() and hi.tolist() == t_hi.tolist()
    assert (lo[1], hi[1]) == (3.0, 3.0)
    one = st.level_bounds(np.array([3.0]), np.array([np.nan]), np.array([1]), 0)
    assert np.isnan(one).all()  # one replicate: no interval


def test_ci_table_bounds_levels_but_not_differences() -> None:
    df = pd.DataFrame({"g": "a", "crises": [0.0, 0.0, 3.0], "diff": [-1.0, 0.0, 3.0]})
    table = st.ci_table(df, ["g"], ["crises", "diff"], st.ranges(["crises", "diff"]))
    crises, diff = (table[table["metric"] == m].iloc[0] for m in ("crises", "diff"))
    assert crises["lo"] == 0 < crises["mean"] < crises["hi"] and diff["lo"] < -1


def test_smallest_wilcoxon_p_says_when_no_test_can_reach_five_percent() -> None:
    assert st.smallest_wilcoxon_p(5) == pytest.approx(0.0625) and st.SIGNIFICANCE < 0.0625
    assert st.smallest_wilcoxon_p(6) == pytest.approx(0.03125) and st.SIGNIFICANCE > 0.03125
    d = np.array([0.5, 0.7, 0.6, 0.9, 0.8])  # every difference positive: the best 5 pairs do
    assert scipy_stats.wilcoxon(d).pvalue == pytest.approx(st.smallest_wilcoxon_p(5))
