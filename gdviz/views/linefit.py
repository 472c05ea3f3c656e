"""Figures for a line-fit run: the animated 2-D views and the 3-D loss surface.

`descent_figure` holds the three 2-D views side by side — the line over the points, the loss
per step, the contour with the path — and one Play/Pause, speed buttons and a step slider that
move them together in the browser (Plotly frames, no server round trips). `surface_figure` is
the 3-D surface; its frames carry the same names, so the page's small script (`SYNC_SCRIPT`)
moves its marker with the 2-D animation. 3-D frames need a full WebGL redraw, which would hold
the 2-D views back if they shared one figure.

Static traces are sent once in `data`; each frame updates only the moving traces (`traces=`)
and only their coordinates. Builders return plain figure dicts (`*_spec`): Plotly's per-object
validation of a 200-frame figure was measured here at 5-10 times the cost of the engine run, so
the page wraps the dicts in `PlainFigure`, and the tests validate every spec with `go.Figure`.
"""

from __future__ import annotations

import base64
import functools
import math

import contourpy
import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from plotly.colors import sample_colorscale

from gdviz.linefit.run import LineFitRun
from gdviz.surface import Grid
from gdviz.views.player import player_buttons, step_slider
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


def step_label(run: LineFitRun, step: int) -> str:
    """The slider's read-out for a step: the exact numbers of that step."""
    m, b = run.lines[step]
    loss = run.trajectory.loss[step]
    return f"{step:,}   m = {m:.6g}   b = {b:.6g}   loss = {loss:.6g}"


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
    width, gap = 0.28, 0.08
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
    lo, hi = _domain(col)
    return {
        "text": text,
        "x": (lo + hi) / 2,
        "y": 1.0,
        "xref": "paper",
        "yref": "paper",
        "xanchor": "center",
        "yanchor": "bottom",
        "yshift": 8,
        "showarrow": False,
        "font": {"size": 15},
    }


def _marker(color: str, size: int = 11) -> dict:
    return {"color": color, "size": size, "line": {"color": "white", "width": 1}}


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


def descent_spec(run: LineFitRun, step: int, *, residuals: bool = False) -> dict:
    """The three 2-D views with one animation: line over points, loss curve, contour + path."""
    t = run.trajectory
    pts = run.points
    idx = shown_points(run)
    xs, ys = pts.x[idx], pts.y[idx]
    x_ends = np.array((pts.x.min(), pts.x.max()))
    residuals = residuals and xs.size <= MAX_RESIDUALS
    k0 = run.timeline.snap(step)
    shown = drawn_steps(run)
    p0_label, p1_label = (escape_html(v) for v in run.param_labels)
    x_name, y_name = escape_html(pts.x_name), escape_html(pts.y_name)
    on = {1: ("x", "y"), 2: ("x2", "y2"), 3: ("x3", "y3")}
    data: list[dict] = []
    index: dict[str, int] = {}

    def add(key: str, col: int, trace: dict) -> None:
        index[key] = len(data)
        data.append(pack_arrays({**trace, "xaxis": on[col][0], "yaxis": on[col][1]}))

    add(
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
        rx, ry = _residual_x(xs), _residual_y(run, k0, xs, ys)
        add(
            "residuals",
            1,
            {
                "type": "scatter",
                "x": rx,
                "y": ry,
                "mode": "lines",
                "name": "residuals",
                "line": {"color": GREY, "width": 1},
                "hoverinfo": "skip",
            },
        )
    m_opt, b_opt = run.optimum
    add(
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
    add(
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
    loss_hover = f"step %{{x}}<br>loss = %{{y:{_EXACT}}}<extra></extra>"
    add(
        "loss",
        2,
        {
            "type": "scatter",
            "x": shown,
            "y": t.loss[shown],
            "mode": "lines",
            "name": "loss",
            "line": {"color": BLUE, "width": 2},
            "hovertemplate": loss_hover,
        },
    )
    add(
        "loss marker",
        2,
        {
            "type": "scatter",
            "x": [k0],
            "y": [float(t.loss[k0])],
            "mode": "markers",
            "name": "current step",
            "marker": _marker(VERMILLION),
            "hovertemplate": loss_hover,
        },
    )
    for i, level in enumerate(contour_lines(run.contour_grid)):
        add(f"contour {i}", 3, level)
    add(
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
    add(
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
    add(
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
    add(
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
    add(
        "current",
        3,
        {
            "type": "scatter",
            "x": [float(t.params[k0, 0])],
            "y": [float(t.params[k0, 1])],
            "mode": "markers",
            "name": "current step",
            "showlegend": False,
            "marker": _marker(VERMILLION),
            "hovertemplate": (
                f"{p0_label} = %{{x:{_EXACT}}}<br>{p1_label} = %{{y:{_EXACT}}}<extra></extra>"
            ),
        },
    )

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
    # The y range holds the points, the least-squares line and the lines at the start and the
    # end (not a diverged end, which would squash everything else), so the fitted line is in
    # view where the run begins and where it stops.
    ends = [run.lines[0]] + ([run.lines[-1]] if t.status != "diverged" else [])
    y_all = np.concatenate([ys, m_opt * x_ends + b_opt] + [m * x_ends + b for m, b in ends])
    drawn = f" ({xs.size:,} of {pts.n:,} drawn)" if xs.size < pts.n else ""
    layout = {
        "meta": DESCENT_META,
        "height": 560,
        "margin": {"l": 60, "r": 20, "t": 50, "b": 180},
        "showlegend": True,
        "legend": {"orientation": "h", "y": -0.44, "yanchor": "top", "x": 0.0},
        "uirevision": "gdviz",
        "hovermode": "closest",
        "xaxis": _axis(x_name, 1, _padded(*x_ends), "y"),
        "yaxis": _axis(
            y_name, 1, _padded(float(y_all.min()), float(y_all.max())), "x", vertical=True
        ),
        "xaxis2": _axis("step", 2, (-0.02 * t.steps - 0.5, 1.02 * t.steps + 0.5), "y2"),
        "yaxis2": {
            **_axis(
                f"loss ({escape_html(run.settings.loss)})", 2, linear_range, "x2", vertical=True
            ),
            "type": "linear",
        },
        "xaxis3": _axis(p0_label, 3, run.grid.window[0], "y3"),
        "yaxis3": _axis(p1_label, 3, run.grid.window[1], "x3", vertical=True),
        "annotations": [
            _title("The line over the points" + drawn, 1),
            _title("Loss per step", 2),
            _title("Contour of the loss, with the path", 3),
        ],
        "updatemenus": [*player_buttons(-0.2), _loss_scale_buttons(log_range, linear_range)],
        "sliders": [
            step_slider(
                run.timeline.steps.tolist(),
                [step_label(run, int(k)) for k in run.timeline.steps],
                int(np.searchsorted(run.timeline.steps, k0)),
                x=0.43,
                length=0.57,
                y=-0.13,
            )
        ],
    }
    moving = [index[k] for k in ("line", "loss marker", "arrow", "current")]
    if residuals:
        moving.append(index["residuals"])
    frames = _frames(run, moving, x_ends, xs, ys, residuals)
    return {"data": data, "layout": layout, "frames": frames}


def _frames(run, moving, x_ends, xs, ys, residuals) -> list[dict]:
    """One frame per frame step, moving only the line, the two markers and the arrow (and the
    residuals); computed for all frames at once, then written as plain lists."""
    t, steps = run.trajectory, run.timeline.steps
    lines_y = (run.lines[steps, :1] * x_ends + run.lines[steps, 1:]).tolist()
    arrows_x, arrows_y = (a.tolist() for a in _arrows(run, steps))
    losses = t.loss[steps].tolist()
    points = t.params[steps].tolist()
    frames = []
    for i, k in enumerate(steps.tolist()):
        data = [
            {"type": "scatter", "y": lines_y[i]},
            {"type": "scatter", "x": [k], "y": [losses[i]]},
            {"type": "scatter", "x": arrows_x[i], "y": arrows_y[i]},
            {"type": "scatter", "x": [points[i][0]], "y": [points[i][1]]},
        ]
        if residuals:
            data.append({"type": "scatter", "y": _residual_y(run, k, xs, ys)})
        frames.append({"name": str(k), "data": data, "traces": moving})
    return frames


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


def surface_spec(run: LineFitRun, step: int) -> dict:
    """The 3-D loss surface with the path, the start, the optimum and the current step.

    Its frames carry only the current-step marker, named like the 2-D frames, so the page's
    script (`SYNC_SCRIPT`) moves it in step with the 2-D animation.
    """
    t, grid = run.trajectory, run.grid
    p0_label, p1_label = (escape_html(v) for v in run.param_labels)
    k0 = run.timeline.snap(step)
    z_low, z_high = float(np.nanmin(grid.z)), float(np.nanmax(grid.z))
    # The path and markers float 1.5% of the height above the surface, which would otherwise
    # half-bury them; a diverging path is clipped at the surface's top. Hover shows the exact
    # loss (customdata), not the drawn height.
    lift = 0.015 * (z_high - z_low)
    path_z = np.minimum(t.loss, z_high) + lift
    (x_lo, x_hi), (y_lo, y_hi) = grid.window
    m_path, b_path = t.params[:, 0], t.params[:, 1]
    outside = (m_path < x_lo) | (m_path > x_hi) | (b_path < y_lo) | (b_path > y_hi)
    # WebGL does not clip at the axes: a diverging path leaves the box as a gap, and the
    # current-step marker is hidden (NaN) while it is outside.
    path_x, path_y = np.where(outside, np.nan, m_path), np.where(outside, np.nan, b_path)
    shown = drawn_steps(run)
    hover = (
        f"{p0_label} = %{{x:{_EXACT}}}<br>{p1_label} = %{{y:{_EXACT}}}"
        f"<br>loss = %{{customdata:{_EXACT}}}<extra></extra>"
    )

    def point(name: str, x: float, y: float, loss: float, marker: dict) -> dict:
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
    layout = {
        "meta": SURFACE_META,
        "height": 520,
        "margin": {"l": 0, "r": 0, "t": 10, "b": 0},
        "legend": {"orientation": "h", "y": 0.02, "x": 0.0},
        # A constant uirevision keeps the reader's camera when the figure is redrawn.
        "uirevision": "gdviz-surface",
        # Fixed to the surface's window: a diverging path's far end is clipped, instead of
        # stretching the axes until the surface is a speck.
        "scene": {
            "xaxis": {"title": {"text": p0_label}, "range": list(grid.window[0])},
            "yaxis": {"title": {"text": p1_label}, "range": list(grid.window[1])},
            "zaxis": {
                "title": {"text": f"loss ({escape_html(run.settings.loss)})"},
                "range": [z_low, z_high + 2 * lift],
            },
            "camera": {"eye": {"x": 1.5, "y": -1.6, "z": 0.9}},
            "uirevision": "gdviz-surface",
        },
    }
    data = [pack_arrays(trace) for trace in data]
    marker = len(data) - 1
    frames = [
        {
            "name": str(int(k)),
            "data": [
                {
                    "type": "scatter3d",
                    # null (not NaN, which JSON lacks) hides the marker outside the box
                    "x": [None if outside[k] else float(path_x[k])],
                    "y": [None if outside[k] else float(path_y[k])],
                    "z": [float(path_z[k])],
                    "customdata": [float(t.loss[k])],
                }
            ],
            "traces": [marker],
        }
        for k in run.timeline.steps
    ]
    return {"data": data, "layout": layout, "frames": frames}


def standalone_html(descent: dict, surface: dict, title: str) -> str:
    """One HTML page with both figures and the sync script: plays offline (plotly.js inline)."""
    first = pio.to_html(
        descent, include_plotlyjs=True, full_html=False, validate=False, auto_play=False
    )
    second = pio.to_html(
        surface, include_plotlyjs=False, full_html=False, validate=False, auto_play=False
    )
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{escape_html(title)}</title></head><body>"
        f'<h2 style="font-family:sans-serif">{escape_html(title)}</h2>'
        f"{first}{second}{SYNC_SCRIPT}</body></html>"
    )


# Moves the 3-D marker with the 2-D animation, and keeps the 3-D camera across redraws.
# Static text (no user data); it finds the two figures by their layout.meta. A 3-D frame needs
# a full WebGL redraw (about 230 ms with software rendering, a few ms on a GPU), which blocks
# the page, so the 3-D view follows at the rate the machine affords: after a redraw that took
# c ms it waits 19c ms, keeping 3-D redraws to a twentieth of the time and the 2-D views at
# their frame rate. When an animation or a slider move ends, the 3-D view catches up at once.
SYNC_SCRIPT = """
<script>
(function () {
  if (window.__gdvizSync) { return; }
  window.__gdvizSync = true;
  var busy = false, pending = null, timer = null, cost = 0, lastEnd = 0, latest = null;
  var cameraKey = "gdviz-camera";
  function graphs(meta) {
    return Array.prototype.filter.call(document.querySelectorAll(".js-plotly-plot"),
      function (gd) { return gd.layout && gd.layout.meta === meta; });
  }
  function flush() {
    if (pending === null || busy || !window.Plotly) { return; }
    var name = pending, start = performance.now();
    pending = null;
    busy = true;
    var done = function () {
      busy = false;
      lastEnd = performance.now();
      cost = lastEnd - start;
      if (pending !== null) { request(pending, false); }
    };
    Promise.all(graphs("__SURFACE__").map(function (gd) {
      return window.Plotly.animate(gd, [name], {mode: "immediate",
        frame: {duration: 0, redraw: true}, transition: {duration: 0}});
    })).then(function () { window.requestAnimationFrame(done); }, done);
  }
  function request(name, now) {
    pending = name;
    if (busy) { return; }
    var wait = now ? 0 : lastEnd + 19 * cost - performance.now();
    if (wait <= 0) { if (timer) { clearTimeout(timer); timer = null; } flush(); return; }
    if (!timer) { timer = setTimeout(function () { timer = null; flush(); }, wait); }
  }
  function hook() {
    graphs("__DESCENT__").forEach(function (gd) {
      if (gd.__gdvizHooked) { return; }
      gd.__gdvizHooked = true;
      gd.on("plotly_animatingframe", function (ev) { latest = ev.name; request(ev.name, false); });
      gd.on("plotly_animated", function () { if (latest !== null) { request(latest, true); } });
    });
    graphs("__SURFACE__").forEach(function (gd) {
      if (gd.__gdvizHooked) { return; }
      gd.__gdvizHooked = true;
      var saved = null;
      try { saved = JSON.parse(window.sessionStorage.getItem(cameraKey)); } catch (e) {}
      if (saved && window.Plotly) { window.Plotly.relayout(gd, {"scene.camera": saved}); }
      gd.on("plotly_relayout", function (ev) {
        if (ev && ev["scene.camera"]) {
          try { window.sessionStorage.setItem(cameraKey, JSON.stringify(ev["scene.camera"])); }
          catch (e) {}
        }
      });
    });
  }
  // Pausing interrupts Plotly.animate, whose button handler leaves the rejection (with no
  // reason) uncaught; it is expected, not an error.
  window.addEventListener("unhandledrejection", function (ev) {
    if (ev.reason === undefined) { ev.preventDefault(); }
  });
  hook();
  window.setInterval(hook, 500);
})();
</script>
""".replace("__SURFACE__", SURFACE_META).replace("__DESCENT__", DESCENT_META)
