"""Calibration by simulation: fit mechanism parameters to observed statistics (ABC).

``coprod calibrate TARGETS.toml --params A,B`` (or ``coprod.calibrate``) screens a Latin
hypercube over the ranges the targets file gives ``A`` and ``B`` (a sweep: same runner,
engines, ``--resume`` and failure records) and averages each point's replicates. Approximate
Bayesian computation then keeps the ``accept`` share of points whose statistics lie closest to
the targets (distance in units of each target's tolerance) and corrects them by regression on
what they still miss (Beaumont, Zhang and Balding 2002): under uniform priors they sample the
approximate posterior, whose medians are the fitted values and whose spread is their
uncertainty. A check job runs the fitted values on fresh replicates, so the achieved statistics
come with CIs instead of the screen's optimistic best. Identifiability is read off the
posterior: a parameter as spread as its prior is not pinned down, two that correlate trade off,
a principal axis as wide as the prior is a flat direction, and a median at a range's end means
the targets want more than the range allows. A statistic no point comes near is reported as out
of reach, not chased.

The fitted values are mechanisms of the world, shared by every scenario (MODEL.md section 7,
fact 6), so they are written as a base (``calibrated_base.toml``) that ``compare``, ``run``
and ``show`` take with ``--base`` (a sweep or sensitivity file: copy them into ``[fixed]``) to
compare policies in the calibrated world, and as the surveyed scenario resting on
them (``timebank_calibrated.toml``), which ``coprod compare`` takes like any other.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from coprod.experiments.designs.design import Range
    from coprod.experiments.designs.targets import Targets
    from coprod.experiments.jobs.results import Results
    from coprod.experiments.jobs.spec import RunSpec

SCENARIO_FILE = "timebank_calibrated.toml"
BASE_FILE = "calibrated_base.toml"
PRIOR_SD = 1 / math.sqrt(12)  # sd of a uniform prior on [0, 1]: the unit cube's
FLAT = 0.7  # kept spread above this share of the prior's: not pinned down
RIDGE = 0.6  # |correlation| of kept points above this: a trade-off between two parameters
REGRESSION_POINTS = 5  # kept points per coefficient of the regression adjustment, at least
EDGE = 0.05  # posterior median this close to a range end (unit scale): the fit wants beyond it


@dataclass(frozen=True)
class Calibration:
    """A finished calibration (what ``coprod.calibrate`` returns): the folder, the fitted
    values, the files written, and the screen's and the check's results as ``coprod.load``
    gives them."""

    path: Path
    values: dict[str, float | int]
    base: Path
    scenario: Path
    report: Path
    screen: Results
    check: Results


def prepare(targets_file: str | Path, params: str | Sequence[str]) -> tuple[Targets, dict]:
    """The validated targets file and the ranges of the parameters to fit (``params``: names,
    or one comma-separated text as ``--params`` gives them)."""
    from coprod.experiments.designs.targets import load_targets, parse_params

    targets = load_targets(targets_file)
    names = params if isinstance(params, str) else ",".join(params)
    return targets, parse_params(names, targets)


def planned_specs(targets: Targets, ranges: dict[str, Range]) -> list[RunSpec]:
    """Every run a calibration makes: the screen, then the check (sized as it will be, at the
    scenario's own values, since the fitted ones are not known yet)."""
    check = targets.check({name: getattr(targets.scenario.params, name) for name in ranges})
    return [*targets.screen(ranges).specs(), *check.specs()]


def calibrate(
    targets: Targets, ranges: dict[str, Range], out: Path, *, resume: bool = False, **engine: Any
) -> Calibration:
    """Screen, fit, check, then write the calibrated base and scenario and ``calibration.md``
    into ``out`` (its ``screen/`` and ``check/`` are ordinary results folders). ``engine``:
    the launch options of :func:`.launch.execute` (workers, engine, scheduler, progress)."""
    from coprod.experiments.designs.targets import achieved
    from coprod.experiments.jobs.launch import JobInterrupted, execute, require_all
    from coprod.experiments.jobs.results import load
    from coprod.experiments.jobs.storage import refuse_used

    if not resume:
        refuse_used(
            out,
            f"{out} already exists and is not an empty folder: nothing in it is overwritten. "
            "Choose another --out, or add --resume to finish the calibration in it.",
        )
    out.mkdir(parents=True, exist_ok=True)
    try:
        screen = targets.screen(ranges)
        require_all(execute(screen.specs(), out / "screen", screen.job(), resume=resume, **engine))
        fit = posterior(load(out / "screen"), targets, ranges)
        check = targets.check(fit["values"])
        again = (out / "check").exists()
        require_all(execute(check.specs(), out / "check", check.job(), resume=again, **engine))
    except JobInterrupted as interrupt:  # the calibration's folder is what --resume finishes
        raise JobInterrupted(out) from interrupt
    checked = load(out / "check")
    fit["achieved"] = achieved(checked, targets)
    base, scenario = write_scenario(out, targets, fit)
    page = write_report(out, targets, ranges, fit)
    return Calibration(out, fit["values"], base, scenario, page, load(out / "screen"), checked)


def posterior(results: Any, targets: Targets, ranges: dict[str, Range]) -> dict[str, Any]:
    """ABC rejection with local-linear regression adjustment (Beaumont, Zhang and Balding
    2002): the ``accept`` share of screen points nearest the targets is kept, weighted by an
    Epanechnikov kernel of their distance, and each kept point's parameters are corrected by
    the regression of parameters on statistics for the little its statistics still miss.

    A statistic no point of the screen brings within its tolerance is out of reach: it is
    left out of the distance (it would only drag the fit to the edges of the ranges) and
    reported. A parameter whose posterior is as spread as its prior is not informed by the
    targets (even if it trades off with another: then the targets fix a combination, and its
    own value is arbitrary along the ridge): it keeps the scenario's value (``defaults``)
    rather than a median of noise. Summaries are in the unit cube of the design."""
    import numpy as np

    from coprod.experiments.designs.targets import distance, statistics, within_reach

    names = list(ranges)
    stats = statistics(results.runs, targets)
    reach = within_reach(stats, targets) or list(targets.targets)
    miss = distance(stats, targets, reach)
    params = results.runs.groupby("point")[names].first()
    least = REGRESSION_POINTS * (len(reach) + 1)  # a regression needs room to be estimated
    kept = miss.nsmallest(max(least, round(targets.settings["accept"] * len(miss)))).index
    unit = np.column_stack([_unit(ranges[n], params.loc[kept, n].to_numpy()) for n in names])
    weight = 1 - (miss[kept] / miss[kept].max()).to_numpy() ** 2
    gap = stats.loc[kept, reach].to_numpy() - [targets.targets[q].share for q in reach]
    design = np.column_stack([np.ones(len(kept)), gap]) * np.sqrt(weight)[:, None]
    slope = np.linalg.lstsq(design, unit * np.sqrt(weight)[:, None], rcond=None)[0][1:]
    adjusted = np.clip(unit - gap @ slope, 0, 1)
    cov = np.cov(adjusted, rowvar=False, aweights=weight + 1e-12).reshape(len(names), -1)
    sd = np.sqrt(np.diag(cov))
    correlation = pd.DataFrame(cov / np.outer(sd, sd), index=names, columns=names)
    spread = dict(zip(names, sd / PRIOR_SD, strict=True))
    quantiles = {
        n: [
            ranges[n].scale(np.array([_quantile(adjusted[:, j], weight, q)]))[0]
            for q in (0.5, 0.025, 0.975)
        ]
        for j, n in enumerate(names)
    }
    informed = [n for n in names if spread[n] <= FLAT]
    middle = {n: float(_unit(ranges[n], np.array(quantiles[n][0]))) for n in names}
    edges = {n: "lower" if u < EDGE else "upper" for n, u in middle.items() if min(u, 1 - u) < EDGE}
    eig, axes = np.linalg.eigh(cov)
    within = (stats - [t.share for t in targets.targets.values()]).abs()
    inside = (within <= [t.tolerance for t in targets.targets.values()]).all(axis=1)
    posterior_points = {n: ranges[n].scale(adjusted[:, j]) for j, n in enumerate(names)}
    return {
        "values": {n: _round(quantiles[n][0], ranges[n].whole) for n in informed},
        "defaults": {n: getattr(targets.scenario.params, n) for n in names if n not in informed},
        "quantiles": quantiles,
        "kept": pd.DataFrame(posterior_points, index=kept).assign(weight=weight).join(stats),
        "points": len(miss),
        "inside": int(inside.sum()),
        "unreached": [q for q in targets.targets if q not in reach],
        "screen": stats.join(miss.rename("distance")),
        "spread": spread,
        "edges": edges,
        "correlation": correlation,
        "axes": [(float(np.sqrt(max(v, 0)) / PRIOR_SD), axes[:, j]) for j, v in enumerate(eig)],
    }


def _quantile(values: Any, weights: Any, q: float) -> float:
    """The weighted ``q`` quantile (midpoint rule on the sorted values)."""
    import numpy as np

    order = np.argsort(values)
    cumulative = np.cumsum(weights[order]) - 0.5 * weights[order]
    return float(np.interp(q * weights.sum(), cumulative, values[order]))


def _unit(dim: Range, values: Any) -> Any:
    """Values mapped back into [0, 1] as the design drew them (log ranges on a log scale)."""
    import numpy as np

    if dim.log:
        return (np.log(values) - math.log(dim.min)) / (math.log(dim.max) - math.log(dim.min))
    return (values - dim.min) / (dim.max - dim.min)


def _round(value: float, whole: bool) -> float | int:
    """Three significant figures: finer than the posterior's spread ever is."""
    if whole:
        return round(value)
    return float(f"{value:.3g}")


def write_scenario(out: Path, targets: Targets, fit: dict[str, Any]) -> tuple[Path, Path]:
    """The fitted values twice: as a base every scenario can rest on (``--base``), which is how
    to compare policies in the calibrated world, and as the surveyed scenario with the values
    (``timebank_calibrated.toml``), which ``compare`` takes like any scenario. Both are checked
    by loading."""
    from coprod.simulation.scenario import load_base, load_scenario, shipped_scenarios

    base = targets.scenario
    extends = base.name if base.name in shipped_scenarios() else str(base.path.resolve())
    values = [f"{name} = {value!r}" for name, value in fit["values"].items()]
    header = [
        f"# Written by `coprod calibrate` on {datetime.now():%Y-%m-%d} from {targets.path.name}:",
        f"# ABC with regression adjustment, {len(fit['kept'])} of {fit['points']} Latin "
        "hypercube points kept; values are posterior medians (calibration.md says how well "
        "they fit).",
    ]
    base_path, scenario_path = out / BASE_FILE, out / SCENARIO_FILE
    description = (
        f"{base.name} with {', '.join(fit['values'])} calibrated to {targets.path.name} "
        f"({' '.join(targets.description.split()).rstrip('.')})."
    )
    _write_lines(
        base_path,
        *header,
        "# Mechanisms every scenario shares: compare policies in the calibrated world with",
        f"#   coprod compare traditional {base.name} --base {BASE_FILE}",
        f"description = {_toml(f'Mechanisms calibrated to {targets.path.name}.')}",
        *values,
    )
    _write_lines(
        scenario_path,
        *header,
        f"# The values are mechanisms: against another scenario, give it them too "
        f"(--base {BASE_FILE}),",
        "# or the comparison mixes the calibrated world with the default one.",
        f"description = {_toml(description)}",
        f"extends = {_toml(extends)}",
        *values,
    )
    load_base(base_path)
    load_scenario(scenario_path)
    return base_path, scenario_path


def _write_lines(path: Path, *lines: str) -> None:
    """A text file of ``lines``, each ended by a newline."""
    path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")


def _toml(text: str) -> str:
    """A TOML basic string: JSON's escapes are TOML's, so any path or text survives."""
    return json.dumps(text, ensure_ascii=False)


def write_report(out: Path, targets: Targets, ranges: dict[str, Range], fit: dict) -> Path:
    """``calibration.md``: targets and sources, the fit, its quality, and identifiability."""
    from coprod.experiments.reports.report import md_table
    from coprod.simulation.params import describe

    s, got = targets.settings, fit["achieved"]
    rows = [
        [q, f"{t.share:.0%}", f"+-{t.tolerance:.0%}", t.source] for q, t in targets.targets.items()
    ]
    lines = [
        f"# Calibration to {targets.path.name}",
        "",
        targets.description.strip(),
        "",
        f"*{targets.caveat.strip()}*",
        "",
        md_table(["statistic", "target", "tolerance", "source"], rows),
        "",
        "## Method",
        "",
        f"ABC rejection with regression adjustment: {fit['points']} Latin hypercube points "
        f"over the ranges below, {s['replicates']} replicates each (averaged), "
        f"{targets.scenario.name} to its survey week. The {len(fit['kept'])} points "
        f"({len(fit['kept']) / fit['points']:.0%}) whose statistics lie closest to the targets "
        "are kept (distance: "
        "root mean square of the misses in tolerances), weighted by an Epanechnikov kernel of "
        "that distance, and corrected by the local-linear regression of parameters on "
        "statistics (Beaumont, Zhang and Balding 2002); `posterior.csv` lists them. Fitted "
        f"value: the posterior median, unless the posterior's sd is over {FLAT:.0%} of the "
        "prior's: the targets then say little about the parameter (at most a combination with "
        "another) and it keeps the scenario's value. Then "
        f"{s['check_replicates']} fresh replicates "
        "at the fitted values. "
        f"Seed {s['seed']}.",
        "",
        "## Can the model reach the targets?",
        "",
    ]
    screen = fit["screen"]
    reach = [
        [q, f"{t.share:.0%}", f"{screen[q].min():.0%} to {screen[q].max():.0%}"]
        for q, t in targets.targets.items()
    ]
    lines += [
        md_table(["statistic", "target", "range over the screen"], reach),
        "",
        f"All statistics within tolerance at {fit['inside']} of {fit['points']} points; "
        f"best distance {screen['distance'].min():.2f} tolerances.",
        "",
        *(
            f"**Out of reach: {q}.** No point of the screen came within its tolerance, so the "
            "model cannot reproduce it with these parameters and ranges. It is left out of the "
            "distance (it would only drag the fit to the edges of the ranges) and reported as "
            "achieved below.\n"
            for q in fit["unreached"]
        ),
        "## Fitted values",
        "",
    ]
    values = {**fit["values"], **fit["defaults"]}
    cells = [
        [
            n,
            describe(n)["meaning"],
            f"{d.min:g} to {d.max:g}",
            f"{values[n]:g}" + (" (unchanged: not informed)" if n in fit["defaults"] else ""),
            "{:.3g} ({:.3g} to {:.3g})".format(*fit["quantiles"][n]),
            f"{fit['spread'][n]:.0%}",
        ]
        for n, d in ranges.items()
    ]
    header = ["parameter", "meaning", "range", "written", "posterior median (95%)", "sd/prior"]
    lines += [md_table(header, cells), "", "## Fit at the fitted values", ""]
    fits = [
        [
            q,
            f"{r['target']:.0%}",
            f"{r['mean']:.1%} ({r['lo']:.1%} to {r['hi']:.1%})",
            "yes" if r["within"] else "no",
        ]
        for q, r in got.iterrows()
    ]
    lines += [md_table(["statistic", "target", "achieved (95% CI)", "within tolerance"], fits)]
    lines += ["", "## Identifiability", "", *_identifiability(fit, list(ranges)), ""]
    fit["kept"].to_csv(out / "posterior.csv")
    page = out / "calibration.md"
    page.write_text("\n".join(lines), encoding="utf-8")
    return page


def _identifiability(fit: dict, names: list[str]) -> list[str]:
    """Plain words on trade-offs between parameters and directions the targets leave flat."""
    lines = []
    corr = fit["correlation"]
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            if abs(corr.loc[a, b]) > RIDGE:
                lines.append(
                    f"- {a} and {b} trade off (posterior correlation "
                    f"{corr.loc[a, b]:+.2f}): the targets fix a combination, not each."
                )
    for ratio, loading in fit["axes"]:
        if ratio > FLAT:
            mix = " ".join(f"{w:+.2f} {n}" for w, n in zip(loading, names, strict=True))
            lines.append(
                f"- Flat direction ({mix}, in unit ranges): kept spread {ratio:.0%} of "
                "the prior's; the targets do not constrain it."
            )
    for name, end in fit["edges"].items():
        lines.append(
            f"- {name} piles at the {end} end of its range: the targets pull it beyond the "
            "range; widening it would bend the mechanism further, not fit it."
        )
    return lines or ["- No strong trade-offs or flat directions among the kept points."]
