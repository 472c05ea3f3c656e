"""Tests for the command line (gdviz.cli, `python -m gdviz`): in-process through `main`, plus a
few real subprocess runs. The published reference run is the oracle for `fit`."""

from __future__ import annotations

import io
import json
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gdviz import cli
from gdviz.analysis import least_squares
from gdviz.data import generate_points
from gdviz.engine import run
from gdviz.objectives import LineFit, test_function
from gdviz.optimizers import OPTIMIZERS

REPO = Path(__file__).resolve().parents[1]
REFERENCE_CSV = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "gradient_descent_example.csv"
)
needs_reference = pytest.mark.skipif(
    not REFERENCE_CSV.is_file(),
    reason=f"reference data {REFERENCE_CSV} is absent (it lives beside the repository)",
)

FIT_OPTIONS = [
    "--x", "--y", "--generate", "--optimizer", "--lr", "--steps", "--start-m", "--start-b",
    "--loss", "--huber-delta", "--batch-size", "--seed", "--standardize", "--tol", "--json",
]  # fmt: skip
OPTIMIZE_OPTIONS = ["--function", "--start", "--kappa", "--optimizer", "--lr", "--steps", "--tol"]
HYPER_OPTIONS = [
    "--momentum", "--nesterov", "--dampening", "--alpha", "--beta1", "--beta2", "--eps",
    "--centered", "--amsgrad", "--lr-decay",
]  # fmt: skip


def _reject_constant(name):
    raise AssertionError(f"non-standard JSON constant {name} in the output")


def run_json(capsys, argv):
    """main(argv + --json): exit 0, nothing on stderr, exactly one strict JSON object on stdout."""
    assert cli.main([*argv, "--json"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert captured.out.count("\n") == 1, "exactly one line of JSON"
    return json.loads(captured.out, parse_constant=_reject_constant)


def run_text(capsys, argv):
    assert cli.main(argv) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    return captured.out


def run_bad(capsys, argv):
    """main(argv) must fail as bad input: status 2, nothing on stdout, one line on stderr."""
    assert cli.main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("gdviz: error: ")
    assert "Traceback" not in captured.err
    return lines[0]


def close(a, b, rel=1e-9):
    return math.isclose(a, b, rel_tol=rel)


# --------------------------------------------------------------------------------------------
# Oracle: the published reference run
# --------------------------------------------------------------------------------------------


@needs_reference
def test_reference_run_matches_the_published_numbers(capsys):
    out = run_json(capsys, ["fit", str(REFERENCE_CSV), "--lr", "0.0001", "--steps", "1000"])
    assert out["status"] == "max_steps"
    assert out["steps"] == 1000
    history = out["history"]
    assert len(history["m"]) == len(history["b"]) == len(history["loss"]) == 1001
    assert close(history["loss"][0], 5565.107834483211)
    assert close(out["b"], 0.08893651993741346)
    assert close(out["m"], 1.4777440851894448)
    assert close(out["loss"], 112.61481011613473)
    assert (history["m"][-1], history["b"][-1], history["loss"][-1]) == (
        out["m"],
        out["b"],
        out["loss"],
    )
    assert out["data"]["n"] == 100
    assert out["optimizer"] == "gd" and out["lr"] == 0.0001
    x, y = np.loadtxt(REFERENCE_CSV, delimiter=",", unpack=True)
    m, b = least_squares(x, y)
    assert (out["optimum"]["m"], out["optimum"]["b"]) == (m, b)
    assert close(out["optimum"]["loss"], float(np.mean((y - (m * x + b)) ** 2)), 1e-12)
    assert close(out["lr_max"], 2 / np.linalg.eigvalsh(_mse_hessian(REFERENCE_CSV))[-1], 1e-12)


def _mse_hessian(path):
    x, _ = np.loadtxt(path, delimiter=",", unpack=True)
    design = np.column_stack((x, np.ones_like(x)))
    return 2.0 / x.size * design.T @ design


@needs_reference
def test_reference_run_summary_in_words(capsys):
    out = run_text(capsys, ["fit", str(REFERENCE_CSV), "--lr", "0.0001", "--steps", "1000"])
    assert "100 points from" in out and "gradient_descent_example.csv" in out
    assert "mse" in out and "gd" in out and "learning rate 0.0001" in out
    assert "Ran all 1,000 steps" in out
    # Full precision (repr), not 5565.11: each printed number matches the published one.
    start_loss, final_loss = (float(v) for v in re.findall(r"loss = ([0-9.e+-]+)", out)[:2])
    final_m = float(re.search(r"Final .*?m = ([0-9.e+-]+)", out).group(1))
    final_b = float(re.search(r"Final .*?b = ([0-9.e+-]+)", out).group(1))
    assert close(start_loss, 5565.107834483211) and close(final_loss, 112.61481011613473)
    assert close(final_m, 1.4777440851894448) and close(final_b, 0.08893651993741346)
    assert len(str(final_b)) > 15
    assert "Least squares" in out
    assert "2/λmax = 0.000401296436234" in out
    assert "condition number" in out


@needs_reference
def test_reference_run_through_python_dash_m():
    """The command exactly as published, from the repository root, in a real subprocess."""
    relative = Path("..") / "shared" / "data" / "gradient_descent_example.csv"
    argv = ["fit", str(relative), "--lr", "0.0001", "--steps", "1000", "--json"]
    done = subprocess.run(
        [sys.executable, "-m", "gdviz", *argv], cwd=REPO, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout, parse_constant=_reject_constant)
    assert close(out["m"], 1.4777440851894448) and close(out["b"], 0.08893651993741346)


# --------------------------------------------------------------------------------------------
# fit
# --------------------------------------------------------------------------------------------


def test_fit_without_data_generates_the_defaults_and_equals_the_engine(capsys):
    out = run_json(capsys, ["fit"])
    points = generate_points()
    expected = run(LineFit(points.x, points.y), OPTIMIZERS["gd"].build(), (0.0, 0.0), steps=1000)
    assert out["data"]["source"] == "generated"
    assert out["data"]["generate"] == {
        "n": 100,
        "slope": 2.0,
        "intercept": 1.0,
        "noise": 1.0,
        "seed": 0,
        "x_min": 0.0,
        "x_max": 10.0,
        "outliers": 0.0,
    }
    assert out["data"]["n"] == 100
    assert out["lr"] == OPTIMIZERS["gd"].default_lr
    assert out["steps"] == expected.steps == 1000
    # Floats round-trip exactly through the JSON.
    assert out["m"] == expected.final_params[0] and out["b"] == expected.final_params[1]
    assert out["loss"] == expected.final_loss
    assert out["history"]["loss"] == expected.loss.tolist()
    assert out["history"]["m"] == expected.column("m").tolist()
    assert (out["optimum"]["m"], out["optimum"]["b"]) == least_squares(points.x, points.y)
    assert out["suggested_lr"] is None


def test_fit_summary_for_generated_points(capsys):
    out = run_text(capsys, ["fit", "--steps", "10"])
    assert "100 points generated with n=100" in out
    assert "seed=0" in out
    assert "Ran all 10 steps" in out


def test_generate_keys_are_passed_on(capsys):
    argv = ["fit", "--generate", "n=20, slope=-3,intercept=4,noise=0.5,seed=7,x_max=2,outliers=0.1"]
    out = run_json(capsys, [*argv, "--steps", "5"])
    points = generate_points(n=20, slope=-3, intercept=4, noise=0.5, seed=7, x_max=2, outliers=0.1)
    expected = run(LineFit(points.x, points.y), OPTIMIZERS["gd"].build(), (0, 0), steps=5)
    assert out["data"]["n"] == 20
    assert out["data"]["generate"]["slope"] == -3.0
    assert out["history"]["loss"] == expected.loss.tolist()


def test_standardize_maps_start_and_results_back_to_original_units(capsys):
    argv = ["fit", "--generate", "n=50,x_min=100,x_max=110,seed=3", "--standardize", "--lr", "0.1"]
    out = run_json(capsys, [*argv, "--start-m", "1.5", "--start-b", "-2"])
    points = generate_points(n=50, x_min=100, x_max=110, seed=3)
    m, b = least_squares(points.x, points.y)
    assert out["standardized"] is True
    assert math.isclose(out["m"], m, rel_tol=1e-9)
    assert math.isclose(out["b"], b, rel_tol=1e-9)
    history = out["history"]
    assert math.isclose(history["m"][0], 1.5, rel_tol=1e-12)
    assert math.isclose(history["b"][0], -2.0, rel_tol=1e-12)
    # The loss does not depend on the units: step 0's loss is that of the start line in x.
    assert math.isclose(history["loss"][0], LineFit(points.x, points.y).value(np.array((1.5, -2))))
    # Every step of the history is mapped back, not only the last one.
    step = 3
    line_loss = LineFit(points.x, points.y).value(
        np.array((history["m"][step], history["b"][step]))
    )
    assert math.isclose(history["loss"][step], line_loss, rel_tol=1e-9)
    # Unstandardised, the same learning rate is far above this problem's stability limit.
    raw = run_json(capsys, ["fit", "--generate", "n=50,x_min=100,x_max=110,seed=3", "--lr", "0.1"])
    assert raw["status"] == "diverged"


def test_standardize_is_said_in_the_summary(capsys):
    out = run_text(capsys, ["fit", "--standardize", "--lr", "0.1", "--steps", "50"])
    assert "Standardised" in out and "original units" in out


def test_divergence_reports_status_and_suggested_lr_with_strict_json(capsys):
    out = run_json(capsys, ["fit", "--lr", "0.5"])
    assert out["status"] == "diverged"
    assert isinstance(out["suggested_lr"], float) and 0 < out["suggested_lr"] < 0.5
    assert out["suggested_lr"] < out["lr_max"]
    assert out["steps"] == len(out["history"]["loss"]) - 1 < 1000
    assert out["diverged_at"] in (out["steps"], out["steps"] + 1)  # exploded or overflowed
    assert "Diverged" in out["message"]
    text = run_text(capsys, ["fit", "--lr", "0.5"])
    assert "Diverged" in text and f"Suggested learning rate: {out['suggested_lr']!r}" in text


def test_overflow_never_puts_nan_or_infinity_in_the_output(capsys):
    out = run_json(capsys, ["optimize", "--function", "rosenbrock", "--lr", "1e6", "--steps", "50"])
    assert out["status"] == "diverged"
    assert out["suggested_lr"] is not None
    assert all(math.isfinite(v) for pair in out["history"]["x"] for v in pair)


def test_converged_with_a_tolerance(capsys):
    out = run_json(capsys, ["fit", "--standardize", "--lr", "0.5", "--tol", "1e-8"])
    assert out["status"] == "converged"
    assert out["steps"] < 1000


@pytest.mark.parametrize("loss", ["mae", "huber"])
def test_non_quadratic_losses_have_no_stability_limit(capsys, loss):
    out = run_json(capsys, ["fit", "--loss", loss, "--lr", "0.01", "--steps", "20"])
    assert out["loss_function"] == loss
    assert out["lr_max"] is None and out["condition_number"] is None


def test_huber_delta_reaches_the_loss(capsys):
    a = run_json(capsys, ["fit", "--loss", "huber", "--huber-delta", "0.1", "--steps", "3"])
    b = run_json(capsys, ["fit", "--loss", "huber", "--steps", "3"])
    assert a["huber_delta"] == 0.1 and b["huber_delta"] == 1.0
    assert a["history"]["loss"][0] != b["history"]["loss"][0]


def test_mini_batches_are_seeded(capsys):
    argv = ["fit", "--batch-size", "10", "--steps", "30"]
    first = run_json(capsys, [*argv, "--seed", "1"])
    again = run_json(capsys, [*argv, "--seed", "1"])
    other = run_json(capsys, [*argv, "--seed", "2"])
    assert first["history"] == again["history"]
    assert first["history"]["m"] != other["history"]["m"]


def test_optimizer_hyperparameters_are_passed_on(capsys):
    out = run_json(capsys, ["fit", "--optimizer", "adam", "--beta1", "0.8", "--amsgrad"])
    assert out["optimizer"] == "adam" and out["lr"] == OPTIMIZERS["adam"].default_lr
    assert out["hyperparameters"]["beta1"] == 0.8 and out["hyperparameters"]["amsgrad"] is True
    assert out["hyperparameters"]["beta2"] == 0.999
    out = run_json(capsys, ["fit", "--optimizer", "rmsprop", "--alpha", "0.9", "--centered"])
    assert out["hyperparameters"]["alpha"] == 0.9 and out["hyperparameters"]["centered"] is True
    out = run_json(capsys, ["fit", "--optimizer", "adagrad", "--lr-decay", "0.01", "--eps", "1e-6"])
    assert out["hyperparameters"]["lr_decay"] == 0.01 and out["hyperparameters"]["eps"] == 1e-6
    out = run_json(capsys, ["fit", "--optimizer", "momentum", "--dampening", "0.5"])
    assert out["hyperparameters"]["dampening"] == 0.5


@pytest.mark.parametrize(
    "argv",
    [
        ["--nesterov"],
        ["--nesterov", "--optimizer", "gd"],
        ["--nesterov", "--optimizer", "momentum"],
    ],
)
def test_nesterov_flag_selects_the_nesterov_optimizer(capsys, argv):
    out = run_json(capsys, ["fit", "--steps", "5", "--momentum", "0.5", *argv])
    assert out["optimizer"] == "nesterov"
    assert out["hyperparameters"]["momentum"] == 0.5 and out["hyperparameters"]["nesterov"]


def test_columns_by_name_or_by_position(capsys, tmp_path):
    path = tmp_path / "points.csv"
    path.write_text("a,0,b\n1,2,3\n2,4,7\n3,5,9\n")
    by_name = run_json(capsys, ["fit", str(path), "--x", "0", "--y", "b", "--steps", "1"])
    assert (by_name["data"]["x"], by_name["data"]["y"]) == ("0", "b")  # a column named "0"
    by_position = run_json(capsys, ["fit", str(path), "--x", "2", "--y", "a", "--steps", "1"])
    assert (by_position["data"]["x"], by_position["data"]["y"]) == ("b", "a")
    default = run_json(capsys, ["fit", str(path), "--steps", "1"])
    assert (default["data"]["x"], default["data"]["y"]) == ("a", "0")


def test_data_from_standard_input(capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"x,y\n0,1\n1,3\n2,5\n")))
    out = run_json(capsys, ["fit", "-", "--steps", "2"])
    assert out["data"]["source"] == "standard input" and out["data"]["n"] == 3


def test_negative_numbers_as_option_values(capsys):
    out = run_json(capsys, ["fit", "--start-m", "-1e-3", "--start-b", "-.5", "--steps", "0"])
    assert out["history"]["m"] == [-0.001] and out["history"]["b"] == [-0.5]
    out = run_json(capsys, ["optimize", "--function", "valley", "--start", "-1,2", "--steps", "0"])
    assert out["x"] == [-1.0, 2.0]


# --------------------------------------------------------------------------------------------
# optimize
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("function", "extra"),
    [("valley", ["--lr", "0.1"]), ("rosenbrock", ["--optimizer", "adam", "--lr", "0.02"])],
)
def test_optimize_json_shape(capsys, function, extra):
    out = run_json(capsys, ["optimize", "--function", function, "--steps", "200", *extra])
    fn = test_function(function)
    assert out["status"] == "max_steps" and out["steps"] == 200
    assert isinstance(out["x"], list) and len(out["x"]) == 2
    assert all(isinstance(v, float) for v in out["x"])
    history = out["history"]
    assert len(history["x"]) == len(history["loss"]) == 201
    assert all(isinstance(pair, list) and len(pair) == 2 for pair in history["x"])
    assert history["x"][0] == list(fn.start)  # the function's own start by default
    assert history["x"][-1] == out["x"] and history["loss"][-1] == out["loss"]
    assert out["loss"] < history["loss"][0]
    assert out["function"] == function and isinstance(out["message"], str)


def test_optimize_equals_the_engine(capsys):
    argv = ["optimize", "--function", "rosenbrock", "--optimizer", "momentum", "--lr", "0.0005"]
    out = run_json(capsys, [*argv, "--momentum", "0.8", "--start", "0.5,2"])
    expected = run(
        test_function("rosenbrock"), OPTIMIZERS["momentum"].build(0.0005, momentum=0.8), (0.5, 2)
    )
    assert out["x"] == expected.final_params.tolist()
    assert out["history"]["loss"] == expected.loss.tolist()


@pytest.mark.parametrize(
    "extra",
    [["--lr", "0.1"], ["--optimizer", "adam", "--lr", "0.05"], ["--optimizer", "momentum"]],
)
def test_a_typed_valley_gives_the_same_path_as_the_built_in(capsys, extra):
    """`--function "x**2 + x*y + y**2"` is the valley: the same path to 1e-12."""
    typed = run_json(capsys, ["optimize", "--function", "x**2 + x*y + y**2", *extra])
    built_in = run_json(capsys, ["optimize", "--function", "valley", *extra])
    assert typed["function"] == "custom" and typed["formula"] == "x² + x·y + y²"
    assert typed["start"] == built_in["start"] == [2.5, -1.0]
    assert typed["steps"] == built_in["steps"] == 1000
    np.testing.assert_allclose(typed["history"]["x"], built_in["history"]["x"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(
        typed["history"]["loss"], built_in["history"]["loss"], rtol=0, atol=1e-12
    )
    # Its Hessian is known, so the same stability limit is reported.
    assert typed["lr_max"] == pytest.approx(built_in["lr_max"], rel=1e-15)
    assert typed["minima"] == [[0.0, 0.0]]


def test_a_typed_function_in_words_with_its_start(capsys):
    text = run_text(
        capsys, ["optimize", "--function", "sin(x)*cos(y) + 0.1*(x^2+y^2)", "--start", "1,1"]
    )
    assert "f(x, y) = sin(x)·cos(y) + 0.1·(x² + y²); minima: none." in text
    assert "Start (step 0):  x = 1.0, y = 1.0" in text


def test_bowl_kappa_and_stability(capsys):
    out = run_json(capsys, ["optimize", "--function", "bowl", "--kappa", "100", "--steps", "5"])
    assert out["formula"] == "x² + 100·y²"
    assert math.isclose(out["lr_max"], 2 / 200) and math.isclose(out["condition_number"], 100)
    text = run_text(capsys, ["optimize", "--function", "bowl", "--kappa", "100", "--lr", "0.011"])
    assert "Diverged" in text and "Suggested learning rate" in text


def test_optimize_summary_in_words(capsys):
    out = run_text(capsys, ["optimize", "--function", "himmelblau", "--lr", "0.01"])
    for words in ("himmelblau", "learning rate 0.01", "Start (step 0)", "Final", "Nearest minimum"):
        assert words in out


# --------------------------------------------------------------------------------------------
# Bad input: exit 2, one line, no traceback
# --------------------------------------------------------------------------------------------

BAD = [
    (["fit", "--lr", "abc"], "--lr"),
    (["fit", "--lr", "-1"], "The learning rate must be a positive number, not -1.0."),
    (["fit", "--lr", "0"], "learning rate must be a positive number"),
    (["fit", "--lr", "nan"], "not a finite number"),
    (["fit", "--steps", "1.5"], "not a whole number"),
    (["fit", "--steps", "-3"], "cannot be negative"),
    (["fit", "--steps", "100001"], "above the cap"),
    (["fit", "--tol", "-1"], "tolerance"),
    (["fit", "--batch-size", "0"], "batch size"),
    (["fit", "--optimizer", "sgdx"], "Unknown optimizer 'sgdx'"),
    (["fit", "--optimizer", "adam", "--momentum", "0.5"], "Adam has no option momentum"),
    (["fit", "--optimizer", "adam", "--nesterov"], "Adam has no option nesterov"),
    (["fit", "--momentum", "0.9"], "--optimizer momentum"),
    (["fit", "--optimizer", "momentum", "--momentum", "1"], "momentum must be in [0, 1)"),
    (["fit", "--optimizer", "adam", "--beta2", "2"], "beta2"),
    (["fit", "--loss", "l2"], "invalid choice"),
    (["fit", "--huber-delta", "2"], "only to --loss huber"),
    (["fit", "--loss", "huber", "--huber-delta", "-1"], "Huber delta"),
    (["fit", "--generate", "n=abc"], "n must be a whole number"),
    (["fit", "--generate", "colour=red"], "no key 'colour'"),
    (["fit", "--generate", "n"], "key=value"),
    (["fit", "--generate", "n=1"], "number of points"),
    (["fit", "--generate", "noise=-1"], "noise"),
    (["fit", "--generate", "n=5,n=6"], "twice"),
    (["fit", "--x", "a"], "give the file too"),
    (["fit", "--generate", "x_min=1,x_max=1", "--standardize"], "x_min"),
    (["fit", "no/such/file.csv"], "No such file"),
    (["fit", "--start", "1,2"], "unrecognized arguments"),
    (["fit", "--unknown"], "unrecognized arguments"),
    (["optimize"], "--function"),
    (["optimize", "--function", "nope"], "Unknown function 'nope'"),
    (["optimize", "--function", "__import__('os')"], "quotes at column 12"),
    (["optimize", "--function", "x.__class__"], "Attribute access"),
    (["optimize", "--function", "9**9**9"], "exponent"),
    (["optimize", "--function", "x+" * 5120 + "x"], "10,241 characters"),
    (["optimize", "--function", "x**2", "--kappa", "3"], "only to --function bowl"),
    (["optimize", "--function", "valley", "--kappa", "3"], "only to --function bowl"),
    (["optimize", "--function", "bowl", "--kappa", "0"], "κ"),
    (["optimize", "--function", "valley", "--start", "1"], "X,Y"),
    (["optimize", "--function", "valley", "--start", "1,b"], "'b' is not a number"),
    (["optimize", "--function", "valley", "--batch-size", "2"], "unrecognized arguments"),
    ([], "choose a command"),
    (["train"], "invalid choice"),
]


@pytest.mark.parametrize(
    ("argv", "words"), BAD, ids=[" ".join(a)[:60] or "nothing" for a, _ in BAD]
)
def test_bad_input_is_one_line_and_exit_2(capsys, argv, words):
    line = run_bad(capsys, argv)
    assert words in line


def test_bad_files(capsys, tmp_path):
    assert "Is a directory" in run_bad(capsys, ["fit", str(tmp_path)])
    binary = tmp_path / "picture.csv"
    binary.write_bytes(bytes(range(256)) * 4)
    assert "not a text CSV file" in run_bad(capsys, ["fit", str(binary)])
    text = tmp_path / "words.csv"
    text.write_text("a,b\n1,2\n3,oops\n")
    assert "oops" in run_bad(capsys, ["fit", str(text)])
    points = tmp_path / "points.csv"
    points.write_text("a,b\n1,2\n3,4\n")
    assert "position 5" in run_bad(capsys, ["fit", str(points), "--x", "5"])
    assert "no column named" in run_bad(capsys, ["fit", str(points), "--x", "c"])
    assert "not both" in run_bad(capsys, ["fit", str(points), "--generate", "n=5"])


def test_keyboard_interrupt_exits_130_quietly(capsys, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("gdviz.cli.fit.run_line_fit", interrupted)
    assert cli.main(["fit"]) == 130
    monkeypatch.setattr("gdviz.cli.optimize.run_engine", interrupted)
    assert cli.main(["optimize", "--function", "valley"]) == 130
    assert capsys.readouterr().err == ""


def test_bad_input_in_a_real_process_has_no_traceback():
    done = subprocess.run(
        [sys.executable, "-m", "gdviz", "fit", "--lr", "-1"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        "gdviz: error: The learning rate must be a positive number, not -1.0."
    ]
    assert "Traceback" not in done.stderr


def test_python_dash_m_gdviz_runs():
    argv = ["optimize", "--function", "valley", "--lr", "0.1", "--steps", "20", "--json"]
    done = subprocess.run(
        [sys.executable, "-m", "gdviz", *argv], cwd=REPO, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["steps"] == 20


# --------------------------------------------------------------------------------------------
# Help
# --------------------------------------------------------------------------------------------


def _help(capsys, argv):
    assert cli.main([*argv, "--help"]) == 0
    return capsys.readouterr().out


def test_top_level_help_names_the_commands_and_an_example(capsys):
    out = _help(capsys, [])
    assert "fit" in out and "optimize" in out
    assert "python -m gdviz fit" in out and "Exit status" in out


@pytest.mark.parametrize(
    ("command", "options"),
    [("fit", FIT_OPTIONS + HYPER_OPTIONS), ("optimize", OPTIMIZE_OPTIONS + HYPER_OPTIONS)],
)
def test_subcommand_help_documents_every_option(capsys, command, options):
    out = _help(capsys, [command])
    for option in options:
        assert option in out, option
    assert "examples:" in out and f"python -m gdviz {command}" in out
    assert "default" in out


def test_every_registered_hyperparameter_has_an_option(capsys):
    out = _help(capsys, ["optimize"])
    for spec in OPTIMIZERS.values():
        for h in spec.hyperparameters:
            assert "--" + h.name.replace("_", "-") in out, h.name


def test_fit_help_explains_columns_and_nesterov(capsys):
    out = " ".join(_help(capsys, ["fit"]).split())
    assert "0-based position" in out and "no column has that name" in out
    assert "selects the optimizer nesterov" in out
