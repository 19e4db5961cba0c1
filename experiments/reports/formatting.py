"""Numbers and run parameters in a report's words: rounded by their unit, with intervals,
and the population in a sentence. Every report page (compare, sweep) writes them alike."""

from __future__ import annotations

import numpy as np
import pandas as pd

from coprod.experiments.reports import figures


def fmt(x: float, metric: str = "", sign: bool = False) -> str:
    """A number rounded by its unit: shares to 3 places, WEMWBS to 2, GBP to whole pounds."""
    if x is None or not np.isfinite(x):
        return "n/a"
    unit = figures.unit(metric)
    places = 3 if unit in ("0-1", "share") else 2 if unit.startswith("WEMWBS") or not unit else 1
    places = 0 if unit.startswith("GBP") or (unit and abs(x) >= 1000) else places
    x = 0.0 if round(x, places) == 0 else x  # no "-0.000"
    return f"{x:{'+' if sign else ''},.{places}f}"


def fmt_p(p: float) -> str:
    return "n/a" if not np.isfinite(p) else "<0.001" if p < 0.001 else f"{p:.3f}"


def with_ci(est: list[float], metric: str = "", sign: bool = False) -> str:
    """'+0.050 (0.030 to 0.070)' from [estimate, lower, upper]; 'no CI' with too few runs."""
    x, lo, hi = est
    ci = "no CI" if not np.isfinite(lo) else f"{fmt(lo, metric)} to {fmt(hi, metric)}"
    return f"{fmt(x, metric, sign)} ({ci})"


def change(verbs: str, what: str, est: list[float], metric: str, unit: str = "{}") -> str:
    """'raised X by 2.1 WEMWBS points (95% CI 1.5 to 2.7)'; the CI is flipped for a fall."""
    up, down = verbs.split("/")
    diff, lo, hi = est
    if not np.isfinite(diff):
        return f"left {what} unknown"
    verb, m, a, b = (up, diff, lo, hi) if diff >= 0 else (down, -diff, -hi, -lo)
    ci = "no 95% CI: fewer than 2 replicates" if not np.isfinite(a) else "95% CI {} to {}"
    ci = ci.format(fmt(a, metric), fmt(b, metric))
    return " ".join(filter(None, [verb, what, "by", unit.format(fmt(m, metric)), f"({ci})"]))


def param_words(runs: pd.DataFrame, col: str) -> str:
    """A run parameter in words; each scenario's value when they differ."""
    if runs is None or runs.empty or col not in runs.columns:
        return "unstated"
    by = runs.groupby(runs["scenario"].astype(str), sort=False)[col].first().astype(str)
    return by.iloc[0] if by.nunique() == 1 else ", ".join(f"{v} ({s})" for s, v in by.items())


def population(runs: pd.DataFrame) -> str:
    """Who is simulated, in words: "1,000 service users and 600 neighbours on one community
    network, 60 professionals" (each scenario's number where they differ)."""
    users, neighbours, staff = (
        count_words(runs, k) for k in ("n_users", "n_neighbours", "n_professionals")
    )
    return (
        f"{users} service users and {neighbours} neighbours on one community network, "
        f"{staff} professionals"
    )


def count_words(runs: pd.DataFrame, column: str) -> str:
    """A whole-number parameter with thousands separators (as :func:`param_words` otherwise)."""
    value = param_words(runs, column)
    return f"{int(value):,}" if value.isdigit() else value
