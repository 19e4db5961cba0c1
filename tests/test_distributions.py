"""Distributions of uncertain parameters: the moments asked for, reproducible Latin hypercube
draws, truncation to the schema's range, and clear errors for bad specifications."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from coprod.experiments.designs.distributions import (
    DistributionError,
    TruncationWarning,
    parse_distributions,
    sample,
)

SOURCE = "psa.toml"
TRIANGLE = (3000.0, 6000.0, 9000.0)
TRIANGLE_SD = math.sqrt(
    sum(v * v for v in TRIANGLE) - (3000 * 6000 + 3000 * 9000 + 6000 * 9000)
) / math.sqrt(18)

# parameter -> (specification, mean, sd): each family on a parameter whose range does not bite
CASES = {
    "acute_size": ({"dist": "beta", "mean": 0.3, "sd": 0.05}, 0.3, 0.05),
    "hour_cost": ({"dist": "gamma", "mean": 55, "sd": 8}, 55, 8),
    "ae_cost": ({"dist": "lognormal", "mean": 300, "sd": 90}, 300, 90),
    "gp_cost": ({"dist": "normal", "mean": 42, "sd": 5}, 42, 5),
    "admission_cost": ({"dist": "uniform", "min": 2000, "max": 4000}, 3000, 2000 / math.sqrt(12)),
    "recruitment_cost": (
        {"dist": "triangular", "min": 3000, "mode": 6000, "max": 9000},
        6000,
        TRIANGLE_SD,
    ),
}


def _parsed(**specs):
    return parse_distributions(specs, SOURCE)


@pytest.mark.parametrize("method", ["latin_hypercube", "random"])
def test_each_family_has_the_mean_and_sd_asked_for(method):
    uncertain = _parsed(**{name: spec for name, (spec, _, _) in CASES.items()})
    with warnings.catch_warnings():
        warnings.simplefilter("error", TruncationWarning)  # none of these ranges bites
        draws = sample(uncertain, 20_000, np.random.SeedSequence(11), method)
    for name, (_, mean, sd) in CASES.items():
        assert draws[name].mean() == pytest.approx(mean, rel=0.01), name
        assert draws[name].std() == pytest.approx(sd, rel=0.03), name


def test_draws_are_reproducible_from_the_seed_and_stratified():
    uncertain = _parsed(gp_cost=CASES["gp_cost"][0], hour_cost=CASES["hour_cost"][0])
    one = sample(uncertain, 50, np.random.SeedSequence(5))
    assert one.equals(sample(uncertain, 50, np.random.SeedSequence(5)))
    assert not one.equals(sample(uncertain, 50, np.random.SeedSequence(6)))
    for name in one:
        strata = np.floor(uncertain[name].frozen.cdf(one[name]) * 50).astype(int)
        assert sorted(strata) == list(range(50)), (
            name
        )  # one draw in each fiftieth of the distribution


def test_a_range_that_bites_truncates_and_warns():
    # need_noise is at most 0.5: a normal centred on 0.45 loses about a third of its mass
    uncertain = _parsed(need_noise={"dist": "normal", "mean": 0.45, "sd": 0.1})
    with pytest.warns(TruncationWarning, match=r"need_noise.*outside the parameter's range"):
        draws = sample(uncertain, 2000, np.random.SeedSequence(1))
    assert draws["need_noise"].max() <= 0.5
    assert draws["need_noise"].min() >= 0
    assert draws["need_noise"].mean() < 0.45  # the conditional mean, below the asked-for one


def test_whole_number_parameters_are_rounded():
    uncertain = _parsed(n_users={"dist": "uniform", "min": 100, "max": 200})
    draws = sample(uncertain, 100, np.random.SeedSequence(2))
    assert draws["n_users"].dtype.kind == "i"
    assert draws["n_users"].between(100, 200).all()


@pytest.mark.parametrize(
    ("name", "spec", "said"),
    [
        (
            "hour_cost",
            {"dist": "gama", "mean": 1, "sd": 1},
            "unknown distribution 'gama'; allowed: beta",
        ),
        (
            "acute_size",
            {"dist": "beta", "mean": 1.2, "sd": 0.1},
            "mean of a beta must be between 0 and 1",
        ),
        ("acute_size", {"dist": "beta", "mean": 0.5, "sd": 0.6}, "needs an sd below 0.5"),
        (
            "gp_cost",
            {"dist": "normal", "mean": 42, "sd": -1},
            "sd of a normal must be greater than 0",
        ),
        (
            "gp_cost",
            {"dist": "gamma", "mean": -3, "sd": 1},
            "mean of a gamma must be greater than 0",
        ),
        ("gp_cost", {"dist": "normal", "mean": 42}, "takes exactly mean, sd (missing sd)"),
        (
            "gp_cost",
            {"dist": "uniform", "min": 5, "max": 5},
            "min of a uniform must be below its max",
        ),
        ("gp_cost", {"dist": "triangular", "min": 1, "mode": 9, "max": 5}, "mode of a triangular"),
        ("gp_cost", {"dist": "normal", "mean": "42", "sd": 5}, "must be finite numbers"),
        ("gp_cost", 42, "needs a table such as"),
        (
            "gp_cots",
            {"dist": "normal", "mean": 42, "sd": 5},
            "not a parameter. Did you mean 'gp_cost'",
        ),
        ("power_sharing", {"dist": "beta", "mean": 0.3, "sd": 0.1}, "is a policy lever"),
        ("weeks", {"dist": "uniform", "min": 50, "max": 60}, "not uncertain"),
        ("cost_basis", {"dist": "uniform", "min": 0, "max": 1}, "not a number"),
        ("hour_cost", {"dist": "normal", "mean": -500, "sd": 1}, "no probability inside"),
    ],
)
def test_bad_specifications_name_the_file_the_parameter_and_what_is_allowed(name, spec, said):
    with pytest.raises(DistributionError) as error:
        _parsed(**{name: spec})
    message = str(error.value)
    assert message.startswith(f"{SOURCE}: `{name}`")
    assert said in message


def test_every_problem_of_a_file_is_reported_at_once():
    with pytest.raises(DistributionError) as error:
        _parsed(
            power_sharing={"dist": "beta", "mean": 0.3, "sd": 0.1},
            gp_cost={"dist": "normal", "mean": 42, "sd": 0},
            hour_cost=CASES["hour_cost"][0],
        )
    message = str(error.value)
    assert message.startswith(f"{SOURCE}: 2 problems")
    assert "`power_sharing`" in message and "`gp_cost`" in message
    assert "`hour_cost`" not in message


def test_sampling_settings_are_checked():
    uncertain = _parsed(gp_cost=CASES["gp_cost"][0])
    with pytest.raises(DistributionError, match="sampling method 'sobol'"):
        sample(uncertain, 10, np.random.SeedSequence(0), "sobol")
    with pytest.raises(DistributionError, match="at least 1"):
        sample(uncertain, 0, np.random.SeedSequence(0))


# --- the schema's distributions (params.uncertainty) -------------------------------------


def _world_numbers() -> list[str]:
    from coprod.simulation.params import HORIZON, LEVERS, PARAMETER_NAMES, Params

    return [
        name
        for name in PARAMETER_NAMES
        if name not in LEVERS
        and name not in HORIZON
        and Params.model_fields[name].annotation in (int, float)
    ]


def test_every_world_parameter_with_a_default_has_a_distribution_that_can_be_drawn():
    from coprod.simulation.params import describe
    from coprod.simulation.params.uncertainty import distribution

    names = [n for n in _world_numbers() if describe(n)["default"] != 0]
    table = {name: distribution(name)[0] for name in names}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TruncationWarning)
        draws = sample(parse_distributions(table, SOURCE), 50, np.random.SeedSequence(1))
    for name in names:  # each distribution is centred near the default, within its bounds
        info = describe(name)
        assert draws[name].min() >= (info["min"] if info["min"] is not None else -math.inf)
        assert draws[name].median() == pytest.approx(info["default"], rel=0.25, abs=1)


def test_the_default_rule_is_a_triangle_around_the_default_cut_to_the_bounds():
    from coprod.simulation.params.uncertainty import default_rule

    info = {"default": 0.8, "min": 0.0, "max": 1.0}
    assert default_rule(info) == {"dist": "triangular", "min": 0.4, "mode": 0.8, "max": 1.0}
    unbounded = default_rule({"default": 4.0, "min": None, "max": None})
    assert (unbounded["min"], unbounded["max"]) == (2.0, 6.0)


def test_a_stated_distribution_follows_the_default_and_names_its_source():
    from coprod.simulation.params.uncertainty import STATED, distribution

    spec, source = distribution("gp_cost")
    assert spec == {"dist": "gamma", "mean": 42.0, "sd": pytest.approx(42.0 * STATED["gp_cost"].cv)}
    assert "PSSRU" in source and "assumption" in source
    assert distribution("hours_per_need")[1].startswith("default rule")


def test_a_distribution_given_to_param_comes_first(monkeypatch):
    from coprod.simulation.params import Params
    from coprod.simulation.params.schema import param
    from coprod.simulation.params.uncertainty import distribution, stated_names

    own = {"dist": "beta", "mean": 0.3, "sd": 0.05}
    field = param(0.3, "x", "a share", ge=0, le=1, group="care", distribution=own)
    assert field.json_schema_extra["distribution"] == own
    assert "distribution" not in param(0.3, "x", "a share", group="care").json_schema_extra
    extra = Params.model_fields["acute_size"].json_schema_extra
    monkeypatch.setitem(extra, "distribution", own)
    assert distribution("acute_size")[0] == own
    assert "acute_size" in stated_names()
