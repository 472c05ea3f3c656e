"""What the commands share: argument types, the points and loss options, the optimizer
options derived from the registry, and JSON output (floats exact, non-finite as null)."""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

import numpy as np

from gdviz import data
from gdviz.engine import MAX_STEPS, Trajectory
from gdviz.errors import GdvizError
from gdviz.losses import LOSSES
from gdviz.optimizers import OPTIMIZERS, Optimizer, all_hyperparameters, optimizer_spec

PROG = "gdviz"
EXIT_OK, EXIT_USAGE, EXIT_INTERRUPTED = 0, 2, 130

# --generate keys: name -> (parse, what the value must be, default shown in --help)
GENERATE_KEYS: dict[str, tuple[type, str, str]] = {
    "n": (int, "a whole number", "100"),
    "slope": (float, "a number", "2"),
    "intercept": (float, "a number", "1"),
    "noise": (float, "a number", "1"),
    "seed": (int, "a whole number", "0"),
    "x_min": (float, "a number", "0"),
    "x_max": (float, "a number", "10"),
    "outliers": (float, "a number", "0"),
}
NESTEROV_FROM = (None, "gd", "momentum")  # --optimizer values that --nesterov turns into nesterov


class UsageError(Exception):
    """A command-line usage error from argparse, reported by `main` as one line."""


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors: `gdviz: error: <message>` and exit status 2 (via main)."""

    command_names: tuple[str, ...] = ()  # set by build_parser, for the missing-command message

    def error(self, message: str) -> NoReturn:
        if "required: COMMAND" in message:
            names = ", ".join(self.command_names[:-1]) + " or " + self.command_names[-1]
            message = f"choose a command, {names} (see python -m gdviz --help)"
        raise UsageError(message)


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the epilog's examples as written; a little wider option column."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=32)


# --------------------------------------------------------------------------------------------
# Argument types: each failure is one line, "argument --lr: 'abc' is not a number"
# --------------------------------------------------------------------------------------------


def number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def pair(text: str) -> tuple[float, float]:
    parts = text.split(",")
    if len(parts) != 2:
        raise argparse.ArgumentTypeError(f"{text!r} is not two numbers X,Y (such as 1.5,-2)")
    return number(parts[0].strip()), number(parts[1].strip())


def glue_negative_values(argv: Sequence[str]) -> list[str]:
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


def hyperparameter_help(name: str) -> str:
    """The option's meaning and, for each optimizer that has it, its default (from the registry)."""
    meaning, owners = "", []
    for spec in OPTIMIZERS.values():
        for h in spec.hyperparameters:
            if h.name == name:
                meaning = meaning or h.help
                owners.append(spec.name if h.is_flag else f"{spec.name} (default {h.default:g})")
    return f"{meaning}. For {', '.join(owners)}.".replace("%", "%%")


def add_run_options(parser: argparse.ArgumentParser) -> None:
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
        type=number,
        metavar="LR",
        help=f"learning rate γ > 0 (default: the optimizer's own: {lrs})",
    )
    run_group.add_argument(
        "--steps",
        type=whole,
        default=1000,
        metavar="K",
        help=f"most updates to run, 0 to {MAX_STEPS:,} (default: 1000)",
    )
    run_group.add_argument(
        "--tol",
        type=number,
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
            hyper.add_argument(h.cli_flag, action="store_true", help=hyperparameter_help(h.name))
        else:
            metavar = h.symbol or h.name.upper()
            hyper.add_argument(
                h.cli_flag, type=number, metavar=metavar, help=hyperparameter_help(h.name)
            )
    hyper.add_argument(
        "--nesterov",
        action="store_true",
        help="Nesterov momentum: selects the optimizer nesterov when --optimizer is gd, "
        "momentum or not given (an error with any other optimizer)",
    )


def add_points_arguments(parser: argparse.ArgumentParser) -> argparse._ArgumentGroup:
    """DATA.csv, --x, --y, --generate, --loss and --huber-delta; returns the loss group, where
    a command adds its own options about the problem."""
    points = parser.add_argument_group("points")
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
    keys = ", ".join(f"{key}={default}" for key, (_, _, default) in GENERATE_KEYS.items())
    points.add_argument(
        "--generate",
        metavar="KEY=VALUE,...",
        help="generate points about the line y = slope*x + intercept instead of reading a file, "
        f"as comma-separated keys (defaults: {keys}); x is uniform in [x_min, x_max), noise "
        "is the scatter's standard deviation, outliers the fraction of points moved far off "
        "the line (0 to 0.5)",
    )

    problem = parser.add_argument_group("loss")
    problem.add_argument(
        "--loss",
        choices=LOSSES,
        default="mse",
        help="mse = mean of squared errors, sse = their sum, mae = mean absolute error, "
        "huber = Huber loss (default: mse)",
    )
    problem.add_argument(
        "--huber-delta",
        type=number,
        metavar="D",
        help="Huber's δ: quadratic for |error| ≤ δ, linear beyond; only with --loss huber "
        "(default: 1.0)",
    )
    return problem


def add_start_arguments(problem: argparse._ArgumentGroup, standardize_help: str) -> None:
    """--start-m, --start-b and --standardize (what standardising means for the command)."""
    problem.add_argument(
        "--start-m", type=number, default=0.0, metavar="M", help="starting slope (default: 0)"
    )
    problem.add_argument(
        "--start-b", type=number, default=0.0, metavar="B", help="starting intercept (default: 0)"
    )
    problem.add_argument("--standardize", action="store_true", help=standardize_help)


def data_fields(points: data.Points, where: str, generated: dict[str, Any] | None) -> dict:
    """Where the points came from and what the loader did, for a command's JSON."""
    return {
        "source": where,
        "generate": generated,
        "n": points.n,
        "x": points.x_name,
        "y": points.y_name,
        "dropped": points.dropped,
        "note": points.note,
    }


def optimizer_from_args(args: argparse.Namespace) -> Optimizer:
    """The optimizer the options name, built with only the hyperparameters given."""
    name = args.optimizer or "gd"
    if args.nesterov and args.optimizer in NESTEROV_FROM:
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


def generate_options(text: str) -> dict[str, int | float]:
    """`n=100,slope=2` -> {"n": 100, "slope": 2.0}; unknown keys and bad values are errors."""
    options: dict[str, int | float] = {}
    allowed = ", ".join(GENERATE_KEYS)
    for item in text.split(","):
        if not item.strip():
            continue
        key, sep, value = (part.strip() for part in item.partition("="))
        if not sep:
            raise GdvizError(f"--generate takes key=value pairs separated by commas, not {item!r}.")
        if key not in GENERATE_KEYS:
            raise GdvizError(f"--generate has no key {key!r}; the keys are {allowed}.")
        if key in options:
            raise GdvizError(f"--generate sets {key} twice.")
        parse, kind, _ = GENERATE_KEYS[key]
        try:
            options[key] = parse(value)
        except ValueError:
            raise GdvizError(f"--generate {key} must be {kind}, not {value!r}.") from None
    return options


def column(spec: str | None, names: list[str]) -> str | int | None:
    """A name, or a 0-based position when all digits and no column has that name."""
    if spec is None or spec in names:
        return spec
    if spec.isascii() and spec.isdigit():
        return int(spec)
    return spec


def points_from_args(args: argparse.Namespace) -> tuple[data.Points, str, dict[str, Any] | None]:
    """The points to fit, where they came from, and the settings they were generated with."""
    if args.data is not None and args.generate is not None:
        raise GdvizError("Give a CSV file or --generate, not both.")
    if args.data is None:
        if args.x is not None or args.y is not None:
            raise GdvizError("--x and --y choose columns of a CSV file; give the file too.")
        options = generate_options(args.generate or "")
        points = data.generate_points(**options)
        settings = {key: parse(default) for key, (parse, _, default) in GENERATE_KEYS.items()}
        settings.update(options)
        return points, "generated", settings
    if args.data == "-":
        source: object = sys.stdin.buffer.read()
        where = "standard input"
    else:
        source = where = args.data
    table = data.read_table(source)
    names = [str(name) for name in table.frame.columns]
    points = data.choose_columns(table, column(args.x, names), column(args.y, names))
    return points, where, None


def finite(value: Any) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def clean(obj: Any) -> Any:
    """JSON-safe: numpy to Python, every non-finite float to None."""
    if isinstance(obj, dict):
        return {key: clean(value) for key, value in obj.items()}
    if isinstance(obj, list | tuple):
        return [clean(value) for value in obj]
    if isinstance(obj, np.ndarray):
        return clean(obj.tolist())
    if isinstance(obj, bool | int | str) or obj is None:
        return obj
    if isinstance(obj, float | np.floating):
        return finite(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    return obj


def outcome(trajectory: Trajectory) -> dict:
    """The run's status, in words too, and the steps taken: the first keys of every JSON."""
    return {
        "status": trajectory.status,
        "message": trajectory.message,
        "steps": trajectory.steps,
    }


def run_fields(trajectory: Trajectory, optimizer: Optimizer, curv, limit) -> dict:
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


def emit_json(obj: dict[str, Any]) -> None:
    print(json.dumps(clean(obj), allow_nan=False))


def exact(value: float | None) -> str:
    """Full precision: the float's repr, which round-trips."""
    return "undefined" if value is None else repr(float(value))


# --------------------------------------------------------------------------------------------
# Commands
# --------------------------------------------------------------------------------------------
