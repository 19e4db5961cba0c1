"""Experiment files: clear errors naming the file and the key, and designs that are the right
size, inside their ranges, reproducible from the seed, and cover every listed value."""

from __future__ import annotations

import itertools
import json
import textwrap
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import qmc

from coprod.experiments.designs.design import (
    CHUNK,
    DESIGN_STREAM,
    DESIGNS,
    Range,
    _column,
    design_points,
)
from coprod.experiments.designs.experiment import ExperimentError, load_experiment
from coprod.simulation.errors import CoprodError
from coprod.simulation.params import describe

GOOD = """\
base = "timebank"
baseline = "traditional"
replicates = 2
steps = 24
seed = 3
[vary]
power_sharing = { min = 0.2, max = 0.8, steps = 3 }
timebank_uptake = [0.1, 0.3]
[fixed]
n_users = 30
"""


def write(tmp_path: Path, text: str, name: str = "exp.toml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def test_a_good_file_gives_its_points_scenarios_and_runs(tmp_path):
    experiment = load_experiment(write(tmp_path, GOOD))
    assert list(experiment.scenarios) == ["traditional", "timebank"]  # baseline first
    assert experiment.baseline == "traditional"
    assert experiment.points == [
        {"power_sharing": ps, "timebank_uptake": tu}
        for ps, tu in itertools.product([0.2, 0.5, 0.8], [0.1, 0.3])
    ]
    for params in experiment.scenarios.values():
        assert (params.n_users, params.weeks) == (30, 24)
    specs = experiment.specs()
    assert len(specs) == 6 * 2 * 2
    assert specs[0].run_id == "traditional-p0000-r000" and specs[-1].run_id == "timebank-p0005-r001"
    assert specs[-1].params["power_sharing"] == 0.8 and specs[-1].point == 5
    by_replicate = {spec.replicate: set() for spec in specs}
    for spec in specs:
        by_replicate[spec.replicate].add(spec.seed)
    assert all(len(seeds) == 1 for seeds in by_replicate.values())  # common random numbers
    assert experiment.record == {"every": 1, "agents": False, "survey": True}


def test_the_baseline_keeps_its_policy_levers_but_shares_the_world(tmp_path):
    """Sweeping a lever changes the swept scenario, never what the baseline is; a mechanism
    (a rate of the world) and [fixed] mechanisms apply to both, so the pairs stay fair."""
    text = GOOD.replace("timebank_uptake = [0.1, 0.3]", 'power_rule = ["shared_decisions"]')
    text = text.replace("n_users = 30", "n_users = 30\nagency_gain_rate = 0.05\ninvolvement = 0.5")
    experiment = load_experiment(
        write(tmp_path, text.replace("[fixed]", "gp_rate = [0.1]\n[fixed]"))
    )
    runs = {(spec.scenario, spec.point): spec.params for spec in experiment.specs()}
    for point in range(3):
        trad, bank = runs["traditional", point], runs["timebank", point]
        assert (trad["power_rule"], trad["power_sharing"], trad["involvement"]) == (
            "expert",
            0.05,
            0.0,
        )
        assert bank["power_rule"] == "shared_decisions" and bank["involvement"] == 0.5
        assert trad["gp_rate"] == bank["gp_rate"] == 0.1
        assert trad["agency_gain_rate"] == bank["agency_gain_rate"] == 0.05
    assert [runs["timebank", p]["power_sharing"] for p in range(3)] == [0.2, 0.5, 0.8]


def test_scenario_paths_are_relative_to_the_experiment_file(tmp_path):
    (tmp_path / "mine").mkdir()
    write(tmp_path / "mine", 'extends = "timebank"\npower_sharing = 0.3\n', "half.toml")
    experiment = load_experiment(write(tmp_path, GOOD.replace('"timebank"', '"mine/half.toml"')))
    assert list(experiment.scenarios) == ["traditional", "half"]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (("replicates = 2", "replicate = 2"), ["`replicate`", "Did you mean 'replicates'"]),
        (("seed = 3", "seed = 3\nn_users = 5"), ["`n_users` is a parameter", "[fixed]"]),
        (("seed = 3", "seed = 3\ndesign = 'latin_hypercub'"), ["`design`", "'latin_hypercube'"]),
        (("min = 0.2", "min = -0.2"), ["power_sharing", "range", "at least 0"]),
        (("min = 0.2, max = 0.8", "min = 0.8, max = 0.2"), ["power_sharing", "less than max"]),
        (("power_sharing =", "power_sharng ="), ["power_sharng", "Did you mean 'power_sharing'"]),
        (("[0.1, 0.3]", '[0.1, "lots"]'), ["timebank_uptake", '"lots"', "wrong type"]),
        (("steps = 3 }", "steps = 3, lg = true }"), ["`lg`", "Did you mean 'log'"]),
        (("n_users = 30", "n_users = 1"), ["[fixed]", "n_users", "at least 2"]),
        (("n_users = 30", "wellbeing_mean = 0.5"), ["[fixed]", "wellbeing_mean", "output"]),
        (('base = "timebank"', 'base = "timbank"'), ["`base`", "Did you mean 'timebank'"]),
        (("[fixed]", "[record]\nevery = 0\n[fixed]"), ["[record]", "`every`", "at least 1"]),
        (("[fixed]", "power_rule = { min = 0, max = 1 }\n[fixed]"), ["power_rule", "list"]),
        (("[fixed]", 'power_rule = ["co_desing"]\n[fixed]'), ["power_rule", "'co_design'"]),
        (("steps = 3 }", "steps = 3, log = true }\n"), []),  # fine: log spacing
        (("[0.1, 0.3]", "[0.1, 0.1]"), ["timebank_uptake", "twice"]),
        (("n_users = 30", "power_sharing = 0.5"), ["both in [fixed] and [vary]"]),
        (('base = "timebank"', 'base = ["timebank", "timebank"]'), ["named twice (in `base`"]),
        ((GOOD[GOOD.index("power_sharing =") : GOOD.index("[fixed]")], ""), ["[vary]", "empty"]),
    ],
)
def test_bad_files_name_the_file_and_the_key(tmp_path, change, words):
    path = write(tmp_path, GOOD.replace(*change))
    if not words:
        load_experiment(path)
        return
    with pytest.raises(ExperimentError) as caught:
        load_experiment(path)
    message = str(caught.value)
    assert message.startswith(str(path)), message
    for word in words:
        assert word in message, (word, message)


def test_design_specific_keys_are_checked(tmp_path):
    grid_with_samples = GOOD.replace("seed = 3", "seed = 3\nsamples = 8")
    no_steps = GOOD.replace(", steps = 3", "")
    lhs_with_steps = GOOD.replace("seed = 3", 'seed = 3\ndesign = "latin_hypercube"\nsamples = 8')
    sobol_not_2n = GOOD.replace(", steps = 3", "").replace(
        "seed = 3", 'seed = 3\ndesign = "sobol"\nsamples = 12'
    )
    whole_repeats = GOOD.replace(
        "[fixed]", "n_professionals = { min = 2, max = 3, steps = 4 }\n[fixed]"
    )
    cases = {
        grid_with_samples: "`samples` is for latin_hypercube and sobol",
        no_steps: "a grid needs `steps`",
        lhs_with_steps: "`steps` is for the grid design",
        sobol_not_2n: "use 8 or 16",
        whole_repeats: "repeat whole numbers",
    }
    for text, words in cases.items():
        with pytest.raises(CoprodError, match=words):
            load_experiment(write(tmp_path, text))


def test_every_problem_of_a_file_is_reported_at_once(tmp_path):
    text = GOOD.replace("replicates = 2", "replicates = 0").replace("min = 0.2", "min = 'low'")
    with pytest.raises(ExperimentError, match="2 problems") as caught:
        load_experiment(write(tmp_path, text))
    assert "`replicates`" in str(caught.value) and "`min`" in str(caught.value)


def test_unreadable_files_are_errors_naming_them(tmp_path):
    with pytest.raises(ExperimentError, match="no such experiment file"):
        load_experiment(tmp_path / "missing.toml")
    with pytest.raises(ExperimentError, match="not valid TOML"):
        load_experiment(write(tmp_path, "base = \n"))
    with pytest.raises(ExperimentError, match=r"\[vary\] is missing"):
        load_experiment(write(tmp_path, 'base = "timebank"\n'))


@pytest.mark.parametrize("design", DESIGNS[1:])
def test_sampled_designs_are_the_right_size_inside_the_ranges_and_reproducible(design):
    vary = {
        "power_sharing": Range(0.1, 0.9),
        "timebank_uptake": Range(0.01, 0.5, log=True),
        "n_professionals": Range(2, 5, whole=True),
        "power_rule": ("shared_decisions", "co_design"),
    }
    points = design_points(vary, design, 64, seed=7)
    assert len(points) == 64
    assert points == design_points(vary, design, 64, seed=7)
    assert points != design_points(vary, design, 64, seed=8)
    for name, low, high in (("power_sharing", 0.1, 0.9), ("timebank_uptake", 0.01, 0.5)):
        values = [p[name] for p in points]
        assert low <= min(values) and max(values) <= high
        assert max(values) - min(values) > 0.6 * (high - low) or name == "timebank_uptake"
    assert {p["n_professionals"] for p in points} == {2, 3, 4, 5}
    assert all(isinstance(p["n_professionals"], int) for p in points)
    assert {p["power_rule"] for p in points} == {"shared_decisions", "co_design"}


def test_a_latin_hypercube_puts_one_point_in_each_stratum():
    points = design_points({"power_sharing": Range(0.0, 1.0)}, "latin_hypercube", 10, seed=1)
    strata = sorted(int(p["power_sharing"] * 10) for p in points)
    assert strata == list(range(10))


def test_a_grid_covers_every_listed_value_and_both_range_ends():
    vary = {
        "power_sharing": Range(0.2, 0.8, steps=4),
        "reciprocity": ("none", "timebank"),
        "timebank_uptake": Range(0.01, 1.0, steps=3, log=True),
    }
    points = design_points(vary, "grid", None, seed=0)
    assert len(points) == 4 * 2 * 3
    assert {p["reciprocity"] for p in points} == {"none", "timebank"}
    assert sorted({p["power_sharing"] for p in points}) == pytest.approx([0.2, 0.4, 0.6, 0.8])
    assert sorted({p["timebank_uptake"] for p in points}) == pytest.approx([0.01, 0.1, 1.0])
    assert len({tuple(p.values()) for p in points}) == len(points)


def test_shipped_example_is_valid_and_its_ranges_fit_the_schema():
    example = Path(__file__).parents[1] / "experiments" / "examples" / "power_timebank.toml"
    experiment = load_experiment(example)
    assert len(experiment.points) == 12 and experiment.baseline == "traditional"
    for name in experiment.vary:
        info, values = describe(name), [p[name] for p in experiment.points]
        assert info["min"] <= min(values) and max(values) <= info["max"]


@pytest.mark.parametrize("where", ["README.md", "experiments/designs/experiment.py"])
def test_the_documented_example_is_a_valid_experiment_file(tmp_path, where):
    text = (Path(__file__).parents[1] / where).read_text()
    if where == "README.md":
        example = text.split("## Sweeps")[1].split("```toml\n")[1].split("```")[0]
    else:
        example = textwrap.dedent(text.split("::\n\n")[1].split("\n\nPrecedence")[0])
    experiment = load_experiment(write(tmp_path, example))
    assert experiment.baseline == "traditional" and experiment.points


def test_a_misspelt_design_is_one_problem_not_a_cascade(tmp_path):
    path = write(tmp_path, GOOD.replace("seed = 3", 'seed = 3\ndesign = "gird"'))
    with pytest.raises(ExperimentError) as caught:
        load_experiment(path)
    message = str(caught.value)
    assert '`design` = "gird"' in message and "Did you mean 'grid'" in message
    assert "steps" not in message and "samples" not in message


def whole_design(vary: dict, design: str, samples: int | None, seed: int) -> list[dict]:
    """The design as it was drawn before designs were made lazily: all at once (a grid by
    ``itertools.product``, a sampled design in one call of its ``scipy.stats.qmc`` engine)."""
    if design == "grid":
        axes = [dim.grid() if isinstance(dim, Range) else list(dim) for dim in vary.values()]
        return [dict(zip(vary, combo, strict=True)) for combo in itertools.product(*axes)]
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(DESIGN_STREAM,)))
    kind = qmc.Sobol if design == "sobol" else qmc.LatinHypercube
    unit = kind(len(vary), seed=rng).random(samples)
    columns = [_column(dim, unit[:, j]) for j, dim in enumerate(vary.values())]
    return [dict(zip(vary, row, strict=True)) for row in zip(*columns, strict=True)]


MIXED = {
    "power_sharing": Range(0.1, 0.9, steps=5),
    "timebank_uptake": Range(0.01, 0.5, steps=3, log=True),
    "n_professionals": Range(2, 5, steps=4, whole=True),
    "power_rule": ("shared_decisions", "co_design"),
}


@pytest.mark.parametrize(
    ("design", "samples"),
    [("grid", None), ("latin_hypercube", 100), ("latin_hypercube", CHUNK), ("sobol", 64),
     ("sobol", 4 * CHUNK)],
)  # fmt: skip
def test_a_lazy_design_gives_the_points_the_whole_design_gave(design, samples):
    """Same design and seed, same points, point by point (Sobol across blocks too, by
    fast-forwarding the one scrambled sequence), in order and by index from either end."""
    vary = MIXED if design == "grid" else {k: Range(v.min, v.max, None, v.log, v.whole)
                                           if isinstance(v, Range) else v
                                           for k, v in MIXED.items()}  # fmt: skip
    lazy, whole = (
        design_points(vary, design, samples, seed=5),
        whole_design(vary, design, samples, 5),
    )
    assert len(lazy) == len(whole) and list(lazy) == whole
    for index in (0, 1, len(whole) // 2, len(whole) - 1, -1, -len(whole)):
        assert lazy[index] == whole[index]
    assert lazy[3:7] == whole[3:7]
    with pytest.raises(IndexError):
        lazy[len(whole)]


def test_a_large_latin_hypercube_is_stratified_within_each_block():
    size = 2 * CHUNK + 100
    points = design_points({"power_sharing": Range(0.0, 1.0)}, "latin_hypercube", size, seed=1)
    values = np.array([p["power_sharing"] for p in points])
    for start in range(0, size, CHUNK):
        block = values[start : start + CHUNK]
        assert sorted((block * len(block)).astype(int)) == list(range(len(block)))
    assert points[CHUNK + 3] == list(points)[CHUNK + 3]  # by index as in order


def grid_file(tmp_path: Path, sharing_steps: int, uptake_steps: int, name: str = "exp.toml"):
    """A time-bank grid over power_sharing x timebank_uptake with the given steps."""
    return write(
        tmp_path,
        f"""\
        base = "timebank"
        baseline = "traditional"
        replicates = 1
        [vary]
        power_sharing = {{ min = 0.0, max = 1.0, steps = {sharing_steps} }}
        timebank_uptake = {{ min = 0.01, max = 0.5, steps = {uptake_steps} }}
        """,
        name=name,
    )


def test_a_million_run_sweep_is_planned_in_a_second_in_constant_memory(tmp_path):
    """1,000 x 500 grid points x 2 scenarios: loaded, its runs made on demand, sized, and its
    manifest record small; the peak of memory allocated stays under 20 MB (the list of runs
    it replaces took gigabytes)."""
    from coprod.experiments.jobs.runner import _planned
    from coprod.experiments.jobs.size import size_of

    path = grid_file(tmp_path, 1000, 500)

    def plan() -> tuple:
        experiment = load_experiment(path)
        specs = experiment.specs()
        return specs, size_of(specs, 2), _planned(experiment.job(), specs)

    started = time.process_time()  # CPU time: the machine's other load does not count
    plan()
    elapsed = time.process_time() - started
    tracemalloc.start()
    specs, size, planned = plan()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(specs) == size.runs == 1_000_000
    assert elapsed < 1.0 and peak < 20 * 2**20, (elapsed, peak)
    tiny = load_experiment(grid_file(tmp_path, 2, 2, name="tiny.toml"))
    # the record does not grow with the runs: a million take no more room than eight
    assert len(json.dumps(planned)) - len(json.dumps(_planned(tiny.job(), tiny.specs()))) < 50
    last = specs[-1]
    assert last.run_id == "timebank-p499999-r000" and last.params["power_sharing"] == 1.0
    second = specs[3]  # point 1 of the swept scenario: the fastest parameter's next value
    assert second.scenario == "timebank" and second.point == 1
    assert second.params["timebank_uptake"] == pytest.approx(0.01 + 0.49 / 499)
