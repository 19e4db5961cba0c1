"""Distributions for the uncertain parameters of a probabilistic sensitivity analysis (PSA).

A PSA asks how sure a verdict is when the assumptions behind it are uncertain, so every
uncertain parameter gets a distribution rather than a range. An experiment file writes one per
parameter, one readable form per family (the form a health economist reports in a table)::

    [uncertain]
    community_efficacy = { dist = "beta", mean = 0.3, sd = 0.05 }       # a share in (0, 1)
    hour_cost = { dist = "gamma", mean = 55, sd = 8 }                    # a positive cost
    acute_size = { dist = "lognormal", mean = 0.2, sd = 0.05 }          # positive, skewed
    need_noise = { dist = "normal", mean = 0.02, sd = 0.005 }            # symmetric
    agency_gain_rate = { dist = "uniform", min = 0.01, max = 0.05 }      # only a range known
    gp_cost = { dist = "triangular", min = 30, mode = 42, max = 60 }     # range and likeliest

``mean`` and ``sd`` are always those of the parameter itself (for ``lognormal`` too, not of
its logarithm), so the numbers in a file can be read against the parameter's unit. Beta and
gamma by mean and sd are the method-of-moments forms of Briggs, Claxton & Sculpher (2006),
*Decision Modelling for Health Economic Evaluation*, chapter 4.

Draws are Latin hypercube over the distributions' quantiles by default (each marginal is
stratified, so a few hundred draws cover every distribution's tails), independent across
parameters, and reproducible from a ``numpy.random.SeedSequence`` child. Each distribution is
truncated to its parameter's schema range (``coprod.simulation.params.describe``): draws come
from the distribution conditional on that range, not clipped onto its ends, and a
:class:`TruncationWarning` says how much probability the range cut off when it cuts any.

Policy levers (``params.LEVERS``) and the horizon are choices, not uncertainties: a
distribution on one is refused, as is any non-numeric parameter. Every mistake of a file is
reported at once, naming the file, the parameter and what is allowed.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from scipy.stats import qmc

from coprod.simulation.errors import CoprodError
from coprod.simulation.params import HORIZON, LEVERS, PARAMETER_NAMES, Params, describe
from coprod.simulation.scenario import _report, _unknown_key

FAMILIES: dict[str, tuple[str, ...]] = {
    "beta": ("mean", "sd"),
    "gamma": ("mean", "sd"),
    "lognormal": ("mean", "sd"),
    "normal": ("mean", "sd"),
    "uniform": ("min", "max"),
    "triangular": ("min", "mode", "max"),
}
"""Each family and the keys of its one readable form."""

METHODS = ("latin_hypercube", "random")
NEGLIGIBLE_MASS = 1e-3
"""Truncation that removes less probability than this is not worth a warning."""


class DistributionError(CoprodError):
    """A distribution that cannot be drawn from as written."""


class TruncationWarning(UserWarning):
    """A parameter's schema range cut off a noticeable share of its distribution."""


@dataclass(frozen=True)
class Uncertain:
    """One uncertain parameter: its distribution as written, the frozen scipy distribution it
    stands for, and the schema range it is truncated to."""

    name: str
    family: str
    values: dict[str, float]
    frozen: Any
    low: float
    high: float

    @property
    def kept_mass(self) -> float:
        """Probability of the untruncated distribution inside the schema range."""
        return float(self.frozen.cdf(self.high) - self.frozen.cdf(self.low))

    def quantile(self, u: np.ndarray) -> np.ndarray:
        """The truncated distribution's quantiles at ``u`` in (0, 1)."""
        lo, hi = self.frozen.cdf(self.low), self.frozen.cdf(self.high)
        draws = self.frozen.ppf(lo + u * (hi - lo))
        return np.clip(draws, self.low, self.high)

    def describe(self) -> str:
        """The distribution as written, e.g. ``beta(mean=0.3, sd=0.05)``."""
        shown = ", ".join(f"{key}={value:g}" for key, value in self.values.items())
        return f"{self.family}({shown})"


def parse_distributions(table: Mapping[str, Any], source: str) -> dict[str, Uncertain]:
    """Validate a mapping parameter name -> ``{dist = ..., ...}`` (an experiment file's
    ``[uncertain]`` table, or the schema's defaults), reporting every problem at once as one
    :class:`DistributionError` that names ``source`` (the file) and each parameter."""
    parsed, problems = checked_distributions(table)
    if problems:
        raise DistributionError(_report(source, problems))
    return parsed


def checked_distributions(table: Mapping[str, Any]) -> tuple[dict[str, Uncertain], list[str]]:
    """The distributions of ``table`` that are sound, and the problems of the others (for a
    file reader that reports them with its own)."""
    problems: list[str] = []
    parsed: dict[str, Uncertain] = {}
    for name, spec in table.items():
        found = _parameter_problem(name) or _spec_problem(name, spec)
        if found:
            problems.append(found)
            continue
        uncertain, problem = _build(name, spec)
        if problem:
            problems.append(problem)
        else:
            parsed[name] = uncertain
    return parsed, problems


def sample(
    uncertain: Mapping[str, Uncertain],
    n: int,
    seed: np.random.SeedSequence,
    method: str = "latin_hypercube",
) -> pd.DataFrame:
    """``n`` draws of every uncertain parameter: one row per draw, one column per parameter
    (in ``uncertain``'s order). Same seed, same draws; whole-number parameters are rounded.

    Warns (:class:`TruncationWarning`) for each parameter whose schema range cuts off more
    than :data:`NEGLIGIBLE_MASS` of its distribution, since the draws then no longer have
    the mean and sd the file asked for."""
    if method not in METHODS:
        raise DistributionError(f"unknown sampling method {method!r}; allowed: {METHODS}")
    if n < 1:
        raise DistributionError(f"the number of draws must be at least 1, not {n}")
    names = list(uncertain)
    rng = np.random.default_rng(seed)
    if method == "latin_hypercube" and names:
        u = qmc.LatinHypercube(d=len(names), rng=rng).random(n)
    else:
        u = rng.random((n, len(names)))
    columns = {}
    for j, name in enumerate(names):
        dist = uncertain[name]
        _warn_if_truncated(dist)
        draws = dist.quantile(u[:, j])
        columns[name] = np.rint(draws).astype(int) if _is_whole(name) else draws
    return pd.DataFrame(columns, index=pd.RangeIndex(n, name="draw"))


def _parameter_problem(name: str) -> str | None:
    """Why ``name`` cannot carry a distribution, or None if it can."""
    if name not in PARAMETER_NAMES:
        return _unknown_key(name, PARAMETER_NAMES)
    if name in LEVERS:
        return (
            f"`{name}` is a policy lever: a choice the scenarios make, not an uncertainty. "
            "Compare levers as scenarios or [vary] them; give distributions to the world's "
            "parameters only."
        )
    if name in HORIZON:
        return f"`{name}` sets what a run records, not the world it simulates: not uncertain."
    if Params.model_fields[name].annotation not in (int, float):
        return f"`{name}` is not a number, so it cannot have a distribution."
    return None


def _spec_problem(name: str, spec: Any) -> str | None:
    """What is wrong with the shape of one specification (not yet its values), or None."""
    allowed = "; ".join(f"{f} ({', '.join(keys)})" for f, keys in FAMILIES.items())
    if not isinstance(spec, Mapping) or "dist" not in spec:
        return (
            f'`{name}` needs a table such as {{ dist = "beta", mean = 0.3, sd = 0.05 }}; '
            f"distributions and their keys: {allowed}."
        )
    family = spec["dist"]
    if family not in FAMILIES:
        return f"`{name}`: unknown distribution {family!r}; allowed: {allowed}."
    keys = set(spec) - {"dist"}
    wanted = FAMILIES[family]
    if keys != set(wanted):
        missing = [k for k in wanted if k not in keys]
        extra = sorted(keys - set(wanted))
        said = "; ".join(
            part
            for part in (
                f"missing {', '.join(missing)}" if missing else "",
                f"unknown {', '.join(extra)}" if extra else "",
            )
            if part
        )
        return f"`{name}`: a {family} takes exactly {', '.join(wanted)} ({said})."
    bad = [k for k in wanted if not _is_number(spec[k])]
    if bad:
        return f"`{name}`: {', '.join(bad)} of the {family} must be finite numbers."
    return None


def _build(name: str, spec: Mapping[str, Any]) -> tuple[Uncertain | None, str | None]:
    """The frozen distribution of a well-shaped specification, or the problem with its
    values (an sd that is not positive, a beta mean outside (0, 1), ...)."""
    family = spec["dist"]
    values = {key: float(spec[key]) for key in FAMILIES[family]}
    problem = _value_problem(family, values)
    if problem:
        return None, f"`{name}`: {problem}"
    info = describe(name)
    low = -math.inf if info["min"] is None else float(info["min"])
    high = math.inf if info["max"] is None else float(info["max"])
    if info["min_exclusive"]:
        low = math.nextafter(low, math.inf)
    frozen = _frozen(family, values)
    uncertain = Uncertain(name, family, values, frozen, low, high)
    if uncertain.kept_mass <= 0:
        return None, (
            f"`{name}`: {uncertain.describe()} has no probability inside the parameter's "
            f"range [{info['min']}, {info['max']}]."
        )
    return uncertain, None


def _value_problem(family: str, v: dict[str, float]) -> str | None:
    """Why these values do not define a distribution of ``family``, or None."""
    if "sd" in v and v["sd"] <= 0:
        return f"the sd of a {family} must be greater than 0, not {v['sd']:g}."
    if family == "beta":
        if not 0 < v["mean"] < 1:
            return f"the mean of a beta must be between 0 and 1 (exclusive), not {v['mean']:g}."
        if v["sd"] ** 2 >= v["mean"] * (1 - v["mean"]):
            limit = math.sqrt(v["mean"] * (1 - v["mean"]))
            return f"a beta with mean {v['mean']:g} needs an sd below {limit:.4g}, not {v['sd']:g}."
    if family in ("gamma", "lognormal") and v["mean"] <= 0:
        return f"the mean of a {family} must be greater than 0, not {v['mean']:g}."
    if family in ("uniform", "triangular") and not v["min"] < v["max"]:
        return f"the min of a {family} must be below its max ({v['min']:g} >= {v['max']:g})."
    if family == "triangular" and not v["min"] <= v["mode"] <= v["max"]:
        return f"the mode of a triangular must lie between its min and max, not {v['mode']:g}."
    return None


def _frozen(family: str, v: dict[str, float]) -> Any:
    """The scipy distribution with the moments or bounds of one readable form."""
    if family == "beta":
        common = v["mean"] * (1 - v["mean"]) / v["sd"] ** 2 - 1
        return stats.beta(v["mean"] * common, (1 - v["mean"]) * common)
    if family == "gamma":
        shape = (v["mean"] / v["sd"]) ** 2
        return stats.gamma(shape, scale=v["mean"] / shape)
    if family == "lognormal":
        sigma2 = math.log1p((v["sd"] / v["mean"]) ** 2)
        return stats.lognorm(math.sqrt(sigma2), scale=v["mean"] * math.exp(-sigma2 / 2))
    if family == "normal":
        return stats.norm(v["mean"], v["sd"])
    width = v["max"] - v["min"]
    if family == "uniform":
        return stats.uniform(v["min"], width)
    return stats.triang((v["mode"] - v["min"]) / width, loc=v["min"], scale=width)


def _warn_if_truncated(dist: Uncertain) -> None:
    """Say so when the schema range removes a noticeable share of a distribution."""
    cut = 1 - dist.kept_mass
    if cut > NEGLIGIBLE_MASS:
        warnings.warn(
            f"`{dist.name}`: {dist.describe()} puts {cut:.1%} of its probability outside the "
            f"parameter's range [{dist.low:g}, {dist.high:g}]; draws are truncated to it, so "
            "their mean and sd differ from those asked for.",
            TruncationWarning,
            stacklevel=3,
        )


def _is_number(value: Any) -> bool:
    """A finite int or float (TOML's booleans are not numbers here)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _is_whole(name: str) -> bool:
    """Whether the parameter takes whole numbers only."""
    return Params.model_fields[name].annotation is int
