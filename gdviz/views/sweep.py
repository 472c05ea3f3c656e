"""Figures for the learning-rate lesson: the sweep, and four replays on shared axes.

`sweep_spec` plots each learning rate's final loss against the rate, both on log axes, over
bands named too small / good / oscillating / diverging, with 2/λmax, the fastest rate
2/(λmax + λmin) and the optimizer's own limit marked, and steps-to-tolerance as a second curve
on the right-hand axis. A diverged run has no finite final loss to plot, so it is drawn as a
triangle at the cap (the loss at which the engine calls a run exploded), never as a gap or NaN;
a run that never reached the tolerance is drawn at the budget, as an ×.

`examples_player` is the player's data for "too small", "just right", "too big" and the
picked rate: one figure of four columns, each a contour panel (same window) above a loss panel
(same axes), all moved by one frame index. Builders return plain dicts; the tests validate
every spec with `go.Figure`.
"""

from __future__ import annotations

import math

import numpy as np

from gdviz.linefit.sweep_lesson import SweepLesson
from gdviz.sweep import BANDS
from gdviz.views.annotations import panel_title
from gdviz.views.linefit import (
    BLUE,
    GREEN,
    GREY,
    ORANGE,
    PURPLE,
    SKY,
    VERMILLION,
    contour_lines,
    pack_arrays,
    typed,
)
from gdviz.views.playback import moving_trace, player_data, readout, sentence_template
from gdviz.views.text import escape_html

SWEEP_META = "gdviz-sweep"
SWEEP_HEIGHT = 240
EXAMPLES_HEIGHT = 240
# Light tints, each band also named in words on the chart: colour is never the only cue.
BAND_FILLS = {
    "too small": "rgba(86, 180, 233, 0.13)",
    "good": "rgba(0, 158, 115, 0.16)",
    "oscillating": "rgba(230, 159, 0, 0.16)",
    "diverging": "rgba(213, 94, 0, 0.16)",
}
STATUS_MARKERS = {
    "converged": ("circle", "converged"),
    "max_steps": ("circle-open", "used every step"),
    "diverged": ("triangle-up", "diverged (capped)"),
}
EXAMPLE_COLOURS = (SKY, GREEN, VERMILLION, PURPLE)
EXAMPLE_DASHES = ("dot", "solid", "dash", "dashdot")
_EXACT = ".10g"


# --------------------------------------------------------------------------------------------
# The sweep
# --------------------------------------------------------------------------------------------


def _positive_floor(values: np.ndarray) -> float:
    positive = values[np.isfinite(values) & (values > 0)]
    return float(positive.min()) if positive.size else 1e-12


def display_cap(lesson: SweepLesson) -> float:
    """Where diverged runs are drawn: ten times the largest loss any run kept (or the start's),
    so the rates that work keep the axis's decades. (The engine's own cap, 10⁶ × the start's
    loss, would spend most of the axis on nothing.)"""
    sw = lesson.sweep
    alive = np.array([s != "diverged" for s in sw.status])
    kept = sw.final_loss[alive & np.isfinite(sw.final_loss)]
    top = max(abs(sw.start_loss), float(kept.max()) if kept.size else 0.0)
    return 10.0 * top if top > 0 else 1.0


def sweep_loss_range(lesson: SweepLesson) -> tuple[float, float]:
    """The final-loss axis (log10 units): from the smallest positive loss to above the cap."""
    sw = lesson.sweep
    cap = display_cap(lesson)
    alive = np.where([s != "diverged" for s in sw.status], sw.final_loss, cap)
    low = min(_positive_floor(alive), _positive_floor(np.array([lesson.optimum_loss])), cap)
    return math.log10(low) - 0.25, math.log10(max(cap, low * 10)) + 0.55


def plotted_loss(lesson: SweepLesson) -> np.ndarray:
    """Each rate's final loss as drawn: diverged runs at the cap, a zero loss at the axis's
    foot (a log axis has no 0); always finite."""
    sw = lesson.sweep
    diverged = np.array([s == "diverged" for s in sw.status])
    bottom = 10 ** sweep_loss_range(lesson)[0]
    loss = np.where(diverged, display_cap(lesson), np.minimum(sw.final_loss, 1e300))
    return np.maximum(loss, bottom)


def band_spans(lesson: SweepLesson) -> list[tuple[str, float, float]]:
    """(band, from, to) over the swept range, in the order of BANDS; empty bands left out."""
    sw, limits = lesson.sweep, lesson.sweep.limits
    if not limits.has_bands:
        return []
    low, high = float(sw.lrs[0]), float(sw.lrs[-1])
    good = limits.good_from if limits.good_from is not None else limits.oscillating_from
    edges = (low, good, limits.oscillating_from, limits.optimizer_limit, high)
    spans = []
    for band, a, b in zip(BANDS, edges[:-1], edges[1:], strict=True):
        a, b = max(a, low), min(b, high)
        if b > a:
            spans.append((band, a, b))
    return spans


def limit_marks(lesson: SweepLesson) -> list[tuple[str, float, str]]:
    """(name, learning rate, dash) of the vertical marks: 2/λmax, 2/(λmax+λmin) and the
    optimizer's own limit where it differs."""
    limits = lesson.sweep.limits
    marks = []
    if limits.lr_max is not None:
        marks.append(("2/λmax", limits.lr_max, "dash"))
    if limits.lr_best is not None:
        marks.append(("2/(λmax+λmin)", limits.lr_best, "dot"))
    opt = limits.optimizer_limit
    if opt is not None and limits.lr_max is not None and not math.isclose(opt, limits.lr_max):
        marks.append((f"{lesson.settings.optimizer} limit", opt, "longdash"))
    return marks


def _status_hover(lesson: SweepLesson) -> list[str]:
    words = []
    for r in lesson.sweep.results:
        if r.status == "diverged":
            what = f"diverged at step {r.diverged_at:,} (drawn at the cap)"
        elif r.status == "converged":
            what = f"reached the tolerance at step {r.steps_to_tol:,}"
        else:
            what = f"used all {r.steps:,} steps"
        band = f"<br>band: {r.band}" if r.band else ""
        words.append(f"γ = {r.lr:.6g}<br>final loss {r.final_loss:.6g}<br>{what}{band}")
    return words


def sweep_spec(lesson: SweepLesson) -> dict:
    """The sweep chart: final loss (log) against learning rate (log), with the bands, the
    limits, the cap and steps-to-tolerance on a second axis."""
    sw = lesson.sweep
    lrs, loss = sw.lrs, plotted_loss(lesson)
    y_lo, y_hi = sweep_loss_range(lesson)
    x_lo, x_hi = math.log10(sw.lrs[0]) - 0.05, math.log10(sw.lrs[-1]) + 0.05
    hover = _status_hover(lesson)
    data: list[dict] = [
        {
            "type": "scatter",
            "x": lrs,
            "y": loss,
            "mode": "lines",
            "name": "final loss",
            "line": {"color": BLUE, "width": 2},
            "hoverinfo": "skip",
            "showlegend": False,
        }
    ]
    for status, (symbol, words) in STATUS_MARKERS.items():
        idx = np.array([i for i, s in enumerate(sw.status) if s == status], dtype=int)
        data.append(
            {
                "type": "scatter",
                "x": lrs[idx],
                "y": loss[idx],
                "mode": "markers",
                "name": words,
                "marker": {
                    "symbol": symbol,
                    "size": 9,
                    "color": VERMILLION if status == "diverged" else BLUE,
                    "line": {"width": 2, "color": VERMILLION if status == "diverged" else BLUE},
                },
                "text": [hover[i] for i in idx.tolist()],
                "hovertemplate": "%{text}<extra></extra>",
            }
        )
    data.append(
        {
            "type": "scatter",
            "x": [float(lrs[0]), float(lrs[-1])],
            "y": [display_cap(lesson)] * 2,
            "mode": "lines",
            "name": "cap: diverged",
            "line": {"color": VERMILLION, "width": 1, "dash": "dot"},
            "hovertemplate": (
                "diverged runs are drawn on this line: their loss grew past "
                f"{sw.explosion_limit:.3g} (10⁶ × the start's) or overflowed<extra></extra>"
            ),
            "showlegend": False,
        }
    )
    if lesson.problem.fit.rule.quadratic and lesson.optimum_loss > 0:
        data.append(
            {
                "type": "scatter",
                "x": [float(lrs[0]), float(lrs[-1])],
                "y": [lesson.optimum_loss] * 2,
                "mode": "lines",
                "name": "least-squares loss",
                "showlegend": False,
                "line": {"color": GREEN, "width": 1.5, "dash": "dash"},
                "hovertemplate": f"least-squares loss {lesson.optimum_loss:.6g}<extra></extra>",
            }
        )
    for name, value, dash in limit_marks(lesson):
        data.append(
            {
                "type": "scatter",
                "x": [value, value],
                "y": [10**y_lo, 10**y_hi],
                "mode": "lines",
                "name": name,
                "line": {"color": GREY, "width": 1.5, "dash": dash},
                "hovertemplate": f"{name} = {value:.6g}<extra></extra>",
                "showlegend": False,
            }
        )
    if sw.tol > 0:
        data.extend(_steps_traces(lesson))
    pick = lesson.pick
    data.append(
        {
            "type": "scatter",
            "x": [float(lrs[pick])],
            "y": [float(loss[pick])],
            "mode": "markers",
            "name": "your pick",
            "showlegend": False,
            "marker": {"symbol": "circle-open", "size": 20, "color": PURPLE, "line": {"width": 3}},
            "hovertemplate": f"your pick: {hover[pick]}<extra></extra>",
        }
    )
    return {"data": [pack_arrays(t) for t in data], "layout": _sweep_layout(lesson, x_lo, x_hi)}


def _steps_traces(lesson: SweepLesson) -> list[dict]:
    """Steps to the tolerance per rate (a line through the rates that reached it), and the
    rates that never did, drawn at the budget as ×."""
    sw = lesson.sweep
    reached = np.array([s is not None for s in sw.steps_to_tol])
    steps = np.array([0 if s is None else s for s in sw.steps_to_tol], dtype=float)
    words = [f"γ = {lr:.6g}: {int(k):,} steps to the tolerance" for lr, k in zip(
        sw.lrs[reached].tolist(), steps[reached].tolist(), strict=True)]  # fmt: skip
    missed = sw.lrs[~reached]
    return [
        {
            "type": "scatter",
            "x": sw.lrs[reached],
            "y": steps[reached],
            "yaxis": "y2",
            "mode": "lines+markers",
            "name": "steps to tolerance",
            "line": {"color": ORANGE, "width": 2, "dash": "dash"},
            "marker": {"symbol": "square", "size": 7, "color": ORANGE},
            "text": words,
            "hovertemplate": "%{text}<extra></extra>",
        },
        {
            "type": "scatter",
            "x": missed,
            "y": np.full(missed.size, float(sw.steps)),
            "yaxis": "y2",
            "mode": "markers",
            "name": f"tolerance not reached in {sw.steps:,} steps",
            "marker": {
                "symbol": "x-thin",
                "size": 7,
                "color": ORANGE,
                "line": {"width": 2, "color": ORANGE},
            },
            "hovertemplate": f"γ = %{{x:.6g}}: not within {sw.steps:,} steps<extra></extra>",
            "showlegend": False,
        },
    ]


def _sweep_layout(lesson: SweepLesson, x_lo: float, x_hi: float) -> dict:
    sw = lesson.sweep
    y_lo, y_hi = sweep_loss_range(lesson)
    shapes, annotations = [], []
    for n, (band, a, b) in enumerate(band_spans(lesson)):
        shapes.append(
            {
                "type": "rect",
                "xref": "x",
                "yref": "paper",
                "x0": a,
                "x1": b,
                "y0": 0,
                "y1": 1,
                "fillcolor": BAND_FILLS[band],
                "line": {"width": 0},
                "layer": "below",
                "name": band,
            }
        )
        annotations.append(
            {
                "text": band,
                "x": (math.log10(a) + math.log10(b)) / 2,
                "xref": "x",
                "y": 1.0 if n % 2 == 0 else 0.91,  # neighbours never share a line
                "yref": "paper",
                "yanchor": "top",
                "showarrow": False,
                "font": {"size": 13, "color": "#333333"},
            }
        )
    previous = None
    for name, value, _ in limit_marks(lesson):
        # Two marks close together label on either side of their lines, not on top.
        beside = previous is not None and abs(math.log10(value / previous)) < 0.15
        previous = value
        annotations.append(
            {
                "text": name,
                "x": math.log10(value),
                "xref": "x",
                "y": 0.02,
                "yref": "paper",
                "yanchor": "bottom",
                "xanchor": "left" if beside else "right",
                "textangle": -90,
                "showarrow": False,
                "font": {"size": 12, "color": "#333333"},
            }
        )
    loss_name = escape_html(lesson.settings.loss)
    layout = {
        "meta": SWEEP_META,
        "height": SWEEP_HEIGHT,
        "margin": {"l": 62, "r": 62, "t": 30, "b": 44},
        "font": {"size": 14},
        "hovermode": "closest",
        "uirevision": "gdviz-sweep",
        "xaxis": {
            "type": "log",
            "range": [x_lo, x_hi],
            "title": {"text": "learning rate γ (log scale)", "standoff": 4},
        },
        "yaxis": {
            "type": "log",
            "range": [y_lo, y_hi],
            "title": {"text": f"final loss ({loss_name})", "font": {"color": BLUE}},
            "exponentformat": "power",
        },
        "shapes": shapes,
        "annotations": annotations,
        "legend": {
            "orientation": "h",
            "x": 0.0,
            "y": 1.0,
            "yanchor": "bottom",
            "font": {"size": 12},
            "itemwidth": 30,
        },
    }
    if sw.tol > 0:
        layout["yaxis2"] = {
            "overlaying": "y",
            "side": "right",
            "range": [0, sw.steps * 1.45],  # the budget's row of × sits below the cap
            "title": {"text": "steps to tolerance", "font": {"color": ORANGE}},
            "showgrid": False,
            "zeroline": False,
        }
    return layout


def sweep_sentence(lesson: SweepLesson) -> str:
    """The sweep chart in one sentence, for screen readers."""
    sw = lesson.sweep
    best = sw.best()
    where = (
        "every run diverged"
        if best is None
        else f"the lowest steps or loss at γ = {sw.lrs[best]:.3g}"
    )
    first = next((i for i, s in enumerate(sw.status) if s == "diverged"), None)
    edge = "" if first is None else f"; runs diverge from γ = {sw.lrs[first]:.3g} up"
    return (
        f"Final loss against learning rate on log axes for {len(sw)} rates from "
        f"{sw.lrs[0]:.3g} to {sw.lrs[-1]:.3g}: {where}{edge}."
    )


# --------------------------------------------------------------------------------------------
# Four replays on the same axes, for the player
# --------------------------------------------------------------------------------------------

_COLUMNS = 4
_GAP = 0.045


def _column_domain(c: int) -> list[float]:
    width = (1.0 - _GAP * (_COLUMNS - 1)) / _COLUMNS
    start = c * (width + _GAP)
    return [start, start + width]


CONTOUR_ROW, LOSS_ROW = [0.46, 1.0], [0.0, 0.3]


def decade_ticks(log_range: tuple[float, float], most: int = 3) -> list[float]:
    """At most `most` whole decades inside the range: a short log axis stays readable."""
    decades = list(range(math.ceil(log_range[0]), math.floor(log_range[1]) + 1))
    step = max(1, math.ceil(len(decades) / most))
    return [10.0**d for d in decades[::step]]


def _axes(c: int) -> tuple[str, str, str, str]:
    """(contour x, contour y, loss x, loss y) axis names of column c: x1..4, then x5..8."""
    n, m = ("" if c == 0 else str(c + 1)), str(c + 1 + _COLUMNS)
    return f"x{n}", f"y{n}", f"x{m}", f"y{m}"


def _layout_key(axis: str) -> str:
    return axis[0] + "axis" + axis[1:]


def exit_clip(params: np.ndarray, window) -> tuple[np.ndarray, int]:
    """The path up to where it leaves a box three windows wide (a diverging path's values
    grow without bound; beyond the box nothing more is seen), ending on the box's edge along
    the last segment, so the direction it leaves in is exact. Returns (points, first step
    outside the box, or len(params) when it never leaves)."""
    (a0, b0), (a1, b1) = window
    lo = np.array((a0 - (b0 - a0), a1 - (b1 - a1)))
    hi = np.array((b0 + (b0 - a0), b1 + (b1 - a1)))
    outside = np.any((params < lo) | (params > hi), axis=1)
    if not outside.any():
        return params, len(params)
    k = int(np.argmax(outside))
    if k == 0:
        return params[:1], 1
    p, q = params[k - 1], params[k]
    d = q - p
    with np.errstate(divide="ignore", invalid="ignore"):
        t_lo = np.where(d != 0, (lo - p) / d, np.inf)
        t_hi = np.where(d != 0, (hi - p) / d, np.inf)
    exits = np.maximum(t_lo, t_hi)  # the parameter where each coordinate leaves its slab
    t = float(np.clip(np.min(exits), 0.0, 1.0))
    return np.vstack((params[:k], p + t * d)), k


def examples_loss_range(lesson: SweepLesson) -> tuple[float, float]:
    """The shared loss axis (log10 units) of the four replays, up to the cap."""
    cap = display_cap(lesson)  # a diverging replay runs along the top edge, as on the sweep
    losses = np.concatenate([e.trajectory.loss for e in lesson.examples])
    low = _positive_floor(np.minimum(losses, cap))
    high = float(np.max(np.minimum(losses, cap)))
    return math.log10(low) - 0.2, math.log10(max(high, low * 10)) + 0.2


def _drawn_loss(loss: np.ndarray, log_range: tuple[float, float]) -> np.ndarray:
    """Losses inside the shared axis: beyond its top (a diverging run) or at 0 they sit on
    the edge, never off the chart as inf or NaN."""
    return np.clip(loss, 10 ** log_range[0], 10 ** log_range[1])


def _title(text: str, c: int) -> dict:
    return panel_title(text, _column_domain(c), yshift=4)


def examples_spec(lesson: SweepLesson, step: int = 0) -> dict:
    """Four columns (too small, just right, too big, your pick), each its path on the shared
    contour window and its loss per step on the shared loss axes, at frame `step`."""
    timeline = lesson.timeline
    k0 = timeline.snap(step)
    window = lesson.window
    levels = contour_lines(lesson.grid)
    loss_range = examples_loss_range(lesson)
    p0_label, p1_label = (escape_html(v) for v in lesson.param_labels)
    data: list[dict] = []
    layout: dict = {
        "meta": "gdviz-sweep-examples",
        "height": EXAMPLES_HEIGHT,
        "margin": {"l": 52, "r": 8, "t": 26, "b": 36},
        "font": {"size": 13},
        "showlegend": False,
        "hovermode": "closest",
        "uirevision": "gdviz-sweep-examples",
        "annotations": [],
    }
    last = timeline.last
    for c, example in enumerate(lesson.examples):
        cx, cy, lx, ly = _axes(c)
        t = example.trajectory
        path, _ = exit_clip(t.params, window)
        colour, dash = EXAMPLE_COLOURS[c], EXAMPLE_DASHES[c]
        for level in levels:  # screen precision (f4) is plenty for a drawn level line
            lines = {"x": typed(level["x"], "f4"), "y": typed(level["y"], "f4")}
            data.append({**level, **lines, "xaxis": cx, "yaxis": cy, "showlegend": False})
        data.append(
            {
                "type": "scatter",
                "x": path[:, 0],
                "y": path[:, 1],
                "mode": "lines",
                "name": f"path: {example.label}",
                "line": {"color": "rgba(34, 34, 34, 0.75)", "width": 1.2},
                "hoverinfo": "skip",
                "xaxis": cx,
                "yaxis": cy,
            }
        )
        data.append(
            {
                "type": "scatter",
                "x": [lesson.optimum[0]],
                "y": [lesson.optimum[1]],
                "mode": "markers",
                "name": "least-squares optimum",
                "marker": {"symbol": "star", "size": 13, "color": GREEN},
                "hovertemplate": "least-squares optimum<extra></extra>",
                "xaxis": cx,
                "yaxis": cy,
            }
        )
        here = _marker_xy(lesson, c, np.array([k0]))
        data.append(
            {
                "type": "scatter",
                "x": here[:, 0],
                "y": here[:, 1],
                "mode": "markers",
                "name": f"current: {example.label}",
                "marker": {"color": colour, "size": 11, "line": {"color": "#222222", "width": 1}},
                "hovertemplate": (
                    f"{p0_label} = %{{x:{_EXACT}}}<br>{p1_label} = %{{y:{_EXACT}}}<extra></extra>"
                ),
                "xaxis": cx,
                "yaxis": cy,
            }
        )
        steps = np.arange(t.loss.size)
        data.append(
            {
                "type": "scatter",
                "x": steps,
                "y": _drawn_loss(t.loss, loss_range),
                "mode": "lines",
                "name": f"loss: {example.label}",
                "line": {"color": colour, "width": 2.5, "dash": dash},
                "hovertemplate": f"step %{{x}}<br>loss %{{y:{_EXACT}}}<extra></extra>",
                "xaxis": lx,
                "yaxis": ly,
            }
        )
        kk = min(k0, t.steps)
        data.append(
            {
                "type": "scatter",
                "x": [float(kk)],
                "y": _drawn_loss(t.loss[[kk]], loss_range).tolist(),
                "mode": "markers",
                "name": f"loss now: {example.label}",
                "marker": {"color": colour, "size": 9, "symbol": "diamond"},
                "hoverinfo": "skip",
                "xaxis": lx,
                "yaxis": ly,
            }
        )
        domain = _column_domain(c)
        first = c == 0
        layout[_layout_key(cx)] = {
            "domain": domain,
            "anchor": cy,
            "range": list(window[0]),
            "title": {"text": p0_label if first else "", "standoff": 2},
            "zeroline": False,
            **({} if first else {"matches": "x"}),
        }
        layout[_layout_key(cy)] = {
            "domain": CONTOUR_ROW,
            "anchor": cx,
            "range": list(window[1]),
            "title": {"text": p1_label if first else ""},
            "showticklabels": first,
            "zeroline": False,
            **({} if first else {"matches": "y"}),
        }
        layout[_layout_key(lx)] = {
            "domain": domain,
            "anchor": ly,
            "range": [-0.02 * last, 1.02 * last + 0.5],
            "title": {"text": "step", "standoff": 2},
            **({} if first else {"matches": "x5"}),
        }
        layout[_layout_key(ly)] = {
            "domain": LOSS_ROW,
            "anchor": lx,
            "type": "log",
            "range": list(loss_range),
            "tickvals": decade_ticks(loss_range),
            "title": {"text": "loss" if first else ""},
            "showticklabels": first,
            "exponentformat": "power",
            **({} if first else {"matches": "y5"}),
        }
        layout["annotations"].append(_title(f"{example.label}: γ = {example.lr:.3g}", c))
    return {"data": [pack_arrays(t) for t in data], "layout": layout}


def _marker_xy(lesson: SweepLesson, c: int, steps: np.ndarray) -> np.ndarray:
    """Where column c's marker is at each frame step: the path's point, held at its last
    step after it stopped, and on the box's edge once it has left it."""
    t = lesson.examples[c].trajectory
    path, out = exit_clip(t.params, lesson.window)
    k = np.minimum(steps, t.steps)
    return path[np.minimum(k, out if out < len(t.params) else len(path) - 1)]


def _loss_words(lesson: SweepLesson, c: int, steps: np.ndarray) -> list[str]:
    t = lesson.examples[c].trajectory
    words = []
    for s in steps.tolist():
        if s <= t.steps:
            words.append(f"{t.loss[s]:.6g}")
        elif t.status == "diverged":
            words.append(f"diverged at step {t.diverged_at:,}")
        else:
            words.append(f"{t.final_loss:.6g} (stopped: {t.status.replace('_', ' ')})")
    return words


def examples_player(lesson: SweepLesson, step: int = 0) -> dict:
    """The player's data: the four replays moved together (gdviz.views.playback)."""
    steps = lesson.timeline.steps
    spec = examples_spec(lesson, step)
    index = {t["name"]: i for i, t in enumerate(spec["data"])}
    loss_range = examples_loss_range(lesson)
    moving = []
    readouts = []
    for c, example in enumerate(lesson.examples):
        t = example.trajectory
        xy = _marker_xy(lesson, c, steps)
        k = np.minimum(steps, t.steps)
        moving.append(moving_trace(0, index[f"current: {example.label}"], x=xy[:, 0], y=xy[:, 1]))
        moving.append(
            moving_trace(
                0,
                index[f"loss now: {example.label}"],
                x=k.astype(float),
                y=_drawn_loss(t.loss[k], loss_range),
            )
        )
        readouts.append(readout(f"loss{c}", example.label, _loss_words(lesson, c, steps), str))
    sentence = sentence_template(
        0,
        "Step {step}: loss with the learning rate too small {loss0}, just right {loss1}, "
        "too big {loss2}, your pick {loss3}.",
    )
    return player_data(
        [spec],
        steps.tolist(),
        moving=moving,
        readouts=readouts,
        sentences=[sentence],
        labels=["Four learning rates from the same start: paths on the contour and losses"],
        start_step=step,
    )
