"""The commissioner's budget split by year, per arm: a table and a figure (issue 17).

Each arm's four budget lines (``budget_posts``, ``budget_packages``, ``budget_timebank``,
``budget_prevention``: set once a year by the commissioning cycle) are averaged over
replicates for every commissioning year, beside what the lines cost that year, so a reader
sees both where the money went and what it bought. Like every report it reads only the
results folder. Run as a script it draws the figure of a results folder:
``python -m coprod.experiments.reports.budget RESULTS_FOLDER OUT.png``.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

from coprod.experiments.jobs.results import load
from coprod.experiments.reports.analysis import varied
from coprod.experiments.reports.figures import DPI
from coprod.simulation.commissioning import SPEND_OF

LINES = {
    "budget_posts": "professional posts",
    "budget_packages": "care packages",
    "budget_timebank": "time-bank coordination",
    "budget_prevention": "prevention",
}
WEEKS_PER_YEAR = 52
COLOURS = ("#4c72b0", "#dd8452", "#55a868", "#c44e52")
NAME = "budget_split.png"


def arm_labels(timeseries: pd.DataFrame, params: list[str]) -> pd.Series:
    """Each row's arm: its scenario, and in a sweep the design point's varied values."""
    label = timeseries["scenario"].astype(str)
    for name in params:
        if name in timeseries and timeseries[name].nunique() > 1:
            label = label + f", {name} = " + timeseries[name].astype(str)
    return label


def budget_by_year(timeseries: pd.DataFrame, params: list[str] | None = None) -> pd.DataFrame:
    """Mean budget per line (GBP/year) by arm and commissioning year (year 2 on: year 1
    runs on the scenario's own levers, before the first cycle); empty when no run had a
    commissioner (or its horizon ended within the first year)."""
    columns = [c for c in LINES if c in timeseries]
    if not columns:
        return pd.DataFrame()
    ts = timeseries[timeseries["week"] > WEEKS_PER_YEAR].dropna(subset=columns)
    if ts.empty:
        return pd.DataFrame()
    year = (ts["week"] - 1) // WEEKS_PER_YEAR + 1
    frame = ts.assign(arm=arm_labels(ts, params or []), year=year, spent=_spent(ts))
    means = frame.groupby(["arm", "year"], sort=False)[[*columns, "spent"]].mean()
    return means.assign(total=means[columns].sum(axis=1))


def _spent(ts: pd.DataFrame) -> pd.Series:
    """What the four lines cost, at each recorded week's rate a year (GBP/year). The budget
    is what the contracts pay for; spend lags it while posts are recruited or cut, and under
    the activity cost basis falls below it when less is delivered (an underspend)."""
    names = [name for line in SPEND_OF.values() for name in line if name in ts]
    return ts[names].sum(axis=1) * WEEKS_PER_YEAR if names else pd.Series(float("nan"), ts.index)


def budget_table(by_year: pd.DataFrame) -> str:
    """Markdown: per arm and year, the budget and what the lines cost (GBP thousand), and
    each line's share of the budget."""
    header = [
        "arm",
        "year",
        "budget, GBP k",
        "spent, GBP k",
        *(f"{name}, %" for name in LINES.values()),
    ]
    rows = [
        [
            arm,
            str(year),
            f"{row['total'] / 1e3:,.0f}",
            f"{row['spent'] / 1e3:,.0f}" if pd.notna(row["spent"]) else "-",
            *(f"{100 * row[c] / row['total']:.1f}" if row["total"] > 0 else "-" for c in LINES),
        ]
        for (arm, year), row in by_year.reindex(columns=[*LINES, "total", "spent"])
        .fillna({c: 0 for c in [*LINES, "total"]})
        .iterrows()
    ]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])


def budget_figure(by_year: pd.DataFrame, path: Path) -> Path:
    """One panel per arm: the four lines' shares of the budget, stacked, year by year."""
    arms = list(dict.fromkeys(by_year.index.get_level_values("arm")))
    ncols = min(len(arms), 3)
    nrows = -(-len(arms) // ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(3.6 * ncols, 2.5 * nrows + 0.5), squeeze=False, sharey=True
    )
    shares = by_year.reindex(columns=list(LINES)).fillna(0).div(by_year["total"], axis=0)
    for ax, arm in zip(axes.flat, arms, strict=False):
        own = shares.xs(arm, level="arm")
        ax.stackplot(own.index, *(100 * own[c] for c in LINES), colors=COLOURS, alpha=0.9)
        ax.set_title("\n".join(textwrap.wrap(arm, 40)), fontsize=8)
        ax.set(xlabel="commissioning year", ylim=(0, 100))
    for ax in axes[:, 0]:
        ax.set_ylabel("share of budget, %")
    for ax in list(axes.flat)[len(arms) :]:
        ax.set_visible(False)
    fig.legend(list(LINES.values()), loc="lower center", ncol=4, fontsize=8, frameon=False)
    height = fig.get_figheight()
    fig.subplots_adjust(
        left=0.08, right=0.98, top=1 - 0.35 / height, bottom=0.85 / height, hspace=0.7
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI, pil_kwargs={"compress_level": 1})  # speed over file size
    plt.close(fig)
    return path


def budget_section(timeseries: pd.DataFrame, fig_dir: Path, params: list[str]) -> list[str]:
    """The report's section (heading, figure, table), or nothing when no commissioner ran."""
    by_year = budget_by_year(timeseries, params)
    if by_year.empty:
        return []
    moving = [arm for arm, own in by_year.groupby(level="arm", sort=False) if _moves(own)]
    figure = (
        [f"![budget split](figures/{budget_figure(by_year.loc[moving], fig_dir / NAME).name})"]
        if moving
        else []
    )
    return [
        "## The budget split by year",
        "Once a year each arm's commissioner splits its budget across the four service lines "
        "under its rule (mean over replicates; the first year runs on the scenario's own "
        "levers). The figure shows the arms whose split moved; `block` keeps last year's.",
        *figure,
        budget_table(by_year),
    ]


def _moves(own: pd.DataFrame) -> bool:
    """Whether an arm's shares differ between its years (a flat split needs no figure)."""
    shares = own[[c for c in LINES if c in own]].div(own["total"], axis=0)
    return bool((shares.max() - shares.min()).max() > 1e-9)


def main(argv: list[str] | None = None) -> int:
    """Draw the budget figure of a results folder (``RESULTS_FOLDER OUT.png``)."""
    folder, out = (argv if argv is not None else sys.argv[1:])[:2]
    results = load(folder)
    by_year = budget_by_year(results.timeseries, varied(results))
    if by_year.empty:
        print(f"{folder}: no run had a commissioning cycle", file=sys.stderr)
        return 2
    print(budget_table(by_year))
    budget_figure(by_year, Path(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
