"""`python -m gdviz gradient`: each point's residual and its contributions to ∂L/∂m and ∂L/∂b at
one line y = m*x + b, and their sums (the gradient), so the page's numbers can be checked."""

from __future__ import annotations

import argparse

import numpy as np

from gdviz.cli.common import (
    EXIT_OK,
    add_points_arguments,
    data_fields,
    emit_json,
    exact,
    number,
    points_from_args,
)
from gdviz.contributions import contributions
from gdviz.errors import GdvizError
from gdviz.losses import loss_record
from gdviz.objectives import LineFit

NAME = "gradient"
ORDER = 1
HELP = "each point's share of the gradient at one line y = m*x + b"
DESCRIPTION = (
    "At the line y = m*x + b, print each point's residual r = y - (m*x + b) and its\n"
    "contributions to dL/dm and dL/db (for mse: -2/N*x*r and -2/N*r); their sums are the\n"
    "gradient. With --lr, also the gradient-descent step -lr*gradient it produces."
)
EPILOG = """\
The sums are taken with correctly rounded summation; they equal the engine's gradient (also
printed, as engine_gradient) to about 1e-12 relative.

examples:
  python -m gdviz gradient ../shared/data/gradient_descent_example.csv --m 0 --b 0 --lr 0.0001
  python -m gdviz gradient --generate n=5,noise=1 --m 1.5 --b 0.5 --json
  python -m gdviz gradient sales.csv --x TV --y sales --m 0.05 --b 7 --loss huber --json
"""
TOP = 5  # the largest contributions the summary lists


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Points, loss, the line (--m, --b), an optional learning rate, and --json."""
    line = add_points_arguments(parser)
    line.add_argument("--m", type=number, default=0.0, metavar="M", help="slope (default: 0)")
    line.add_argument("--b", type=number, default=0.0, metavar="B", help="intercept (default: 0)")
    line.add_argument(
        "--lr",
        type=number,
        metavar="LR",
        help="learning rate γ > 0: also print the step -γ*gradient and the line it leads to",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object (per-point lists, their sums, the engine's gradient) "
        "instead of a summary",
    )


def run(args: argparse.Namespace) -> int:
    """Compute the contributions at (--m, --b); print a summary in words or one JSON object."""
    if args.huber_delta is not None and args.loss != "huber":
        raise GdvizError("--huber-delta applies only to --loss huber.")
    if args.lr is not None and not args.lr > 0:
        raise GdvizError(f"The learning rate must be a positive number, not {args.lr!r}.")
    delta = 1.0 if args.huber_delta is None else args.huber_delta
    points, where, generated = points_from_args(args)
    fit = LineFit(points.x, points.y, args.loss, delta)
    c = contributions(fit, args.m, args.b)
    _, engine = fit.value_and_gradient(np.array((args.m, args.b)))
    update = None if args.lr is None else c.update(args.lr)

    if args.json:
        emit_json(
            {
                "command": NAME,
                **c.to_dict(),
                "huber_delta": delta if args.loss == "huber" else None,
                "engine_gradient": {"m": float(engine[0]), "b": float(engine[1])},
                "lr": args.lr,
                "update": None if update is None else update._asdict(),
                "data": data_fields(points, where, generated),
            }
        )
        return EXIT_OK

    if generated is None:
        lines = [f"Data: {points.n:,} points from {where} (x = {points.x_name!r}, "]
        lines[0] += f"y = {points.y_name!r})."
    else:
        settings = ", ".join(f"{key}={value!r}" for key, value in generated.items())
        lines = [f"Data: {points.n:,} points generated with {settings}."]
    words = loss_record(args.loss).words + (f", δ = {delta!r}" if args.loss == "huber" else "")
    ex = c.exercise()
    lines += [
        f"Loss: {args.loss} ({words}) at the line y = {exact(args.m)}*x + {exact(args.b)}: "
        f"L = {exact(c.value)}.",
        f"Each point i adds {ex.coefficient_label}*t_i to dL/db and {ex.coefficient_label}*x_i*t_i "
        f"to dL/dm (t_i = {_term_words(args.loss)}).",
        f"diff = sum of t_i = {exact(ex.diff)}; sum of x_i*t_i = {exact(ex.x_diff)}.",
        f"Gradient (the sums):  dL/dm = {exact(c.grad_m)}, dL/db = {exact(c.grad_b)}",
        f"Engine's gradient:    dL/dm = {exact(engine[0])}, dL/db = {exact(engine[1])}",
        f"Largest contributions to dL/dm (of {c.n:,}):",
    ]
    for i in c.order("m")[:TOP].tolist():
        lines.append(
            f"  point {i + 1}: x = {c.x[i]:.6g}, y = {c.y[i]:.6g}, r = {c.r[i]:.6g}, "
            f"dL/dm term = {c.d_m[i]:.6g}, dL/db term = {c.d_b[i]:.6g}"
        )
    if update is not None:
        lines.append(
            f"Step with lr = {args.lr!r}: -lr*gradient = ({exact(update.step_m)}, "
            f"{exact(update.step_b)}), to m = {exact(update.m)}, b = {exact(update.b)}."
        )
    lines.append("Every point's numbers: add --json.")
    print("\n".join(lines))
    return EXIT_OK


def _term_words(loss: str) -> str:
    return {
        "mae": "sign(r_i)",
        "huber": "r_i clipped to [-δ, δ]",
    }.get(loss, "r_i = y_i - (m*x_i + b)")
