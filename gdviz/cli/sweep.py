"""`python -m gdviz sweep`: one line fit at many learning rates from the same start, through
the learning-rate page's own pipeline (gdviz.linefit.sweep_lesson), so both give the same
numbers: per rate the status, final loss and steps to the tolerance, and the stability limits.
"""

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
    number,
    optimizer_from_args,
    points_from_args,
    whole,
)
from gdviz.errors import GdvizError
from gdviz.linefit.settings import GENERATE, UPLOAD, LineFitSettings
from gdviz.linefit.sweep_lesson import SweepSettings, limit_words, summary_counts, sweep_line_fit
from gdviz.sweep import DEFAULT_COUNT, MAX_COUNT

NAME = "sweep"
ORDER = 2
HELP = "run a line fit at many learning rates at once: which rate is too small, good, too big"
DESCRIPTION = (
    "Fit a line y = m*x + b at K log-spaced learning rates, all from the same start for the\n"
    "same number of steps, and report how each run ended beside the stability limits\n"
    "(2/λmax, the fastest rate 2/(λmax+λmin), the optimizer's own limit)."
)
EPILOG = f"""\
range:
  Without --lr-min and --lr-max the rates span 10⁻³·L to 3·L around the optimizer's
  stability limit L (for the adaptive optimizers, 10⁻² to 10³ times their usual rate).
  --count takes 2 to {MAX_COUNT} (default {DEFAULT_COUNT}).

examples:
  python -m gdviz sweep --generate n=200,noise=2 --steps 500
  python -m gdviz sweep points.csv --standardize --optimizer momentum --momentum 0.9 --json
  python -m gdviz sweep --lr-min 1e-4 --lr-max 0.1 --count 30 --loss huber
"""
DEFAULT_TOL = 1e-3  # the page's: steps-to-tolerance needs a tolerance


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The sweep command's options: points, loss, start, scaling, range, optimizer, run."""
    problem = add_points_arguments(parser)
    add_start_arguments(
        problem,
        "run in z = (x - mean)/std (a round loss surface); rates and limits are then "
        "those of the standardised problem",
    )
    rates = parser.add_argument_group("learning rates")
    rates.add_argument("--lr-min", type=number, metavar="A", help="smallest learning rate")
    rates.add_argument("--lr-max", type=number, metavar="B", help="largest learning rate")
    rates.add_argument(
        "--count",
        type=whole,
        default=DEFAULT_COUNT,
        metavar="K",
        help=f"how many log-spaced learning rates (default: {DEFAULT_COUNT})",
    )
    add_run_options(parser)
    parser.set_defaults(tol=DEFAULT_TOL)
    for action in parser._actions:  # one learning rate makes no sense here: the range does
        if action.dest == "lr":
            action.help = argparse.SUPPRESS
        if action.dest == "tol":
            action.help = (
                f"the gradient's length at which a run counts as converged; steps to "
                f"tolerance count to it; 0 runs every step (default: {DEFAULT_TOL:g})"
            )


def run(args: argparse.Namespace) -> int:
    """Sweep, then print a table in words or one JSON object."""
    if args.lr is not None:
        raise GdvizError("sweep runs many learning rates: give --lr-min and --lr-max, not --lr.")
    if args.huber_delta is not None and args.loss != "huber":
        raise GdvizError("--huber-delta applies only to --loss huber.")
    for name in ("lr_min", "lr_max"):
        value = getattr(args, name)
        if value is not None and not value > 0:
            flag = "--" + name.replace("_", "-")
            raise GdvizError(f"{flag} must be a positive number, not {value:g}.")
    delta = 1.0 if args.huber_delta is None else args.huber_delta
    points, where, generated = points_from_args(args)
    optimizer = optimizer_from_args(args)
    settings = LineFitSettings(
        dataset=UPLOAD if generated is None else GENERATE,
        optimizer=optimizer.name,
        steps=args.steps,
        m0=args.start_m,
        b0=args.start_b,
        loss=args.loss,
        delta=delta,
        scale=args.standardize,
        tol=args.tol,
        hyper=tuple(optimizer.hyperparameters.items()),
    )
    sweep_settings = SweepSettings(
        lr_min=args.lr_min or 0.0, lr_max=args.lr_max or 0.0, count=args.count
    )
    swept = sweep_line_fit(points, settings, sweep_settings)
    sw = swept.sweep
    examples = sw.examples()

    if args.json:
        emit_json(
            {
                "command": "sweep",
                **sw.to_dict(),
                "examples": {
                    label: None if i is None else float(sw.lrs[i]) for label, i in examples.items()
                },
                "loss_function": args.loss,
                "huber_delta": delta if args.loss == "huber" else None,
                "standardized": args.standardize,
                "data": data_fields(points, where, generated),
            }
        )
        return EXIT_OK

    lines = [f"Data: {points.n:,} points from {where} (x = {points.x_name!r}, y = "
             f"{points.y_name!r})." if generated is None
             else f"Data: {points.n:,} generated points."]  # fmt: skip
    units = " (standardised x)" if args.standardize else ""
    lines.append(
        f"Loss: {args.loss}{units}. Optimizer: {optimizer.name}. Start m = {args.start_m!r}, "
        f"b = {args.start_b!r}; up to {sw.steps:,} steps, tolerance {sw.tol:g}."
    )
    limits = sw.limits
    lines.append(
        f"Limits ({limits.kind}): 2/λmax = {exact(limits.lr_max)}, 2/(λmax+λmin) = "
        f"{exact(limits.lr_best)}, {optimizer.name} limit = {exact(limits.optimizer_limit)}."
    )
    lines.append(limit_words(swept))
    lines.append(summary_counts(sw))
    lines.append("")
    lines.append(f"{'learning rate':>14}  {'status':<10} {'final loss':>14}  {'to tol':>7}  band")
    for r in sw.results:
        to_tol = "-" if r.steps_to_tol is None else f"{r.steps_to_tol:,}"
        loss = f"at step {r.diverged_at:,}" if r.status == "diverged" else f"{r.final_loss:.8g}"
        lines.append(
            f"{r.lr:>14.6g}  {r.status:<10} {loss:>14}  {to_tol:>7}  {r.band or ''}".rstrip()
        )
    lines.append("")
    lines.append(
        "Examples: " + ", ".join(
            f"{label} γ = {sw.lrs[i]:.4g}" for label, i in examples.items() if i is not None
        ) + "."
    )  # fmt: skip
    print("\n".join(lines))
    return EXIT_OK
