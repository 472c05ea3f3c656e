"""`python -m gdviz optimize`: minimise a classic 2-D test function, or a typed formula
f(x, y) (checked by `gdviz.expression`, never evaluated as Python), from a start point."""

from __future__ import annotations

import argparse
import math

import numpy as np

from gdviz.analysis import curvature, stability_limit
from gdviz.cli.common import (
    EXIT_OK,
    add_run_options,
    emit_json,
    exact,
    number,
    optimizer_from_args,
    outcome,
    pair,
    run_fields,
)
from gdviz.engine import run as run_engine
from gdviz.errors import GdvizError
from gdviz.expression import function_from_text
from gdviz.objectives import TEST_FUNCTIONS

NAME = "optimize"
ORDER = 1
HELP = "minimise a classic 2-D test function such as rosenbrock, or your own f(x, y)"
DESCRIPTION = "Minimise a 2-D test function f(x, y), built in or typed, from a start point."
EPILOG = f"""\
functions: {", ".join(TEST_FUNCTIONS)}, or a formula in x and y (numbers, pi, e,
+ - * / ** or ^, sin cos tan exp log sqrt tanh abs), quoted for the shell

examples:
  python -m gdviz optimize --function valley --lr 0.1 --steps 50
  python -m gdviz optimize --function "x**2 + x*y + y**2" --lr 0.1 --steps 50
  python -m gdviz optimize --function bowl --kappa 100 --optimizer momentum --momentum 0.9
  python -m gdviz optimize --function rosenbrock --start -1,1 --optimizer adam --lr 0.02 --json
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The optimize command's options: the function, its start, optimizer and run."""
    function = parser.add_argument_group("function")
    function.add_argument(
        "--function",
        required=True,
        metavar="NAME|FORMULA",
        help=f'one of {", ".join(TEST_FUNCTIONS)}, or a formula such as "x**2 + 3*y**2" '
        "(required; a formula starts at 2.5,-1 unless --start says otherwise)",
    )
    function.add_argument(
        "--start",
        type=pair,
        metavar="X,Y",
        help="start point, two numbers separated by a comma (default: the function's own)",
    )
    function.add_argument(
        "--kappa",
        type=number,
        metavar="K",
        help="condition number κ of bowl, x² + κ·y²; only with --function bowl (default: 10)",
    )
    add_run_options(parser)


def run(args: argparse.Namespace) -> int:
    """Minimise, then print a summary in words or one JSON object."""
    if args.kappa is not None and args.function != "bowl":
        raise GdvizError("--kappa applies only to --function bowl.")
    options = {} if args.kappa is None else {"kappa": args.kappa}
    function = function_from_text(args.function, **options)
    optimizer = optimizer_from_args(args)
    start = function.start if args.start is None else args.start
    trajectory = run_engine(function, optimizer, start, steps=args.steps, tol=args.tol)
    final = trajectory.final_params
    curv = curvature(function)
    limit = stability_limit(curv, optimizer) if curv is not None else None
    nearest = nearest_minimum(function.minima, final)

    if args.json:
        emit_json(
            {
                "command": "optimize",
                **outcome(trajectory),
                "x": final,
                "loss": trajectory.final_loss,
                "history": {"x": trajectory.params, "loss": trajectory.loss},
                "function": function.name,
                "formula": function.formula,
                "minima": function.minima,
                "nearest_minimum": None if nearest is None else nearest[0],
                "distance_to_minimum": None if nearest is None else nearest[1],
                **run_fields(trajectory, optimizer, curv, limit),
                "start": start,
            }
        )
        return EXIT_OK

    minima = ", ".join(f"({a!r}, {b!r})" for a, b in function.minima) or "none"
    lines = [
        f"Function: {function.name}, f(x, y) = {function.formula}; minima: {minima}.",
        f"Optimizer: {optimizer.name}, learning rate {optimizer.lr!r}, up to {args.steps:,} steps.",
        trajectory.message,
        f"Start (step 0):  x = {exact(start[0])}, y = {exact(start[1])}, "
        f"f = {exact(trajectory.loss[0])}",
        f"Final (step {trajectory.steps:,}):  x = {exact(final[0])}, y = {exact(final[1])}, "
        f"f = {exact(trajectory.final_loss)}",
    ]
    if nearest is not None:
        (a, b), distance = nearest
        lines.append(f"Nearest minimum: ({a!r}, {b!r}), at distance {exact(distance)}.")
    if curv is not None:
        text = f"Stability: 2/λmax = {exact(curv.lr_max)}"
        if curv.lam_min > 0:
            text += f", condition number {curv.condition_number:.6g}"
        text += "."
        if limit is not None and optimizer.name != "gd":
            text += f" For {optimizer.name} the stable learning rates are below {exact(limit)}."
        lines.append(text)
    if trajectory.suggested_lr is not None:
        lines.append(f"Suggested learning rate: {trajectory.suggested_lr!r}.")
    print("\n".join(lines))
    return EXIT_OK


def nearest_minimum(minima, point: np.ndarray) -> tuple[tuple[float, float], float] | None:
    if not minima:
        return None
    distances = [math.hypot(point[0] - a, point[1] - b) for a, b in minima]
    i = min(range(len(minima)), key=distances.__getitem__)
    return minima[i], distances[i]
