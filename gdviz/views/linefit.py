"""Figures for a line-fit run: the three 2-D views and the 3-D loss surface, and what moves.

`descent_spec` holds the three 2-D panels side by side (one builder each): the line over the
points, the loss per step, the contour with the path and the −gradient arrow. `surface_spec`
is the 3-D surface with the path. Neither has frames: `motion` lists, for every frame step,
only what moves (the line, the markers, the arrow, the residuals), and the in-browser player
(gdviz.views.linefit_player) restyles just those. Static traces are sent once.

Builders return plain figure dicts: Plotly's per-object validation of a large figure was
measured here at 5-10 times the cost of the engine run, so pages wrap dicts in `PlainFigure`
(the compare pages) or hand them to the player, and the tests validate every spec with
`go.Figure`.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import math

import contourpy
import numpy as np
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from gdviz.linefit.run import LineFitRun
from gdviz.surface import Grid
from gdviz.views.annotations import panel_title
from gdviz.views.playback import moving_trace
from gdviz.views.text import escape_html

# Okabe–Ito colours: distinguishable with the common colour-vision deficiencies.
BLUE, ORANGE, GREEN, VERMILLION, PURPLE, SKY, GREY = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#555555",
)
MAX_SCATTER = 2000  # points drawn; the engine always uses all of them
MAX_RESIDUALS = 200
DESCENT_META = "gdviz-descent"
DESCENT_HEIGHT = 300  # both figures: with the player's bar, the lesson fits a 720 px screen
SURFACE_META = "gdviz-surface"
_EXACT = ".10g"


def typed(values, dtype: str = "f8") -> dict:
    """A numpy array as Plotly's typed-array JSON ({"dtype", "bdata", "shape"}).

    Serialising base64 is several times faster than Plotly writing every float as text, and
    about 30% smaller; it is what go.Figure itself sends since Plotly 6.
    """
    a = np.ascontiguousarray(values, dtype="<" + dtype)
    spec = {"dtype": dtype, "bdata": base64.b64encode(a.tobytes()).decode("ascii")}
    if a.ndim > 1:
        spec["shape"] = ", ".join(str(n) for n in a.shape)
    return spec


def pack_arrays(trace: dict) -> dict:
    """The trace with every numpy array (the large ones) as a typed array."""
    return {k: typed(v) if isinstance(v, np.ndarray) else v for k, v in trace.items()}


def shown_points(run: LineFitRun) -> np.ndarray:
    """Indices of the points drawn: all, or a uniform seeded sample of MAX_SCATTER."""
    n = run.points.n
    if n <= MAX_SCATTER:
        return np.arange(n)
    return np.sort(np.random.default_rng(0).choice(n, MAX_SCATTER, replace=False))


def _arrows(run: LineFitRun, steps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Segments from θ_k along −∇L(θ_k), each a fixed 12% of the window long on screen.

    The direction is the true one in parameter space; only the length is normalised, in
    window units, so the arrow stays visible whatever the gradient's size. A zero gradient
    gives a zero-length arrow. Returns x and y, each of shape (len(steps), 2): tail, tip.
    """
    (a0, b0), (a1, b1) = run.grid.window
    span = np.array((b0 - a0, b1 - a1))
    p = run.trajectory.params[steps]
    screen = -run.trajectory.grad[steps] / span
    norm = np.hypot(screen[:, 0], screen[:, 1])[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        unit = np.where((norm > 0) & np.isfinite(norm), screen / norm, 0.0)
    tip = p + 0.12 * unit * span
    return np.column_stack((p[:, 0], tip[:, 0])), np.column_stack((p[:, 1], tip[:, 1]))


MAX_DRAWN_STEPS = 2000


def drawn_steps(run: LineFitRun) -> np.ndarray:
    """The steps whose points the static curves (loss, paths) are drawn through.

    All of them up to MAX_DRAWN_STEPS; beyond, every frame step plus evenly spaced others:
    the picture is the same at screen resolution, and Plotly recomputes every trace on every
    frame, so a 10 001-point curve would halve the frame rate. Each drawn point is exact.
    """
    last = run.trajectory.steps
    if last + 1 <= MAX_DRAWN_STEPS:
        return np.arange(last + 1)
    even = np.round(np.linspace(0, last, MAX_DRAWN_STEPS - run.timeline.steps.size)).astype(int)
    return np.union1d(run.timeline.steps, even)


def _line_y(run: LineFitRun, step: int, x_ends: np.ndarray) -> list[float]:
    m, b = run.lines[step]
    return (m * x_ends + b).tolist()


def _residual_x(xs: np.ndarray) -> np.ndarray:
    """x of the residual segments: (x_i, x_i, gap) per point; it never moves."""
    return np.column_stack((xs, xs, np.full(xs.size, np.nan))).ravel()


def _residual_y(run, step, xs, ys) -> dict:
    """y of the residual segments, (y_i, ŷ_i, gap), as float32: screen precision is plenty
    for a drawn segment, and 200 frames of them stay small."""
    m, b = run.lines[step]
    y = np.column_stack((ys, m * xs + b, np.full(xs.size, np.nan))).ravel()
    return typed(y, "f4")


def _padded(lo: float, hi: float, pad: float = 0.08) -> list[float]:
    span = hi - lo if hi > lo else max(abs(lo), 1.0)
    return [lo - pad * span, hi + pad * span]


class PlainFigure(go.Figure):
    """A go.Figure that hands Streamlit its spec dict as it is, skipping re-validation.

    `st.plotly_chart` calls `to_dict()` on a figure; for a spec already validated by the test
    suite, returning it directly saves the deep copy and validation of every frame.
    """

    def __init__(self, spec: dict):
        super().__init__()
        self._spec = spec

    def to_dict(self) -> dict:
        return self._spec

    def to_plotly_json(self) -> dict:
        return self._spec


def _domain(col: int) -> list[float]:
    width, gap = 0.28, 0.08  # the gaps hold the next panel's tick labels and axis title
    start = (col - 1) * (width + gap)
    return [start, start + width]


def _axis(title: str, col: int, value_range, anchor: str, *, vertical: bool = False) -> dict:
    return {
        "title": {"text": title},
        "range": [float(v) for v in value_range],
        "domain": [0.0, 1.0] if vertical else _domain(col),
        "anchor": anchor,
        "zeroline": False,
    }


def _title(text: str, col: int) -> dict:
    return panel_title(text, _domain(col))


def _marker(color: str, size: int = 11, symbol: str = "circle") -> dict:
    return {"color": color, "size": size, "symbol": symbol, "line": {"color": "white", "width": 1}}


CONTOUR_LEVELS = 14


@functools.lru_cache(maxsize=16)
def _level_colours(count: int) -> list[str]:
    """Viridis, stopping short of its palest yellow, which would vanish on white (cached:
    Plotly's colour sampling validates its input and costs more than the contouring)."""
    return sample_colorscale("Viridis", list(np.linspace(0.0, 0.8, count)))


def contour_lines(grid: Grid, levels: int | np.ndarray = CONTOUR_LEVELS) -> list[dict]:
    """Level curves of the loss as plain scatter lines, one trace per level.

    Plotly's own contour trace vanishes when frames animate with redraw=False (a known
    plotly.js limitation), and redraw=True would repaint the whole figure every frame; level
    lines from contourpy (matplotlib's contouring engine) are ordinary scatter traces that stay.
    The loss above its minimum spans decades, so the levels are spaced geometrically between
    0.1% and 100% of that range: rings near the optimum show as clearly as the steep walls.
    `levels` is their number, or (as in matplotlib's contour) the values to draw, lowest first.
    """
    z = grid.z
    finite = z[np.isfinite(z)]
    if finite.size == 0:
        return []
    low, high = float(finite.min()), float(finite.max())
    if not high > low:
        return []
    if isinstance(levels, int):
        values = low + (high - low) * np.geomspace(1e-3, 1.0, levels + 1)[:-1]
    else:
        values = np.asarray(levels, dtype=float)
    colours = _level_colours(values.size)
    generator = contourpy.contour_generator(
        grid.p0, grid.p1, np.ma.masked_invalid(z), line_type=contourpy.LineType.ChunkCombinedNan
    )
    traces = []
    for i, (value, colour) in enumerate(zip(values, colours, strict=True)):
        chunks = [c for c in generator.lines(value)[0] if c is not None]
        if not chunks:
            continue
        xy = np.concatenate(chunks)
        traces.append(
            {
                "type": "scatter",
                "x": xy[:, 0],
                "y": xy[:, 1],
                "mode": "lines",
                "line": {"color": colour, "width": 1.2},
                "name": "loss contours",
                "legendgroup": "contours",
                "showlegend": i == 0,
                "hovertemplate": f"loss = {value:.6g}<extra></extra>",
            }
        )
    return traces


_PANEL_AXES = {1: ("x", "y"), 2: ("x2", "y2"), 3: ("x3", "y3")}


class _Traces:
    """The traces of one figure, by key, each placed on its panel's axes."""

    def __init__(self) -> None:
        self.data: list[dict] = []
        self.index: dict[str, int] = {}

    def add(self, key: str, col: int, trace: dict) -> None:
        self.index[key] = len(self.data)
        x_axis, y_axis = _PANEL_AXES[col]
        self.data.append(pack_arrays({**trace, "xaxis": x_axis, "yaxis": y_axis}))


def _x_ends(run: LineFitRun) -> np.ndarray:
    return np.array((run.points.x.min(), run.points.x.max()))


def _points_panel(traces: _Traces, run: LineFitRun, k0: int, residuals: bool) -> None:
    """Panel 1: the points, their residuals to the line (optional), the least-squares line
    and the line at step k0."""
    idx = shown_points(run)
    xs, ys = run.points.x[idx], run.points.y[idx]
    x_ends = _x_ends(run)
    x_name, y_name = escape_html(run.points.x_name), escape_html(run.points.y_name)
    traces.add(
        "points",
        1,
        {
            "type": "scatter",
            "x": xs,
            "y": ys,
            "mode": "markers",
            "name": "points",
            "marker": {"color": BLUE, "size": 6 if xs.size <= 300 else 3, "opacity": 0.75},
            "hovertemplate": (
                f"{x_name} = %{{x:{_EXACT}}}<br>{y_name} = %{{y:{_EXACT}}}<extra></extra>"
            ),
        },
    )
    if residuals:
        traces.add(
            "residuals",
            1,
            {
                "type": "scatter",
                "x": _residual_x(xs),
                "y": _residual_y(run, k0, xs, ys),
                "mode": "lines",
                "name": "residuals",
                "line": {"color": GREY, "width": 1, "dash": "dot"},
                "hoverinfo": "skip",
            },
        )
    m_opt, b_opt = run.optimum
    traces.add(
        "least squares",
        1,
        {
            "type": "scatter",
            "x": x_ends,
            "y": m_opt * x_ends + b_opt,
            "mode": "lines",
            "name": "least-squares line",
            "line": {"color": GREEN, "dash": "dash", "width": 2},
            "hovertemplate": (
                f"least squares: m = {m_opt:{_EXACT}}, b = {b_opt:{_EXACT}}<extra></extra>"
            ),
        },
    )
    traces.add(
        "line",
        1,
        {
            "type": "scatter",
            "x": x_ends,
            "y": _line_y(run, k0, x_ends),
            "mode": "lines",
            "name": "fitted line",
            "line": {"color": VERMILLION, "width": 3},
            "hovertemplate": "the line at this step<extra></extra>",
        },
    )


def _loss_panel(traces: _Traces, run: LineFitRun, k0: int) -> None:
    """Panel 2: the loss per step (drawn through exact points) and the shown step."""
    t, shown = run.trajectory, drawn_steps(run)
    hover = f"step %{{x}}<br>loss = %{{y:{_EXACT}}}<extra></extra>"
    traces.add(
        "loss",
        2,
        {
            "type": "scatter",
            "x": shown,
            "y": t.loss[shown],
            "mode": "lines",
            "name": "loss",
            "line": {"color": BLUE, "width": 2},
            "hovertemplate": hover,
        },
    )
    traces.add(
        "loss marker",
        2,
        {
            "type": "scatter",
            "x": [k0],
            "y": [float(t.loss[k0])],
            "mode": "markers",
            "name": "current step",
            "showlegend": False,
            "marker": _marker(VERMILLION, symbol="diamond"),
            "hovertemplate": hover,
        },
    )


def _contour_panel(traces: _Traces, run: LineFitRun, k0: int) -> None:
    """Panel 3: level lines of the loss, the path, start, optimum, −gradient and the step."""
    t, shown = run.trajectory, drawn_steps(run)
    p0_label, p1_label = (escape_html(v) for v in run.param_labels)
    for i, level in enumerate(contour_lines(run.contour_grid)):
        traces.add(f"contour {i}", 3, level)
    traces.add(
        "path",
        3,
        {
            "type": "scatter",
            "x": t.params[shown, 0],
            "y": t.params[shown, 1],
            "mode": "lines",
            "name": "descent path",
            "line": {"color": "#222222", "width": 2},
            "hoverinfo": "skip",
        },
    )
    traces.add(
        "start",
        3,
        {
            "type": "scatter",
            "x": [float(t.params[0, 0])],
            "y": [float(t.params[0, 1])],
            "mode": "markers",
            "name": "start",
            "marker": {"symbol": "circle-open", "size": 13, "color": ORANGE, "line": {"width": 3}},
            "hovertemplate": "start<extra></extra>",
        },
    )
    traces.add(
        "optimum",
        3,
        {
            "type": "scatter",
            "x": [run.optimum_run[0]],
            "y": [run.optimum_run[1]],
            "mode": "markers",
            "name": "least-squares optimum",
            "marker": {"symbol": "star", "size": 16, "color": GREEN, "line": {"color": "white"}},
            "hovertemplate": "least-squares optimum<extra></extra>",
        },
    )
    ax, ay = (a[0].tolist() for a in _arrows(run, np.array([k0])))
    traces.add(
        "arrow",
        3,
        {
            "type": "scatter",
            "x": ax,
            "y": ay,
            "mode": "lines+markers",
            "name": "−gradient (direction)",
            "line": {"color": PURPLE, "width": 3},
            "marker": {"symbol": "arrow", "angleref": "previous", "size": [0, 14], "color": PURPLE},
            "hoverinfo": "skip",
        },
    )
    traces.add(
        "current",
        3,
        {
            "type": "scatter",
            "x": [float(t.params[k0, 0])],
            "y": [float(t.params[k0, 1])],
            "mode": "markers",
            "name": "current step",
            "marker": _marker(VERMILLION),
            "hovertemplate": (
                f"{p0_label} = %{{x:{_EXACT}}}<br>{p1_label} = %{{y:{_EXACT}}}<extra></extra>"
            ),
        },
    )


def _descent_layout(run: LineFitRun) -> dict:
    """Axes, titles and the linear | log switch of the three panels."""
    t, pts = run.trajectory, run.points
    x_ends = _x_ends(run)
    ys = pts.y[shown_points(run)]
    m_opt, b_opt = run.optimum
    loss_top = float(np.max(t.loss))
    # Headroom above the curve for the linear | log buttons, which sit inside the panel.
    low = min(float(np.min(t.loss)), 0.0)
    linear_range = [low - 0.05 * (loss_top - low), loss_top + 0.2 * (loss_top - low)]
    positive_loss = t.loss[t.loss > 0]
    log_range = (
        [math.log10(positive_loss.min()) - 0.1, math.log10(positive_loss.max()) + 0.6]
        if positive_loss.size
        else [-1.0, 1.0]
    )
    # The y range holds the points, the least-squares line and the line at the start (and at
    # the end, unless the run diverged, which would squash everything else), so the fitted
    # line is in view where the run begins and where it stops.
    ends = [run.lines[0]] + ([run.lines[-1]] if t.status != "diverged" else [])
    y_all = np.concatenate([ys, m_opt * x_ends + b_opt] + [m * x_ends + b for m, b in ends])
    drawn = f" ({ys.size:,} of {pts.n:,} drawn)" if ys.size < pts.n else ""
    p0_label, p1_label = (escape_html(v) for v in run.param_labels)
    x_name, y_name = escape_html(pts.x_name), escape_html(pts.y_name)
    loss_name = escape_html(run.settings.loss)
    return {
        "meta": DESCENT_META,
        "height": DESCENT_HEIGHT,
        "margin": {"l": 56, "r": 12, "t": 34, "b": 46},
        "font": {"size": 14},
        "showlegend": False,  # the player's key and the hover texts name every trace
        "uirevision": "gdviz",
        "hovermode": "closest",
        "xaxis": _axis(x_name, 1, _padded(*x_ends), "y"),
        "yaxis": _axis(
            y_name, 1, _padded(float(y_all.min()), float(y_all.max())), "x", vertical=True
        ),
        "xaxis2": _axis("step", 2, (-0.02 * t.steps - 0.5, 1.02 * t.steps + 0.5), "y2"),
        # The panel's title names the loss; an axis title here would run into panel 1.
        "yaxis2": {**_axis("", 2, linear_range, "x2", vertical=True), "type": "linear"},
        "xaxis3": _axis(p0_label, 3, run.window[0], "y3"),
        "yaxis3": _axis(p1_label, 3, run.window[1], "x3", vertical=True),
        "annotations": [
            _title("Line and points" + drawn, 1),
            _title(f"Loss ({loss_name})", 2),
            _title("Path on the contour", 3),
        ],
        "updatemenus": [_loss_scale_buttons(log_range, linear_range)],
    }


def descent_spec(run: LineFitRun, step: int, *, residuals: bool = False) -> dict:
    """The three 2-D views at `step` (snapped to a frame): the line over the points, the loss
    per step, the contour with the path. No frames: the player moves what `motion` lists."""
    k0 = run.timeline.snap(step)
    traces = _Traces()
    _points_panel(traces, run, k0, residuals and _draws_residuals(run))
    _loss_panel(traces, run, k0)
    _contour_panel(traces, run, k0)
    return {"data": traces.data, "layout": _descent_layout(run)}


def _draws_residuals(run: LineFitRun) -> bool:
    return shown_points(run).size <= MAX_RESIDUALS


def trace_index(spec: dict, name: str, axis: str | None = None) -> int:
    """The index of the trace called `name` (on x axis `axis`, where names repeat)."""
    for i, trace in enumerate(spec["data"]):
        if trace.get("name") == name and (axis is None or trace.get("xaxis") == axis):
            return i
    raise KeyError(name)


def motion(run: LineFitRun, descent: dict, surface: dict) -> list[dict]:
    """What moves at each frame step, for the player: the line, the loss marker, the
    −gradient arrow, the contour marker, the residuals (when drawn) and the 3-D marker.
    Computed for all frames at once."""
    t, steps = run.trajectory, run.timeline.steps
    index = {
        "line": trace_index(descent, "fitted line"),
        "loss marker": trace_index(descent, "current step", "x2"),
        "arrow": trace_index(descent, "−gradient (direction)"),
        "current": trace_index(descent, "current step", "x3"),
    }
    with contextlib.suppress(KeyError):
        index["residuals"] = trace_index(descent, "residuals")
    x_ends = _x_ends(run)
    lines_y = run.lines[steps, :1] * x_ends + run.lines[steps, 1:]
    arrows_x, arrows_y = _arrows(run, steps)
    moving = [
        moving_trace(0, index["line"], y=lines_y),
        moving_trace(0, index["loss marker"], x=steps.astype(float), y=t.loss[steps]),
        moving_trace(0, index["arrow"], x=arrows_x, y=arrows_y),
        moving_trace(0, index["current"], x=t.params[steps, 0], y=t.params[steps, 1]),
    ]
    if "residuals" in index:
        idx = shown_points(run)
        xs, ys = run.points.x[idx], run.points.y[idx]
        m, b = run.lines[steps, :1], run.lines[steps, 1:]
        gap = np.full((steps.size, xs.size), np.nan)
        segments = np.stack((np.broadcast_to(ys, gap.shape), m * xs + b, gap), axis=2)
        moving.append(moving_trace(0, index["residuals"], "f4", y=segments.reshape(steps.size, -1)))
    x3, y3, z3 = _marker_path(run)
    moving.append(
        moving_trace(
            1,
            trace_index(surface, "current step"),
            x=x3[steps],
            y=y3[steps],
            z=z3[steps],
            customdata=t.loss[steps],
        )
    )
    return moving


def _loss_scale_buttons(log_range, linear_range) -> dict:
    """linear | log for the loss panel, switched in the browser (a relayout, no rerun)."""

    def scale(kind: str, value_range) -> dict:
        args = {"yaxis2.type": kind, "yaxis2.range": value_range}
        return {"label": kind, "method": "relayout", "args": [args]}

    return {
        "type": "buttons",
        "direction": "left",
        "x": _domain(2)[1],
        "y": 1.0,
        "xanchor": "right",
        "yanchor": "top",
        "pad": {"t": 2, "r": 2},
        "showactive": True,
        "active": 0,
        "font": {"size": 11},
        "buttons": [scale("linear", linear_range), scale("log", log_range)],
    }


def _surface_heights(run: LineFitRun) -> tuple[float, float, float]:
    """The surface's lowest and highest value, and how far the path floats above it: 1.5% of
    the height, so the path and markers are not half-buried."""
    z_low, z_high = float(np.nanmin(run.grid.z)), float(np.nanmax(run.grid.z))
    return z_low, z_high, 0.015 * (z_high - z_low)


def _marker_path(run: LineFitRun) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where the path is drawn in 3-D at every step: (x, y, z). A diverging path is clipped
    at the surface's top (hover shows the exact loss, not the drawn height), and WebGL does
    not clip at the axes, so outside the box x and y are NaN: a gap, and a hidden marker."""
    t = run.trajectory
    _, z_high, lift = _surface_heights(run)
    (x_lo, x_hi), (y_lo, y_hi) = run.grid.window
    m_path, b_path = t.params[:, 0], t.params[:, 1]
    outside = (m_path < x_lo) | (m_path > x_hi) | (b_path < y_lo) | (b_path > y_hi)
    return (
        np.where(outside, np.nan, m_path),
        np.where(outside, np.nan, b_path),
        np.minimum(t.loss, z_high) + lift,
    )


def surface_spec(run: LineFitRun, step: int) -> dict:
    """The 3-D loss surface with the path, the start, the optimum and the step's marker."""
    t, grid = run.trajectory, run.grid
    k0 = run.timeline.snap(step)
    z_low, z_high, lift = _surface_heights(run)
    path_x, path_y, path_z = _marker_path(run)
    shown = drawn_steps(run)
    hover = _surface_hover(run)

    def point(name: str, x: float, y: float, loss: float, marker: dict) -> dict:
        """A marker at (x, y) on the surface: lifted above it, kept below the window's top."""
        return {
            "type": "scatter3d",
            "x": [float(x)],
            "y": [float(y)],
            "z": [min(float(loss), z_high) + lift],
            "customdata": [float(loss)],
            "mode": "markers",
            "name": name,
            "marker": marker,
            "hovertemplate": hover,
        }

    data = [
        {
            "type": "surface",
            "x": grid.p0,
            "y": grid.p1,
            "z": grid.z,
            "colorscale": "Viridis",
            "opacity": 0.92,
            "showscale": False,
            "name": "loss surface",
            "hovertemplate": hover,
            "contours": {"z": {"show": True, "usecolormap": True, "project": {"z": True}}},
        },
        {
            "type": "scatter3d",
            "x": path_x[shown],
            "y": path_y[shown],
            "z": path_z[shown],
            "customdata": t.loss[shown],
            "mode": "lines",
            "name": "descent path",
            "line": {"color": VERMILLION, "width": 5},
            "hovertemplate": hover,
        },
        point(
            "start",
            t.params[0, 0],
            t.params[0, 1],
            t.loss[0],
            {"size": 6, "color": ORANGE, "symbol": "circle-open"},
        ),
        point(
            "least-squares optimum",
            *run.optimum_run,
            run.optimum_loss,
            {"size": 6, "color": GREEN, "symbol": "diamond"},
        ),
        point(
            "current step",
            t.params[k0, 0],
            t.params[k0, 1],
            t.loss[k0],
            {"size": 7, "color": VERMILLION, "line": {"color": "white", "width": 2}},
        ),
    ]
    layout = _surface_layout(run, (z_low, z_high + 2 * lift))
    return {"data": [pack_arrays(trace) for trace in data], "layout": layout}


def _surface_hover(run: LineFitRun) -> str:
    """The 3-D hover: both parameters and the exact loss (z may be lifted or clipped)."""
    p0_label, p1_label = (escape_html(v) for v in run.param_labels)
    return (
        f"{p0_label} = %{{x:{_EXACT}}}<br>{p1_label} = %{{y:{_EXACT}}}"
        f"<br>loss = %{{customdata:{_EXACT}}}<extra></extra>"
    )


def _symbol(label: str) -> str:
    """A parameter's symbol from its label: "m (slope)" -> "m"."""
    return label.split(" (", 1)[0]


def _surface_layout(run: LineFitRun, z_range: tuple[float, float]) -> dict:
    """The 3-D scene: fixed to the surface's window, four ticks an axis, the camera kept.

    Its axes are titled with the symbols alone ("m", "b", "loss"): the contour beside it and
    the hover text carry the full names, and WebGL draws every title as triangles (the long
    ones were cut at the scene's edge at 1280×720 and cost ~35 ms of the first view).
    """
    p0_label, p1_label = (escape_html(_symbol(v)) for v in run.param_labels)
    window = run.grid.window
    return {
        "meta": SURFACE_META,
        "height": DESCENT_HEIGHT,
        "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
        "font": {"size": 13},
        "showlegend": False,
        # A constant uirevision keeps the reader's camera when the figure is redrawn.
        "uirevision": "gdviz-surface",
        # Fixed to the surface's window: a diverging path's far end is clipped, instead of
        # stretching the axes until the surface is a speck. Four ticks an axis (the contour
        # beside it has the exact numbers).
        "scene": {
            "xaxis": {"title": {"text": p0_label}, "range": list(window[0]), "nticks": 4},
            "yaxis": {"title": {"text": p1_label}, "range": list(window[1]), "nticks": 4},
            "zaxis": {
                "title": {"text": "loss"},
                "range": list(z_range),
                "nticks": 4,
            },
            "camera": {"eye": {"x": 1.5, "y": -1.6, "z": 0.9}},
            "uirevision": "gdviz-surface",
        },
    }
