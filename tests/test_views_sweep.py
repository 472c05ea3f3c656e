"""The learning-rate lesson's figures and words (gdviz.views.sweep, gdviz.linefit.sweep_lesson):
valid Plotly, diverged runs capped and never NaN, the limits where the closed form puts them,
the four replays on shared axes, and the page's URL record."""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import replace

import numpy as np
import plotly.graph_objects as go
import pytest
from helpers import arr, trace

from gdviz.analysis import curvature
from gdviz.data import generate_points
from gdviz.engine import run
from gdviz.linefit.run import prepare
from gdviz.linefit.settings import LineFitSettings
from gdviz.linefit.sweep_lesson import (
    SweepSettings,
    from_query,
    good_band_words,
    limit_words,
    resolve_pick,
    run_sweep_lesson,
    to_query,
)
from gdviz.optimizers import optimizer_spec
from gdviz.views.playback import decode_array
from gdviz.views.sweep import (
    band_spans,
    display_cap,
    examples_player,
    exit_clip,
    plotted_loss,
    sweep_spec,
)

POINTS = generate_points(60, 2.0, 1.0, 1.0, 0.0, 10.0, 3)
SETTINGS = LineFitSettings(dataset="generate", n=60, seed=3, steps=400, tol=1e-3)


@pytest.fixture(scope="module")
def lesson():
    return run_sweep_lesson(POINTS, SETTINGS, SweepSettings())


def finite_numbers(obj) -> list[float]:
    """Every number in a figure spec (typed arrays decoded), to check for NaN and inf."""
    out = []
    if isinstance(obj, dict):
        if "bdata" in obj:
            return decode_array(obj).ravel().tolist()
        for v in obj.values():
            out += finite_numbers(v)
    elif isinstance(obj, list):
        for v in obj:
            out += finite_numbers(v)
    elif isinstance(obj, float):
        out.append(obj)
    return out


def test_sweep_spec_is_valid_plotly_with_every_rate_drawn(lesson):
    spec = sweep_spec(lesson)
    go.Figure(spec)
    line = trace(spec, "final loss")
    np.testing.assert_array_equal(arr(line["x"]), lesson.sweep.lrs)
    assert spec["layout"]["xaxis"]["type"] == "log" and spec["layout"]["yaxis"]["type"] == "log"
    drawn = sum(arr(trace(spec, n)["x"]).size for n in ("converged", "used every step"))
    drawn += arr(trace(spec, "diverged (capped)")["x"]).size
    assert drawn == len(lesson.sweep)


def test_diverged_runs_are_capped_markers_never_nan(lesson):
    sw = lesson.sweep
    diverged = np.array([s == "diverged" for s in sw.status])
    assert diverged.any() and (~diverged).any()
    y = plotted_loss(lesson)
    assert np.all(np.isfinite(y))
    assert np.all(y[diverged] == display_cap(lesson))
    assert display_cap(lesson) > sw.final_loss[~diverged].max()
    spec = sweep_spec(lesson)
    capped = trace(spec, "diverged (capped)")
    np.testing.assert_array_equal(arr(capped["x"]), sw.lrs[diverged])
    assert np.all(arr(capped["y"]) == display_cap(lesson))
    text = json.dumps(spec, allow_nan=False)  # raises on NaN or inf
    assert "NaN" not in text
    assert all(math.isfinite(v) for v in finite_numbers(spec))
    replays = examples_player(lesson)  # level lines separate their pieces with NaN: not these
    moving = [t for t in replays["figures"][0]["data"] if t["name"] != "loss contours"]
    assert all(math.isfinite(v) for v in finite_numbers(moving + replays["moving"]))


def test_the_marked_limits_are_the_closed_forms(lesson):
    problem = prepare(POINTS, replace(SETTINGS, batch=0))
    curv = curvature(problem.fit)
    x = POINTS.x
    hessian = 2.0 * np.array(((np.mean(x * x), np.mean(x)), (np.mean(x), 1.0)))
    lam_min, lam_max = np.linalg.eigvalsh(hessian)
    spec = sweep_spec(lesson)
    mark = trace(spec, "2/λmax")
    assert arr(mark["x"]).tolist() == pytest.approx([2 / lam_max] * 2, rel=1e-12)
    assert trace(spec, "2/(λmax+λmin)")["x"][0] == pytest.approx(2 / (lam_max + lam_min), 1e-9)
    assert curv.lr_max == pytest.approx(2 / lam_max, rel=1e-12)
    texts = [a["text"] for a in spec["layout"]["annotations"]]
    assert "2/λmax" in texts
    # Bands tile the swept range in order, each named on the chart.
    spans = band_spans(lesson)
    assert spans[0][1] == lesson.sweep.lrs[0] and spans[-1][2] == lesson.sweep.lrs[-1]
    assert all(a[2] == b[1] for a, b in itertools.pairwise(spans))
    assert [s[0] for s in spans] == [t for t in texts if t in {s[0] for s in spans}]
    assert "diverging" in texts


def test_steps_to_tolerance_is_a_second_curve(lesson):
    spec = sweep_spec(lesson)
    steps = trace(spec, "steps to tolerance")
    assert steps["yaxis"] == "y2" and spec["layout"]["yaxis2"]["overlaying"] == "y"
    reached = [s for s in lesson.sweep.steps_to_tol if s is not None]
    assert arr(steps["y"]).tolist() == reached
    no_tol = run_sweep_lesson(POINTS, replace(SETTINGS, tol=0.0), SweepSettings(count=30))
    names = [t["name"] for t in sweep_spec(no_tol)["data"]]
    assert "steps to tolerance" not in names


def test_four_replays_share_axes_and_end_where_the_sweep_says(lesson):
    labels = [e.label for e in lesson.examples]
    assert labels == ["too small", "just right", "too big", "your pick"]
    ex = lesson.sweep.examples()
    for e in lesson.examples[:3]:
        assert e.index == ex[e.label]
        assert e.trajectory.final_loss == lesson.sweep.final_loss[e.index]
        assert e.trajectory.status == lesson.sweep.status[e.index]
    data = examples_player(lesson)
    spec = data["figures"][0]
    go.Figure(spec)
    layout = spec["layout"]
    for n in (2, 3, 4):
        assert layout[f"xaxis{n}"]["range"] == layout["xaxis"]["range"]
        assert layout[f"yaxis{n}"]["range"] == layout["yaxis"]["range"]
        assert layout[f"yaxis{n + 4}"]["range"] == layout["yaxis5"]["range"]
    assert layout["yaxis5"]["type"] == "log"
    assert len(data["moving"]) == 8 and len(data["readouts"]) == 4
    assert data["steps"][-1] == max(e.trajectory.steps for e in lesson.examples)
    too_big = data["readouts"][2]["values"][-1]
    assert lesson.examples[2].trajectory.status == "diverged" and "diverged at step" in too_big


def test_exit_clip_ends_on_the_box_along_the_last_segment():
    window = ((0.0, 1.0), (0.0, 1.0))  # the box is [-1, 2] × [-1, 2]
    params = np.array(((0.5, 0.5), (1.5, 0.5), (5.0, 0.5), (50.0, 9.0)))
    path, out = exit_clip(params, window)
    assert out == 2
    np.testing.assert_allclose(path, ((0.5, 0.5), (1.5, 0.5), (2.0, 0.5)))
    inside, out = exit_clip(params[:2], window)
    assert out == 2 and inside.shape == (2, 2)


def test_momentum_words_explain_an_empty_good_band():
    settings = replace(SETTINGS, optimizer="momentum", steps=300)
    lesson = run_sweep_lesson(POINTS, settings, SweepSettings(count=30))
    assert lesson.sweep.limits.good_from is None
    words = good_band_words(lesson)
    assert "μ = 0.9" in words and "not failure" in words
    assert "Momentum with μ = 0.9 is stable below 2(1 + μ)/λmax" in limit_words(lesson)


def test_local_and_absent_limits_are_said_so():
    huber = run_sweep_lesson(POINTS, replace(SETTINGS, loss="huber", delta=50.0, steps=100),
                             SweepSettings(count=30))  # fmt: skip
    assert huber.sweep.limits.kind == "local" and "Hessian at the" in limit_words(huber)
    mae = run_sweep_lesson(
        POINTS, replace(SETTINGS, loss="mae", steps=100), SweepSettings(count=30)
    )
    assert mae.sweep.limits.kind == "absent" and "no bands" in limit_words(mae)
    assert band_spans(mae) == []
    go.Figure(sweep_spec(mae))


def test_the_pick_snaps_to_a_swept_rate(lesson):
    sw = lesson.sweep
    assert resolve_pick(sw, 0.0) == (sw.examples()["just right"], None)
    assert resolve_pick(sw, float(sw.lrs[7])) == (7, None)
    i, note = resolve_pick(sw, float(sw.lrs[7]) * 1.01)
    assert i == 7 and "nearest" in note
    i, note = resolve_pick(sw, float(sw.lrs[-1]) * 100)
    assert i == sw.examples()["just right"] and "outside" in note
    picked = run_sweep_lesson(POINTS, SETTINGS, SweepSettings(pick=float(sw.lrs[7])))
    assert picked.pick == 7 and picked.picked.lr == sw.lrs[7]
    reference = run(
        picked.problem.fit, optimizer_spec("gd").build(float(sw.lrs[7])), picked.problem.start,
        steps=SETTINGS.steps, tol=SETTINGS.tol,
    )  # fmt: skip
    np.testing.assert_array_equal(picked.picked.trajectory.loss, reference.loss)


def test_url_round_trip_and_bad_values():
    settings = replace(SETTINGS, optimizer="nesterov", scale=True)
    sweep_settings = SweepSettings(lr_min=1e-4, lr_max=0.5, count=33, pick=0.01)
    query = to_query(settings, sweep_settings)
    assert "step" not in query and query["pick"] == "0.01" and query["count"] == "33"
    back, back_sweep, notes = from_query(query)
    assert (back.hyperparameters(), back_sweep, notes) == (
        settings.hyperparameters(),
        sweep_settings,
        [],
    )
    assert replace(back, hyper=()) == settings
    _, s, notes = from_query({"count": "500", "lr_min": "1", "lr_max": "0.1", "pick": "x"})
    assert s.count == 50 and s.lr_min == 0 and s.lr_max == 0 and s.pick == 0
    assert len(notes) == 3 and any("not below" in n for n in notes)
