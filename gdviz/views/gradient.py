"""Views of the "how the gradient is computed" lesson: plain-dict Plotly specs and LaTeX.

`scatter_spec`: the points, the line at the step, each point's residual r_i = y_i − (m x_i + b)
as a segment, the point in focus highlighted. `bars_spec`: each point's contribution to ∂L/∂m
(top) and ∂L/∂b (bottom), sorted by size, the running sum, and the total Σ = the gradient
marked, with the step −γ·g it produces. The `*_latex` builders write the teaching exercise out
with this step's numbers. Every number enters LaTeX through `tex_number`; no user text (file or
column names) ever does. Every trace of a point carries its 0-based index as `customdata[0]`,
so a click on any chart names the point.
"""

from __future__ import annotations

import math

import numpy as np

from gdviz.linefit.gradient import GradientLesson
from gdviz.views.linefit import (
    BLUE,
    GREEN,
    GREY,
    ORANGE,
    VERMILLION,
    pack_arrays,
)
from gdviz.views.text import escape_html

CHART_HEIGHT = 440  # both charts side by side under a one-line title: the first 720 px screen
MAX_SCATTER = 2000  # points drawn (the focus always among them); the sums use all
MAX_RESIDUALS = 200  # residual segments drawn: all up to this, else the largest
TOP_BARS = 20  # bars per partial: the largest terms (and the focus); the rest in one bar
OTHERS = -1  # customdata of the bars that are not one point
_EXACT = ".10g"


# ---------------------------------------------------------------------------------------------
# Numbers for LaTeX
# ---------------------------------------------------------------------------------------------


def tex_number(value: float, digits: int = 4) -> str:
    """`value` as LaTeX: `digits` significant digits, powers of ten written as ×10^k, a minus
    sign, and `\\text{undefined}` for anything not finite. Only digits, '.', '-' and fixed
    LaTeX commands come out, whatever the float."""
    value = float(value)
    if not math.isfinite(value):
        return r"\text{undefined}"
    if value == 0:
        return "0"
    text = f"{value:.{digits}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        return rf"{mantissa} \times 10^{{{int(exponent)}}}"
    return text


def tex_factor(value: float, digits: int = 4) -> str:
    """`tex_number`, in brackets when negative or a power of ten (to multiply or subtract it)."""
    text = tex_number(value, digits)
    return rf"({text})" if text.startswith("-") or r"\times" in text else text


TERMS_PER_LINE = 3


def _terms(items: list[str], hidden: int, per_line: int = TERMS_PER_LINE) -> list[str]:
    """The terms of a sum as lines of LaTeX (`per_line` each, joined by +), then
    "+ … (k more)" for the terms not written out."""
    if hidden:
        items = [*items, rf"\dots\ (\text{{{hidden:,} more}})"]
    lines = [" + ".join(items[k : k + per_line]) for k in range(0, len(items), per_line)]
    return [line if k == 0 else "+ " + line for k, line in enumerate(lines)]


def _wrapped(lines: list[str], before: str, after: str) -> list[str]:
    """`lines` with `before` on the first and `after` on the last (a bracket across lines)."""
    out = list(lines)
    out[0], out[-1] = before + out[0], out[-1] + after
    return out


def _aligned(left: str, rows: list[str]) -> str:
    """`left = rows[0] = rows[1] …`, one row per line, aligned on the = signs."""
    body = r" \\ ".join(
        ("&= " if k == 0 or not row.startswith("+") else r"&\quad ") + row
        for k, row in enumerate(rows)
    )
    return rf"\begin{{aligned}} {left} {body} \end{{aligned}}"


def _coefficient(label: str) -> str:
    return {"-2/N": r"-\frac{2}{N}", "-2": "-2", "-1/N": r"-\frac{1}{N}"}[label]


def _coefficient_value(lesson: GradientLesson, label: str) -> str:
    n = lesson.n
    return {
        "-2/N": rf"-\frac{{2}}{{{n}}}",
        "-2": "-2",
        "-1/N": rf"-\frac{{1}}{{{n}}}",
    }[label]


def _term_symbol(loss: str) -> str:
    """The exercise's term t_i of diff, by loss, in symbols."""
    residual = r"y_i - (m x_i + b)"
    return {
        "mae": rf"\operatorname{{sign}}\bigl({residual}\bigr)",
        "huber": rf"\operatorname{{clip}}\bigl({residual},\,-\delta,\,\delta\bigr)",
    }.get(loss, rf"\bigl({residual}\bigr)")


def _term_numbers(lesson: GradientLesson, i: int) -> str:
    """Point i's term of diff with its numbers: (y_i − (m·x_i + b)), sign(…) or clip(…)."""
    c = lesson.contributions
    inner = rf"{tex_number(c.y[i])} - ({tex_factor(c.m)} \cdot {tex_factor(c.x[i])} + {tex_factor(c.b)})"  # noqa: E501
    if c.loss == "mae":
        return rf"\operatorname{{sign}}({inner})"
    if c.loss == "huber":
        return rf"\operatorname{{clip}}({inner},\,\pm {tex_number(c.delta)})"
    return f"({inner})"


def exercise_latex(lesson: GradientLesson) -> list[str]:
    """The exercise with this step's numbers, one display formula each: diff, b_gradient,
    m_gradient (the same sum weighted by x) and the update θ ← θ − γ·g."""
    c, ex, u = lesson.contributions, lesson.exercise, lesson.update
    shown, hidden = list(ex.shown), ex.hidden
    symbol = _term_symbol(c.loss)
    label = ex.coefficient_label
    coef, coef_n = _coefficient(label), _coefficient_value(lesson, label)
    per_line = 2 if c.loss in ("mae", "huber") else TERMS_PER_LINE  # sign(…), clip(…) are long
    diff_terms = _terms([_term_numbers(lesson, i) for i in shown], hidden, per_line)
    x_terms = _terms([rf"{tex_factor(c.x[i])} \cdot {tex_factor(c.t[i])}" for i in shown], hidden)
    lr = tex_number(u.lr)
    return [
        _aligned(
            r"\text{diff}",
            [rf"\sum_{{i=1}}^{{N}} {symbol}", *diff_terms, tex_number(ex.diff, 6)],
        ),
        _aligned(
            r"\text{b\_gradient}",
            [
                rf"{coef}\,\text{{diff}} = {coef_n} \cdot {tex_factor(ex.diff, 6)}",
                tex_number(ex.b_gradient, 6),
            ],
        ),
        _aligned(
            r"\text{m\_gradient}",
            [
                rf"{coef} \sum_{{i=1}}^{{N}} x_i\,{symbol}",
                *_wrapped(x_terms, rf"{coef_n} \cdot \bigl(", r"\bigr)"),
                rf"{coef_n} \cdot {tex_factor(ex.x_diff, 6)} = {tex_number(ex.m_gradient, 6)}",
            ],
        ),
        _aligned(
            r"m",
            [
                rf"m - \gamma\,\text{{m\_gradient}} = {tex_number(c.m, 6)} - {lr} \cdot"
                rf" {tex_factor(ex.m_gradient, 6)} = {tex_number(u.m, 6)}",
            ],
        ).replace("m &= m -", r"m_{\text{new}} &= m -"),
        _aligned(
            r"b",
            [
                rf"b - \gamma\,\text{{b\_gradient}} = {tex_number(c.b, 6)} - {lr} \cdot"
                rf" {tex_factor(ex.b_gradient, 6)} = {tex_number(u.b, 6)}",
            ],
        ).replace("b &= b -", r"b_{\text{new}} &= b -"),
    ]


def loss_comparison_latex(lesson: GradientLesson) -> dict[str, list[str]]:
    """mse and sse at the same line with the same γ, one list of formulas each: the loss, the
    gradient and the step. sse has no 1/N, so its gradient and step are N times mse's."""
    lr = lesson.update.lr
    out = {}
    for name, c, loss in (
        ("mse", lesson.mse, r"\frac{1}{N}\sum_{i=1}^{N} r_i^2"),
        ("sse", lesson.sse, r"\sum_{i=1}^{N} r_i^2"),
    ):
        u = c.update(lr)
        coef = _coefficient(c.coefficient_label)
        out[name] = [
            rf"L_{{\text{{{name}}}}} = {loss} = {tex_number(c.value, 6)}",
            rf"\frac{{\partial L}}{{\partial b}} = {coef}\sum r_i = {tex_number(c.grad_b, 6)}",
            rf"\frac{{\partial L}}{{\partial m}} = {coef}\sum x_i r_i = {tex_number(c.grad_m, 6)}",
            _aligned(
                r"-\gamma g",
                [
                    rf"-{tex_number(lr)} \cdot ({tex_number(c.grad_m, 6)},\ "
                    rf"{tex_number(c.grad_b, 6)})",
                    rf"({tex_number(u.step_m, 4)},\ {tex_number(u.step_b, 4)})",
                ],
            ),
        ]
    return out


def robust_latex(lesson: GradientLesson) -> list[str]:
    """For mae and huber: the loss and its ψ = ℓ′, which replaces r_i in the sums (empty for
    the squared losses)."""
    c = lesson.contributions
    if c.loss == "mae":
        return [
            r"L = \frac{1}{N}\sum_{i=1}^{N} |r_i|, \qquad \psi(r) = \operatorname{sign}(r)",
            r"\frac{\partial L}{\partial b} = -\frac{1}{N}\sum \operatorname{sign}(r_i), \qquad"
            r" \frac{\partial L}{\partial m} = -\frac{1}{N}\sum x_i \operatorname{sign}(r_i)",
        ]
    if c.loss == "huber":
        delta = tex_number(c.delta)
        return [
            r"L = \frac{1}{N}\sum_{i=1}^{N} h(r_i),\quad h(r) = \begin{cases} r^2/2 & |r| \le"
            r" \delta \\ \delta(|r| - \delta/2) & |r| > \delta \end{cases},\quad \delta = " + delta,
            r"\psi(r) = \operatorname{clip}(r, -\delta, \delta):\ \frac{\partial L}{\partial b}"
            r" = -\frac{1}{N}\sum \psi(r_i), \quad \frac{\partial L}{\partial m} = -\frac{1}{N}"
            r"\sum x_i\,\psi(r_i)",
        ]
    return []


# ---------------------------------------------------------------------------------------------
# The scatter with residuals
# ---------------------------------------------------------------------------------------------


def shown_points(lesson: GradientLesson) -> np.ndarray:
    """Indices of the points drawn: all, or a seeded uniform sample of MAX_SCATTER that
    always holds the point in focus."""
    n = lesson.n
    if n <= MAX_SCATTER:
        return np.arange(n)
    others = np.delete(np.arange(n), lesson.focus)
    sample = np.random.default_rng(0).choice(others, MAX_SCATTER - 1, replace=False)
    return np.union1d(sample, [lesson.focus])


def residual_points(lesson: GradientLesson) -> np.ndarray:
    """Indices whose residual segments are drawn: all, or the MAX_RESIDUALS largest |r|
    (and the focus)."""
    c = lesson.contributions
    if c.n <= MAX_RESIDUALS:
        return np.arange(c.n)
    order = np.argsort(-np.abs(c.r), kind="stable")
    largest = order[order != lesson.focus][: MAX_RESIDUALS - 1]
    return np.union1d(largest, [lesson.focus])


def _segments(x: np.ndarray, y0: np.ndarray, y1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    gap = np.full(x.size, np.nan)
    return np.column_stack((x, x, gap)).ravel(), np.column_stack((y0, y1, gap)).ravel()


def axis_names(lesson: GradientLesson) -> tuple[str, str]:
    """The scatter's axis titles, the data's column names made inert for Plotly."""
    points = lesson.run.points
    x_name, y_name = escape_html(points.x_name), escape_html(points.y_name)
    if lesson.standardized:
        return f"z = ({x_name} − mean) / std", y_name
    return x_name, y_name


def scatter_spec(lesson: GradientLesson) -> dict:
    """The points, their residuals to the line of this step, and the point in focus."""
    c, i = lesson.contributions, lesson.focus
    idx = shown_points(lesson)
    res = residual_points(lesson)
    seg_x, seg_y = _segments(c.x[res], c.y[res], c.y_hat[res])
    x_ends = np.array((c.x.min(), c.x.max()))
    x_title, y_title = axis_names(lesson)
    custom = np.column_stack((idx, idx + 1, c.r[idx], c.d_m[idx], c.d_b[idx])).tolist()
    hover = (
        "point #%{customdata[1]}<br>x = %{x:.6g}, y = %{y:.6g}<br>r = %{customdata[2]:.6g}"
        "<br>∂L/∂m term = %{customdata[3]:.4g}<br>∂L/∂b term = %{customdata[4]:.4g}"
        "<extra></extra>"
    )
    data = [
        {
            "type": "scatter",
            "x": c.x[idx],
            "y": c.y[idx],
            "mode": "markers",
            "name": "points",
            "marker": {"color": BLUE, "size": 7 if idx.size <= 300 else 4, "opacity": 0.8},
            "customdata": custom,
            "hovertemplate": hover,
            "unselected": {"marker": {"opacity": 0.8}},
        },
        {
            "type": "scatter",
            "x": seg_x,
            "y": seg_y,
            "mode": "lines",
            "name": "residuals r = y − ŷ",
            "line": {"color": GREY, "width": 1, "dash": "dot"},
            "hoverinfo": "skip",
        },
        {
            "type": "scatter",
            "x": x_ends,
            "y": c.m * x_ends + c.b,
            "mode": "lines",
            "name": f"line at step {lesson.step:,}",
            "line": {"color": VERMILLION, "width": 3},
            "hovertemplate": f"ŷ = {c.m:{_EXACT}}·x + {c.b:{_EXACT}}<extra></extra>",
        },
        {
            "type": "scatter",
            "x": np.array((c.x[i], c.x[i])),
            "y": np.array((c.y[i], c.y_hat[i])),
            "mode": "lines",
            "name": f"residual of point #{i + 1}",
            "line": {"color": ORANGE, "width": 4},
            "hoverinfo": "skip",
            "showlegend": False,
        },
        {
            "type": "scatter",
            "x": np.array((c.x[i],)),
            "y": np.array((c.y[i],)),
            "mode": "markers",
            "name": f"point #{i + 1}",
            "marker": {
                "color": ORANGE,
                "size": 15,
                "symbol": "diamond",
                "line": {"color": "black", "width": 2},
            },
            "customdata": [[i, i + 1, c.r[i], c.d_m[i], c.d_b[i]]],
            "hovertemplate": hover,
        },
    ]
    return {
        "data": [pack_arrays(t) for t in data],
        "layout": {
            "height": CHART_HEIGHT,
            "margin": {"l": 60, "r": 10, "t": 40, "b": 50},
            "title": {
                "text": f"Residuals at step {lesson.step:,}: r = y − (m·x + b)",
                "font": {"size": 15},
                "x": 0.02,
            },
            "xaxis": {"title": {"text": x_title}, "zeroline": False},
            "yaxis": {"title": {"text": y_title}, "zeroline": False},
            "legend": {"orientation": "h", "y": -0.18, "x": 0},
            "hovermode": "closest",
            "clickmode": "event+select",
            "dragmode": "pan",
        },
    }


def scatter_words(lesson: GradientLesson) -> str:
    """The scatter in one sentence, for screen readers."""
    c = lesson.contributions
    return (
        f"{c.n:,} points and the line y = {c.m:.4g}·x + {c.b:.4g} at step {lesson.step:,}, "
        f"each point joined to the line by its residual; point {lesson.focus + 1} is highlighted."
    )


# ---------------------------------------------------------------------------------------------
# The contributions as sorted bars
# ---------------------------------------------------------------------------------------------


def bar_points(lesson: GradientLesson, param: str, top: int = TOP_BARS) -> np.ndarray:
    """The points with their own bar for ∂L/∂`param`: the `top` largest |terms|, largest first,
    with the focus in its sorted place when it is not among them."""
    order = lesson.contributions.order(param)
    chosen = order[:top]
    if lesson.focus not in chosen:
        rank = int(np.flatnonzero(order == lesson.focus)[0])
        chosen = order[np.sort(np.append(np.arange(top), rank))]
    return chosen


def _bar_panel(lesson: GradientLesson, param: str, axes: tuple[str, str], top: int) -> list[dict]:
    c = lesson.contributions
    d = c.contribution(param)
    total = c.grad_m if param == "m" else c.grad_b
    chosen = bar_points(lesson, param, top)
    rest = np.setdiff1d(np.arange(c.n), chosen)
    labels = [f"#{i + 1}" for i in chosen]
    values = d[chosen].tolist()
    ids = chosen.tolist()
    if rest.size:
        labels.append(f"{rest.size:,} others")
        values.append(math.fsum(d[rest].tolist()))
        ids.append(OTHERS)
    focus = np.array(ids) == lesson.focus
    colours = [
        ORANGE if f else (BLUE if v >= 0 else VERMILLION)
        for v, f in zip(values, focus, strict=True)
    ]
    patterns = ["" if v >= 0 or f else "/" for v, f in zip(values, focus, strict=True)]
    outline = [3 if f else 0 for f in focus]
    if rest.size:
        colours[-1], patterns[-1] = "#BBBBBB", "."
    x_axis, y_axis = axes
    what = f"∂L/∂{param}"
    running = np.cumsum(values).tolist()
    step = -lesson.update.lr * total
    at = ids.index(lesson.focus)
    return [
        {
            "type": "bar",
            "x": labels,
            "y": values,
            "name": f"terms of {what}",
            "marker": {
                "color": colours,
                "pattern": {
                    "shape": patterns,
                    "fgcolor": "white",
                    "size": 6,
                    "fillmode": "overlay",
                },
                "line": {"color": "black", "width": outline},
            },
            "customdata": [[i] for i in ids],
            "hovertemplate": f"%{{x}}: {what} term = %{{y:.6g}}<extra></extra>",
            "showlegend": False,
            "xaxis": x_axis,
            "yaxis": y_axis,
            "unselected": {"marker": {"opacity": 1}},
        },
        {
            "type": "scatter",
            "x": labels,
            "y": running,
            "mode": "lines+markers",
            "name": "running sum",
            "line": {"color": GREEN, "width": 2, "dash": "dot", "shape": "hv"},
            "marker": {"size": 4, "symbol": "square", "color": GREEN},
            "hovertemplate": "running sum to %{x}: %{y:.6g}<extra></extra>",
            "showlegend": param == "m",
            "legendgroup": "running",
            "xaxis": x_axis,
            "yaxis": y_axis,
        },
        {
            "type": "scatter",
            "x": [labels[at]],
            "y": [values[at]],
            "mode": "markers",
            "name": f"point #{lesson.focus + 1}",
            "marker": {
                "color": ORANGE,
                "size": 13,
                "symbol": "diamond",
                "line": {"color": "black", "width": 2},
            },
            "customdata": [[lesson.focus]],
            "hovertemplate": f"%{{x}} (in focus): {what} term = %{{y:.6g}}<extra></extra>",
            "showlegend": False,
            "xaxis": x_axis,
            "yaxis": y_axis,
        },
        {
            "type": "bar",
            "x": [f"Σ {what}"],
            "y": [total],
            "name": "the total: the gradient",
            "marker": {
                "color": GREY,
                "pattern": {"shape": "x", "fgcolor": "white", "size": 6, "fillmode": "overlay"},
                "line": {"color": "black", "width": 2},
            },
            "text": [f"Σ = {total:.4g}"],
            "textposition": "outside",
            "textfont": {"size": 12},
            "constraintext": "none",
            "cliponaxis": False,
            "customdata": [[OTHERS]],
            "hovertemplate": (
                f"Σ = {what} = {total:.10g}<br>step −γ·{what} = {step:.6g}<extra></extra>"
            ),
            "showlegend": param == "m",
            "legendgroup": "total",
            "xaxis": x_axis,
            "yaxis": y_axis,
            "unselected": {"marker": {"opacity": 1}},
        },
    ]


def _padded_range(values: list[float]) -> list[float]:
    lo, hi = min(0.0, *values), max(0.0, *values)
    span = hi - lo if hi > lo else 1.0
    return [lo - 0.12 * span, hi + 0.18 * span]


def bars_spec(lesson: GradientLesson, top: int = TOP_BARS) -> dict:
    """Each point's contribution to ∂L/∂m (top panel) and ∂L/∂b (bottom), sorted by size,
    with the running sum and the total Σ (the gradient) as the last bar; the step −γ·g in
    each panel's title."""
    c, u = lesson.contributions, lesson.update
    data = _bar_panel(lesson, "m", ("x", "y"), top) + _bar_panel(lesson, "b", ("x2", "y2"), top)
    layout = {
        "height": CHART_HEIGHT,
        "margin": {"l": 60, "r": 10, "t": 40, "b": 40},
        "showlegend": True,
        "legend": {"orientation": "h", "y": 1.13, "x": 1, "xanchor": "right"},
        "bargap": 0.15,
        "hovermode": "closest",
        "clickmode": "event+select",
        "dragmode": False,
        "xaxis": {"anchor": "y", "domain": [0, 1], "tickfont": {"size": 10}, "type": "category"},
        "yaxis": {"domain": [0.56, 0.94], "title": {"text": "∂L/∂m terms"}},
        "xaxis2": {"anchor": "y2", "domain": [0, 1], "tickfont": {"size": 10}, "type": "category"},
        "yaxis2": {"domain": [0.0, 0.38], "title": {"text": "∂L/∂b terms"}},
        "annotations": [
            _panel_title(f"∂L/∂m = Σ = {c.grad_m:.4g} → step −γ·∂L/∂m = {u.step_m:.4g}", 0.94),
            _panel_title(f"∂L/∂b = Σ = {c.grad_b:.4g} → step −γ·∂L/∂b = {u.step_b:.4g}", 0.38),
        ],
        "title": {
            "text": "Each point's terms, largest first",
            "font": {"size": 15},
            "x": 0.02,
        },
    }
    for axis, param in (("yaxis", "m"), ("yaxis2", "b")):
        traces = [t for t in data if t["yaxis"] == ("y" if param == "m" else "y2")]
        values = [v for t in traces for v in t["y"]]
        layout[axis]["range"] = _padded_range(values)
    return {"data": data, "layout": layout}


def _panel_title(text: str, y: float) -> dict:
    return {
        "text": text,
        "x": 0,
        "y": y,
        "xref": "paper",
        "yref": "paper",
        "xanchor": "left",
        "yanchor": "bottom",
        "showarrow": False,
        "font": {"size": 13},
    }


def bars_words(lesson: GradientLesson) -> str:
    """The bars in one sentence, for screen readers."""
    c = lesson.contributions
    return (
        f"Bars of each point's term of ∂L/∂m and of ∂L/∂b, largest first; their sums, the "
        f"gradient, are {c.grad_m:.4g} and {c.grad_b:.4g}."
    )


def selected_point(selection: object) -> int | None:
    """The 0-based point a chart selection names (its first point's customdata[0]), or None
    (nothing selected, or a bar that is not one point)."""
    points = (selection or {}).get("points", []) if isinstance(selection, dict) else []
    for p in points:
        custom = p.get("customdata") if isinstance(p, dict) else None
        if isinstance(custom, list | tuple) and custom:
            index = custom[0]
            if isinstance(index, int | float) and index >= 0 and float(index).is_integer():
                return int(index)
    return None
