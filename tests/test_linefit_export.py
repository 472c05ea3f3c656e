"""Tests for gdviz.linefit.export: the trajectory CSV reads back exactly, and every generated numpy
script, run on its own in a subprocess, ends where `run_line_fit` ends (the oracle)."""

from __future__ import annotations

import ast
import io
import math
import shutil
import subprocess
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gdviz.data import Points, generate_points, load_csv
from gdviz.errors import GdvizError
from gdviz.linefit.export import (
    EMBED_LIMIT,
    DataSource,
    data_csv,
    numpy_script,
    trajectory_columns,
    trajectory_csv,
)
from gdviz.linefit.run import LineFitRun, run_line_fit
from gdviz.linefit.settings import LineFitSettings
from gdviz.objectives import LineFit
from gdviz.samples import SAMPLES

REPO = Path(__file__).resolve().parents[1]
REL, ABS = 1e-9, 1e-12
RUFF = [sys.executable, "-m", "ruff"]
PYFLAKES = ["--isolated", "--no-cache", "--select", "F"]  # unused imports, undefined names


@dataclass(frozen=True)
class Case:
    """One run to export: where the points come from, and the settings."""

    data: str  # a sample name, "generate", "upload" or "upload-headerless"
    optimizer: str
    loss: str
    batch: int
    scale: bool
    lr: float
    steps: int = 300
    hyper: dict = field(default_factory=dict)
    delta: float = 1.0
    generator: dict = field(default_factory=dict)  # generate_points options beyond LineFitSettings'
    outliers: float = 0.0
    m0: float = 0.0
    b0: float = 0.0
    sensitive: bool = False  # chaotic: rounding differences grow beyond REL over the run

    @property
    def settings(self) -> LineFitSettings:
        dataset = self.data.removesuffix("-headerless")
        return LineFitSettings(
            dataset=dataset,
            optimizer=self.optimizer,
            loss=self.loss,
            batch=self.batch,
            scale=self.scale,
            lr=self.lr,
            steps=self.steps,
            delta=self.delta,
            m0=self.m0,
            b0=self.b0,
            hyper=tuple(self.hyper.items()),
            **self.generator,
        )


# All six optimizers (several with non-default options), all four losses, full batch,
# mini-batches of 7 and of 1, raw and standardised x, and every kind of data source.
CASES = {
    "default": Case("study-hours", "gd", "mse", 0, False, 0.02, steps=200),
    "gd-mse-b7-scaled": Case("study-hours", "gd", "mse", 7, True, 0.1),
    "gd-sse-scaled": Case("anscombe-1", "gd", "sse", 0, True, 0.005, m0=1.0, b0=-2.0),
    "gd-mae-upload-headerless-b7-scaled": Case("upload-headerless", "gd", "mae", 7, True, 0.1),
    "gd-mae-generated-outliers": Case(
        "generate",
        "gd",
        "mae",
        0,
        False,
        0.05,
        generator={"n": 30, "slope": -3.0, "intercept": 4.0, "noise": 0.0, "seed": 5},
        outliers=0.2,
    ),
    "momentum-damped-mse": Case(
        "by-hand", "momentum", "mse", 0, False, 0.005, hyper={"momentum": 0.8, "dampening": 0.1}
    ),
    "momentum-sse-b1": Case("by-hand", "momentum", "sse", 1, False, 0.0005),
    "momentum-huber-b1-scaled": Case("study-hours", "momentum", "huber", 1, True, 0.01, delta=3),
    "nesterov-mse-b7-scaled": Case(
        "generate",
        "nesterov",
        "mse",
        7,
        True,
        0.05,
        hyper={"momentum": 0.7},
        generator={"n": 50, "seed": 3},
    ),
    "nesterov-huber": Case("generate", "nesterov", "huber", 0, False, 0.01, delta=0.5),
    "adagrad-mae": Case("outliers", "adagrad", "mae", 0, False, 0.5),
    "adagrad-decay-huber-b7-scaled": Case(
        "outliers",
        "adagrad",
        "huber",
        7,
        True,
        0.5,
        delta=2.0,
        hyper={"lr_decay": 0.01, "eps": 1e-6},
    ),
    "adagrad-sse-far-x-scaled": Case(
        "generate",
        "adagrad",
        "sse",
        0,
        True,
        1.0,
        steps=200,
        generator={"n": 40, "x_min": 100.0, "x_max": 110.0, "seed": 9},
    ),
    "rmsprop-mse-scaled": Case("house-prices", "rmsprop", "mse", 0, True, 0.05, steps=200),
    "rmsprop-centered-momentum-huber-b7-scaled": Case(
        "house-prices",
        "rmsprop",
        "huber",
        7,
        True,
        0.5,
        delta=20.0,
        hyper={"centered": True, "alpha": 0.9, "momentum": 0.5},
    ),
    "rmsprop-momentum-mae-b1": Case(
        "anscombe-3", "rmsprop", "mae", 1, False, 0.01, hyper={"momentum": 0.3}
    ),
    # RMSprop at a constant lr never settles: it keeps hopping about the optimum, and the
    # hops amplify last-bit differences in the gradient (0.583 vs 0.581 after 300 steps).
    "rmsprop-mse-sensitive": Case(
        "anscombe-2", "rmsprop", "mse", 0, False, 0.01, hyper={"alpha": 0.95}, sensitive=True
    ),
    "adam-huber-generated-outliers": Case("generate", "adam", "huber", 0, False, 0.1, outliers=0.1),
    "adam-amsgrad-mse-b1-scaled": Case(
        "generate",
        "adam",
        "mse",
        1,
        True,
        0.05,
        hyper={"beta1": 0.8, "beta2": 0.99, "amsgrad": True},
        generator={"n": 80, "noise": 2.0, "seed": 11},
    ),
    "adam-sse-upload-b7": Case("upload", "adam", "sse", 7, False, 0.1),
    "adam-amsgrad-mae": Case("anscombe-4", "adam", "mae", 0, False, 0.05, hyper={"amsgrad": True}),
    # Divergence: the loss explodes past 1e6 × its start, or overflows on the first step.
    "diverges-explodes": Case("study-hours", "gd", "mse", 0, False, 0.05),
    "diverges-overflows": Case("house-prices", "momentum", "mse", 0, False, 1e150),
}


def _prepare(case: Case, tmp_path: Path) -> tuple[Points, DataSource]:
    """gdviz's points for `case` and their DataSource; any file the script reads is put in
    tmp_path."""
    settings = case.settings
    if case.data in SAMPLES:
        sample = SAMPLES[case.data]
        shutil.copy(sample.path, tmp_path / sample.filename)
        return load_csv(sample.path, x=sample.x, y=sample.y), DataSource.sample(case.data)
    generated = generate_points(
        n=settings.n,
        slope=settings.slope,
        intercept=settings.intercept,
        noise=settings.noise,
        x_min=settings.x_min,
        x_max=settings.x_max,
        seed=settings.seed,
        outliers=case.outliers,
    )
    if case.data == "generate":
        return generated, DataSource.generated(settings, case.outliers)
    # An upload: the generated points written as a person might, with a name to quote.
    name = "my points (v2).csv"
    cells = [
        f"{x!r}; {y!r}" for x, y in zip(generated.x.tolist(), generated.y.tolist(), strict=True)
    ]
    header = [] if case.data.endswith("headerless") else ["time (s); distance (m)"]
    (tmp_path / name).write_text("\n".join([*header, *cells]) + "\n", encoding="utf-8")
    x, y = (0, 1) if not header else ("time (s)", "distance (m)")
    points = load_csv(tmp_path / name, x=x, y=y)
    return points, DataSource.for_run(settings, points, name)


def _run_script(text: str, tmp_path: Path) -> tuple[dict[str, str], str]:
    script = tmp_path / "gdviz_run.py"
    script.write_text(text, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    values = {}
    for line in done.stdout.splitlines():
        key, sep, value = line.partition(" = ")
        if sep and key in ("steps", "m", "b", "loss", "points", "checksum"):
            values[key] = value
    return values, done.stdout


def _close(got: float, want: float) -> bool:
    return math.isclose(got, want, rel_tol=REL, abs_tol=ABS)


def _pointwise(self: LineFit, params: np.ndarray) -> tuple[float, np.ndarray]:
    return self.pointwise_value(params), self.pointwise_gradient(params)


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_script_reproduces_the_run(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    points, source = _prepare(case, tmp_path)
    run = run_line_fit(points, case.settings)
    out, stdout = _run_script(numpy_script(case.settings, source), tmp_path)
    t = run.trajectory

    # The same points, bit for bit.
    assert int(out["points"]) == points.n
    assert float(out["checksum"]) == float(np.sum(points.x * 1.0001 + points.y))
    # The same number of steps, and a divergence reported exactly when gdviz reports one.
    assert int(out["steps"]) == t.steps
    diverged = [line for line in stdout.splitlines() if line.startswith("Diverged at step")]
    converged = [line for line in stdout.splitlines() if line.startswith("Converged at step")]
    if t.status == "diverged":
        assert len(diverged) == 1
        assert diverged[0].startswith(f"Diverged at step {t.diverged_at}:")
    elif t.status == "converged" and t.steps < case.steps:
        # The page's tolerance (1e-3 by default) stops both at the same step.
        assert diverged == [] and converged == [f"Converged at step {t.steps}."]
    else:
        assert diverged == [] and t.steps == case.steps
    got = (float(out["m"]), float(out["b"]), float(out["loss"]))

    # The same end as the page's run, to rounding. gdviz sums mse/sse through sufficient
    # statistics and the script point by point; one case is chaotic enough to amplify that.
    m, b = run.lines[-1]
    want = (float(m), float(b), t.final_loss)
    if case.sensitive:
        assert not all(_close(g, w) for g, w in zip(got, want, strict=True))
    else:
        assert all(_close(g, w) for g, w in zip(got, want, strict=True)), (got, want)

    # Bit for bit the run gdviz makes when it, too, sums point by point: the same points, the
    # same update rules evaluated in the same order, the same batches and the same stop.
    with monkeypatch.context() as patch:
        patch.setattr(LineFit, "value_and_gradient", _pointwise)
        oracle = run_line_fit(points, case.settings)
    m, b = oracle.lines[-1]
    assert int(out["steps"]) == oracle.trajectory.steps
    assert got[:2] == (float(m), float(b))
    # The script adds up sse with np.sum; gdviz point by point takes the mean times N.
    assert _close(got[2], oracle.trajectory.final_loss)
    if case.loss != "sse":
        assert got[2] == oracle.trajectory.final_loss


def test_the_test_cases_cover_every_option() -> None:
    cases = CASES.values()
    assert {c.optimizer for c in cases} == {
        "gd",
        "momentum",
        "nesterov",
        "adagrad",
        "rmsprop",
        "adam",
    }
    assert {c.loss for c in cases} == {"mse", "sse", "mae", "huber"}
    assert {c.batch for c in cases} == {0, 1, 7}
    assert {c.scale for c in cases} == {False, True}
    assert {c.data for c in cases} >= {"generate", "upload", "upload-headerless", "study-hours"}
    assert sum(c.data in SAMPLES for c in cases) >= 5


def test_diverging_cases_do_diverge(tmp_path: Path) -> None:
    """Guard the divergence tests: one explodes after some steps, one overflows at once."""
    runs = {}
    for name in ("diverges-explodes", "diverges-overflows"):
        points, _ = _prepare(CASES[name], tmp_path)
        runs[name] = run_line_fit(points, CASES[name].settings).trajectory
    explodes, overflows = runs["diverges-explodes"], runs["diverges-overflows"]
    assert explodes.status == "diverged" and explodes.diverged_at == explodes.steps > 1
    assert overflows.status == "diverged" and overflows.diverged_at == 1 and overflows.steps == 0


# --------------------------------------------------------------------------------------------
# The script's text
# --------------------------------------------------------------------------------------------

LINT_CASES = [
    "default",
    "gd-mae-upload-headerless-b7-scaled",
    "gd-mae-generated-outliers",
    "momentum-damped-mse",
    "nesterov-huber",
    "adagrad-decay-huber-b7-scaled",
    "rmsprop-centered-momentum-huber-b7-scaled",
    "adam-amsgrad-mse-b1-scaled",
    "adam-sse-upload-b7",
]


@pytest.mark.parametrize("name", LINT_CASES)
def test_script_compiles_and_has_no_pyflakes_findings(name: str, tmp_path: Path) -> None:
    case = CASES[name]
    _, source = _prepare(case, tmp_path)
    text = numpy_script(case.settings, source)
    compile(text, "gdviz_run.py", "exec")
    for command in (
        [*RUFF, "check", *PYFLAKES, "--stdin-filename", "gdviz_run.py", "-"],
        [*RUFF, "format", "--isolated", "--line-length", "100", "--check", "-"],  # tidy as written
    ):
        done = subprocess.run(
            command, input=text, capture_output=True, text=True, timeout=60, check=False
        )
        assert done.returncode == 0, done.stdout + done.stderr


def test_default_script_is_short_and_only_what_the_run_needs() -> None:
    settings = CASES["default"].settings
    text = numpy_script(settings, DataSource.sample("study-hours"))
    assert 40 <= len(text.splitlines()) <= 80
    for absent in ("rng", "velocity", "DELTA", "BATCH", "std", "z = "):
        assert absent not in text
    assert 'pd.read_csv("study_hours.csv")' in text
    assert "theta = theta - LR * grad" in text
    assert "LR = 0.02" in text and "STEPS = 200" in text


def test_script_text_follows_the_options() -> None:
    base = LineFitSettings(dataset="generate", steps=5)
    generated = DataSource.generated(base)
    gd = numpy_script(base, generated)
    assert "import pandas" not in gd  # generated points need numpy alone
    assert "rng.uniform(0.0, 10.0, 100)" in gd and "rng.choice" not in gd
    with_outliers = numpy_script(base, DataSource.generated(base, outliers=0.1))
    assert "rng.choice(100, size=10, replace=False)" in with_outliers
    rms = numpy_script(replace(base, optimizer="rmsprop"), generated)
    assert "ALPHA = 0.99" in rms and "MOMENTUM" not in rms and "grad_avg" not in rms
    centered = replace(base, optimizer="rmsprop", hyper=(("centered", True),))
    assert "grad_avg" in numpy_script(centered, generated)
    adam = numpy_script(replace(base, optimizer="adam"), generated)
    assert "max_sq" not in adam and "BETA2 = 0.999" in adam
    # A batch at least N long is the full batch, as in gdviz.
    assert "BATCH" not in numpy_script(replace(base, batch=100), generated)
    assert "BATCH = 99" in numpy_script(replace(base, batch=99), generated)
    # sse scales the mean by N; mae uses sign; huber clips at δ.
    assert "-N * np.mean(psi * x)" in numpy_script(replace(base, loss="sse"), generated)
    assert "np.sign(r)" in numpy_script(replace(base, loss="mae"), generated)
    huber = numpy_script(replace(base, loss="huber", delta=0.25), generated)
    assert "DELTA = 0.25" in huber and "np.clip(r, -DELTA, DELTA)" in huber


def test_names_with_quotes_and_newlines_stay_inside_their_literals() -> None:
    name = 'a"""b\n import os; \'x\'.csv'
    column = 'x "quoted"\n# not a comment'
    source = DataSource.uploaded(name, column, "y", n=10)
    text = numpy_script(LineFitSettings(dataset="upload"), source)
    tree = ast.parse(text)
    strings = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)}
    assert {name, column, "y"} <= strings
    assert not any(isinstance(n, ast.Import) and n.names[0].name == "os" for n in ast.walk(tree))


def test_data_source_checks_its_fields() -> None:
    with pytest.raises(GdvizError, match="kind"):
        DataSource("database")
    with pytest.raises(GdvizError, match="number n"):
        DataSource("generate")
    with pytest.raises(GdvizError, match="file name"):
        DataSource("upload", "")
    with pytest.raises(GdvizError, match="header"):
        DataSource("upload", "f.csv", "a", "b", header=False)
    with pytest.raises(GdvizError, match="no sample"):
        DataSource.sample("nope")
    assert not DataSource.uploaded("f.csv", "column 1", "column 3").header
    assert DataSource.uploaded("f.csv", "column 1", "price").header
    with pytest.raises(GdvizError, match="number of points"):
        numpy_script(
            LineFitSettings(dataset="upload", batch=5), DataSource.uploaded("f.csv", "a", "b")
        )
    # A sample's size is read from its file when it is not given.
    by_hand = numpy_script(
        LineFitSettings(dataset="by-hand", batch=5), DataSource.sample("by-hand")
    )
    assert "BATCH = 5" in by_hand


# --------------------------------------------------------------------------------------------
# The trajectory as CSV
# --------------------------------------------------------------------------------------------


def _sample_run(name: str, **options) -> LineFitRun:
    sample = SAMPLES[name]
    points = load_csv(sample.path, x=sample.x, y=sample.y)
    return run_line_fit(points, LineFitSettings(dataset=name, **options))


@pytest.mark.parametrize(
    "run_options",
    [
        {"lr": 0.02, "steps": 200},
        {"lr": 0.1, "steps": 150, "scale": True, "optimizer": "adam", "loss": "huber"},
        {"lr": 0.05, "steps": 200},  # diverges: the CSV stops at the last kept step
    ],
    ids=["raw", "standardised", "diverged"],
)
def test_trajectory_csv_reads_back_exactly(run_options: dict) -> None:
    run = _sample_run("study-hours", **run_options)
    t = run.trajectory
    text = trajectory_csv(run)
    assert not text.startswith("#") and text.endswith("\n") and "\r" not in text
    frame = pd.read_csv(io.StringIO(text))
    scaled = run.scaling is not None
    assert tuple(frame.columns) == trajectory_columns(scaled)
    assert len(frame) == t.steps + 1
    assert np.array_equal(frame["step"], np.arange(t.steps + 1))
    assert np.array_equal(frame["m"], run.lines[:, 0])
    assert np.array_equal(frame["b"], run.lines[:, 1])
    assert np.array_equal(frame["loss"], t.loss)
    assert np.array_equal(frame["grad_norm"], t.grad_norm)
    suffix = "_z" if scaled else ""
    assert np.array_equal(frame[f"grad_m{suffix}"], t.grad[:, 0])
    assert np.array_equal(frame[f"grad_b{suffix}"], t.grad[:, 1])
    if scaled:
        assert np.array_equal(frame["m_z"], t.params[:, 0])
        assert np.array_equal(frame["b_z"], t.params[:, 1])
    assert all(frame[c].dtype == np.float64 for c in frame.columns if c != "step")


def test_trajectory_columns() -> None:
    assert trajectory_columns(False) == ("step", "m", "b", "loss", "grad_m", "grad_b", "grad_norm")
    assert trajectory_columns(True) == (
        "step", "m", "b", "m_z", "b_z", "loss", "grad_m_z", "grad_b_z", "grad_norm",
    )  # fmt: skip


def test_import_does_not_load_streamlit() -> None:
    code = "import sys, gdviz.linefit.export; assert 'streamlit' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True, timeout=60)


# --------------------------------------------------------------------------------------------
# the script works wherever it is saved: points embedded, or the CSV beside it
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["default", "adam-sse-upload-b7", "gd-mae-upload-headerless-b7-scaled"]
)
def test_a_script_with_embedded_points_runs_in_an_empty_folder(name: str, tmp_path: Path) -> None:
    case = CASES[name]
    files = tmp_path / "files"
    files.mkdir()
    points, source = _prepare(case, files)
    text = numpy_script(case.settings, source, points)
    assert "read_csv" not in text and "import pandas" not in text
    empty = tmp_path / "empty"
    empty.mkdir()
    out, _ = _run_script(text, empty)  # nothing else in the folder: the points are inside
    assert int(out["points"]) == points.n
    assert float(out["checksum"]) == float(np.sum(points.x * 1.0001 + points.y))
    t = run_line_fit(points, case.settings).trajectory
    assert int(out["steps"]) == t.steps


def test_a_large_upload_is_read_from_the_csv_the_page_offers(tmp_path: Path) -> None:
    n = EMBED_LIMIT + 1
    points = generate_points(n, seed=5)
    source = DataSource.uploaded("big points.csv", "x", "y", n)
    settings = LineFitSettings(dataset="upload", steps=20, tol=0.0)
    text = numpy_script(settings, source, points)
    assert "read_csv" in text and "x = np.array([" not in text
    (tmp_path / "big points.csv").write_text(data_csv(points, source), encoding="utf-8")
    out, _ = _run_script(text, tmp_path)
    assert int(out["points"]) == n
    assert float(out["checksum"]) == float(np.sum(points.x * 1.0001 + points.y))
