"""`python -m gdviz sweep`: per learning rate the status, final loss and steps to tolerance,
and the limits; equal to single engine runs; bad input in one line; once in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from helpers import ROOT

from gdviz import cli
from gdviz.analysis import Scaling
from gdviz.data import generate_points
from gdviz.engine import run
from gdviz.objectives import LineFit
from gdviz.optimizers import optimizer_spec

GENERATE = "n=40,slope=3,noise=2,seed=5"


def run_json(capsys, argv) -> dict:
    assert cli.main([*argv, "--json"]) == 0
    out = capsys.readouterr()
    assert out.err == "" and out.out.count("\n") == 1
    return json.loads(out.out)


def run_bad(capsys, argv) -> str:
    assert cli.main(argv) == 2
    out = capsys.readouterr()
    assert out.out == "" and len(out.err.splitlines()) == 1 and "Traceback" not in out.err
    return out.err


@pytest.mark.parametrize(("optimizer", "extra"), [("gd", []), ("momentum", ["--momentum", "0.5"])])
def test_every_rate_equals_a_single_engine_run(capsys, optimizer, extra):
    args = ["sweep", "--generate", GENERATE, "--optimizer", optimizer, *extra]
    out = run_json(capsys, [*args, "--count", "12", "--steps", "300", "--tol", "1e-4"])
    points = generate_points(n=40, slope=3, noise=2, seed=5)
    fit = LineFit(points.x, points.y)
    hyper = {"momentum": 0.5} if extra else {}
    assert len(out["runs"]) == 12 and out["steps"] == 300 and out["tol"] == 1e-4
    for row in out["runs"]:
        traj = run(fit, optimizer_spec(optimizer).build(row["lr"], **hyper), (0, 0), steps=300,
                   tol=1e-4)  # fmt: skip
        assert row["status"] == traj.status
        assert row["final_loss"] == traj.final_loss
        assert row["steps_to_tol"] == (traj.steps if traj.status == "converged" else None)
    statuses = {r["status"] for r in out["runs"]}
    assert "diverged" in statuses and statuses - {"diverged"}


def test_limits_are_the_closed_form_and_the_range_is_honoured(capsys):
    out = run_json(capsys, ["sweep", "--generate", GENERATE, "--lr-min", "1e-4", "--lr-max",
                            "0.1", "--count", "30", "--steps", "50"])  # fmt: skip
    points = generate_points(n=40, slope=3, noise=2, seed=5)
    x = points.x
    lam_min, lam_max = np.linalg.eigvalsh(2 * np.array(((np.mean(x * x), x.mean()), (x.mean(), 1))))
    limits = out["limits"]
    assert limits["kind"] == "exact"
    assert limits["lr_max"] == pytest.approx(2 / lam_max, rel=1e-12)
    assert limits["lr_best"] == pytest.approx(2 / (lam_max + lam_min), rel=1e-9)
    lrs = [r["lr"] for r in out["runs"]]
    assert lrs[0] == pytest.approx(1e-4) and lrs[-1] == pytest.approx(0.1) and len(lrs) == 30
    assert set(out["examples"]) == {"too small", "just right", "too big"}


def test_standardize_sweeps_the_standardised_problem(capsys):
    out = run_json(capsys, ["sweep", "--generate", GENERATE, "--standardize", "--count", "5",
                            "--steps", "20"])  # fmt: skip
    points = generate_points(n=40, slope=3, noise=2, seed=5)
    z = Scaling.of(points.x).transform(points.x)
    assert out["standardized"] is True
    assert out["limits"]["lr_max"] == pytest.approx(1.0, rel=1e-12)  # 2/λmax of z: λmax = 2
    fit = LineFit(z, points.y)
    traj = run(fit, optimizer_spec("gd").build(out["runs"][2]["lr"]), (0, 0), steps=20, tol=1e-3)
    assert out["runs"][2]["final_loss"] == traj.final_loss


def test_the_table_names_every_rate_and_the_limits(capsys):
    assert cli.main(["sweep", "--generate", GENERATE, "--count", "6", "--steps", "100"]) == 0
    text = capsys.readouterr().out
    assert "2/λmax = " in text and "Limits (exact)" in text
    assert text.count("max_steps") + text.count("diverged") + text.count("converged") >= 6
    assert "Examples: too small" in text


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--lr", "0.1"], "not --lr"),
        (["--lr-min", "0.1", "--lr-max", "0.01"], "below the largest"),
        (["--lr-min", "-1"], "positive"),
        (["--count", "1"], "between 2"),
        (["--huber-delta", "2"], "only to --loss huber"),
        (["--optimizer", "nope"], "Unknown optimizer"),
        (["--steps", "x"], "not a whole number"),
    ],
)
def test_bad_input_is_one_line(capsys, argv, words):
    assert words in run_bad(capsys, ["sweep", "--generate", GENERATE, *argv])


def test_once_in_a_subprocess():
    done = subprocess.run(
        [sys.executable, "-m", "gdviz", "sweep", "--generate", GENERATE, "--count", "4",
         "--steps", "30", "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["command"] == "sweep" and len(out["runs"]) == 4 and out["limits"]["lr_max"] > 0
