"""Figure specs of a line-fit run: validity, what the frames carry, exact numbers, payload."""

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
from gdviz.linefit.settings import LineFitSettings
from gdviz.views.linefit import (
    DESCENT_META,
    MAX_SCATTER,
    SURFACE_META,
    SYNC_SCRIPT,
    PlainFigure,
    contour_lines,
    descent_spec,
    drawn_steps,
    pack_arrays,
    standalone_html,
    step_label,
    surface_spec,
    typed,
)
from gdviz.views.player import SPEEDS, animate_options, player_buttons, step_slider
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


def frame_trace(frame: dict, index: int) -> dict:
    return frame["data"][frame["traces"].index(index)]


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
    assert len(fig.frames) == r.timeline.steps.size
    assert fig.layout.meta == DESCENT_META
    fig3 = go.Figure(surface)
    assert len(fig3.frames) == r.timeline.steps.size
    assert fig3.layout.meta == SURFACE_META


def test_trace_names(specs):
    descent, surface = specs
    assert {t["name"] for t in descent["data"]} == DESCENT_NAMES | {"residuals"}
    assert {t["name"] for t in surface["data"]} == SURFACE_NAMES


# --------------------------------------------------------------------------------------------
# frames: only what moves
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("residuals", [False, True])
def test_descent_frames_carry_only_the_moving_traces(run, residuals):
    spec = descent_spec(run, 0, residuals=residuals)
    moving = [
        find(spec, "fitted line"),
        find(spec, "current step", "x2"),
        find(spec, "−gradient (direction)"),
        find(spec, "current step", "x3"),
    ]
    if residuals:
        moving.append(find(spec, "residuals"))
    else:
        assert all(t["name"] != "residuals" for t in spec["data"])
    n = POINTS.n
    for frame in spec["frames"]:
        assert sorted(frame["traces"]) == sorted(moving)
        assert len(frame["data"]) == len(frame["traces"])
        for index, trace in zip(frame["traces"], frame["data"], strict=True):
            assert trace.get("type", "scatter") == spec["data"][index]["type"]
            assert set(trace) <= {"type", "x", "y"}  # coordinates only, no styling
            size = max(len(arr(trace[k])) for k in ("x", "y") if k in trace)
            if index == moving[-1] and residuals:
                assert size == 3 * n  # a segment and a gap per point
            else:
                assert size <= 2  # never the points, the loss curve or a contour
        assert "x" not in frame_trace(frame, moving[0])  # the line's ends never move


def test_surface_frames_carry_only_the_marker(run):
    spec = surface_spec(run, 0)
    marker = find(spec, "current step")
    for frame in spec["frames"]:
        assert frame["traces"] == [marker]
        (trace,) = frame["data"]
        assert trace["type"] == "scatter3d"
        assert all(len(trace[k]) == 1 for k in ("x", "y", "z"))


def test_frame_names_are_the_frame_steps(any_run):
    names = [str(k) for k in any_run.timeline.steps]
    descent = descent_spec(any_run, 0)
    surface = surface_spec(any_run, 0)
    assert [f["name"] for f in descent["frames"]] == names
    assert [f["name"] for f in surface["frames"]] == names


def test_frame_contents_are_the_runs_numbers(any_run):
    spec = descent_spec(any_run, 0)
    line = find(spec, "fitted line")
    loss = find(spec, "current step", "x2")
    current = find(spec, "current step", "x3")
    x_ends = np.array([POINTS.x.min(), POINTS.x.max()])
    np.testing.assert_array_equal(arr(spec["data"][line]["x"]), x_ends)
    t = any_run.trajectory
    for frame in spec["frames"]:
        k = int(frame["name"])
        m, b = any_run.lines[k]
        np.testing.assert_allclose(arr(frame_trace(frame, line)["y"]), m * x_ends + b, rtol=1e-12)
        marker = frame_trace(frame, loss)
        assert marker["x"] == [k]
        assert marker["y"] == [pytest.approx(t.loss[k], rel=1e-15)]
        point = frame_trace(frame, current)
        assert (point["x"][0], point["y"][0]) == (t.params[k, 0], t.params[k, 1])


def _lift(spec: dict, top: float) -> float:
    """How far the 3-D markers float above the loss they stand for (the same for all)."""
    current = spec["data"][find(spec, "current step")]
    return current["z"][0] - min(current["customdata"][0], top)


def test_surface_marker_follows_the_loss_clipped_to_the_surface(any_run):
    spec = surface_spec(any_run, 0)
    marker = find(spec, "current step")
    z = any_run.grid.z
    bottom, top = np.nanmin(z), np.nanmax(z)
    lift = _lift(spec, top)
    # A small lift keeps the markers from being half-buried in the surface.
    assert 0 <= lift <= 0.05 * (top - bottom)
    t = any_run.trajectory
    for frame in spec["frames"]:
        k = int(frame["name"])
        trace = frame_trace(frame, marker)
        (x_lo, x_hi), (y_lo, y_hi) = any_run.grid.window
        m, b = t.params[k]
        if x_lo <= m <= x_hi and y_lo <= b <= y_hi:
            assert trace["x"] == [m] and trace["y"] == [b]
        else:  # WebGL would draw it outside the box: hidden instead (null)
            assert trace["x"] == [None] and trace["y"] == [None]
        assert trace["customdata"] == [t.loss[k]]  # hover shows the exact loss
        assert trace["z"][0] == pytest.approx(min(t.loss[k], top) + lift, rel=1e-12, abs=1e-12)
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
    spec = surface_spec(diverged_run, t.steps)
    lift = _lift(spec, top)
    last = spec["frames"][-1]["data"][0]
    assert last["z"] == [pytest.approx(top + lift)] and last["customdata"] == [t.loss[-1]]
    # The initial marker (the last step here) is clipped in the same way.
    assert spec["data"][find(spec, "current step")]["z"] == [pytest.approx(top + lift)]


def test_residuals_follow_the_line(run):
    spec = descent_spec(run, 0, residuals=True)
    res = find(spec, "residuals")
    for frame in spec["frames"][::37]:
        k = int(frame["name"])
        m, b = run.lines[k]
        trace = frame_trace(frame, res)
        assert "x" not in trace  # the segments' x never moves: sent once, in data
        x = arr(spec["data"][res]["x"]).reshape(-1, 3)
        y = arr(trace["y"]).reshape(-1, 3)
        np.testing.assert_array_equal(x[:, 0], POINTS.x)
        np.testing.assert_array_equal(x[:, 1], POINTS.x)
        # float32 in frames: screen precision for a drawn segment
        np.testing.assert_allclose(y[:, 0], POINTS.y, rtol=1e-6)
        np.testing.assert_allclose(y[:, 1], m * POINTS.x + b, rtol=1e-6, atol=1e-6)
        assert np.isnan(x[:, 2]).all() and np.isnan(y[:, 2]).all()


def test_residuals_only_up_to_200_points():
    many = run_line_fit(generate_points(201, seed=3), LineFitSettings(steps=20, tol=0.0))
    spec = descent_spec(many, 0, residuals=True)
    assert all(t["name"] != "residuals" for t in spec["data"])
    few = run_line_fit(generate_points(200, seed=3), LineFitSettings(steps=20, tol=0.0))
    spec = descent_spec(few, 0, residuals=True)
    find(spec, "residuals")


# --------------------------------------------------------------------------------------------
# the step on screen, the slider, the arrow
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("step", [0, 5, 777, 9_999, 10_000])
def test_initial_data_show_the_snapped_step(long_run, step):
    k = long_run.timeline.snap(step)
    if step == 777:
        assert k != step  # not a frame step: this case exercises snapping
    descent = descent_spec(long_run, step)
    surface = surface_spec(long_run, step)
    (slider,) = descent["layout"]["sliders"]
    assert long_run.timeline.steps[slider["active"]] == k
    assert slider["steps"][slider["active"]]["args"][0] == [str(k)]
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
    # The initial picture is exactly the frame of that step: Play starts without a jump.
    (frame,) = [f for f in descent["frames"] if f["name"] == str(k)]
    for index, trace in zip(frame["traces"], frame["data"], strict=True):
        for key in ("x", "y"):
            if key in trace:
                np.testing.assert_array_equal(arr(trace[key]), arr(descent["data"][index][key]))


_LABEL = re.compile(r"^([\d,]+)\s+m = (\S+)\s+b = (\S+)\s+loss = (\S+)$")


def test_slider_labels_carry_the_steps_numbers(any_run):
    (slider,) = descent_spec(any_run, 0)["layout"]["sliders"]
    assert len(slider["steps"]) == any_run.timeline.steps.size
    for k, s in zip(any_run.timeline.steps, slider["steps"], strict=True):
        match = _LABEL.match(s["label"])
        assert match, s["label"]
        step, m, b, loss = match.groups()
        assert int(step.replace(",", "")) == k
        assert float(m) == pytest.approx(any_run.lines[k, 0], rel=1e-5)
        assert float(b) == pytest.approx(any_run.lines[k, 1], rel=1e-5)
        assert float(loss) == pytest.approx(any_run.trajectory.loss[k], rel=1e-5)
        assert s["label"] == step_label(any_run, int(k))


def test_slider_labels_are_in_units_of_x(scaled_run):
    label = step_label(scaled_run, scaled_run.trajectory.steps)
    m, b = (float(v) for v in _LABEL.match(label).groups()[1:3])
    assert (m, b) == pytest.approx(np.polyfit(POINTS.x, POINTS.y, 1), rel=1e-4)


def test_arrow_points_down_the_gradient(any_run):
    spec = descent_spec(any_run, 0)
    arrow = find(spec, "−gradient (direction)")
    t = any_run.trajectory
    (a0, b0), (a1, b1) = any_run.grid.window
    span = np.array([b0 - a0, b1 - a1])
    checked = 0
    for frame in spec["frames"]:
        k = int(frame["name"])
        trace = frame_trace(frame, arrow)
        x, y = trace["x"], trace["y"]
        assert (x[0], y[0]) == (t.params[k, 0], t.params[k, 1])  # starts at the current point
        g = t.grad[k]
        if len(x) == 1:  # no direction to show
            assert np.hypot(*g) == 0
            continue
        d = np.array([x[1] - x[0], y[1] - y[0]])
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
    for frame in spec["frames"]:
        assert not set(frame["traces"]) & set(contours)
    static = {find(spec, n) for n in ("points", "loss", "descent path", "least-squares line")}
    assert not any(set(f["traces"]) & static for f in spec["frames"])


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
# standalone HTML
# --------------------------------------------------------------------------------------------


def test_standalone_html(run):
    title = 'Fit <i>of</i> "hours" & score'
    page = standalone_html(descent_spec(run, 3), surface_spec(run, 3), title)
    assert get_plotlyjs() in page  # inline: plays offline
    assert not re.search(r"<script[^>]*\bsrc\s*=", page)
    assert page.count('class="plotly-graph-div"') == 2
    assert DESCENT_META in page and SURFACE_META in page
    assert page.count(SYNC_SCRIPT) == 1
    assert page.index(SYNC_SCRIPT) > page.rindex('class="plotly-graph-div"')
    assert f"<title>{html.escape(title)}</title>" in page
    assert title not in page


# --------------------------------------------------------------------------------------------
# payload and finiteness
# --------------------------------------------------------------------------------------------


def test_payload_of_a_10_000_step_run_is_under_2_mb(long_run):
    assert long_run.timeline.steps.size == 200
    size = len(payload(descent_spec(long_run, 0))) + len(payload(surface_spec(long_run, 0)))
    assert size < 2_000_000


def test_payload_with_residuals_is_under_2_mb(long_run):
    size = len(payload(descent_spec(long_run, 0, residuals=True)))
    size += len(payload(surface_spec(long_run, 0)))
    assert size < 2_000_000


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


# --------------------------------------------------------------------------------------------
# the player
# --------------------------------------------------------------------------------------------


def test_player_buttons_animate_without_redraw():
    rows = player_buttons(-0.2)
    buttons = [b for row in rows for b in row["buttons"]]
    assert all(b["method"] == "animate" for b in buttons)
    for b in buttons:
        options = b["args"][1]
        assert options["frame"]["redraw"] is False
        assert options["transition"]["duration"] == 0
    play, pause = rows[0]["buttons"]
    assert "Play" in play["label"] and play["args"][0] is None
    assert play["args"][1]["fromcurrent"] is True
    assert play["args"][1]["frame"]["duration"] == SPEEDS["normal"]
    assert "Pause" in pause["label"] and pause["args"][0] == [None]
    speeds = rows[1]["buttons"]
    assert len(speeds) == len(SPEEDS)
    for (speed, duration), b in zip(SPEEDS.items(), speeds, strict=True):
        assert speed in b["label"]
        assert b["args"][0] is None and b["args"][1]["frame"]["duration"] == duration
        assert b["args"][1]["fromcurrent"] is True
    assert SPEEDS["slow"] > SPEEDS["normal"] > SPEEDS["fast"]


def test_animate_options():
    options = animate_options(25, fromcurrent=True)
    assert options["frame"] == {"duration": 25, "redraw": False}
    assert options["mode"] == "immediate" and options["fromcurrent"] is True


def test_step_slider():
    slider = step_slider([0, 1, 5, 40], ["a", "b", "c", "d"], 2, x=0.4, length=0.6, y=-0.1)
    assert slider["active"] == 2
    assert [s["label"] for s in slider["steps"]] == ["a", "b", "c", "d"]
    for k, s in zip([0, 1, 5, 40], slider["steps"], strict=True):
        assert s["method"] == "animate"
        assert s["args"][0] == [str(k)]
        assert s["args"][1]["frame"]["redraw"] is False
    # Tick labels hidden: transparent and tiny, no tick marks.
    assert slider["font"]["color"] == "rgba(0,0,0,0)"
    assert slider["ticklen"] == 0 and slider["minorticklen"] == 0
    assert slider["currentvalue"]["visible"] is True
    with pytest.raises(ValueError):
        step_slider([0, 1], ["only one"], 0, x=0, length=1, y=0)


def test_descent_slider_has_one_step_per_frame(any_run):
    spec = descent_spec(any_run, 0)
    (slider,) = spec["layout"]["sliders"]
    names = [f["name"] for f in spec["frames"]]
    assert [s["args"][0] for s in slider["steps"]] == [[n] for n in names]
    assert slider["font"]["color"] == "rgba(0,0,0,0)"
    labels = [b["label"] for m in spec["layout"]["updatemenus"] for b in m["buttons"]]
    assert "▶ Play" in labels and "❚❚ Pause" in labels
