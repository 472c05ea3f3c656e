"""The comparison as one plain-dict Plotly figure, for the in-browser player (validated by the
tests, not here).

Left: the level lines of f over the common grid (`gdviz.views.linefit.contour_lines`, as on the
main page: scatter lines survive redraw-free animations, contour traces do not), every
optimizer's full path, the minima, the start, and a marker per optimizer. Right: the loss per
step of every optimizer — f − f_min on a log axis where the minimum is known, f on a linear
axis where it is not (the saddle) — with a marker per optimizer. `race_parts` also gives the
markers' place at every frame step (at most 200): `gdviz.views.race_player` hands them to the
player, which moves only them. Large arrays travel as Plotly typed arrays, as on the main page.

The figure is drawn from a `RacePicture` (optimizer names, their trajectories, one grid, one
timeline, the start and the minima), so the line-fit race (`gdviz.views.race`) draws the same
figure over (m, b). Each optimizer is told apart by its registry row's colour, dash and marker
together, in the paths, the loss curves, the moving markers and the legend.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from gdviz.compare.run import Comparison
from gdviz.engine import Trajectory
from gdviz.optimizers import OPTIMIZERS
from gdviz.surface import Grid, in_sight
from gdviz.timeline import Timeline
from gdviz.views.linefit import (
    CONTOUR_LEVELS,
    contour_lines,
    pack_arrays,
)
from gdviz.views.text import escape_html

MINIMUM_COLOR = "#F0E442"  # Okabe–Ito yellow, with a black edge
# The log axis of f − f_min stops this share of its start value above 0 (machine precision
# relative to the start; at least 1e-16): a curve that goes lower, or reaches exactly 0, runs
# off the bottom edge and its marker sits on the edge. The hover shows the exact value.
LOG_FLOOR = 1e-16
LEFT, RIGHT = [0.0, 0.46], [0.56, 1.0]  # the panels' horizontal domains
CONTOUR = {"xaxis": "x", "yaxis": "y"}
LOSS = {"xaxis": "x2", "yaxis": "y2"}
MARKERS_ON_LINE = 8  # symbols drawn along a path or a curve: the shape shows, not a crowd
HEIGHT = 440  # px: with the page's title and the player's bar it fits a 1280×720 projector


class RacePicture(NamedTuple):
    """What the race figure needs, whatever was minimised (a 2-D function or a line fit)."""

    names: tuple[str, ...]  # optimizer names (registry keys), in the order raced
    trajectories: tuple[Trajectory, ...]
    grid: Grid
    timeline: Timeline
    start: tuple[float, float]
    start_loss: float
    f_min: float | None  # None: no minimum known (the loss panel shows f itself)
    minima: tuple[tuple[float, float], ...]
    axes: tuple[str, str] = ("x", "y")  # the parameters' names
    loss: str = "f"  # the loss's name in the panel and the read-out
    minimum_name: str = "minimum"


def comparison_picture(comparison: Comparison) -> RacePicture:
    s = comparison.settings
    return RacePicture(
        names=tuple(name for name, _ in s.runs),
        trajectories=comparison.trajectories,
        grid=comparison.grid,
        timeline=comparison.timeline,
        start=(float(s.x0), float(s.y0)),
        start_loss=comparison.start_loss,
        f_min=comparison.f_min,
        minima=comparison.function.minima,
    )


def _picture(race: RacePicture | Comparison) -> RacePicture:
    return race if isinstance(race, RacePicture) else comparison_picture(race)


class _Curve(NamedTuple):
    """One optimizer's loss panel values: the line, the marker and the exact numbers."""

    line: np.ndarray
    marker: np.ndarray
    exact: np.ndarray


def comparison_floor(comparison: RacePicture | Comparison) -> float:
    """The bottom of the log axis: LOG_FLOOR relative to the start's f − f_min (at least 1)."""
    comparison = _picture(comparison)
    start_gap = comparison.start_loss - (comparison.f_min or 0.0)
    return LOG_FLOOR * max(abs(start_gap), 1.0)


def _curve(comparison: RacePicture, t: Trajectory) -> _Curve:
    """f on a linear axis when there is no minimum; else f − f_min for the log axis, where a
    value below the floor sends the line off the bottom edge and the marker sits on it."""
    if comparison.f_min is None:
        return _Curve(t.loss, t.loss, t.loss)
    gap = t.loss - comparison.f_min
    floor = comparison_floor(comparison)
    return _Curve(np.where(gap >= floor, gap, floor * 1e-3), np.maximum(gap, floor), gap)


def _loss_range(comparison: RacePicture, curves: list[_Curve]) -> tuple[str, list[float]]:
    """(axis type, range) of the loss panel; a diverging curve may leave it at the top."""
    shown = [
        c.exact[in_sight(t.loss, comparison.start_loss)]
        for t, c in zip(comparison.trajectories, curves, strict=True)
    ]
    if comparison.f_min is None:
        values = np.concatenate([[comparison.start_loss], *shown])
        lo, hi = float(values.min()), float(values.max())
        pad = 0.05 * (hi - lo) if hi > lo else 1.0
        return "linear", [lo - pad, hi + pad]
    floor = comparison_floor(comparison)
    values = np.concatenate([[comparison.start_loss - comparison.f_min], *shown])
    lowest = float(values.min())
    lo = math.log10(max(lowest, floor))
    hi = math.log10(max(float(values.max()), floor))
    pad = 0.04 * (hi - lo) if hi > lo else 1.0
    # Curves that reach the floor leave through the bottom edge: no padding below it.
    return "log", [lo if lowest < floor else lo - pad, hi + pad]


def contour_levels(comparison: RacePicture | Comparison) -> np.ndarray:
    """The values of f whose level lines are drawn (none when f is flat or nowhere finite).

    With a minimum: spaced geometrically above the lowest f in view, from a hundredth of the
    start's height above it to the highest f, so the rings the paths cross show however steep
    the walls far away are (Beale's rise to 1e5). Without one (the saddle): evenly spaced, so
    the saddle's shape shows rather than the rings round the lowest corner in view.
    """
    comparison = _picture(comparison)
    z = comparison.grid.z
    z = z[np.isfinite(z)]
    if z.size == 0 or not z.max() > z.min():
        return np.array([])
    low, span = float(z.min()), float(z.max() - z.min())
    if comparison.f_min is None:
        return low + span * np.linspace(0.0, 1.0, CONTOUR_LEVELS + 2)[1:-1]
    start_height = comparison.start_loss - low
    lowest = 1e-2 * start_height if 0 < start_height < span else 1e-3 * span
    return low + np.geomspace(lowest, span, CONTOUR_LEVELS + 1)[:-1]


def _at(t: Trajectory, k: int) -> int:
    """The index shown at frame step k: a run that stopped early stays at its last step."""
    return min(k, t.steps)


def _what(comparison: RacePicture) -> str:
    """The loss panel's quantity: f − f_min where the minimum is known, else f."""
    f = comparison.loss
    return f if comparison.f_min is None else f"{f} − {f}_min"


def loss_words(comparison: RacePicture | Comparison, k: int) -> list[str]:
    """Each optimizer's loss (f − f_min, or f) at step k, or that it diverged before it."""
    comparison = _picture(comparison)
    words = []
    for t in comparison.trajectories:
        if k > t.steps and t.status == "diverged":
            words.append("diverged")
        else:
            words.append(f"{float(t.loss[_at(t, k)]) - (comparison.f_min or 0.0):.3g}")
    return words


def loss_name(comparison: RacePicture | Comparison) -> str:
    """What the loss panel and the read-outs show: f − f_min, or f (no minimum known)."""
    return _what(_picture(comparison))


# --------------------------------------------------------------------------------------------
# Traces
# --------------------------------------------------------------------------------------------


def _line(name: str, width: float) -> dict:
    """An optimizer's line: its colour and its dash, so colour is never the only cue."""
    style = OPTIMIZERS[name].style
    return {"color": style.color, "dash": style.dash, "width": width}


def _symbols(name: str, size: float) -> dict:
    """A few of the optimizer's own marker shapes along its line (and in the legend), so a
    line is known by colour, dash and shape."""
    style = OPTIMIZERS[name].style
    return {
        "symbol": style.marker,
        "color": style.color,
        "size": size,
        "maxdisplayed": MARKERS_ON_LINE,
        "line": {"color": "white", "width": 0.8},
    }


def _path(name: str, t: Trajectory, axes: tuple[str, str]) -> dict:
    title = escape_html(OPTIMIZERS[name].title)
    a, b = (escape_html(v) for v in axes)
    return {
        "type": "scatter",
        "x": t.params[:, 0],
        "y": t.params[:, 1],
        "mode": "lines+markers",
        "name": f"{title} (γ = {t.lr:g})",
        "legendgroup": name,
        "line": _line(name, 2.5),
        "marker": _symbols(name, 9),
        "hovertemplate": f"{title}<br>{a} = %{{x:.6g}}<br>{b} = %{{y:.6g}}<extra></extra>",
        **CONTOUR,
    }


def _minima(minima: tuple[tuple[float, float], ...], label: str = "minimum") -> dict:
    mx, my = zip(*minima, strict=True)
    return {
        "type": "scatter",
        "x": list(mx),
        "y": list(my),
        "mode": "markers",
        "name": label if len(minima) == 1 else "minima",
        "marker": {
            "symbol": "star",
            "size": 17,
            "color": MINIMUM_COLOR,
            "line": {"color": "black", "width": 1},
        },
        "hovertemplate": f"{label} (%{{x:.6g}}, %{{y:.6g}})<extra></extra>",
        **CONTOUR,
    }


def _loss_curve(name: str, t: Trajectory, curve: _Curve, what: str) -> dict:
    title = escape_html(OPTIMIZERS[name].title)
    return {
        "type": "scatter",
        "x": np.arange(t.steps + 1),
        "y": curve.line,
        "customdata": curve.exact,
        "mode": "lines+markers",
        "name": f"{title}: {what}",
        "legendgroup": name,
        "showlegend": False,
        "line": _line(name, 2),
        "marker": _symbols(name, 8),
        "hovertemplate": f"{title}<br>step %{{x}}<br>{what} = %{{customdata:.6g}}<extra></extra>",
        **LOSS,
    }


def _marker(name: str, x: float, y: float, *, on_contour: bool) -> dict:
    """An optimizer's moving marker on one panel (a frame moves it to the step's point)."""
    return {
        "type": "scatter",
        "x": [x],
        "y": [y],
        "mode": "markers",
        "name": escape_html(OPTIMIZERS[name].title),
        "legendgroup": name,
        "showlegend": False,
        "marker": {
            "color": OPTIMIZERS[name].style.color,
            "symbol": OPTIMIZERS[name].style.marker,
            "size": 13 if on_contour else 11,
            "line": {"color": "white", "width": 1.5},
        },
        "hoverinfo": "skip",
        # On the loss panel a marker on an edge of the range stays whole; on the contour one
        # that left the window (a diverging path) is clipped.
        "cliponaxis": on_contour,
        **(CONTOUR if on_contour else LOSS),
    }


def _positions(trajectories, markers, k: int) -> tuple[list, list]:
    """Every optimizer's marker at frame step k: (x, y) on the contour, (step, loss) beside."""
    shown = [_at(t, k) for t in trajectories]
    on_contour = [
        (float(t.params[i, 0]), float(t.params[i, 1]))
        for t, i in zip(trajectories, shown, strict=True)
    ]
    on_loss = [(i, float(m[i])) for m, i in zip(markers, shown, strict=True)]
    return on_contour, on_loss


def _start(x0: float, y0: float) -> dict:
    """A ring drawn last, so the start shows around the markers that sit on it."""
    return {
        "type": "scatter",
        "x": [x0],
        "y": [y0],
        "mode": "markers",
        "name": "start",
        "marker": {"symbol": "circle-open", "size": 20, "color": "black", "line": {"width": 2}},
        "hovertemplate": f"start ({x0:.6g}, {y0:.6g})<extra></extra>",
        **CONTOUR,
    }


# --------------------------------------------------------------------------------------------
# Layout: panel titles, Play/Pause and speeds, the step slider
# --------------------------------------------------------------------------------------------


def _layout(comparison: RacePicture, axis_type: str, loss_range: list[float]) -> dict:
    """Two panels side by side, the legend in one row above them (the player's bar goes
    below): one screen of a 1280×720 projector (`HEIGHT`)."""
    grid = comparison.grid
    has_min = comparison.f_min is not None
    what = _what(comparison)
    loss_title = (
        f"{what} (log scale)" if has_min else f"{comparison.loss} (linear: no minimum known)"
    )
    last = comparison.timeline.last
    a, b = (escape_html(v) for v in comparison.axes)
    return {
        "height": HEIGHT,
        "margin": {"l": 60, "r": 16, "t": 58, "b": 48},
        "showlegend": True,
        # Above the panels, left-aligned, so the mode bar (top right, on hover) stays clear.
        "legend": {
            "orientation": "h",
            "x": 0.0,
            "xanchor": "left",
            "y": 1.02,
            "yanchor": "bottom",
            "font": {"size": 12},
            "itemwidth": 30,
        },
        "uirevision": "gdviz-compare",
        "hovermode": "closest",
        "xaxis": {
            "title": {"text": a, "standoff": 4},
            "range": list(grid.window[0]),
            "domain": LEFT,
            "anchor": "y",
            "zeroline": False,
        },
        "yaxis": {
            "title": {"text": b, "standoff": 4},
            "range": list(grid.window[1]),
            "domain": [0.0, 1.0],
            "anchor": "x",
            "zeroline": False,
        },
        "xaxis2": {
            "title": {"text": "step", "standoff": 4},
            "range": [-0.01 * last - 0.5, 1.01 * last + 0.5],
            "domain": RIGHT,
            "anchor": "y2",
            "zeroline": False,
        },
        "yaxis2": {
            "title": {"text": loss_title, "font": {"size": 13}},
            "type": axis_type,
            "range": loss_range,
            "domain": [0.0, 1.0],
            "anchor": "x2",
            "exponentformat": "power",
            "zeroline": not has_min,
        },
    }


class RaceMarkers(NamedTuple):
    """Where every optimizer's markers are at each frame step (frames × optimizers)."""

    traces: tuple[int, ...]  # the markers' trace indices: contour ones, then loss ones
    contour_x: np.ndarray
    contour_y: np.ndarray
    loss_x: np.ndarray
    loss_y: np.ndarray


def _clipped_markers(comparison: RacePicture) -> tuple[list[_Curve], str, list, list]:
    """The loss panel's curves, axis and range, and each marker's loss kept in sight: on the
    floor when a curve went below it, on the top edge while a diverging curve is above the
    range (the read-outs give the true values)."""
    curves = [_curve(comparison, t) for t in comparison.trajectories]
    axis_type, loss_range = _loss_range(comparison, curves)
    bounds = [10.0**v for v in loss_range] if axis_type == "log" else loss_range
    return curves, axis_type, loss_range, [np.clip(c.marker, *bounds) for c in curves]


def race_figure(comparison: RacePicture, step: int = 0) -> dict:
    """The race as a plain-dict Plotly figure with the markers at `step` (snapped to a frame
    step); see the module docstring. Hovering a level line reads out its loss, a path its
    point, a curve the exact loss."""
    return race_parts(comparison, step)[0]


def race_parts(comparison: RacePicture, step: int = 0) -> tuple[dict, RaceMarkers]:
    """`race_figure`, and its markers at every frame step: the only traces the player moves."""
    runs = list(comparison.names)
    trajectories = comparison.trajectories
    curves, axis_type, loss_range, markers = _clipped_markers(comparison)
    what = _what(comparison)

    levels = contour_levels(comparison)
    data = [{**line, **CONTOUR} for line in contour_lines(comparison.grid, levels)]
    data += [_path(name, t, comparison.axes) for name, t in zip(runs, trajectories, strict=True)]
    if comparison.minima:
        data.append(_minima(comparison.minima, comparison.minimum_name))
    data += [
        _loss_curve(name, t, c, what) for name, t, c in zip(runs, trajectories, curves, strict=True)
    ]
    on_contour, on_loss = _positions(trajectories, markers, comparison.timeline.snap(step))
    first_marker = len(data)
    data += [_marker(n, x, y, on_contour=True) for n, (x, y) in zip(runs, on_contour, strict=True)]
    data += [_marker(n, x, y, on_contour=False) for n, (x, y) in zip(runs, on_loss, strict=True)]
    moving = tuple(range(first_marker, len(data)))
    data.append(_start(*comparison.start))
    layout = _layout(comparison, axis_type, loss_range)
    figure = {"data": [pack_arrays(trace) for trace in data], "layout": layout}
    return figure, _marker_frames(comparison, markers, moving)


def _marker_frames(comparison: RacePicture, markers: list, traces: tuple[int, ...]) -> RaceMarkers:
    """Every optimizer's two markers at each frame step (frames × optimizers arrays)."""
    n = len(comparison.names)
    per_frame = [_positions(comparison.trajectories, markers, k) for k in comparison.timeline.steps]
    frames = len(per_frame)
    contour = np.array([c for c, _ in per_frame], dtype=float).reshape(frames, n, 2)
    loss = np.array([lo for _, lo in per_frame], dtype=float).reshape(frames, n, 2)
    return RaceMarkers(
        traces=traces,
        contour_x=contour[:, :, 0],
        contour_y=contour[:, :, 1],
        loss_x=loss[:, :, 0],
        loss_y=loss[:, :, 1],
    )
