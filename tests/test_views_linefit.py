"""Figure specs of a line-fit run and its player data: validity, what moves per frame, exact
numbers, payload."""

from __future__ import annotations

import html
import json
import math
import re

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from helpers import arr
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from plotly.offline import get_plotlyjs

from gdviz.data import Points, generate_points
from gdviz.linefit.run import LineFitRun, run_line_fit
from gdviz.linefit.settings import LineFitSettings, LineFitView
from gdviz.views.linefit import (
    DESCENT_META,
    MAX_SCATTER,
    SURFACE_META,
    PlainFigure,
    contour_lines,
    descent_spec,
    drawn_steps,
    pack_arrays,
    surface_spec,
    typed,
)
from gdviz.views.linefit_player import lesson_player, outcome_words
from gdviz.views.offline import offline_html
from gdviz.views.text import escape_html

POINTS = generate_points(100, seed=1)
DESCENT_NAMES = {
    "points",
    "least-squares line",
    "fitted line",
    "loss",
    "current step",
    "loss contours",
    "descent path",
    "start",
    "least-squares optimum",
    "−gradient (direction)",
}
SURFACE_NAMES = {"loss surface", "descent path", "start", "least-squares optimum", "current step"}


def find(spec: dict, name: str, axis: str | None = None) -> int:
    """The index of the one trace called `name` (on x axis `axis`, for 2-D specs)."""
    hits = [
        i
        for i, t in enumerate(spec["data"])
        if t.get("name") == name and (axis is None or t.get("xaxis") == axis)
    ]
    assert len(hits) == 1, (name, axis, hits)
    return hits[0]


def player(r: LineFitRun, step: int = 0, residuals: bool = False) -> dict:
    return lesson_player(r, LineFitView(step=step, residuals=residuals))


def moved(data: dict) -> dict[tuple[int, int], dict[str, np.ndarray]]:
    """What the player moves, by (figure, trace): each attribute as a (frames × n) array."""
    return {
        (m["figure"], m["trace"]): {k: arr(v) for k, v in m["attrs"].items()}
        for m in data["moving"]
    }


def all_strings(obj):
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield k
            yield from all_strings(v)
    elif isinstance(obj, list | tuple):
        for v in obj:
            yield from all_strings(v)


def assert_finite(obj, where="spec") -> None:
    """Every plain number in a spec is finite (plotly.io would write NaN and ±inf as null);
    typed arrays may hold NaN, Plotly's gap in a line, but never ±inf."""
    if isinstance(obj, dict) and "bdata" in obj:
        assert not np.isinf(arr(obj)).any(), where
    elif isinstance(obj, dict):
        for k, v in obj.items():
            assert_finite(v, f"{where}.{k}")
    elif isinstance(obj, list | tuple):
        for i, v in enumerate(obj):
            assert_finite(v, f"{where}[{i}]")
    elif isinstance(obj, float | np.floating):
        assert math.isfinite(obj), where


def _reject_constant(token: str):
    raise AssertionError(f"{token} in the figure's JSON")


def payload(spec: dict) -> str:
    return pio.to_json(spec, validate=False)


# --------------------------------------------------------------------------------------------
# runs and specs shared by the tests (built once)
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def run() -> LineFitRun:
    return run_line_fit(POINTS, LineFitSettings(steps=1000, tol=0.0))


@pytest.fixture(scope="module")
def long_run() -> LineFitRun:
    return run_line_fit(POINTS, LineFitSettings(steps=10_000, tol=0.0))


@pytest.fixture(scope="module")
def scaled_run() -> LineFitRun:
    return run_line_fit(
        POINTS, LineFitSettings(scale=True, lr=0.1, steps=100, m0=-3.0, b0=8.0, tol=0.0)
    )


@pytest.fixture(scope="module")
def diverged_run() -> LineFitRun:
    r = run_line_fit(POINTS, LineFitSettings(lr=0.05, steps=200, tol=0.0))
    assert r.trajectory.status == "diverged"
    return r


RUNS = ["run", "scaled_run", "diverged_run", "long_run"]


@pytest.fixture(params=RUNS)
def any_run(request) -> LineFitRun:
    return request.getfixturevalue(request.param)


@pytest.fixture(scope="module")
def specs(run):
    return descent_spec(run, 0, residuals=True), surface_spec(run, 0)


# --------------------------------------------------------------------------------------------
# validity and names
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["run", "scaled_run", "diverged_run"])
def test_specs_validate_as_plotly_figures(name, request):
    r = request.getfixturevalue(name)
    descent = descent_spec(r, 7, residuals=True)
    surface = surface_spec(r, 7)
    fig = go.Figure(descent)
    assert not fig.frames and fig.layout.meta == DESCENT_META  # the player moves it
    fig3 = go.Figure(surface)
    assert not fig3.frames and fig3.layout.meta == SURFACE_META
    for figure in player(r, 7, residuals=True)["figures"]:
        go.Figure(figure)


def test_trace_names(specs):
    descent, surface = specs
    assert {t["name"] for t in descent["data"]} == DESCENT_NAMES | {"residuals"}
    assert {t["name"] for t in surface["data"]} == SURFACE_NAMES


# --------------------------------------------------------------------------------------------
# what the player moves: only what moves, and the run's own numbers
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("residuals", [False, True])
def test_the_player_moves_only_the_moving_traces(run, residuals):
    data = player(run, residuals=residuals)
    descent, surface = data["figures"]
    moving = {
        find(descent, "fitted line"),
        find(descent, "current step", "x2"),
        find(descent, "−gradient (direction)"),
        find(descent, "current step", "x3"),
    }
    if residuals:
        moving.add(find(descent, "residuals"))
    else:
        assert all(t["name"] != "residuals" for t in descent["data"])
    moves = moved(data)
    assert {trace for figure, trace in moves if figure == 0} == moving
    assert {trace for figure, trace in moves if figure == 1} == {find(surface, "current step")}
    frames = run.timeline.steps.size
    for (figure, trace), attrs in moves.items():
        assert set(attrs) <= {"x", "y", "z", "customdata"}  # coordinates only, no styling
        for values in attrs.values():
            assert values.shape[0] == frames
            if residuals and (figure, trace) == (0, find(descent, "residuals")):
                assert values.shape[1] == 3 * POINTS.n  # a segment and a gap per point
            else:
                assert values.shape[1] <= 2  # never the points, the loss curve or a contour
    assert "x" not in moves[(0, find(descent, "fitted line"))]  # the line's ends never move


def test_the_players_frames_are_the_frame_steps(any_run):
    assert player(any_run)["steps"] == any_run.timeline.steps.tolist()


def test_what_moves_is_the_runs_numbers(any_run):
    data = player(any_run)
    descent = data["figures"][0]
    moves = moved(data)
    steps = any_run.timeline.steps
    t = any_run.trajectory
    x_ends = np.array([POINTS.x.min(), POINTS.x.max()])
    np.testing.assert_array_equal(arr(descent["data"][find(descent, "fitted line")]["x"]), x_ends)
    m, b = any_run.lines[steps, :1], any_run.lines[steps, 1:]
    line = moves[(0, find(descent, "fitted line"))]["y"]
    np.testing.assert_allclose(line, m * x_ends + b, rtol=1e-12)
    loss = moves[(0, find(descent, "current step", "x2"))]
    np.testing.assert_array_equal(loss["x"][:, 0], steps)
    np.testing.assert_array_equal(loss["y"][:, 0], t.loss[steps])
    current = moves[(0, find(descent, "current step", "x3"))]
    np.testing.assert_array_equal(current["x"][:, 0], t.params[steps, 0])
    np.testing.assert_array_equal(current["y"][:, 0], t.params[steps, 1])


def test_the_read_outs_are_the_runs_numbers_in_the_descents_units(any_run):
    data = player(any_run)
    readouts = {r["id"]: r for r in data["readouts"]}
    steps = any_run.timeline.steps
    t = any_run.trajectory
    p0, p1 = ("m_z", "b_z") if any_run.scaling else ("m", "b")
    assert (readouts["p0"]["label"], readouts["p1"]["label"]) == (p0, p1)
    assert readouts["g0"]["label"] == f"∂L/∂{p0}"  # one unit system on screen
    for key, values, rel in (
        ("loss", t.loss, 1e-9),  # 10 significant digits: exact numbers on screen
        ("p0", t.params[:, 0], 1e-9),
        ("p1", t.params[:, 1], 1e-9),
        ("g0", t.grad[:, 0], 1e-5),
        ("g1", t.grad[:, 1], 1e-5),
        ("gnorm", t.grad_norm, 1e-3),
    ):
        shown = [float(v) for v in readouts[key]["values"]]
        assert len(shown) == steps.size
        np.testing.assert_allclose(shown, values[steps], rtol=rel, atol=1e-300)
    assert all(v for v in readouts["update"]["values"])


def test_the_3d_axes_are_titled_with_the_read_outs_symbols_and_hover_names_them(any_run):
    scene = surface_spec(any_run, 0)["layout"]["scene"]
    p0, p1 = ("m_z", "b_z") if any_run.scaling else ("m", "b")
    titles = [scene[f"{a}axis"]["title"]["text"] for a in "xyz"]
    assert titles == [p0, p1, "loss"]  # short: they fit the scene at 1280×720
    full = any_run.param_labels
    hovers = [t["hovertemplate"] for t in surface_spec(any_run, 0)["data"]]
    assert all(full[0] in h and full[1] in h for h in hovers)  # the names, one hover away


def test_the_update_read_out_is_the_gd_rule_with_its_numbers(run):
    data = player(run)
    update = next(r for r in data["readouts"] if r["id"] == "update")["values"]
    t, lr = run.trajectory, run.settings.lr
    k = int(run.timeline.steps[3])
    m_text, b_text = update[3].split(";")
    assert m_text.startswith(f"m ← {t.params[k, 0]:.6g} − {lr:g} × ({t.grad[k, 0]:.6g}) = ")
    assert float(m_text.rsplit("=", 1)[1]) == pytest.approx(t.params[k + 1, 0], rel=1e-7)
    assert float(b_text.rsplit("=", 1)[1]) == pytest.approx(t.params[k + 1, 1], rel=1e-7)
    assert update[-1].startswith("the run stopped here")


def test_progress_is_words_and_a_divergence_moves_away(run, diverged_run):
    ahead = next(r for r in player(run)["readouts"] if r["id"] == "progress")["values"]
    assert ahead[0] == "0.0% of the way to the optimum"
    assert ahead[-1].endswith("of the way to the optimum") and not ahead[-1].startswith("100")
    away = next(r for r in player(diverged_run)["readouts"] if r["id"] == "progress")
    assert away["values"][-1].startswith("moved away from the optimum")
    assert not any("-" in v.split("%")[0] for v in away["values"])  # never "−41066.7%"


def test_a_budget_run_reads_as_progress_not_failure(run):
    words = outcome_words(run)
    assert run.trajectory.status == "max_steps"
    assert words.startswith("Ran all 1,000 steps: ") and "of the way to the optimum" in words
    assert "not reached" not in words


def _lift(spec: dict, top: float) -> float:
    """How far the 3-D markers float above the loss they stand for (the same for all)."""
    current = spec["data"][find(spec, "current step")]
    return current["z"][0] - min(current["customdata"][0], top)


def test_surface_marker_follows_the_loss_clipped_to_the_surface(any_run):
    data = player(any_run)
    spec = data["figures"][1]
    marker = moved(data)[(1, find(spec, "current step"))]
    z = any_run.grid.z
    bottom, top = np.nanmin(z), np.nanmax(z)
    lift = _lift(spec, top)
    # A small lift keeps the markers from being half-buried in the surface.
    assert 0 <= lift <= 0.05 * (top - bottom)
    t = any_run.trajectory
    (x_lo, x_hi), (y_lo, y_hi) = any_run.grid.window
    for i, k in enumerate(any_run.timeline.steps):
        m, b = t.params[k]
        if x_lo <= m <= x_hi and y_lo <= b <= y_hi:
            assert (marker["x"][i, 0], marker["y"][i, 0]) == (m, b)
        else:  # WebGL would draw it outside the box: hidden instead (NaN)
            assert np.isnan(marker["x"][i, 0]) and np.isnan(marker["y"][i, 0])
        assert marker["customdata"][i, 0] == t.loss[k]  # hover shows the exact loss
        assert marker["z"][i, 0] == pytest.approx(min(t.loss[k], top) + lift, rel=1e-12, abs=1e-12)
    path = spec["data"][find(spec, "descent path")]
    drawn = drawn_steps(any_run)
    np.testing.assert_array_equal(arr(path["customdata"]), t.loss[drawn])
    np.testing.assert_allclose(arr(path["z"]), np.minimum(t.loss, top)[drawn] + lift, rtol=1e-12)
    zrange = spec["layout"]["scene"]["zaxis"]["range"]
    assert zrange[0] == bottom and zrange[1] >= top + lift
    start = spec["data"][find(spec, "start")]
    assert start["customdata"] == [t.loss[0]]
    optimum = spec["data"][find(spec, "least-squares optimum")]
    assert (optimum["x"][0], optimum["y"][0]) == any_run.optimum_run
    assert optimum["customdata"] == [any_run.optimum_loss]
    for trace in spec["data"][1:]:
        assert "customdata" in trace["hovertemplate"]


def test_a_diverged_surface_clips_the_climb(diverged_run):
    t = diverged_run.trajectory
    top = np.nanmax(diverged_run.grid.z)
    assert t.loss[-1] > top  # the far end is above the framed surface
    data = player(diverged_run, t.steps)
    spec = data["figures"][1]
    lift = _lift(spec, top)
    marker = moved(data)[(1, find(spec, "current step"))]
    assert marker["z"][-1, 0] == pytest.approx(top + lift)
    assert marker["customdata"][-1, 0] == t.loss[-1]
    # The initial marker (the last step here) is clipped in the same way.
    assert spec["data"][find(spec, "current step")]["z"] == [pytest.approx(top + lift)]


def test_residuals_follow_the_line(run):
    data = player(run, residuals=True)
    descent = data["figures"][0]
    res = find(descent, "residuals")
    moves = moved(data)[(0, res)]
    assert "x" not in moves  # the segments' x never moves: sent once, in data
    x = arr(descent["data"][res]["x"]).reshape(-1, 3)
    np.testing.assert_array_equal(x[:, 0], POINTS.x)
    np.testing.assert_array_equal(x[:, 1], POINTS.x)
    assert np.isnan(x[:, 2]).all()
    for i, k in list(enumerate(run.timeline.steps))[::37]:
        m, b = run.lines[k]
        y = moves["y"][i].reshape(-1, 3)
        # float32: screen precision for a drawn segment
        np.testing.assert_allclose(y[:, 0], POINTS.y, rtol=1e-6)
        np.testing.assert_allclose(y[:, 1], m * POINTS.x + b, rtol=1e-6, atol=1e-6)
        assert np.isnan(y[:, 2]).all()


def test_residuals_only_up_to_200_points():
    many = run_line_fit(generate_points(201, seed=3), LineFitSettings(steps=20, tol=0.0))
    spec = descent_spec(many, 0, residuals=True)
    assert all(t["name"] != "residuals" for t in spec["data"])
    few = run_line_fit(generate_points(200, seed=3), LineFitSettings(steps=20, tol=0.0))
    spec = descent_spec(few, 0, residuals=True)
    find(spec, "residuals")


# --------------------------------------------------------------------------------------------
# the step on screen and the arrow
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("step", [0, 5, 777, 9_999, 10_000])
def test_initial_data_show_the_snapped_step(long_run, step):
    k = long_run.timeline.snap(step)
    if step == 777:
        assert k != step  # not a frame step: this case exercises snapping
    data = player(long_run, step)
    descent, surface = data["figures"]
    assert data["steps"][data["start_frame"]] == k
    t = long_run.trajectory
    m, b = long_run.lines[k]
    x_ends = np.array([POINTS.x.min(), POINTS.x.max()])
    np.testing.assert_allclose(
        arr(descent["data"][find(descent, "fitted line")]["y"]), m * x_ends + b, rtol=1e-12
    )
    loss = descent["data"][find(descent, "current step", "x2")]
    assert (loss["x"], loss["y"]) == ([k], [t.loss[k]])
    current = descent["data"][find(descent, "current step", "x3")]
    assert (current["x"], current["y"]) == ([t.params[k, 0]], [t.params[k, 1]])
    marker = surface["data"][find(surface, "current step")]
    assert (marker["x"], marker["y"]) == ([t.params[k, 0]], [t.params[k, 1]])
    # The initial picture is exactly that frame's: Play starts without a jump.
    for (figure, trace), attrs in moved(data).items():
        if figure == 0:
            for key, values in attrs.items():
                drawn = arr(data["figures"][0]["data"][trace][key])
                np.testing.assert_allclose(values[data["start_frame"]], drawn, rtol=1e-6)


def test_arrow_points_down_the_gradient(any_run):
    data = player(any_run)
    arrow = moved(data)[(0, find(data["figures"][0], "−gradient (direction)"))]
    t = any_run.trajectory
    (a0, b0), (a1, b1) = any_run.grid.window
    span = np.array([b0 - a0, b1 - a1])
    checked = 0
    for i, k in enumerate(any_run.timeline.steps):
        x, y = arrow["x"][i], arrow["y"][i]
        assert (x[0], y[0]) == (t.params[k, 0], t.params[k, 1])  # starts at the current point
        g = t.grad[k]
        d = np.array([x[1] - x[0], y[1] - y[0]])
        if np.hypot(*g) == 0:  # no direction to show: a zero-length arrow
            assert not d.any()
            continue
        assert d @ g < 0
        # Along −∇L exactly: no sideways component.
        cross = d[0] * g[1] - d[1] * g[0]
        assert abs(cross) <= 1e-9 * np.linalg.norm(d) * np.linalg.norm(g)
        # Its length on screen is a fixed share of the window.
        assert np.hypot(*(d / span)) == pytest.approx(0.12, rel=1e-9)
        checked += 1
    assert checked > 0


# --------------------------------------------------------------------------------------------
# contour lines
# --------------------------------------------------------------------------------------------

_LEVEL = re.compile(r"loss = ([-+0-9.eE]+)")


@pytest.mark.parametrize(
    "name",
    [
        "run",
        "scaled_run",
        "long_run",
        "diverged_run",  # a wide window: the finer contour grid keeps the rings exact
    ],
)
def test_contour_lines_lie_on_their_levels(name, request):
    any_run = request.getfixturevalue(name)
    traces = contour_lines(any_run.contour_grid)
    assert len(traces) >= 5
    levels = []
    for trace in traces:
        level = float(_LEVEL.search(trace["hovertemplate"]).group(1))
        levels.append(level)
        xy = np.column_stack((trace["x"], trace["y"]))
        xy = xy[np.isfinite(xy).all(axis=1)]  # NaN separates the pieces of one level
        assert xy.shape[0] >= 3
        sample = xy[:: max(1, xy.shape[0] // 40)]
        values = np.array([any_run.fit.value(p) for p in sample])
        np.testing.assert_allclose(values, level, rtol=0.05)
    assert np.all(np.diff(levels) > 0)
    z = any_run.grid.z
    assert np.nanmin(z) < levels[0] and levels[-1] < np.nanmax(z)


def test_contour_lines_at_given_levels(run):
    z = run.grid.z
    wanted = np.nanmin(z) + np.array([0.1, 0.5, 0.9]) * (np.nanmax(z) - np.nanmin(z))
    traces = contour_lines(run.grid, wanted)
    got = [float(_LEVEL.search(t["hovertemplate"]).group(1)) for t in traces]
    np.testing.assert_allclose(got, wanted, rtol=1e-5)
    assert [t["showlegend"] for t in traces] == [True, False, False]


def test_contours_are_static(run):
    spec = descent_spec(run, 0, residuals=True)
    contours = [i for i, t in enumerate(spec["data"]) if t["name"] == "loss contours"]
    assert len(contours) == len(contour_lines(run.grid))
    assert all(spec["data"][i]["xaxis"] == "x3" for i in contours)
    moving = {trace for figure, trace in moved(player(run, residuals=True)) if figure == 0}
    assert not moving & set(contours)
    static = {find(spec, n) for n in ("points", "loss", "descent path", "least-squares line")}
    assert not moving & static


def test_contour_lines_of_a_flat_grid_are_none(run):
    flat = type(run.grid)(run.grid.p0, run.grid.p1, np.ones_like(run.grid.z), ("m", "b"))
    assert contour_lines(flat) == []


# --------------------------------------------------------------------------------------------
# large data, escaping
# --------------------------------------------------------------------------------------------


def test_large_data_draws_a_sample_and_says_so():
    points = generate_points(5_000, seed=2)
    r = run_line_fit(points, LineFitSettings(steps=30, tol=0.0))
    spec = descent_spec(r, 0, residuals=True)
    trace = spec["data"][find(spec, "points")]
    x, y = arr(trace["x"]), arr(trace["y"])
    assert x.size == y.size == MAX_SCATTER
    drawn = set(zip(x.tolist(), y.tolist(), strict=True))
    assert len(drawn) == MAX_SCATTER  # distinct points...
    assert drawn <= set(zip(points.x.tolist(), points.y.tolist(), strict=True))  # ...real ones
    titles = [a["text"] for a in spec["layout"]["annotations"]]
    assert any("(2,000 of 5,000 drawn)" in text for text in titles)
    assert all(t["name"] != "residuals" for t in spec["data"])
    go.Figure(spec)


def test_small_data_draws_every_point(run):
    spec = descent_spec(run, 0)
    trace = spec["data"][find(spec, "points")]
    np.testing.assert_array_equal(arr(trace["x"]), POINTS.x)
    np.testing.assert_array_equal(arr(trace["y"]), POINTS.y)
    assert not any("drawn" in a["text"] for a in spec["layout"]["annotations"])


NASTY_X = '<b>hours & "minutes"</b>'
NASTY_Y = "score <script>alert('y')</script>"


def test_user_column_names_are_escaped():
    x = np.linspace(0.0, 10.0, 30)
    points = Points(x, 2.0 * x + 1.0 + np.cos(3 * x), x_name=NASTY_X, y_name=NASTY_Y)
    r = run_line_fit(points, LineFitSettings(steps=40, tol=0.0))
    spec = descent_spec(r, 0, residuals=True)
    layout = spec["layout"]
    assert layout["xaxis"]["title"]["text"] == html.escape(NASTY_X, quote=True)
    assert layout["yaxis"]["title"]["text"] == html.escape(NASTY_Y, quote=True)
    hover = spec["data"][find(spec, "points")]["hovertemplate"]
    assert html.escape(NASTY_X, quote=True) in hover
    assert html.escape(NASTY_Y, quote=True) in hover
    for text in all_strings(spec):
        assert NASTY_X not in text and NASTY_Y not in text
        assert "<b>" not in text and "<script>" not in text
    go.Figure(spec)


def test_escape():
    assert escape_html('<a href="x">&\'') == "&lt;a href=&quot;x&quot;&gt;&amp;&#x27;"
    assert escape_html(3) == "3"
    assert escape_html("plain words") == "plain words"


# --------------------------------------------------------------------------------------------
# typed arrays and PlainFigure
# --------------------------------------------------------------------------------------------


@given(
    hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=1, max_dims=2, min_side=0, max_side=7),
        elements=st.floats(allow_nan=True, allow_infinity=True),
    )
)
def test_typed_round_trips(values):
    spec = typed(values)
    assert spec["dtype"] == "f8"
    back = arr(json.loads(json.dumps(spec)))
    assert back.shape == values.shape
    assert back.tobytes() == values.tobytes()  # bit for bit, NaN and −0 included
    assert ("shape" in spec) == (values.ndim == 2)


def test_typed_converts_to_float64_in_order():
    ints = np.arange(12).reshape(3, 4)
    back = arr(typed(ints))
    assert back.dtype == np.float64 and back.shape == (3, 4)
    np.testing.assert_array_equal(back, ints)
    np.testing.assert_array_equal(arr(typed(ints.T)), ints.T)  # a non-contiguous view
    np.testing.assert_array_equal(arr(typed([1.5, -2.0])), [1.5, -2.0])


def test_pack_arrays_types_only_numpy_arrays():
    trace = {"x": np.array([1.0, 2.0]), "y": [3.0, 4.0], "name": "a"}
    packed = pack_arrays(trace)
    assert packed["y"] == [3.0, 4.0] and packed["name"] == "a"
    np.testing.assert_array_equal(arr(packed["x"]), [1.0, 2.0])
    assert isinstance(trace["x"], np.ndarray)  # the input is not changed


def test_plain_figure_hands_over_its_spec(specs):
    spec = specs[0]
    fig = PlainFigure(spec)
    assert fig.to_dict() is spec
    assert fig.to_plotly_json() is spec


# --------------------------------------------------------------------------------------------
# the offline download: the same player in one file
# --------------------------------------------------------------------------------------------


def test_offline_html_is_the_same_player(run):
    title = 'Fit <i>of</i> "hours" & score'
    data = player(run, 3)
    page = offline_html(data, title)
    assert get_plotlyjs()[:2000] in page  # plotly.js inline: plays offline
    assert not re.search(r"<script[^>]*\bsrc\s*=", page)
    assert html.escape(title) in page and title not in page
    assert DESCENT_META in page and SURFACE_META in page


# --------------------------------------------------------------------------------------------
# payload and finiteness
# --------------------------------------------------------------------------------------------


def test_payload_of_a_10_000_step_run_is_under_2_mb(long_run):
    assert long_run.timeline.steps.size == 200
    assert len(json.dumps(player(long_run))) < 2_000_000


def test_payload_with_residuals_is_under_2_mb(long_run):
    assert len(json.dumps(player(long_run, residuals=True))) < 2_000_000


def test_diverged_specs_are_finite_and_framed(diverged_run):
    descent = descent_spec(diverged_run, diverged_run.trajectory.steps, residuals=True)
    surface = surface_spec(diverged_run, diverged_run.trajectory.steps)
    for spec in (descent, surface):
        # plotly.io writes NaN and ±inf as null, silently: check the numbers before that.
        assert_finite(spec)
        json.loads(payload(spec), parse_constant=_reject_constant)
    window = diverged_run.grid.window
    scene = surface["layout"]["scene"]
    assert scene["xaxis"]["range"] == list(window[0])
    assert scene["yaxis"]["range"] == list(window[1])
    z = diverged_run.grid.z
    bottom, top = np.nanmin(z), np.nanmax(z)
    low, high = scene["zaxis"]["range"]
    assert low == bottom and top <= high <= top + 0.1 * (top - bottom)  # room for the lift
    assert descent["layout"]["xaxis3"]["range"] == list(window[0])
    assert descent["layout"]["yaxis3"]["range"] == list(window[1])
    for axis in ("xaxis", "yaxis", "xaxis2", "yaxis2"):
        assert all(math.isfinite(v) for v in descent["layout"][axis]["range"])
