"""write_report on synthetic results tables: files appear, numbers land, thin inputs survive."""

from __future__ import annotations

import ast
import base64
import re
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import coprod
from coprod.experiments.reports import figures
from coprod.experiments.reports.report import CARE_LEVELS, write_report
from coprod.simulation.outputs import METRICS, SURVEY_QUESTIONS

# Scenario -> (end wellbeing effect, weekly cost effect after week 26, weekly cost effect before).
EFFECTS = {"traditional": (0.0, 0.0, 0.0), "timebank": (0.05, -3000.0, 1000.0),
           "tokenistic": (0.0, 300.0, 300.0)}  # fmt: skip


def make_results(effects: dict = EFFECTS, replicates: int = 10, weeks: int = 104,
                 n_users: int = 200, n_neighbours: int = 100, snapshot_every: int = 13,
                 seed: int = 1) -> SimpleNamespace:  # fmt: skip
    """Results-like tables with known effects. Replicate i shares its noise across scenarios
    (common random numbers); users with more need gain more from an effect."""
    rng = np.random.default_rng(seed)
    week, n = np.arange(weeks + 1), n_users + n_neighbours
    kinds = np.array(["user"] * n_users + ["neighbour"] * n_neighbours)
    rep_effect, need = rng.normal(0, 0.02, replicates), rng.uniform(0, 1, (replicates, n))
    parts: dict[str, list[pd.DataFrame]] = {"runs": [], "timeseries": [], "agents": [],
                                            "survey": []}  # fmt: skip
    for s_i, (name, (wb, late, early)) in enumerate(effects.items()):
        for r in range(replicates):
            key = {"run_id": f"{name}-r{r}", "scenario": name, "replicate": r}
            m = {k: rng.normal(1.0, 0.01, len(week)) for k in METRICS}
            ramp, noise = np.minimum(1, week / 26), rng.normal(0, 0.002, (2, len(week)))
            m["wellbeing_mean"] = 0.6 + rep_effect[r] + wb * ramp + noise[0]
            m["wemwbs_mean"] = 14 + 56 * m["wellbeing_mean"]
            m["dependence"] = 0.3 - wb * ramp + noise[1]
            cost = 50_000 + np.where(week <= 26, early, late) + rng.normal(0, 50, len(week))
            m["cost_week"], m["cost_cumulative"] = cost, np.cumsum(np.r_[0, cost[1:]])
            parts["timeseries"].append(pd.DataFrame({**key, "week": week, **m}))
            parts["runs"].append(pd.DataFrame([{**key, "seed": str(1000 + r), "weeks": weeks,
                "price_year": 2024, "cost_basis": "activity", "discount_rate": 0.0,
                "n_users": n_users, "n_neighbours": n_neighbours, "n_professionals": 12,
                "warmup_weeks": 6, "survey_week": 52}]))  # fmt: skip
            for w in range(0, weeks + 1, snapshot_every) if snapshot_every else []:
                wbi = 0.6 - 0.2 * need[r] + (wb * (1 + need[r]) if w else 0)
                parts["agents"].append(pd.DataFrame({**key, "week": w, "agent_id": np.arange(n),
                    "agent_type": kinds, "need": need[r], "baseline_need": need[r],
                    "wellbeing": wbi + rng.normal(0, 0.01, n), "agency": 1 - need[r]}))  # fmt: skip
            if weeks >= 52:
                yes = {q: rng.random(n) < 0.2 + 0.3 * (s_i == 1) for q in SURVEY_QUESTIONS}
                parts["survey"].append(pd.DataFrame({**key, "agent_id": np.arange(n),
                    "agent_type": kinds, "participant": rng.random(n) < 0.5, **yes}))  # fmt: skip
    tables = {}
    for table, frames in parts.items():
        df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        if frames:
            df["scenario"] = df["scenario"].astype(pd.CategoricalDtype(list(effects)))
        if "agent_type" in df:
            df["agent_type"] = df["agent_type"].astype("category")
        tables[table] = df
    job = {"baseline": "traditional", "replicates": replicates, "weeks": weeks, "seed": 0,
           "scenarios": {s: {} for s in effects}}  # fmt: skip
    return SimpleNamespace(**tables, manifest={"job": job})


def paragraph(text: str, start: str) -> str:
    """The Markdown paragraph that starts with ``start``, on one line."""
    return next(p for p in text.split("\n\n") if p.startswith(start)).replace("\n", " ")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("report")
    path = write_report(make_results(), out)
    return out, path.read_text()


def test_writes_report_and_figures(built: tuple[Path, str]) -> None:
    out, text = built
    assert (out / "report.md").is_file()
    pngs = {p.name for p in (out / "figures").glob("*.png")}
    assert {
        "timeseries.png",
        "cumulative_cost.png",
        "end_distributions.png",
        "forest.png",
        "subgroups_baseline_need.png",
    } <= pngs
    for link in re.findall(r"\]\((figures/[^)]+)\)", text):
        assert (out / link).is_file(), link
    assert (out / "report_over_time.csv").is_file()


def test_headline_recovers_known_effect(built: tuple[Path, str]) -> None:
    _, text = built
    para = paragraph(text, "**timebank.**")
    gain = float(re.search(r"raised end wellbeing by ([\d.]+)", para).group(1))
    assert gain == pytest.approx(0.05 * 56, abs=0.1)
    assert "a gain larger than the minimal important difference" in para
    assert "break-even: week 35" in para  # +1000/week for 26 weeks, then -3000/week
    assert "dominant" in para
    token = paragraph(text, "**tokenistic.**")
    assert "no gain" in token and "not within horizon" in token


def test_report_states_tests_survey_subgroups_caveats(built: tuple[Path, str]) -> None:
    _, text = built
    assert "8 two-sided Wilcoxon signed-rank tests" in text  # 4 headline metrics x 2
    assert "## Survey at week 52" in text and "same people under traditional" in text
    assert "### By baseline need at week 0" in text and "### By agency at week 0" in text
    assert "2024 prices" in text and "cost basis activity" in text
    for name in ("| Wellbeing (WEMWBS points) |", "| Cumulative cost (GBP) |", "(GBP a week)"):
        assert name in text
    assert "wellbeing_mean" not in text and "MODEL.md" not in text


def test_survey_counts_in_report(built: tuple[Path, str]) -> None:
    _, text = built
    assert "For reference, the Spice evaluation" in text
    rows = [r for r in text.splitlines() if r.startswith("| timebank | participants |")]
    assert len(rows) == 1
    n = int(rows[0].split("|")[3].replace(",", ""))
    assert 0.4 * 3000 < n < 0.6 * 3000  # half of 300 people x 10 replicates


def test_subgroups_show_who_gains(built: tuple[Path, str]) -> None:
    """Planted: the gain grows with need (0.05 x (1 + need)): Q1 ~ 3.2, Q4 ~ 5.2 points."""
    _, text = built
    section = text[text.index("### By baseline need") :]
    cells = next(r for r in section.splitlines() if r.startswith("| timebank |")).split("|")[2:6]
    gains = [float(c.split()[0]) for c in cells]
    assert gains == sorted(gains) and 2.8 < gains[0] < 3.6 and 4.8 < gains[3] < 5.6


def test_report_code_needs_no_model() -> None:
    """A report must be rebuildable without the model: only the schemas of outputs and of
    parameters (to tell policy levers from the world) are imported."""
    for name in ("report", "stats", "figures"):
        tree = ast.parse(
            (Path(__file__).parents[1] / "experiments" / "reports" / f"{name}.py").read_text()
        )
        mods = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        mods |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        assert {m for m in mods if m and m.startswith("coprod.simulation")} <= {
            "coprod.simulation.outputs",
            "coprod.simulation.params",
        }


def test_one_replicate_does_not_crash(tmp_path: Path) -> None:
    res = make_results(replicates=1, weeks=60, n_users=30, n_neighbours=10)
    text = write_report(res, tmp_path).read_text()
    assert (tmp_path / "figures" / "forest.png").is_file()
    assert "no 95% CI" in text and "cannot say" in text and "0 hypothesis tests" in text
    assert "No test can reach 5% with 1 paired" in text and ": no CIs and no tests" in text
    assert "## Survey at week 52" in text and "## Subgroups" in text and "under a year" not in text


def test_baseline_only_short_and_without_agents_or_survey(tmp_path: Path) -> None:
    res = make_results({"traditional": (0, 0, 0)}, replicates=2, weeks=5, snapshot_every=0,
                       n_users=20, n_neighbours=5)  # fmt: skip
    assert res.survey.empty and res.agents.empty
    text = write_report(res, tmp_path).read_text()
    assert "Only the baseline ran" in text and "forest.png" not in text
    assert (tmp_path / "figures" / "timeseries.png").is_file()
    assert "## Survey at" not in text and "No survey: the runs stop at week 5" in text
    assert "## Subgroups" not in text and "windows overlap" in text


def test_report_from_a_real_results_folder(reference: Path, tmp_path: Path) -> None:
    """The tables coprod.experiments.load gives (real dtypes, professionals among the agents, a
    week-13 survey) build a whole report: schema drift between model and report shows here."""
    text = write_report(coprod.load(reference), tmp_path).read_text()
    assert "**timebank.** Against traditional" in text and "## Survey at week 24" in text
    assert "### By baseline need at week 0" in text and "No test can reach 5% with 3" in text
    assert "30 service users and 20 neighbours" in text and "after 2 weeks of" in text
    assert "under a year" in text and "windows overlap" not in text


@pytest.mark.slow
def test_full_size_builds_in_seconds(tmp_path: Path) -> None:
    """9 scenarios x 10 replicates x 105 weeks with agents and survey: the compare budget."""
    effects = {f"s{i}": (0.01 * i, -100.0 * i, 50.0 * i) for i in range(1, 9)}
    res = make_results({"traditional": (0, 0, 0), **effects}, n_users=1000, n_neighbours=600)
    start = time.perf_counter()
    write_report(res, tmp_path)
    assert time.perf_counter() - start < 30


def test_the_top_states_population_horizon_replicates_and_seed(built: tuple[Path, str]) -> None:
    _, text = built
    top = " ".join(text[: text.index("## Headlines")].split())
    assert "200 service users and 100 neighbours" in top and "12 professionals" in top
    assert "104 weeks of policy" in top and "after 6 weeks of warm-up" in top
    assert "**Replicates**: 10 per scenario" in top and "**Seed**: 0" in top


def test_level_intervals_never_go_below_zero(built: tuple[Path, str]) -> None:
    """Levels are cut at their range; only differences may have negative bounds."""
    _, text = built
    levels = text.split("## Every metric at the end: mean")[1].split("\n## ")[0]
    bounds = re.findall(r"\((-?[\d,.]+) to (-?[\d,.]+)\)", levels)
    assert bounds and all(not lo.startswith("-") for lo, _ in bounds)
    diffs = text.split("## Every metric at the end: paired difference")[1].split("\n## ")[0]
    assert re.search(r"\(-[\d,.]+ to", diffs)  # differences keep their sign


def test_too_few_pairs_for_a_five_percent_test_is_said_not_printed(tmp_path: Path) -> None:
    text = write_report(make_results(replicates=5), tmp_path).read_text()
    tests = text.split("## Headline tests at the end")[1].split("\n## ")[0]
    assert "No test can reach 5% with 5 paired replicate(s)" in tests and "0.0625" in tests
    rows = [r for r in tests.splitlines() if r.startswith("| timebank |")]
    assert rows and all(r.endswith("| - | - |") for r in rows)
    assert "0 hypothesis tests in all" in text


def test_effect_size_is_explained_not_called_cohens_d(built: tuple[Path, str]) -> None:
    _, text = built
    assert "It is not Cohen's d" in text and "Cohen's d_z" not in text
    assert "d_z" not in paragraph(text, "**timebank.**")  # headlines speak in natural units


def test_report_html_is_self_contained_with_every_figure_inlined(built: tuple[Path, str]):
    out, text = built
    page = (out / "report.html").read_text()
    # nothing fetched: no figure by path and no address (a bare "http" can occur in base64)
    assert 'src="figures/' not in page and "://" not in page and "<table>" in page
    inlined = re.findall(r'<img alt="[^"]*" src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    linked = re.findall(r"\]\((figures/[^)]+)\)", text)
    assert len(inlined) == len(linked) >= 5
    assert base64.b64decode(inlined[0])[:8] == b"\x89PNG\r\n\x1a\n"


def test_policy_timelines_are_listed_and_marked_on_the_time_axes(tmp_path, monkeypatch):
    """A timeline in the manifest's scenarios (as the model side will write it): listed in the
    scenario description and drawn as one labelled vertical line per change."""
    res = make_results(replicates=2, weeks=60, snapshot_every=0)
    levers = {"power_rule": "expert", "reciprocity": "none", "power_sharing": 0.05,
              "involvement": 0.0, "capacity_factor": 1.0}  # fmt: skip
    timeline = [{"week": 40, "reciprocity": "none", "capacity_factor": None},
                {"week": 26, "capacity_factor": 0.8}]  # fmt: skip
    res.manifest["scenarios"] = {
        "traditional": levers,
        "timebank": {**levers, "reciprocity": "timebank", "timeline": timeline},
        "tokenistic": {**levers, "power_rule": "consultation"},
    }
    drawn = {}
    real_save = figures._save

    def keep(fig, path):
        drawn[path.name] = (
            [
                (line.get_xdata()[0], line.get_linestyle())
                for ax in fig.axes
                for line in ax.get_lines()
                if line.get_linestyle() == ":"
            ],
            [t.get_text() for ax in fig.axes for t in ax.texts],
        )
        return real_save(fig, path)

    monkeypatch.setattr(figures, "_save", keep)
    text = write_report(res, tmp_path).read_text()
    line = next(r for r in text.splitlines() if r.startswith("- **timebank**"))
    assert "`reciprocity` timebank" in line
    assert line.endswith("Timeline: week 26: capacity_factor 0.8; week 40: reciprocity none.")
    assert "`power_rule` consultation" in text and "- **traditional** (baseline)" in text
    for name, panels in (("timeseries.png", 9), ("cumulative_cost.png", 2)):
        lines, labels = drawn[name]
        assert sorted({x for x, _ in lines}) == [26, 40] and len(lines) == 2 * panels
        assert " capacity_factor 0.8" in labels and " reciprocity none" in labels
    assert "timeline" not in (tmp_path / "report.md").read_text().split("## Headlines")[1]


def _section(text: str, heading: str) -> str:
    return text.split(heading, 1)[1].split("\n## ", 1)[0]


def test_the_verdict_opens_the_report_with_the_planted_arms(built: tuple[Path, str]) -> None:
    from coprod.experiments.reports import stats as st

    _, text = built
    sections = [line for line in text.splitlines() if line.startswith("#")]
    assert sections[1] == "## The verdict"  # straight after the title
    verdict = _section(text, "## The verdict")
    timebank = next(line for line in verdict.splitlines() if line.startswith("| timebank |"))
    tokenistic = next(line for line in verdict.splitlines() if line.startswith("| tokenistic |"))
    assert "dominant" in timebank and "no clear QALY difference" in tokenistic  # not GBP 8m/QALY
    res = make_results()
    be = st.break_even_week(st.paired_over_time(res.timeseries, "traditional", "cost_cumulative"),
                            "timebank")  # fmt: skip
    assert timebank.rstrip(" |").endswith(str(be)) and be is not None
    assert tokenistic.rstrip(" |").endswith("not within horizon")
    assert "No PSA was run" in verdict and "200 places in the service" in verdict
    assert "104 weeks (2.0 years)" in verdict


def test_runs_the_model_discounted_get_a_report_without_a_verdict_table(tmp_path: Path) -> None:
    res = make_results(replicates=3, weeks=60, snapshot_every=0)
    res.runs["discount_rate"] = 0.035
    text = write_report(res, tmp_path).read_text()
    assert "No cost-effectiveness table for this folder" in text and "discount_rate" in text


def test_a_sweeps_verdict_pools_its_design_points(tmp_path: Path) -> None:
    from coprod.experiments.reports.verdict import section_or_reason

    one = make_results(replicates=3, weeks=60, snapshot_every=0)
    two = make_results(EFFECTS | {"timebank": (0.0, 0.0, 0.0)}, replicates=3, weeks=60,
                       snapshot_every=0, seed=2)  # fmt: skip
    tables = {
        name: pd.concat([getattr(one, name).assign(point=0), getattr(two, name).assign(point=1)])
        for name in ("timeseries", "runs")
    }
    for name in tables:  # distinct run ids per point
        tables[name]["run_id"] = tables[name]["run_id"] + "-p" + tables[name]["point"].astype(str)
    pooled = section_or_reason(SimpleNamespace(**tables), "traditional", "points")
    row = next(line for line in pooled.splitlines() if line.startswith("| timebank |"))
    gain = float(row.split("|")[2].split()[0])
    assert gain == pytest.approx(56 * 0.05 * 0.5 * 0.83, rel=0.1)  # half the points gain
    assert "Pooled over every design point" in pooled


def test_failed_runs_are_warned_of_with_their_logged_errors(tmp_path: Path) -> None:
    import json

    res = make_results(replicates=3, weeks=60, snapshot_every=0)
    log = [
        {"run_id": "timebank-r9", "status": "failed", "error": "Traceback\nValueError: boom"},
        {"run_id": "timebank-r0", "status": "done"},
    ]
    (tmp_path / "status.jsonl").write_text("".join(json.dumps(e) + "\n" for e in log))
    res.path = tmp_path
    res.manifest["failed_runs"] = ["timebank-r9", "tokenistic-r9"]
    res.manifest["counts"] = {"runs": 11}
    text = write_report(res, tmp_path / "out").read_text()
    warning = paragraph(text, "**Warning:")
    assert "2 of 11 runs failed" in warning
    assert (
        "timebank-r9: ValueError: boom" in warning and "tokenistic-r9: error not logged" in warning
    )


def _rows(section: str, label: str) -> list[list[str]]:
    """The cells after the label of each table row starting with ``label``, in order."""
    lines = [line for line in section.splitlines() if line.startswith(f"| {label}")]
    return [[cell.strip() for cell in line.split("|")[2:-1]] for line in lines]


def test_social_care_and_carers_from_a_real_run(reference: Path, tmp_path: Path) -> None:
    """Per arm, home care and carers over the end window, placements and breakdowns over the
    horizon, each arm's paired difference from the baseline: the numbers are recomputed here
    from the real run's weekly table, not read back from the report's own code."""
    from coprod.experiments.reports.formatting import fmt

    results = coprod.load(reference)
    section = _section(write_report(results, tmp_path).read_text(), "## Social care and carers")
    ts = results.timeseries.assign(scenario=lambda t: t["scenario"].astype(str))
    last = ts.groupby("run_id")["week"].transform("max")
    end = ts[ts["week"] > last - 8].groupby(["scenario", "replicate"]).mean(numeric_only=True)
    horizon = ts[ts["week"] >= 1].groupby(["scenario", "replicate"]).sum(numeric_only=True)
    order = ["traditional", "timebank"]  # the job's order (conftest)
    for label, metric, per_run, unit_of in (
        ("Home-care package hours", "package_hours", end, "package_hours"),
        ("Carers' strain", "carer_strain_mean", end, "carer_strain_mean"),
        ("Care-home placements over the horizon", "placements", horizon, "placements_total"),
        ("Carers' breakdowns over the horizon", "carer_breakdowns", horizon, "placements_total"),
    ):
        levels, (difference,) = _rows(section, label)  # the levels' table, the differences'
        means = per_run[metric].groupby(level="scenario").mean()
        assert [cell.split(" (")[0] for cell in levels] == [fmt(means[s], unit_of) for s in order]
        paired = (per_run.xs("timebank")[metric] - per_run.xs("traditional")[metric]).mean()
        assert difference.split(" (")[0] == fmt(paired, unit_of, sign=True), label
    assert end["package_hours"].min() > 0  # the tiny world has home care to show
    assert (tmp_path / "figures" / "social_care.png").stat().st_size > 10_000
    assert "![social care and carers over time](figures/social_care.png)" in section


def test_results_from_before_social_care_get_no_such_section(tmp_path: Path) -> None:
    res = make_results(replicates=3, weeks=30, snapshot_every=0)
    res.timeseries = res.timeseries.drop(columns=[*CARE_LEVELS, "placements", "carer_breakdowns"])
    text = write_report(res, tmp_path).read_text()
    assert "## Social care and carers" not in text and "## Headlines" in text
    assert not (tmp_path / "figures" / "social_care.png").exists()


def test_figures_drawn_on_a_pool_are_the_files_drawn_here(tmp_path):
    """The figures handed to a job's process pool (``drawing``) come back as the very files
    this process draws, and the page that inlines them too: byte for byte."""
    from coprod.experiments.jobs.pool import default_executor

    results, here, there = make_results(), tmp_path / "here", tmp_path / "pool"
    write_report(results, here)
    pool = default_executor(2)
    try:
        write_report(results, there, drawing=pool)
    finally:
        pool.shutdown()
    files = sorted(p.relative_to(here) for p in here.rglob("*") if p.is_file())
    assert len([f for f in files if f.suffix == ".png"]) >= 5
    assert files == sorted(p.relative_to(there) for p in there.rglob("*") if p.is_file())
    for name in files:
        assert (here / name).read_bytes() == (there / name).read_bytes(), name
