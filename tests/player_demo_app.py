"""A small Streamlit page with the player at realistic sizes (browser test and benchmark only).

Run: `streamlit run tests/player_demo_app.py`. A line y = m·x + b is fitted to 100 points by
200 steps of gradient descent on the mean squared error (computed here with numpy, so the page
depends only on the player). Figure 0 holds three 2-D panels (the line over the points, the
loss per step, contour lines of a 150×150 loss grid with the path and the −gradient arrow);
figure 1 is a 60×60 loss surface with the path and a marker. `?step=N` opens at step N, and the
step the player hands back is written into the URL. `?plotly=inline` sends plotly.js inside
the component's JS instead of over HTTP (for the benchmark's comparison).
"""

from __future__ import annotations

import sys
from pathlib import Path

import contourpy
import numpy as np
import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gdviz.plotly_bundle import bundle_text
from gdviz.ui.player import FRONTEND, player
from gdviz.views.playback import (
    moving_trace,
    player_data,
    readout,
    sentence_template,
    typed_array,
)

STEPS, POINTS, LR = 200, 100, 0.05
OKABE = {"blue": "#0072B2", "orange": "#E69F00", "green": "#009E73", "red": "#D55E00"}


def loss_and_grad(x, y, m, b):
    """MSE L = mean((m·x + b − y)²) and ∇L = (2·mean(r·x), 2·mean(r)), r the residuals;
    m and b may be arrays of the same shape (a grid) or scalars."""
    r = np.multiply.outer(m, x) + np.asarray(b)[..., None] - y
    return (r**2).mean(-1), 2 * (r * x).mean(-1), 2 * r.mean(-1)


@st.cache_data
def demo_data() -> dict:
    rng = np.random.default_rng(7)
    x = np.sort(rng.uniform(0.0, 4.0, POINTS))
    y = 1.8 * x + 0.5 + rng.normal(0.0, 0.6, POINTS)
    params = np.empty((STEPS, 2))
    params[0] = (-1.0, 4.0)
    for k in range(1, STEPS):
        _, gm, gb = loss_and_grad(x, y, *params[k - 1])
        params[k] = params[k - 1] - LR * np.array((gm, gb))
    loss, gm, gb = loss_and_grad(x, y, params[:, 0], params[:, 1])
    m_opt, b_opt = np.polyfit(x, y, 1)
    lo, hi = params.min(0), params.max(0)
    pad = 0.15 * (hi - lo)
    axes = [np.linspace(lo[i] - pad[i], hi[i] + pad[i], 150) for i in range(2)]
    mm, bb = np.meshgrid(*axes)
    zz = loss_and_grad(x, y, mm, bb)[0]
    x_ends = np.array((x.min(), x.max()))

    traces2d = [
        {
            "type": "scatter",
            "x": typed_array(x),
            "y": typed_array(y),
            "mode": "markers",
            "name": "points",
            "marker": {"color": OKABE["blue"], "size": 7},
        },
        {
            "type": "scatter",
            "x": x_ends.tolist(),
            "y": (m_opt * x_ends + b_opt).tolist(),
            "mode": "lines",
            "name": "least squares",
            "line": {"color": OKABE["green"], "dash": "dash", "width": 2},
        },
        {
            "type": "scatter",
            "x": x_ends.tolist(),
            "y": [0.0, 0.0],
            "mode": "lines",
            "name": "fitted line",
            "line": {"color": OKABE["red"], "width": 3},
        },
        {
            "type": "scatter",
            "x": list(range(STEPS)),
            "y": typed_array(loss),
            "xaxis": "x2",
            "yaxis": "y2",
            "mode": "lines",
            "name": "loss",
            "line": {"color": OKABE["blue"]},
        },
        {
            "type": "scatter",
            "x": [0],
            "y": [0.0],
            "xaxis": "x2",
            "yaxis": "y2",
            "mode": "markers",
            "name": "this step",
            "showlegend": False,
            "marker": {"color": OKABE["red"], "size": 11, "symbol": "diamond"},
        },
    ]
    generator = contourpy.contour_generator(
        *axes, zz, line_type=contourpy.LineType.ChunkCombinedNan
    )
    levels = zz.min() + (zz.max() - zz.min()) * np.geomspace(1e-3, 1.0, 15)[:-1]
    for i, level in enumerate(levels):
        xy = np.concatenate([c for c in generator.lines(level)[0] if c is not None])
        traces2d.append(
            {
                "type": "scatter",
                "x": typed_array(xy[:, 0]),
                "y": typed_array(xy[:, 1]),
                "xaxis": "x3",
                "yaxis": "y3",
                "mode": "lines",
                "name": "loss contours",
                "legendgroup": "c",
                "showlegend": i == 0,
                "hoverinfo": "skip",
                "line": {"color": "#7a7f8c", "width": 1},
            }
        )
    path_index = len(traces2d)
    traces2d += [
        {
            "type": "scatter",
            "x": typed_array(params[:, 0]),
            "y": typed_array(params[:, 1]),
            "xaxis": "x3",
            "yaxis": "y3",
            "mode": "lines",
            "name": "path",
            "line": {"color": "#222222", "width": 2},
        },
        {
            "type": "scatter",
            "x": [0.0, 0.0],
            "y": [0.0, 0.0],
            "xaxis": "x3",
            "yaxis": "y3",
            "mode": "lines+markers",
            "name": "−gradient",
            "line": {"color": "#CC79A7", "width": 3},
            "marker": {"symbol": "arrow", "angleref": "previous", "size": [0, 14]},
        },
        {
            "type": "scatter",
            "x": [0.0],
            "y": [0.0],
            "xaxis": "x3",
            "yaxis": "y3",
            "mode": "markers",
            "name": "this step",
            "showlegend": False,
            "marker": {"color": OKABE["red"], "size": 11},
        },
    ]
    axis = {"zeroline": False, "automargin": True}
    figure2d = {
        "data": traces2d,
        "layout": {
            "height": 360,
            "margin": {"l": 50, "r": 10, "t": 30, "b": 40},
            "font": {"size": 14},
            "showlegend": False,
            "hovermode": "closest",
            "xaxis": {**axis, "domain": [0.0, 0.29], "title": {"text": "x"}},
            "yaxis": {**axis, "title": {"text": "y"}},
            "xaxis2": {**axis, "domain": [0.36, 0.63], "anchor": "y2", "title": {"text": "step"}},
            "yaxis2": {**axis, "anchor": "x2", "title": {"text": "loss"}},
            "xaxis3": {
                **axis,
                "domain": [0.71, 1.0],
                "anchor": "y3",
                "title": {"text": "m"},
                "range": [float(axes[0][0]), float(axes[0][-1])],
            },
            "yaxis3": {
                **axis,
                "anchor": "x3",
                "title": {"text": "b"},
                "range": [float(axes[1][0]), float(axes[1][-1])],
            },
            "annotations": [
                {
                    "text": text,
                    "x": x0,
                    "y": 1.0,
                    "xref": "paper",
                    "yref": "paper",
                    "yanchor": "bottom",
                    "showarrow": False,
                    "font": {"size": 15},
                }
                for text, x0 in (
                    ("Line over the points", 0.145),
                    ("Loss per step", 0.495),
                    ("Contour with the path", 0.855),
                )
            ],
        },
    }
    g60 = [np.linspace(a[0], a[-1], 60) for a in axes]
    z60 = loss_and_grad(x, y, *np.meshgrid(*g60))[0]
    figure3d = {
        "data": [
            {
                "type": "surface",
                "x": typed_array(g60[0]),
                "y": typed_array(g60[1]),
                "z": typed_array(z60),
                "colorscale": "Viridis",
                "showscale": False,
                "opacity": 0.9,
            },
            {
                "type": "scatter3d",
                "x": typed_array(params[:, 0]),
                "y": typed_array(params[:, 1]),
                "z": typed_array(loss),
                "mode": "lines",
                "name": "path",
                "line": {"color": OKABE["red"], "width": 5},
            },
            {
                "type": "scatter3d",
                "x": [0.0],
                "y": [0.0],
                "z": [0.0],
                "mode": "markers",
                "name": "this step",
                "marker": {
                    "color": OKABE["orange"],
                    "size": 7,
                    "line": {"color": "black", "width": 2},
                },
            },
        ],
        "layout": {
            "height": 360,
            "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
            "showlegend": False,
            "uirevision": "surface",
            "scene": {
                "xaxis": {"title": {"text": "m"}},
                "yaxis": {"title": {"text": "b"}},
                "zaxis": {"title": {"text": "loss"}},
                "camera": {"eye": {"x": 1.5, "y": -1.5, "z": 0.9}},
            },
        },
    }
    span = np.array((axes[0][-1] - axes[0][0], axes[1][-1] - axes[1][0]))
    direction = -np.column_stack((gm, gb)) / span
    unit = direction / np.hypot(*direction.T)[:, None]
    tips = params + 0.12 * unit * span
    lines_y = params[:, :1] * x_ends + params[:, 1:]
    moving = [
        moving_trace(0, 2, y=lines_y),
        moving_trace(0, 4, x=np.arange(STEPS), y=loss),
        moving_trace(
            0,
            path_index + 1,
            x=np.column_stack((params[:, 0], tips[:, 0])),
            y=np.column_stack((params[:, 1], tips[:, 1])),
        ),
        moving_trace(0, path_index + 2, x=params[:, 0], y=params[:, 1]),
        moving_trace(1, 2, x=params[:, 0], y=params[:, 1], z=loss),
    ]
    new = params - LR * np.column_stack((gm, gb))
    update = [
        f"m ← {m:.6g} − {LR} × ({g:.6g}) = {n:.6g}"
        for m, g, n in zip(params[:, 0], gm, new[:, 0], strict=True)
    ]
    readouts = [
        readout("m", "m", params[:, 0]),
        readout("b", "b", params[:, 1]),
        readout("loss", "loss", loss),
        readout("grad_m", "∂L/∂m", gm),
        readout("grad_b", "∂L/∂b", gb),
        readout("grad_norm", "|∇L|", np.hypot(gm, gb)),
        readout("update", "update", update, str, wide=True),
    ]
    sentences = [
        sentence_template(
            0,
            "Step {step}: the fitted line is y = {m}·x + {b}; the loss is "
            "{loss}; the path on the contour moves against the gradient.",
        ),
        sentence_template(
            1, "On the loss surface the current point is m = {m}, b = {b} at height {loss}."
        ),
    ]
    return {
        "figures": [figure2d, figure3d],
        "moving": moving,
        "readouts": readouts,
        "sentences": sentences,
    }


st.set_page_config(page_title="gdviz player demo", layout="wide")
st.markdown("#### Player demo")
parts = demo_data()
start = st.query_params.get("step")
data = player_data(
    parts["figures"],
    range(STEPS),
    moving=parts["moving"],
    readouts=parts["readouts"],
    sentences=parts["sentences"],
    labels=["Line, loss and contour views", "Loss surface in 3-D"],
    widths=[2.6, 1.0],
    start_step=int(start) if start and start.isdigit() else 0,
)
if st.query_params.get("plotly") == "inline":
    inline = st.components.v2.component(
        "gdviz.player_inline",
        js=bundle_text() + "\n" + (FRONTEND / "player.js").read_text(encoding="utf-8"),
        css=(FRONTEND / "player.css").read_text(encoding="utf-8"),
        isolate_styles=False,
    )
    result = inline(key="demo", data=data, default={"step": 0}, on_step_change=lambda: None)
    step = int(getattr(result, "step", 0) or 0)
else:
    step = player(data, key="demo")
st.query_params["step"] = str(step)
st.caption(f"Server sees step {step:,}")
