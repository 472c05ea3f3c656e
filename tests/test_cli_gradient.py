"""`python -m gdviz gradient`: per-point contributions whose sums are the engine's gradient."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gdviz import cli
from gdviz.data import generate_points
from gdviz.losses import LOSSES
from gdviz.objectives import LineFit

REPO = Path(__file__).resolve().parents[1]
REFERENCE_CSV = REPO.parent / "shared" / "data" / "gradient_descent_example.csv"
RTOL = 1e-12


def run_json(capsys, argv: list[str]) -> dict:
    assert cli.main([*argv, "--json"]) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out.count("\n") == 1
    return json.loads(captured.out)


def engine_gradient(x, y, loss: str, m: float, b: float, delta: float = 1.0) -> np.ndarray:
    return LineFit(np.asarray(x), np.asarray(y), loss, delta).value_and_gradient(np.array((m, b)))[
        1
    ]


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize(("m", "b"), [(0.0, 0.0), (1.7, -0.4), (2.0, 1.0)])
def test_sums_equal_the_engines_gradient(capsys, loss, m, b):
    out = run_json(capsys, ["gradient", "--generate", "n=60,noise=2,seed=5", "--loss", loss,
                            "--m", str(m), "--b", str(b)])  # fmt: skip
    points = generate_points(60, noise=2.0, seed=5)
    np.testing.assert_array_equal(out["points"]["x"], points.x)  # the same points
    grad = engine_gradient(points.x, points.y, loss, m, b)
    sums = (np.sum(out["points"]["d_m"]), np.sum(out["points"]["d_b"]))
    np.testing.assert_allclose(sums, grad, rtol=RTOL, atol=1e-12 * np.abs(grad).max())
    np.testing.assert_allclose((out["gradient"]["m"], out["gradient"]["b"]), grad, rtol=RTOL)
    assert out["engine_gradient"] == {"m": grad[0], "b": grad[1]}
    r = points.y - (m * points.x + b)
    np.testing.assert_allclose(out["points"]["r"], r, rtol=1e-12, atol=1e-12)
    assert out["n"] == 60 and out["loss"] == loss and out["update"] is None


def test_mse_terms_are_the_exercises_and_the_update_is_one_step(capsys):
    out = run_json(capsys, ["gradient", "--generate", "n=7", "--m", "0.5", "--b", "1",
                            "--lr", "0.01"])  # fmt: skip
    p = out["points"]
    r = np.array(p["r"])
    np.testing.assert_allclose(p["d_b"], -2 / 7 * r, rtol=1e-15)
    np.testing.assert_allclose(p["d_m"], -2 / 7 * np.array(p["x"]) * r, rtol=1e-15)
    u = out["update"]
    assert u["m"] == pytest.approx(0.5 - 0.01 * out["gradient"]["m"], rel=1e-15)
    assert u["b"] == pytest.approx(1 - 0.01 * out["gradient"]["b"], rel=1e-15)
    assert out["exercise"]["coefficient_label"] == "-2/N"


def test_huber_delta_is_used(capsys):
    argv = ["gradient", "--generate", "n=30,noise=5", "--loss", "huber", "--m", "0", "--b", "0"]
    narrow = run_json(capsys, [*argv, "--huber-delta", "0.5"])
    points = generate_points(30, noise=5.0)
    grad = engine_gradient(points.x, points.y, "huber", 0.0, 0.0, delta=0.5)
    np.testing.assert_allclose(list(narrow["gradient"].values()), grad, rtol=RTOL)
    assert narrow["huber_delta"] == 0.5
    assert np.max(np.abs(narrow["points"]["d_b"])) <= 0.5 / 30 * (1 + 1e-15)


def test_a_csv_file_and_its_columns(capsys, tmp_path):
    path = tmp_path / "pts.csv"
    path.write_text("hours,score,id\n1,3,a\n2,5.5,b\n4,8,c\n")
    out = run_json(capsys, ["gradient", str(path), "--x", "hours", "--y", "score", "--m", "1"])
    assert out["data"]["x"] == "hours" and out["points"]["y"] == [3.0, 5.5, 8.0]
    grad = engine_gradient([1, 2, 4], [3, 5.5, 8], "mse", 1.0, 0.0)
    np.testing.assert_allclose(list(out["gradient"].values()), grad, rtol=RTOL)


def test_summary_in_words(capsys):
    assert cli.main(["gradient", "--generate", "n=8,seed=2", "--m", "1", "--b", "0",
                     "--lr", "0.05"]) == 0  # fmt: skip
    text = capsys.readouterr().out
    points = generate_points(8, seed=2)
    grad = engine_gradient(points.x, points.y, "mse", 1.0, 0.0)
    assert "Gradient (the sums):" in text and "Engine's gradient:" in text
    line = next(t for t in text.splitlines() if t.startswith("Gradient (the sums):"))
    shown = [float(v) for v in re.findall(r"= (\S+?),? ", line + " ")]
    np.testing.assert_allclose(shown, grad, rtol=RTOL)
    assert text.count("  point ") == 5
    assert "Step with lr = 0.05" in text


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--m", "abc"], "not a number"),
        (["--b", "inf"], "not a finite number"),
        (["--lr", "0"], "positive"),
        (["--lr", "-1"], "positive"),
        (["--huber-delta", "2"], "only to --loss huber"),
        (["--generate", "n=1"], ""),
        (["nope.csv"], "nope.csv"),
    ],
)
def test_bad_input_is_one_line_on_stderr(capsys, argv, words):
    assert cli.main(["gradient", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("gdviz: error:") and captured.err.count("\n") == 1
    assert words in captured.err


@pytest.mark.skipif(not REFERENCE_CSV.is_file(), reason=f"{REFERENCE_CSV} is absent")
def test_subprocess_on_the_teaching_data():
    done = subprocess.run(
        [sys.executable, "-m", "gdviz", "gradient", str(REFERENCE_CSV), "--m", "1.4777",
         "--b", "0.0889", "--lr", "0.0001", "--json"],
        cwd=REPO, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    data = np.loadtxt(REFERENCE_CSV, delimiter=",")
    grad = engine_gradient(data[:, 0], data[:, 1], "mse", 1.4777, 0.0889)
    sums = (np.sum(out["points"]["d_m"]), np.sum(out["points"]["d_b"]))
    np.testing.assert_allclose(list(out["gradient"].values()), grad, rtol=RTOL)
    np.testing.assert_allclose(sums, grad, rtol=1e-9)  # numpy's pairwise sum of the terms


def test_subprocess_generated_points():
    done = subprocess.run(
        [sys.executable, "-m", "gdviz", "gradient", "--generate", "n=20", "--m", "-1", "--json"],
        cwd=REPO, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    points = generate_points(20)
    grad = engine_gradient(points.x, points.y, "mse", -1.0, 0.0)
    np.testing.assert_allclose(list(out["gradient"].values()), grad, rtol=RTOL)
