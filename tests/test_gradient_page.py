"""The "how the gradient is computed" lesson (gdviz.linefit.gradient) and its page (AppTest).

Oracles: the engine's gradient at the run's step (its sufficient statistics, not the per-point
sums) and the run's own next step; the page's shown numbers are checked against them.
"""

from __future__ import annotations

import io
import math

import numpy as np
import pandas as pd
import pytest
from helpers import ROOT, arr, assert_clean, charts, open_page, trace
from streamlit.testing.v1 import AppTest

from gdviz.data import Points, generate_points
from gdviz.errors import GdvizError
from gdviz.linefit.gradient import (
    TABLE_COLUMNS,
    GradientFocus,
    _contributions,
    from_query,
    gradient_lesson,
    observation,
    table_columns,
    table_csv,
    to_query,
)
from gdviz.linefit.points import points_for
from gdviz.linefit.run import run_line_fit
from gdviz.linefit.settings import LineFitSettings, LineFitView
from gdviz.losses import LOSSES
from gdviz.objectives import LineFit

PAGE = ROOT / "pages" / "how_the_gradient_is_computed.py"
RTOL = 1e-12
LR = {"mse": 0.02, "sse": 0.0002, "mae": 0.1, "huber": 0.1}


def _run(**changes):
    settings = LineFitSettings(**{"steps": 60, **changes})
    return run_line_fit(points_for(settings), settings)


def _close(a, b, rtol=RTOL):
    np.testing.assert_allclose(a, b, rtol=rtol, atol=0)


# --- the lesson ---------------------------------------------------------------------------------


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("step", [0, 5, 60])
def test_contributions_sum_to_the_engines_gradient_at_the_step(loss, step):
    run = _run(loss=loss, lr=LR[loss])
    lesson = gradient_lesson(run, step)
    c = lesson.contributions
    _close((c.grad_m, c.grad_b), run.trajectory.grad[step])
    _close(c.value, run.trajectory.loss[step])
    _close((math.fsum(c.d_m.tolist()), math.fsum(c.d_b.tolist())), run.trajectory.grad[step])
    assert (c.m, c.b) == tuple(run.trajectory.params[step])


def test_the_step_shown_is_the_main_pages_next_step():
    run = _run()
    for step in (0, 1, 30):
        lesson = gradient_lesson(run, step)
        assert lesson.next_line is not None
        _close((lesson.update.m, lesson.update.b), lesson.next_line)
        _close((lesson.update.m, lesson.update.b), run.trajectory.params[step + 1])
        assert "exactly the main page's step" in lesson.step_note()


def test_standardised_runs_are_shown_in_the_descents_units():
    run = _run(scale=True, lr=0.1, tol=0.0)
    lesson = gradient_lesson(run, 3)
    assert lesson.standardized and lesson.x_label.startswith("z")
    z = run.scaling.transform(run.points.x)
    _close(lesson.contributions.x, z, rtol=1e-15)
    _close(lesson.contributions.gradient, run.trajectory.grad[3])
    _close((lesson.update.m, lesson.update.b), run.trajectory.params[4])


@pytest.mark.parametrize(
    ("changes", "words"),
    [({"optimizer": "adam", "lr": 0.1}, "plain gradient descent"), ({"batch": 10}, "mini-batch")],
)
def test_other_optimizers_and_batches_are_said_in_words(changes, words):
    lesson = gradient_lesson(_run(**changes), 2)
    assert lesson.next_line is None
    assert words in lesson.step_note()


def test_steps_and_points_past_the_end_are_clamped_with_a_note():
    run = _run(tol=5.0, steps=1000)  # stops early
    last = run.trajectory.steps
    assert last < 1000
    lesson = gradient_lesson(run, 900, point=10_000)
    assert lesson.step == last and lesson.focus == run.points.n - 1
    assert any("past the run's last step" in n for n in lesson.notes)
    assert any("past the last point" in n for n in lesson.notes)


def test_default_focus_is_the_largest_slope_term_and_a_point_number_is_one_based():
    lesson = gradient_lesson(_run(), 4)
    d_m = np.abs(lesson.contributions.d_m)
    assert d_m[lesson.focus] == d_m.max()
    assert gradient_lesson(_run(), 4, point=7).focus == 6


def test_mse_and_sse_side_by_side_differ_by_n():
    lesson = gradient_lesson(_run(), 2)
    n = lesson.n
    _close(lesson.sse.gradient, n * lesson.mse.gradient, rtol=1e-13)
    assert lesson.sse.update(0.01).step_m == pytest.approx(n * lesson.mse.update(0.01).step_m)
    assert lesson.mse is lesson.contributions  # the chosen loss is not computed twice


def test_exercise_writes_every_term_for_small_n_and_three_otherwise():
    small = generate_points(5, seed=2)
    settings = LineFitSettings(dataset="generate", n=5, seed=2, steps=3, lr=0.01)
    run = run_line_fit(small, settings)
    ex = gradient_lesson(run, 1).exercise
    assert ex.shown == tuple(range(5)) and ex.hidden == 0
    ex = gradient_lesson(_run(), 1).exercise
    assert ex.shown == (0, 1, 2) and ex.hidden == 97


def test_table_and_csv_hold_every_point_and_the_sums():
    lesson = gradient_lesson(_run(), 3)
    columns = table_columns(lesson)
    assert tuple(columns) == TABLE_COLUMNS
    c = lesson.contributions
    _close(columns["ŷ"], c.m * c.x + c.b, rtol=1e-15)
    frame = pd.read_csv(io.StringIO(table_csv(lesson)))
    assert len(frame) == c.n + 1
    body, total = frame.iloc[:-1], frame.iloc[-1]
    np.testing.assert_array_equal(body["∂L/∂m term"].to_numpy(), c.d_m)  # exact round trip
    assert total["point"] == "sum (the gradient)"
    _close((total["∂L/∂m term"], total["∂L/∂b term"]), lesson.run.trajectory.grad[3])


def test_observation_states_this_steps_numbers():
    lesson = gradient_lesson(_run(), 0)
    lev = lesson.leverage
    text = " ".join(observation(lesson))
    assert f"κ = {lev.condition_number:,.4g}" in text
    assert f"κ = {lev.condition_number_standardized:.3g}" in text
    assert f"{lev.offset_part_m:.4g}" in text and f"{lev.grad_m_standardized:.4g}" in text
    # The leverage is taken on x as given even when the run is standardised.
    scaled = gradient_lesson(_run(scale=True, lr=0.1, tol=0.0), 0).leverage
    assert scaled.condition_number > 10 * scaled.condition_number_standardized


def test_constant_x_has_no_leverage_but_a_sentence():
    points = Points(np.full(4, 3.0), np.array((1.0, 2.0, 4.0, 3.5)))
    # mae: the squared losses' stability meter refuses constant x before any run.
    run = run_line_fit(points, LineFitSettings(dataset="generate", steps=2, lr=0.01, loss="mae"))
    lesson = gradient_lesson(run, 1)
    assert lesson.leverage is None
    assert "Every x is the same" in observation(lesson)[0]
    _close(lesson.contributions.gradient, run.trajectory.grad[1])


def test_terms_too_large_for_floats_are_a_clear_error():
    # Finite line, but m·x overflows with x of both signs: the per-point sums are inf − inf.
    fit = LineFit(np.array((-10.0, 10.0, 20.0)), np.array((1.0, 2.0, 3.0)))
    with pytest.raises(GdvizError, match="too large"):
        _contributions(fit, 1e308, 0.0, None)


def test_url_round_trip_and_notes():
    settings = LineFitSettings(dataset="anscombe-3", lr=0.01, steps=40, loss="huber", delta=2.0)
    query = to_query(settings, LineFitView(step=7), GradientFocus(4))
    back_settings, view, focus, notes = from_query(query)
    assert (back_settings, view.step, focus.point, notes) == (settings, 7, 4, [])
    *_, focus, notes = from_query({"point": "abc"})
    assert focus.point == 0 and "point" in notes[0]


# --- the page -------------------------------------------------------------------------------


def _page(**query) -> AppTest:
    at = open_page(PAGE, **query)
    assert_clean(at)
    return at


def _table(at: AppTest) -> pd.DataFrame:
    frames = [d.value for d in at.dataframe if list(d.value.columns) == list(TABLE_COLUMNS)]
    return frames[-1]  # the full table (a large data set shows the focus row first)


def _shown_gradient(at: AppTest) -> np.ndarray:
    table = _table(at)
    return np.array((math.fsum(table["∂L/∂m term"]), math.fsum(table["∂L/∂b term"])))


@pytest.mark.parametrize("loss", LOSSES)
def test_page_renders_for_each_loss(loss):
    at = _page(loss=loss, lr=LR[loss], steps=30, step=4)
    figures = charts(at)
    assert set(figures) == {"grad_scatter", "grad_bars"}
    latex = [e.value for e in at.get("latex")]
    assert any(r"\text{diff}" in f for f in latex) and any("m_{\\text{new}}" in f for f in latex)
    robust = any(r"\psi(r)" in f for f in latex)
    assert robust == (loss in ("mae", "huber"))
    assert not at.error and not at.warning
    # The oracle, on the page's shown numbers: the table's columns sum to the engine's gradient.
    run = _run(loss=loss, lr=LR[loss], steps=30)
    _close(_shown_gradient(at), run.trajectory.grad[4])
    bars = figures["grad_bars"]
    total_m = next(t for t in bars["data"] if t["name"] == "the total: the gradient")
    _close(arr(total_m["y"])[0], run.trajectory.grad[4][0])


def test_a_main_page_link_restores_data_and_step():
    settings = LineFitSettings(dataset="anscombe-3", lr=0.01, steps=40)
    query = to_query(settings, LineFitView(step=7), GradientFocus())
    at = _page(**query)
    run = run_line_fit(points_for(settings), settings)
    table = _table(at)
    _close(table["x"].to_numpy(), run.points.x, rtol=0)
    m, b = run.trajectory.params[7]
    _close(table["ŷ"].to_numpy(), m * run.points.x + b, rtol=1e-15)
    _close(_shown_gradient(at), run.trajectory.grad[7])
    assert at.number_input(key="grad_step").value == 7
    assert dict(at.query_params) == query  # the link is written back as it came
    assert at.code[0].value.endswith("point=0")


def test_bad_url_values_give_notes_in_words():
    at = _page(lr="abc", step="-3", point="x1", loss="l2", steps="5")
    notes = " ".join(w.value for w in at.warning)
    for name in ("lr", "step", "point", "loss"):
        assert f"{name}=" in notes
    assert charts(at)  # and the page still draws


def test_a_step_past_the_runs_end_is_clamped_with_a_note():
    run = _run(tol=5.0, steps=1000)
    at = _page(tol=5, steps=1000, step=900)
    assert any("past this run's last step" in w.value for w in at.warning)
    assert at.number_input(key="grad_step").value == run.trajectory.steps
    assert at.query_params["step"] == str(run.trajectory.steps)


def test_upload_setting_without_an_upload_says_so_and_shows_the_sample():
    at = _page(dataset="upload")
    assert any("No file has been uploaded" in i.value for i in at.info)
    assert len(_table(at)) == points_for(LineFitSettings()).n
    assert at.query_params["dataset"] == "upload"  # the link still names the upload


def test_an_upload_from_the_main_page_is_used():
    points = generate_points(12, seed=9)
    at = AppTest.from_file(str(PAGE), default_timeout=60)
    at.query_params["dataset"] = "upload"
    at.session_state["_last_good"] = (points, "upload:test", None)
    at.run()
    assert_clean(at)
    assert not at.info
    _close(_table(at)["y"].to_numpy(), points.y, rtol=0)


def test_the_main_pages_settings_are_followed_within_a_session():
    settings = LineFitSettings(dataset="anscombe-1", lr=0.01, steps=50, loss="mae")
    at = AppTest.from_file(str(PAGE), default_timeout=60)
    at.session_state["_fit_last"] = (settings, LineFitView(step=12))
    at.run()
    assert_clean(at)
    assert at.selectbox(key="grad_loss").value == "mae"
    assert at.number_input(key="grad_step").value == 12
    _close(_shown_gradient(at), run_line_fit(points_for(settings), settings).trajectory.grad[12])


def test_choosing_a_point_highlights_it_everywhere():
    at = _page(steps=20, step=3)
    at.number_input(key="grad_point").set_value(5).run()
    assert_clean(at)
    figures = charts(at)
    focus = trace(figures["grad_scatter"], "point #5")
    table = _table(at)
    assert arr(focus["x"])[0] == table["x"][4]
    bars = [t for t in figures["grad_bars"]["data"] if t["type"] == "bar" and "terms" in t["name"]]
    for b in bars:  # the point has its own bar, outlined, in both panels
        ids = [c[0] for c in b["customdata"]]
        assert 4 in ids and arr(b["marker"]["line"]["width"])[ids.index(4)] > 0
    assert any("Point #5 is highlighted" in c.value for c in at.caption)
    assert at.query_params["point"] == "5"


def test_changing_the_step_moves_the_line():
    at = _page(steps=20, step=3)
    at.number_input(key="grad_step").set_value(10).run()
    assert_clean(at)
    _close(_shown_gradient(at), _run(steps=20).trajectory.grad[10])
    assert at.query_params["step"] == "10"


def test_column_names_from_files_stay_text():
    points = generate_points(8, seed=3)
    hostile = points.__class__(points.x, points.y, x_name="**x** $\\frac{1}{0}$", y_name="<b>y")
    at = AppTest.from_file(str(PAGE), default_timeout=60)
    at.query_params["dataset"] = "upload"
    at.session_state["_last_good"] = (hostile, "upload:hostile", None)
    at.run()
    assert_clean(at)
    assert all("frac{1}{0}" not in e.value for e in at.get("latex"))
    caption = at.caption[0].value
    assert "\\*\\*x\\*\\*" in caption and "\\$" in caption
    scatter = charts(at)["grad_scatter"]
    assert scatter["layout"]["yaxis"]["title"]["text"] == "&lt;b&gt;y"
