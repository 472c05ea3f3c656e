"""The command line: `python -m gdviz fit ...` and `python -m gdviz optimize ...`.

`fit` runs an optimizer on the loss of a line y = m*x + b over points from a CSV file or
generated ones; `optimize` runs one on a classic 2-D test function. Both print a short summary
in words, or with `--json` exactly one JSON object (floats round-trip exactly; anything not
finite is null). Bad input exits with status 2 and one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

import numpy as np

from gdviz import data
from gdviz.analysis import curvature, stability_limit
from gdviz.engine import MAX_STEPS, Trajectory, run
from gdviz.errors import GdvizError
from gdviz.linefit.run import run_line_fit
from gdviz.linefit.settings import GENERATE, UPLOAD, LineFitSettings
from gdviz.losses import LOSSES, loss_record
from gdviz.objectives import TEST_FUNCTIONS, test_function
from gdviz.optimizers import OPTIMIZERS, Optimizer, all_hyperparameters, optimizer_spec

PROG = "gdviz"
EXIT_OK, EXIT_USAGE, EXIT_INTERRUPTED = 0, 2, 130

# --generate keys: name -> (parse, what the value must be, default shown in --help)
_GENERATE_KEYS: dict[str, tuple[type, str, str]] = {
    "n": (int, "a whole number", "100"),
    "slope": (float, "a number", "2"),
    "intercept": (float, "a number", "1"),
    "noise": (float, "a number", "1"),
    "seed": (int, "a whole number", "0"),
    "x_min": (float, "a number", "0"),
    "x_max": (float, "a number", "10"),
    "outliers": (float, "a number", "0"),
}
_NESTEROV_FROM = (None, "gd", "momentum")  # --optimizer values that --nesterov turns into nesterov


class _UsageError(Exception):
    """A command-line usage error from argparse, reported by `main` as one line."""


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors: `gdviz: error: <message>` and exit status 2 (via main)."""

    def error(self, message: str) -> NoReturn:
        if "required: COMMAND" in message:
            message = "choose a command, fit or optimize (see python -m gdviz --help)"
        raise _UsageError(message)


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the epilog's examples as written; a little wider option column."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=32)


# --------------------------------------------------------------------------------------------
# Argument types: each failure is one line, "argument --lr: 'abc' is not a number"
# --------------------------------------------------------------------------------------------


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def _whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def _pair(text: str) -> tuple[float, float]:
    parts = text.split(",")
    if len(parts) != 2:
        raise argparse.ArgumentTypeError(f"{text!r} is not two numbers X,Y (such as 1.5,-2)")
    return _number(parts[0].strip()), _number(parts[1].strip())


def _glue_negative_values(argv: Sequence[str]) -> list[str]:
    """Join `--opt -1,2` into `--opt=-1,2`: argparse would take "-1,2" or "-1e-3" for an option."""
    out: list[str] = []
    for token in argv:
        previous = out[-1] if out else ""
        glue = (
            previous.startswith("--")
            and "=" not in previous
            and len(token) > 1
            and token[0] == "-"
            and (token[1].isdigit() or token[1] == ".")
        )
        if glue:
            out[-1] = f"{previous}={token}"
        else:
            out.append(token)
    return out


# --------------------------------------------------------------------------------------------
# Parsers
# --------------------------------------------------------------------------------------------


def _hyperparameter_help(name: str) -> str:
    """The option's meaning and, for each optimizer that has it, its default (from the registry)."""
    meaning, owners = "", []
    for spec in OPTIMIZERS.values():
        for h in spec.hyperparameters:
            if h.name == name:
                meaning = meaning or h.help
                owners.append(spec.name if h.is_flag else f"{spec.name} (default {h.default:g})")
    return f"{meaning}. For {', '.join(owners)}.".replace("%", "%%")


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    """Options of both commands: optimizer, its hyperparameters, steps, output."""
    run_group = parser.add_argument_group("optimizer and run")
    lrs = ", ".join(f"{name} {spec.default_lr:g}" for name, spec in OPTIMIZERS.items())
    run_group.add_argument(
        "--optimizer",
        metavar="NAME",
        help=f"one of {', '.join(OPTIMIZERS)} (default: gd)",
    )
    run_group.add_argument(
        "--lr",
        type=_number,
        metavar="LR",
        help=f"learning rate γ > 0 (default: the optimizer's own: {lrs})",
    )
    run_group.add_argument(
        "--steps",
        type=_whole,
        default=1000,
        metavar="K",
        help=f"most updates to run, 0 to {MAX_STEPS:,} (default: 1000)",
    )
    run_group.add_argument(
        "--tol",
        type=_number,
        default=0.0,
        metavar="T",
        help="stop ('converged') once the gradient's length is ≤ T; 0 runs every step (default: 0)",
    )
    run_group.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object (status, steps, final values, history, ...) instead of "
        "a summary",
    )

    hyper = parser.add_argument_group(
        "optimizer hyperparameters",
        "Used only when you set them; an option the chosen optimizer does not have\n"
        "is an error. Names, defaults and update rules follow torch.optim.",
    )
    # One option per hyperparameter of any registered optimizer, derived from the registry:
    # a number (metavar: its symbol in the maths) or, for an on/off option, a switch.
    for h in all_hyperparameters().values():
        if h.is_flag:
            hyper.add_argument(h.cli_flag, action="store_true", help=_hyperparameter_help(h.name))
        else:
            metavar = h.symbol or h.name.upper()
            hyper.add_argument(
                h.cli_flag, type=_number, metavar=metavar, help=_hyperparameter_help(h.name)
            )
    hyper.add_argument(
        "--nesterov",
        action="store_true",
        help="Nesterov momentum: selects the optimizer nesterov when --optimizer is gd, "
        "momentum or not given (an error with any other optimizer)",
    )


_TOP_EPILOG = f"""\
examples:
  python -m gdviz fit points.csv --x hours --y score --lr 0.01 --steps 500
  python -m gdviz fit --generate n=50,slope=3,noise=2 --optimizer adam --lr 0.1 --json
  python -m gdviz optimize --function rosenbrock --optimizer momentum --lr 0.0005

Run `python -m gdviz fit --help` or `python -m gdviz optimize --help` for every option.
Exit status: {EXIT_OK} when the run finished (whatever its status: converged, max_steps or
diverged), {EXIT_USAGE} for bad input (one line on stderr), {EXIT_INTERRUPTED} when interrupted.
"""

_FIT_EPILOG = """\
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

_OPTIMIZE_EPILOG = f"""\
functions: {", ".join(TEST_FUNCTIONS)}

examples:
  python -m gdviz optimize --function valley --lr 0.1 --steps 50
  python -m gdviz optimize --function bowl --kappa 100 --optimizer momentum --momentum 0.9
  python -m gdviz optimize --function rosenbrock --start -1,1 --optimizer adam --lr 0.02 --json
"""


def build_parser() -> argparse.ArgumentParser:
    """The `gdviz` argument parser with its `fit` and `optimize` commands."""
    parser = _Parser(
        prog=PROG,
        description="gdviz: watch gradient descent work, exactly, from the command line.",
        epilog=_TOP_EPILOG,
        formatter_class=_HelpFormatter,
        allow_abbrev=False,
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    fit = commands.add_parser(
        "fit",
        help="fit a line y = m*x + b to points by gradient descent",
        description="Fit a line y = m*x + b to points from a CSV file or generated ones:\n"
        "start from (m, b) and follow the gradient of the loss.",
        epilog=_FIT_EPILOG,
        formatter_class=_HelpFormatter,
        allow_abbrev=False,
    )
    points = fit.add_argument_group("points")
    points.add_argument(
        "data",
        nargs="?",
        metavar="DATA.csv",
        help="CSV file of points ('-' reads standard input); without it and without "
        "--generate, points are generated with the defaults below",
    )
    points.add_argument(
        "--x",
        metavar="COL",
        help="column for x: name or 0-based position (default: the first numeric column)",
    )
    points.add_argument(
        "--y",
        metavar="COL",
        help="column for y: name or 0-based position (default: the next numeric column)",
    )
    keys = ", ".join(f"{key}={default}" for key, (_, _, default) in _GENERATE_KEYS.items())
    points.add_argument(
        "--generate",
        metavar="KEY=VALUE,...",
        help="generate points about the line y = slope*x + intercept instead of reading a file, "
        f"as comma-separated keys (defaults: {keys}); x is uniform in [x_min, x_max), noise "
        "is the scatter's standard deviation, outliers the fraction of points moved far off "
        "the line (0 to 0.5)",
    )

    problem = fit.add_argument_group("loss and start")
    problem.add_argument(
        "--loss",
        choices=LOSSES,
        default="mse",
        help="mse = mean of squared errors, sse = their sum, mae = mean absolute error, "
        "huber = Huber loss (default: mse)",
    )
    problem.add_argument(
        "--huber-delta",
        type=_number,
        metavar="D",
        help="Huber's δ: quadratic for |error| ≤ δ, linear beyond; only with --loss huber "
        "(default: 1.0)",
    )
    problem.add_argument(
        "--start-m", type=_number, default=0.0, metavar="M", help="starting slope (default: 0)"
    )
    problem.add_argument(
        "--start-b", type=_number, default=0.0, metavar="B", help="starting intercept (default: 0)"
    )
    problem.add_argument(
        "--standardize",
        action="store_true",
        help="run in z = (x - mean)/std, which makes the loss surface round; the start and "
        "every reported m, b stay in the original units of x",
    )
    problem.add_argument(
        "--batch-size",
        type=_whole,
        metavar="N",
        help="points per gradient estimate (mini-batches, without replacement within each "
        "epoch); the loss recorded is always the full one (default: all points)",
    )
    problem.add_argument(
        "--seed",
        type=_whole,
        default=0,
        metavar="S",
        help="seed of the mini-batch order (the generated points have their own seed, "
        "--generate seed=...) (default: 0)",
    )
    _add_run_options(fit)

    optimize = commands.add_parser(
        "optimize",
        help="minimise a classic 2-D test function such as rosenbrock",
        description="Minimise a 2-D test function f(x, y) from a start point.",
        epilog=_OPTIMIZE_EPILOG,
        formatter_class=_HelpFormatter,
        allow_abbrev=False,
    )
    function = optimize.add_argument_group("function")
    function.add_argument(
        "--function",
        required=True,
        metavar="NAME",
        help=f"one of {', '.join(TEST_FUNCTIONS)} (required)",
    )
    function.add_argument(
        "--start",
        type=_pair,
        metavar="X,Y",
        help="start point, two numbers separated by a comma (default: the function's own)",
    )
    function.add_argument(
        "--kappa",
        type=_number,
        metavar="K",
        help="condition number κ of bowl, x² + κ·y²; only with --function bowl (default: 10)",
    )
    _add_run_options(optimize)
    return parser


# --------------------------------------------------------------------------------------------
# From arguments to engine objects
# --------------------------------------------------------------------------------------------


def _optimizer(args: argparse.Namespace) -> Optimizer:
    """The optimizer the options name, built with only the hyperparameters given."""
    name = args.optimizer or "gd"
    if args.nesterov and args.optimizer in _NESTEROV_FROM:
        name = "nesterov"
    spec = optimizer_spec(name)
    if name == "gd" and (args.momentum is not None or args.dampening is not None):
        raise GdvizError(
            "Plain gradient descent (gd) has no momentum; add --optimizer momentum or "
            "--nesterov to use --momentum and --dampening."
        )
    # Only the options given: a flag that is off and a number left out are not passed.
    hyper: dict[str, Any] = {}
    for h in all_hyperparameters().values():
        value = getattr(args, h.name)
        if value is not None and value is not False:
            hyper[h.name] = value
    if args.nesterov and name != "nesterov":
        hyper["nesterov"] = True  # the spec refuses it, with the optimizer's own options listed
    return spec.build(args.lr, **hyper)


def _generate_options(text: str) -> dict[str, int | float]:
    """`n=100,slope=2` -> {"n": 100, "slope": 2.0}; unknown keys and bad values are errors."""
    options: dict[str, int | float] = {}
    allowed = ", ".join(_GENERATE_KEYS)
    for item in text.split(","):
        if not item.strip():
            continue
        key, sep, value = (part.strip() for part in item.partition("="))
        if not sep:
            raise GdvizError(f"--generate takes key=value pairs separated by commas, not {item!r}.")
        if key not in _GENERATE_KEYS:
            raise GdvizError(f"--generate has no key {key!r}; the keys are {allowed}.")
        if key in options:
            raise GdvizError(f"--generate sets {key} twice.")
        parse, kind, _ = _GENERATE_KEYS[key]
        try:
            options[key] = parse(value)
        except ValueError:
            raise GdvizError(f"--generate {key} must be {kind}, not {value!r}.") from None
    return options


def _column(spec: str | None, names: list[str]) -> str | int | None:
    """A name, or a 0-based position when all digits and no column has that name."""
    if spec is None or spec in names:
        return spec
    if spec.isascii() and spec.isdigit():
        return int(spec)
    return spec


def _points(args: argparse.Namespace) -> tuple[data.Points, str, dict[str, Any] | None]:
    """The points to fit, where they came from, and the settings they were generated with."""
    if args.data is not None and args.generate is not None:
        raise GdvizError("Give a CSV file or --generate, not both.")
    if args.data is None:
        if args.x is not None or args.y is not None:
            raise GdvizError("--x and --y choose columns of a CSV file; give the file too.")
        options = _generate_options(args.generate or "")
        points = data.generate_points(**options)
        settings = {key: parse(default) for key, (parse, _, default) in _GENERATE_KEYS.items()}
        settings.update(options)
        return points, "generated", settings
    if args.data == "-":
        source: object = sys.stdin.buffer.read()
        where = "standard input"
    else:
        source = where = args.data
    table = data.read_table(source)
    names = [str(name) for name in table.frame.columns]
    points = data.choose_columns(table, _column(args.x, names), _column(args.y, names))
    return points, where, None


def _finite(value: Any) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def _clean(obj: Any) -> Any:
    """JSON-safe: numpy to Python, every non-finite float to None."""
    if isinstance(obj, dict):
        return {key: _clean(value) for key, value in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(value) for value in obj]
    if isinstance(obj, np.ndarray):
        return _clean(obj.tolist())
    if isinstance(obj, bool | int | str) or obj is None:
        return obj
    if isinstance(obj, float | np.floating):
        return _finite(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    return obj


def _outcome(trajectory: Trajectory) -> dict:
    """The run's status, in words too, and the steps taken: the first keys of every JSON."""
    return {
        "status": trajectory.status,
        "message": trajectory.message,
        "steps": trajectory.steps,
    }


def _run_fields(trajectory: Trajectory, optimizer: Optimizer, curv, limit) -> dict:
    """What both commands report about the optimizer and the curvature."""
    return {
        "lr_max": None if curv is None else curv.lr_max,
        "condition_number": None if curv is None else curv.condition_number,
        "stability_limit": limit,
        "suggested_lr": trajectory.suggested_lr,
        "diverged_at": trajectory.diverged_at,
        "optimizer": optimizer.name,
        "lr": optimizer.lr,
        "hyperparameters": optimizer.hyperparameters,
    }


def _emit_json(obj: dict[str, Any]) -> None:
    print(json.dumps(_clean(obj), allow_nan=False))


def _f(value: float | None) -> str:
    """Full precision: the float's repr, which round-trips."""
    return "undefined" if value is None else repr(float(value))


# --------------------------------------------------------------------------------------------
# Commands
# --------------------------------------------------------------------------------------------


def _fit(args: argparse.Namespace) -> int:
    if args.huber_delta is not None and args.loss != "huber":
        raise GdvizError("--huber-delta applies only to --loss huber.")
    delta = 1.0 if args.huber_delta is None else args.huber_delta
    points, where, generated = _points(args)
    optimizer = _optimizer(args)
    if args.batch_size is not None and args.batch_size < 1:
        raise GdvizError(f"The batch size must be at least 1, not {args.batch_size}.")
    # The page's own pipeline (gdviz.linefit.run), so both give the same numbers.
    settings = LineFitSettings(
        dataset=UPLOAD if generated is None else GENERATE,
        seed=args.seed,
        optimizer=optimizer.name,
        lr=optimizer.lr,
        steps=args.steps,
        m0=args.start_m,
        b0=args.start_b,
        loss=args.loss,
        delta=delta,
        batch=args.batch_size or 0,
        scale=args.standardize,
        tol=args.tol,
        hyper=tuple(optimizer.hyperparameters.items()),
    )
    fitted = run_line_fit(points, settings)
    trajectory, scaling = fitted.trajectory, fitted.scaling
    m_path, b_path = fitted.lines[:, 0], fitted.lines[:, 1]
    start = (args.start_m, args.start_b)
    (ls_m, ls_b), ls_loss = fitted.optimum, fitted.optimum_loss
    curv, limit = fitted.stability, None if fitted.stability is None else fitted.stability.limit

    if args.json:
        _emit_json(
            {
                "command": "fit",
                **_outcome(trajectory),
                "m": m_path[-1],
                "b": b_path[-1],
                "loss": trajectory.final_loss,
                "history": {"m": m_path, "b": b_path, "loss": trajectory.loss},
                "optimum": {"m": ls_m, "b": ls_b, "loss": ls_loss},
                **_run_fields(trajectory, optimizer, curv, limit),
                "loss_function": args.loss,
                "huber_delta": delta if args.loss == "huber" else None,
                "standardized": scaling is not None,
                "scaling": None if scaling is None else {"mean": scaling.mean, "std": scaling.std},
                "start": {"m": start[0], "b": start[1]},
                "batch_size": args.batch_size,
                "seed": args.seed,
                "data": {
                    "source": where,
                    "generate": generated,
                    "n": points.n,
                    "x": points.x_name,
                    "y": points.y_name,
                    "dropped": points.dropped,
                    "note": points.note,
                },
            }
        )
        return EXIT_OK

    columns = f"x = {points.x_name!r}, y = {points.y_name!r}"
    if generated is None:
        lines = [f"Data: {points.n:,} points from {where} ({columns})."]
    else:
        settings = ", ".join(f"{key}={value!r}" for key, value in generated.items())
        lines = [f"Data: {points.n:,} points generated with {settings}."]
    if points.note:
        lines.append(f"      {points.note}")
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
    lines.append(trajectory.message)
    start_loss = _f(trajectory.loss[0])
    lines.append(f"Start (step 0):  m = {_f(m_path[0])}, b = {_f(b_path[0])}, loss = {start_loss}")
    lines.append(
        f"Final (step {trajectory.steps:,}):  m = {_f(m_path[-1])}, b = {_f(b_path[-1])}, "
        f"loss = {_f(trajectory.final_loss)}"
    )
    lines.append(f"Least squares:  m = {_f(ls_m)}, b = {_f(ls_b)}, loss there = {_f(ls_loss)}")
    if curv is not None:
        units = " (in z units, where the run happened)" if scaling is not None else ""
        text = (
            f"Stability: 2/λmax = {_f(curv.lr_max)}{units}, condition number "
            f"{curv.condition_number:.6g}."
        )
        if limit is not None and optimizer.name != "gd":
            text += f" For {optimizer.name} the stable learning rates are below {_f(limit)}."
        lines.append(text)
    if trajectory.suggested_lr is not None:
        lines.append(f"Suggested learning rate: {trajectory.suggested_lr!r}.")
    print("\n".join(lines))
    return EXIT_OK


def _optimize(args: argparse.Namespace) -> int:
    if args.kappa is not None and args.function != "bowl":
        raise GdvizError("--kappa applies only to --function bowl.")
    options = {} if args.kappa is None else {"kappa": args.kappa}
    function = test_function(args.function, **options)
    optimizer = _optimizer(args)
    start = function.start if args.start is None else args.start
    trajectory = run(function, optimizer, start, steps=args.steps, tol=args.tol)
    final = trajectory.final_params
    curv = curvature(function)
    limit = stability_limit(curv, optimizer) if curv is not None else None
    nearest = _nearest_minimum(function.minima, final)

    if args.json:
        _emit_json(
            {
                "command": "optimize",
                **_outcome(trajectory),
                "x": final,
                "loss": trajectory.final_loss,
                "history": {"x": trajectory.params, "loss": trajectory.loss},
                "function": function.name,
                "formula": function.formula,
                "minima": function.minima,
                "nearest_minimum": None if nearest is None else nearest[0],
                "distance_to_minimum": None if nearest is None else nearest[1],
                **_run_fields(trajectory, optimizer, curv, limit),
                "start": start,
            }
        )
        return EXIT_OK

    minima = ", ".join(f"({a!r}, {b!r})" for a, b in function.minima) or "none"
    lines = [
        f"Function: {function.name}, f(x, y) = {function.formula}; minima: {minima}.",
        f"Optimizer: {optimizer.name}, learning rate {optimizer.lr!r}, up to {args.steps:,} steps.",
        trajectory.message,
        f"Start (step 0):  x = {_f(start[0])}, y = {_f(start[1])}, f = {_f(trajectory.loss[0])}",
        f"Final (step {trajectory.steps:,}):  x = {_f(final[0])}, y = {_f(final[1])}, "
        f"f = {_f(trajectory.final_loss)}",
    ]
    if nearest is not None:
        (a, b), distance = nearest
        lines.append(f"Nearest minimum: ({a!r}, {b!r}), at distance {_f(distance)}.")
    if curv is not None:
        text = f"Stability: 2/λmax = {_f(curv.lr_max)}"
        if curv.lam_min > 0:
            text += f", condition number {curv.condition_number:.6g}"
        text += "."
        if limit is not None and optimizer.name != "gd":
            text += f" For {optimizer.name} the stable learning rates are below {_f(limit)}."
        lines.append(text)
    if trajectory.suggested_lr is not None:
        lines.append(f"Suggested learning rate: {trajectory.suggested_lr!r}.")
    print("\n".join(lines))
    return EXIT_OK


def _nearest_minimum(minima, point: np.ndarray) -> tuple[tuple[float, float], float] | None:
    if not minima:
        return None
    distances = [math.hypot(point[0] - a, point[1] - b) for a, b in minima]
    i = min(range(len(minima)), key=distances.__getitem__)
    return minima[i], distances[i]


_COMMANDS = {"fit": _fit, "optimize": _optimize}


def _one_line(message: object) -> str:
    return " ".join(str(message).split())


def _fail(message: object) -> int:
    print(f"{PROG}: error: {_one_line(message)}", file=sys.stderr)
    return EXIT_USAGE


def _tolerant_streams() -> None:
    """Never fail on a console that cannot show μ or ≥: replace what it cannot encode."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):  # a stream in an unusual state
                reconfigure(errors="backslashreplace")


def main(argv: list[str] | None = None) -> int:
    """Run the command line on `argv` (default: sys.argv[1:]) and return the exit status."""
    _tolerant_streams()
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        try:
            args = build_parser().parse_args(_glue_negative_values(argv))
        except _UsageError as error:
            return _fail(error)
        except SystemExit as done:  # --help
            return done.code if isinstance(done.code, int) else EXIT_OK
        return _COMMANDS[args.command](args)
    except GdvizError as error:
        return _fail(error)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`| head`): stay quiet, and keep Python from complaining at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except OSError as error:
        where = f": {error.filename}" if error.filename else ""
        return _fail(f"{error.strerror or error}{where}")
