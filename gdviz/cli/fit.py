"""`python -m gdviz fit`: fit a line y = m*x + b to points by gradient descent, through the
page's own pipeline (gdviz.linefit.run), so both give the same numbers."""

from __future__ import annotations

import argparse

from gdviz.cli.common import (
    EXIT_OK,
    add_points_arguments,
    add_run_options,
    add_start_arguments,
    data_fields,
    emit_json,
    exact,
    optimizer_from_args,
    outcome,
    points_from_args,
    run_fields,
    whole,
)
from gdviz.errors import GdvizError
from gdviz.linefit.run import LineFitRun, run_line_fit
from gdviz.linefit.settings import GENERATE, UPLOAD, LineFitSettings
from gdviz.losses import loss_record
from gdviz.optimizers import Optimizer

NAME = "fit"
ORDER = 0
HELP = "fit a line y = m*x + b to points by gradient descent"
DESCRIPTION = (
    "Fit a line y = m*x + b to points from a CSV file or generated ones:\n"
    "start from (m, b) and follow the gradient of the loss."
)
EPILOG = """\
columns:
  --x and --y take a column name, or a 0-based position when the text is all digits and no
  column has that name (so --x 0 is the first column unless a column is named "0").
  A file without a header has columns named "column 1", "column 2", ...; by default x and y
  are the first two columns holding only numbers.

examples:
  python -m gdviz fit ../shared/data/gradient_descent_example.csv --lr 0.0001 --steps 1000
  python -m gdviz fit sales.csv --x TV --y sales --standardize --lr 0.1
  python -m gdviz fit --generate n=200,noise=3,outliers=0.1 --loss huber --optimizer adam --lr 0.05
  python -m gdviz fit --nesterov --momentum 0.8 --batch-size 10 --seed 3 --json
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The fit command's options: points, loss, start, scaling, batches, optimizer, run."""
    problem = add_points_arguments(parser)
    add_start_arguments(
        problem,
        "run in z = (x - mean)/std, which makes the loss surface round; the start and "
        "every reported m, b stay in the original units of x",
    )
    problem.add_argument(
        "--batch-size",
        type=whole,
        metavar="N",
        help="points per gradient estimate (mini-batches, without replacement within each "
        "epoch); the loss recorded is always the full one (default: all points)",
    )
    problem.add_argument(
        "--seed",
        type=whole,
        default=0,
        metavar="S",
        help="seed of the mini-batch order (the generated points have their own seed, "
        "--generate seed=...) (default: 0)",
    )
    add_run_options(parser)


def run(args: argparse.Namespace) -> int:
    """Fit, then print a summary in words or one JSON object."""
    points, where, generated = points_from_args(args)
    optimizer = optimizer_from_args(args)
    fitted = run_line_fit(points, _settings(args, optimizer, generated))
    if args.json:
        emit_json(_json(args, fitted, optimizer, where, generated))
    else:
        print("\n".join(_summary(args, fitted, optimizer, where, generated)))
    return EXIT_OK


def _delta(args: argparse.Namespace) -> float:
    if args.huber_delta is not None and args.loss != "huber":
        raise GdvizError("--huber-delta applies only to --loss huber.")
    return 1.0 if args.huber_delta is None else args.huber_delta


def _settings(args: argparse.Namespace, optimizer: Optimizer, generated) -> LineFitSettings:
    """The options as the page's own settings (gdviz.linefit), so both give the same numbers."""
    if args.batch_size is not None and args.batch_size < 1:
        raise GdvizError(f"The batch size must be at least 1, not {args.batch_size}.")
    return LineFitSettings(
        dataset=UPLOAD if generated is None else GENERATE,
        seed=args.seed,
        optimizer=optimizer.name,
        lr=optimizer.lr,
        steps=args.steps,
        m0=args.start_m,
        b0=args.start_b,
        loss=args.loss,
        delta=_delta(args),
        batch=args.batch_size or 0,
        scale=args.standardize,
        tol=args.tol,
        hyper=tuple(optimizer.hyperparameters.items()),
    )


def _json(args, fitted: LineFitRun, optimizer: Optimizer, where: str, generated) -> dict:
    t, scaling, points = fitted.trajectory, fitted.scaling, fitted.points
    m_path, b_path = fitted.lines[:, 0], fitted.lines[:, 1]
    (ls_m, ls_b), stab = fitted.optimum, fitted.stability
    return {
        "command": "fit",
        **outcome(t),
        "m": m_path[-1],
        "b": b_path[-1],
        "loss": t.final_loss,
        "history": {"m": m_path, "b": b_path, "loss": t.loss},
        "optimum": {"m": ls_m, "b": ls_b, "loss": fitted.optimum_loss},
        **run_fields(t, optimizer, stab, None if stab is None else stab.limit),
        "loss_function": args.loss,
        "huber_delta": fitted.settings.delta if args.loss == "huber" else None,
        "standardized": scaling is not None,
        "scaling": None if scaling is None else {"mean": scaling.mean, "std": scaling.std},
        "start": {"m": args.start_m, "b": args.start_b},
        "batch_size": args.batch_size,
        "seed": args.seed,
        "data": data_fields(points, where, generated),
    }


def _summary(args, fitted: LineFitRun, optimizer: Optimizer, where: str, generated) -> list[str]:
    t, scaling, points, stab = fitted.trajectory, fitted.scaling, fitted.points, fitted.stability
    m_path, b_path = fitted.lines[:, 0], fitted.lines[:, 1]
    columns = f"x = {points.x_name!r}, y = {points.y_name!r}"
    if generated is None:
        lines = [f"Data: {points.n:,} points from {where} ({columns})."]
    else:
        used = ", ".join(f"{key}={value!r}" for key, value in generated.items())
        lines = [f"Data: {points.n:,} points generated with {used}."]
    if points.note:
        lines.append(f"      {points.note}")
    delta = fitted.settings.delta
    loss_words = loss_record(args.loss).words + (f", δ = {delta!r}" if args.loss == "huber" else "")
    batch = "full batch" if args.batch_size is None else f"batches of {args.batch_size}"
    lines.append(
        f"Loss: {args.loss} ({loss_words}). Optimizer: {optimizer.name}, learning rate "
        f"{optimizer.lr!r}, up to {args.steps:,} steps, {batch}."
    )
    if scaling is not None:
        lines.append(
            f"Standardised: the run used z = (x - {scaling.mean!r}) / {scaling.std!r}; "
            "every m and b below is mapped back to the original units of x."
        )
    (ls_m, ls_b), ls_loss = fitted.optimum, fitted.optimum_loss
    lines += [
        t.message,
        f"Start (step 0):  m = {exact(m_path[0])}, b = {exact(b_path[0])}, "
        f"loss = {exact(t.loss[0])}",
        f"Final (step {t.steps:,}):  m = {exact(m_path[-1])}, b = {exact(b_path[-1])}, "
        f"loss = {exact(t.final_loss)}",
        f"Least squares:  m = {exact(ls_m)}, b = {exact(ls_b)}, loss there = {exact(ls_loss)}",
    ]
    if stab is not None:
        units = " (in z units, where the run happened)" if scaling is not None else ""
        text = (
            f"Stability: 2/λmax = {exact(stab.lr_max)}{units}, condition number "
            f"{stab.condition_number:.6g}."
        )
        if stab.limit is not None and optimizer.name != "gd":
            text += (
                f" For {optimizer.name} the stable learning rates are below {exact(stab.limit)}."
            )
        lines.append(text)
    if t.suggested_lr is not None:
        lines.append(f"Suggested learning rate: {t.suggested_lr!r}.")
    return lines
