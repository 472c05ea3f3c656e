"""Views of the gradient lesson: valid Plotly, sorted bars with the total, the running sum,
the focus everywhere, LaTeX built from numbers only."""

from __future__ import annotations

import math
import re

import numpy as np
import plotly.graph_objects as go
import pytest
from helpers import arr

from gdviz.data import Points, generate_points
from gdviz.linefit.gradient import gradient_lesson
from gdviz.linefit.points import points_for
from gdviz.linefit.run import run_line_fit
from gdviz.linefit.settings import LineFitSettings
from gdviz.losses import LOSSES
from gdviz.views.gradient import (
    MAX_RESIDUALS,
    MAX_SCATTER,
    OTHERS,
    TOP_BARS,
    bars_spec,
    exercise_latex,
    loss_comparison_latex,
    robust_latex,
    scatter_spec,
    selected_point,
    tex_factor,
    tex_number,
)

LR = {"mse": 0.02, "sse": 0.0002, "mae": 0.1, "huber": 0.1}


def lesson_of(points: Points | None = None, step: int = 3, point: int = 0, **changes):
    settings = LineFitSettings(**{"steps": 30, **changes})
    points = points_for(settings) if points is None else points
    return gradient_lesson(run_line_fit(points, settings), step, point)


def panel(spec: dict, axis: str) -> tuple[dict, dict, dict]:
    """(point bars, running sum, total bar) of the panel on y axis `axis`."""
    traces = [t for t in spec["data"] if t["yaxis"] == axis]
    bars = next(t for t in traces if t["type"] == "bar" and t["name"].startswith("terms"))
    running = next(t for t in traces if t["name"] == "running sum")
    total = next(t for t in traces if t["name"] == "the total: the gradient")
    return bars, running, total


@pytest.mark.parametrize("loss", LOSSES)
def test_specs_are_valid_plotly(loss):
    lesson = lesson_of(loss=loss, lr=LR[loss])
    for spec in (scatter_spec(lesson), bars_spec(lesson)):
        go.Figure(spec)


@pytest.mark.parametrize(("axis", "param"), [("y", "m"), ("y2", "b")])
def test_bars_are_sorted_and_end_in_the_total(axis, param):
    lesson = lesson_of()
    c = lesson.contributions
    bars, running, total = panel(bars_spec(lesson), axis)
    ids = [row[0] for row in bars["customdata"]]
    values = np.array(bars["y"])
    own = np.array([i != OTHERS for i in ids])
    assert own.sum() == TOP_BARS  # the focus is the largest term of ∂L/∂m: no extra bar
    np.testing.assert_array_equal(values[own], c.contribution(param)[ids[: own.sum()]])
    assert np.all(np.diff(np.abs(values[own])) <= 0)  # largest first
    # The last bar holds every other point; the running sum ends at the total, the gradient.
    rest = np.setdiff1d(np.arange(c.n), ids[: own.sum()])
    assert bars["x"][-1] == f"{rest.size} others"
    assert values[-1] == pytest.approx(math.fsum(c.contribution(param)[rest].tolist()))
    grad = lesson.run.trajectory.grad[lesson.step]["mb".index(param)]
    assert total["y"][0] == pytest.approx(grad, rel=1e-12)
    assert running["y"][-1] == pytest.approx(grad, rel=1e-12)
    assert total["text"][0] == f"Σ = {grad:.4g}"


def test_the_step_is_in_the_panel_titles():
    lesson = lesson_of()
    titles = [a["text"] for a in bars_spec(lesson)["layout"]["annotations"]]
    assert f"step −γ·∂L/∂m = {lesson.update.step_m:.4g}" in titles[0]
    assert f"step −γ·∂L/∂b = {lesson.update.step_b:.4g}" in titles[1]


def test_a_focus_outside_the_top_gets_its_own_bar_in_its_sorted_place():
    lesson = lesson_of()
    smallest = int(lesson.contributions.order("m")[-1])
    lesson = lesson_of(point=smallest + 1)
    bars, _, _ = panel(bars_spec(lesson), "y")
    ids = [row[0] for row in bars["customdata"]]
    assert ids.count(smallest) == 1 and ids.index(smallest) == TOP_BARS  # after the top ones
    width = arr(bars["marker"]["line"]["width"])
    assert width[ids.index(smallest)] > 0 and np.count_nonzero(width) == 1


def test_scatter_residuals_line_and_focus():
    lesson = lesson_of(point=4)
    c = lesson.contributions
    spec = scatter_spec(lesson)
    by_name = {t["name"]: t for t in spec["data"]}
    segments_y = arr(by_name["residuals r = y − ŷ"]["y"]).reshape(-1, 3)
    np.testing.assert_allclose(segments_y[:, 0], c.y)
    np.testing.assert_allclose(segments_y[:, 1], c.y_hat)
    line = by_name[f"line at step {lesson.step}"]
    np.testing.assert_allclose(arr(line["y"]), c.m * arr(line["x"]) + c.b)
    focus = by_name["point #4"]
    assert (arr(focus["x"])[0], arr(focus["y"])[0]) == (c.x[3], c.y[3])
    assert focus["customdata"][0][0] == 3


def test_large_data_are_capped_and_keep_the_focus():
    points = generate_points(5000, seed=4)
    settings = {"dataset": "generate", "n": 5000, "seed": 4, "lr": 0.01}
    lesson = lesson_of(points, point=4321, **settings)
    spec = scatter_spec(lesson)
    shown = [row[0] for row in spec["data"][0]["customdata"]]
    assert len(shown) == MAX_SCATTER and 4320 in shown
    residuals = arr(spec["data"][1]["x"]).reshape(-1, 3)
    assert len(residuals) == MAX_RESIDUALS
    bars, _, _ = panel(bars_spec(lesson), "y")
    assert len(bars["x"]) == TOP_BARS + 2  # the top, the focus, the others


def test_column_names_are_escaped_in_plotly():
    points = generate_points(10, seed=1)
    points = Points(points.x, points.y, x_name="<img src=x>", y_name="a&b")
    spec = scatter_spec(lesson_of(points, dataset="generate", lr=0.01))
    assert spec["layout"]["xaxis"]["title"]["text"] == "&lt;img src=x&gt;"
    assert spec["layout"]["yaxis"]["title"]["text"] == "a&amp;b"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.0, "0"),
        (12.5, "12.5"),
        (-3.25, "-3.25"),
        (1.5e-20, r"1.5 \times 10^{-20}"),
        (-2e300, r"-2 \times 10^{300}"),
        (math.nan, r"\text{undefined}"),
        (math.inf, r"\text{undefined}"),
    ],
)
def test_tex_number(value, text):
    assert tex_number(value) == text


def test_tex_factor_brackets_negatives_and_powers():
    assert tex_factor(-2.0) == "(-2)" and tex_factor(3.0) == "3"
    assert tex_factor(1e-9) == r"(1 \times 10^{-9})"


LATEX_ALPHABET = re.compile(r"^[\s\w\\{}()\[\]^_+\-=.,:;&|/·<>!'*]*$")


@pytest.mark.parametrize("loss", LOSSES)
def test_latex_carries_this_steps_numbers(loss):
    lesson = lesson_of(loss=loss, lr=LR[loss], delta=1.5)
    ex, u = lesson.exercise, lesson.update
    formulas = exercise_latex(lesson)
    assert tex_number(ex.diff, 6) in formulas[0]
    assert rf"(\text{{{ex.hidden} more}})" in formulas[0] and ex.hidden == lesson.n - 3
    assert formulas[1].endswith(f"&= {tex_number(ex.b_gradient, 6)} \\end{{aligned}}")
    assert tex_number(ex.m_gradient, 6) in formulas[2]
    assert tex_number(u.m, 6) in formulas[3] and tex_number(u.b, 6) in formulas[4]
    assert bool(robust_latex(lesson)) == (loss in ("mae", "huber"))
    comparison = loss_comparison_latex(lesson)
    assert tex_number(lesson.sse.grad_m, 6) in comparison["sse"][2]
    assert tex_number(lesson.mse.grad_m, 6) in comparison["mse"][2]
    for formula in [*formulas, *robust_latex(lesson), *comparison["mse"], *comparison["sse"]]:
        assert LATEX_ALPHABET.match(formula), formula
        assert formula.count("{") == formula.count("}")


def test_small_data_write_every_term():
    points = generate_points(4, seed=3)
    lesson = lesson_of(points, dataset="generate", n=4, seed=3, lr=0.01)
    diff = exercise_latex(lesson)[0]
    assert "more" not in diff
    for i in range(4):
        assert tex_number(lesson.contributions.y[i]) in diff


@pytest.mark.parametrize(
    ("selection", "index"),
    [
        ({"points": [{"customdata": [7, 8, 0.1]}]}, 7),
        ({"points": [{"customdata": [OTHERS]}]}, None),
        ({"points": [{"point_index": 3}]}, None),
        ({"points": []}, None),
        (None, None),
        ({"points": [{"customdata": ["7"]}]}, None),
        ({"points": [{"customdata": [2.5]}]}, None),
    ],
)
def test_selected_point(selection, index):
    assert selected_point(selection) == index
