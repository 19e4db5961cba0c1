"""The ``coprod`` command as a user meets it: output, errors with exit 2, Ctrl-C with 130."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import coprod
from coprod.experiments import cli
from coprod.experiments.designs.targets import load_targets
from coprod.simulation.scenario import list_scenarios, load_base

SPICE = Path(__file__).resolve().parents[1] / "scenarios" / "targets" / "spice_cardiff.toml"
TINY = ["--set", "n_users=40", "--set", "n_neighbours=20", "--set", "n_professionals=3"]


def test_scenarios_lists_every_shipped_scenario(capsys):
    assert cli.main(["scenarios"]) == 0
    out = capsys.readouterr().out
    for name, _ in list_scenarios():
        assert f"\n{name}\n" in f"\n{out}"
    base = out.split("(docs/CALIBRATION.md): ")[1].split()[0]  # the shipped calibrated world
    fitted = set(load_base(base))  # what the shipped calibration fitted, from the Spice ranges
    assert fitted and fitted <= set(load_targets(SPICE).ranges)


def test_show_marks_what_the_scenario_sets(capsys):
    assert cli.main(["show", "codesign", "--set", "weeks=30"]) == 0
    lines = capsys.readouterr().out.splitlines()
    power = next(line for line in lines if " power_rule " in line)
    assert power.startswith("*") and "co_design" in power
    assert next(line for line in lines if " weeks " in line).split()[:3] == ["*", "weeks", "30"]


def test_run_prints_a_summary_table(capsys):
    assert cli.main(["run", "timebank", "--steps", "10", *TINY]) == 0
    out = capsys.readouterr().out
    assert "last 8 weeks" in out
    rows = {line.split()[0]: line for line in out.splitlines() if line.strip()}
    assert "wellbeing_mean" not in rows  # wemwbs_mean gives it, on the scale of the report
    for metric in ("wemwbs_mean", "wellbeing_p10"):  # wellbeing in WEMWBS points, 14 to 70
        assert "WEMWBS points" in rows[metric]
        assert all(14 <= float(v) <= 70 for v in rows[metric].split()[-3:])
    assert cli.main(["run", "timebank", "--steps", "2", *TINY]) == 0  # windows of the run
    assert "weeks 1-2  last 2 weeks" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ('extends = "timebank"\npower_sharng = 0.5\n', ["power_sharng", "power_sharing"]),
        ('reciprocity = "barter"\n', ["reciprocity", "barter", "timebank"]),
        ("capacity_factor = 7\n", ["capacity_factor", "at most 3"]),
        ("wellbeing_mean = 0.9\n", ["wellbeing_mean"]),
        ("power_sharing = \n", ["bad.toml"]),
    ],
)
def test_bad_scenario_file_exits_2_naming_file_and_key(tmp_path, capsys, content, words):
    bad = tmp_path / "bad.toml"
    bad.write_text(content)
    assert cli.main(["compare", str(bad), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "bad.toml" in err and "Traceback" not in err
    for word in words:
        assert word in err
    assert not (tmp_path / "out").exists()


def test_a_negative_seed_is_refused_by_the_command_line(capsys):
    with pytest.raises(SystemExit) as refused:
        cli.main(["run", "timebank", "--seed", "-1"])
    assert refused.value.code == 2 and "must be at least 0, not -1" in capsys.readouterr().err


def test_bad_set_value_and_unknown_scenario_exit_2(capsys):
    assert cli.main(["run", "timebank", "--set", "weeks=abc"]) == 2
    assert cli.main(["run", "timbank"]) == 2
    err = capsys.readouterr().err
    assert "weeks" in err and "Did you mean 'timebank'" in err


def test_compare_writes_results_and_report_and_refuses_to_overwrite(tmp_path, capsys):
    out = tmp_path / "job"
    args = [
        "compare",
        "timebank",
        "--replicates",
        "2",
        "--steps",
        "12",
        "--workers",
        "1",
        "--quiet",
        "--out",
        str(out),
        *TINY,
    ]
    assert cli.main(args) == 0
    assert (out / "report.md").is_file() and (out / "figures").is_dir()
    assert "No survey: the runs stop at week 12" in (out / "report.md").read_text()
    results = coprod.load(out)
    assert list(results.runs["scenario"].cat.categories) == ["traditional", "timebank"]
    assert cli.main(args) == 2
    assert "--resume" in capsys.readouterr().err


def test_ctrl_c_exits_130_and_says_how_to_resume(tmp_path, monkeypatch, capsys):
    from coprod.experiments.jobs import runner

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(runner, "run_job", interrupted)
    out = tmp_path / "job"
    code = cli.main(["compare", "timebank", "--workers", "1", "--out", str(out), *TINY])
    assert code == 130
    err = capsys.readouterr().err
    assert "--resume" in err and str(out) in err


def test_console_script_help_and_errors_in_a_real_process():
    ran = subprocess.run(
        [sys.executable, "-m", "coprod.experiments.cli", "show", "nosuch"],
        capture_output=True,
        text=True,
    )
    assert ran.returncode == 2 and "Traceback" not in ran.stderr
    for command in ("compare", "sweep", "sensitivity", "calibrate", "run", "report", "viz"):
        helped = subprocess.run(
            [sys.executable, "-m", "coprod.experiments.cli", command, "--help"],
            capture_output=True,
            text=True,
        )
        assert helped.returncode == 0 and "usage: coprod" in helped.stdout


def compare_args(out, *extra: str) -> list[str]:
    """A tiny two-replicate comparison into ``out``."""
    common = ["--replicates", "2", "--steps", "6", "--workers", "1", "--quiet", "--out", str(out)]
    return ["compare", *extra, *common, *TINY]


def test_a_scenario_that_changes_a_mechanism_is_flagged_on_the_terminal_and_in_the_report(
    tmp_path, capsys
):
    other_world = tmp_path / "greedy_gp.toml"
    other_world.write_text('extends = "timebank"\ngp_rate = 0.3\n')
    assert cli.main(compare_args(tmp_path / "job", str(other_world))) == 0
    err = " ".join(capsys.readouterr().err.split())
    assert "greedy_gp differs from traditional in more than policy: gp_rate" in err
    report = (tmp_path / "job" / "report.md").read_text()
    assert "**greedy_gp differs from traditional in more than policy:** `gp_rate` 0.3" in report


def test_base_gives_every_scenario_the_same_world(tmp_path, capsys):
    base = tmp_path / "calibrated_base.toml"
    base.write_text('description = "fitted"\ngp_rate = 0.3\nweight_agency = 0.25\n')
    assert cli.main(compare_args(tmp_path / "job", "timebank", "--base", str(base))) == 0
    assert "warning" not in capsys.readouterr().err
    runs = coprod.load(tmp_path / "job").runs
    assert set(runs["gp_rate"]) == {0.3} and set(runs["weight_agency"]) == {0.25}
    assert set(runs["power_rule"]) == {"expert", "shared_decisions"}
    report = (tmp_path / "job" / "report.md").read_text()
    assert "more than policy" not in report
    assert f"rests on the base file `{base}`" in " ".join(report.split())


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ('power_rule = "co_design"\n', "`power_rule` is a policy lever"),
        ('extends = "timebank"\n', "a base cannot extend"),
        ("gp_rat = 0.3\n", "`gp_rat`"),
        ("gp_rate = -1.0\n", "`gp_rate` = -1.0 is out of range"),
    ],
)
def test_a_bad_base_file_exits_2_naming_the_file_and_the_key(tmp_path, capsys, content, words):
    base = tmp_path / "base.toml"
    base.write_text(content)
    assert cli.main(["run", "timebank", "--base", str(base), *TINY]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert str(base) in err and words in err and "Traceback" not in err
    assert cli.main(["run", "timebank", "--base", str(tmp_path / "missing.toml")]) == 2
    assert "missing.toml: no such file" in capsys.readouterr().err


def test_ctrl_c_in_a_real_job_stops_at_once_without_waiting_for_runs_in_progress(tmp_path):
    """SIGINT to a running ``coprod compare`` whose two runs take many seconds each: it exits
    130 with the resume command within a few seconds, ending the worker processes rather than
    waiting for their runs (which took about 8 s more before), and logs no run as done."""
    import signal
    import time

    out = tmp_path / "job"
    big = ["--set", "n_users=50000", "--set", "n_neighbours=100", "--set", "n_professionals=1000"]
    argv = [
        sys.executable,
        "-m",
        "coprod.experiments.cli",
        "compare",
        "timebank",
        "--replicates",
        "1",
    ]
    argv += ["--steps", "30", "--workers", "2", "--quiet", "--out", str(out), *big]
    job = subprocess.Popen(argv, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not (out / "manifest.json").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(6)  # the workers have started (forkserver preload) and are building the runs
    job.send_signal(signal.SIGINT)
    sent = time.monotonic()
    _, err = job.communicate(timeout=60)
    assert job.returncode == 130, err
    assert time.monotonic() - sent < 4, "Ctrl-C waited for the runs in progress"
    assert "--resume" in err and "Traceback" not in err
    assert '"status": "done"' not in (out / "status.jsonl").read_text()


def coprod_process(*args: str) -> subprocess.CompletedProcess:
    """``coprod ARGS`` in a real process, stderr a pipe (not a terminal)."""
    command = [sys.executable, "-m", "coprod.experiments.cli", *args]
    return subprocess.run(command, capture_output=True, text=True)


def test_version_and_bare_coprod_print_without_a_traceback():
    version = coprod_process("--version")
    assert version.returncode == 0 and version.stdout.strip() == f"coprod {coprod.__version__}"
    bare = coprod_process()
    assert bare.returncode == 0 and "Traceback" not in bare.stderr
    assert (
        "usage: coprod" in bare.stdout and "compare" in bare.stdout and "examples:" in bare.stdout
    )


def test_every_subcommand_help_has_a_description_and_an_example(capsys):
    commands = ("compare", "sweep", "sensitivity", "calibrate", "run", "scenarios", "show")
    for command in (*commands, "report", "viz"):
        with pytest.raises(SystemExit) as helped:
            cli.main([command, "--help"])
        text = capsys.readouterr().out
        assert helped.value.code == 0
        example = text.split("example:\n")[1].strip().splitlines()[0]
        assert example.startswith(f"coprod {command}"), (command, example)
        description = text.split("\n\n")[1]  # after usage: a paragraph in words
        assert len(description.split()) >= 8, (command, description)


EXAMPLES = Path(__file__).resolve().parents[1] / "experiments" / "examples"
TARGETS = Path(__file__).resolve().parents[1] / "scenarios" / "targets" / "spice_cardiff.toml"


@pytest.mark.parametrize(
    ("argv", "runs"),
    [
        (["compare", "timebank", "--replicates", "3", *TINY], 6),
        (["sweep", str(EXAMPLES / "power_timebank.toml")], 72),
        (["sensitivity", str(EXAMPLES / "sensitivity.toml"), "--method", "morris"], None),
        (["calibrate", str(TARGETS), "--params", "gp_rate"], None),
    ],
)
def test_dry_run_prints_runs_and_an_estimate_and_writes_nothing(tmp_path, capsys, argv, runs):
    out = tmp_path / "out"
    assert cli.main([*argv, "--dry-run", "--workers", "2", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    count = int(printed.split()[0])
    assert count == runs if runs else count > 10
    assert "2 worker(s): about" in printed and "estimate" in printed
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_compare_summary_has_metrics_as_rows_with_units_and_whole_costs(tmp_path, capsys):
    assert cli.main(compare_args(tmp_path / "job", "timebank")) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Means over replicates of the last 6 weeks")  # a 6-week run
    header = next(line for line in lines if line.startswith("metric"))
    assert header.split() == ["metric", "unit", "traditional", "timebank"]
    rows = {line.split()[0]: line.split() for line in lines if line.split()}
    assert rows["wellbeing_p10"][1:3] == ["WEMWBS", "points"]
    assert all(14 <= float(v) <= 70 for v in rows["wellbeing_p10"][-2:])
    cost = rows["cost_cumulative"]
    assert cost[1] == "GBP" and all("." not in v and "," in v for v in cost[-2:])
    runs = coprod.load(tmp_path / "job").runs
    mean = runs.groupby("scenario", observed=True)["total_cost"].mean()["timebank"]
    assert int(cost[-1].replace(",", "")) == round(mean)


def test_one_row_keeps_one_format():
    from coprod.experiments.cli.tables import formatted

    assert formatted([3.0, 12.0, 0.0]) == ["3", "12", "0"]  # whole counts
    assert formatted([0.1234, 0.5]) == ["0.123", "0.500"]
    assert formatted([0.5, 1234.5]) == ["0", "1,234"]  # the largest value sets the format
    assert formatted([float("nan"), 2.5]) == ["-", "2.50"]


def test_an_empty_scenario_file_is_an_error_naming_it(tmp_path, capsys):
    empty = tmp_path / "empty.toml"
    empty.write_text("# nothing yet\n")
    assert cli.main(["show", str(empty)]) == 2
    err = capsys.readouterr().err
    assert str(empty) in err and "empty" in err and "Traceback" not in err


def test_viz_passes_port_host_and_open_to_the_server(monkeypatch):
    from coprod.simulation.page import server

    calls = []
    monkeypatch.setattr(server, "serve", lambda port, **options: calls.append((port, options)))
    cli.main(["viz"])
    cli.main(["viz", "--port", "9000", "--host", "0.0.0.0", "--open"])
    assert calls == [
        (None, {"host": server.HOST, "open_browser": False}),
        (9000, {"host": "0.0.0.0", "open_browser": True}),
    ]


def test_csv_writes_the_report_tables(tmp_path, capsys):
    pytest.importorskip("coprod.experiments.reports.csv_tables")
    assert cli.main([*compare_args(tmp_path / "job", "timebank"), "--csv"]) == 0
    written = [line.removeprefix("CSV ") for line in capsys.readouterr().out.splitlines()]
    paths = [Path(p) for p in written if p.endswith(".csv")]
    assert paths and all(p.is_file() and p.stat().st_size > 0 for p in paths)


def test_progress_off_a_terminal_is_a_few_whole_lines(tmp_path):
    """A real job with stderr a pipe: lines, not carriage-return redraws, at most one per
    tenth of the job (and the last)."""
    argv = ["compare", "timebank", "--replicates", "15", "--steps", "2", "--workers", "1"]
    ran = coprod_process(*argv, "--out", str(tmp_path / "job"), *TINY)
    assert ran.returncode == 0, ran.stderr
    lines = [line for line in ran.stderr.splitlines() if "/30 [" in line]  # tqdm's meter
    assert "\r" not in ran.stderr and 2 <= len(lines) <= 11
    assert lines[-1].startswith("100%") and "30/30" in lines[-1]


def test_line_progress_prints_each_minute_or_each_tenth(monkeypatch):
    import io

    from coprod.experiments.jobs import progress

    clock = [0.0]
    monkeypatch.setattr(progress.time, "monotonic", lambda: clock[0])
    out = io.StringIO()
    bar = progress.LineProgress(1000, 0, out)
    bar.update(50)  # 5%, no time passed: nothing
    assert out.getvalue() == ""
    clock[0] = 61.0
    bar.update(1)  # a minute: a line
    bar.update(100)  # a tenth since the last line: a line
    bar.update(5)  # neither: nothing until the end
    bar.close()  # the end: a last line
    lines = out.getvalue().splitlines()
    assert [line.split()[1] for line in lines] == ["51/1000", "151/1000", "156/1000"]
    bar.close()  # nothing new to say
    assert len(out.getvalue().splitlines()) == 3


def test_a_steps_out_of_range_is_blamed_on_steps_not_on_set(capsys):
    assert cli.main(["run", "timebank", "--steps", "5000"]) == 2
    err = capsys.readouterr().err
    assert "--steps 5000 is out of range" in err and "--set" not in err


COMMAND = Path(sys.executable).parent / "coprod"  # the console script, as users start it
BIG = ["--set", "n_users=20000", "--replicates", "2", "--steps", "30", "--workers", "2"]


def test_console_script_exits_at_once_with_its_status_and_all_its_output(tmp_path):
    """The console script ends the process without the interpreter's shutdown: what it
    printed must still all arrive through a pipe (flushed first), its status must be the
    command's, and its exit handlers must run (one registered by a ``sitecustomize``)."""
    marker = tmp_path / "atexit-ran"
    (tmp_path / "sitecustomize.py").write_text(
        f"import atexit, pathlib\natexit.register(pathlib.Path({str(marker)!r}).touch)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    shown = subprocess.run([str(COMMAND), "show", "traditional"], capture_output=True, text=True)
    assert shown.returncode == 0 and shown.stdout == cli_output(["show", "traditional"])
    refused = subprocess.run(
        [str(COMMAND), "show", "nosuch"], capture_output=True, text=True, env=env
    )
    assert refused.returncode == 2 and "No shipped scenario" in refused.stderr
    assert marker.is_file()


def cli_output(argv: list[str]) -> str:
    """What ``coprod ARGV`` prints on stdout when run in this process."""
    import contextlib
    import io

    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert cli.main(argv) == 0
    return printed.getvalue()


def before_python_was_ready(returncode: int, err: str) -> bool:
    """Whether the interrupt landed before the interpreter got to any coprod code: killed by
    SIGINT's default action, before Python installs its handler (a shell shows exit 130), or
    a traceback from the start-up's own ``site`` hooks (an editable install's import finder)."""
    if returncode == -signal.SIGINT and not err:
        return True
    return "<frozen site>" in err and "coprod/" not in err.replace("__editable___coprod", "")


@pytest.mark.slow
@pytest.mark.parametrize("delay", [0.05, 0.1, 0.2, 0.35, 0.5, 0.8, 1.2, 2.0])
def test_ctrl_c_at_any_moment_of_start_up_exits_130_without_a_traceback(delay, tmp_path):
    """SIGINT while the console script imports coprod, numpy, pandas and Mesa, parses, plans
    or starts its pool: coprod's one line and 130, never a traceback."""
    out = tmp_path / "job"
    job = subprocess.Popen(
        [str(COMMAND), "compare", "timebank", "--quiet", "--out", str(out), *BIG],
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(delay)
    job.send_signal(signal.SIGINT)
    _, err = job.communicate(timeout=120)
    if before_python_was_ready(job.returncode, err):
        return
    assert job.returncode == 130, err
    assert "Traceback" not in err and "coprod: interrupted" in err, err
