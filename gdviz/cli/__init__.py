"""The command line: `python -m gdviz COMMAND ...`.

Each command is a module of this package with NAME, ORDER, HELP, DESCRIPTION, EPILOG,
`add_arguments(parser)` and `run(args) -> exit status`; adding a module adds a command. Every
command prints a short summary in words, or with `--json` exactly one JSON object (floats
round-trip exactly; anything not finite is null). Bad input exits with status 2 and one line
on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import pkgutil
import sys
from types import ModuleType

from gdviz.cli.common import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    PROG,
    HelpFormatter,
    Parser,
    UsageError,
    glue_negative_values,
)
from gdviz.errors import GdvizError


def commands() -> list[ModuleType]:
    """The command modules of this package, in their ORDER."""
    found = [
        importlib.import_module(f"{__name__}.{info.name}")
        for info in pkgutil.iter_modules(__path__)
        if info.name != "common"
    ]
    return sorted(found, key=lambda module: module.ORDER)


TOP_EPILOG = f"""\
examples:
  python -m gdviz fit points.csv --x hours --y score --lr 0.01 --steps 500
  python -m gdviz fit --generate n=50,slope=3,noise=2 --optimizer adam --lr 0.1 --json
  python -m gdviz optimize --function rosenbrock --optimizer momentum --lr 0.0005
  python -m gdviz gradient --generate n=20,seed=1 --m 0 --b 0 --lr 0.01 --json
  python -m gdviz sweep --generate n=200 --steps 500 --count 40

Run `python -m gdviz COMMAND --help` for every option of a command.
Exit status: {EXIT_OK} when the run finished (whatever its status: converged, max_steps or
diverged), {EXIT_USAGE} for bad input (one line on stderr), {EXIT_INTERRUPTED} when interrupted.
"""


def build_parser() -> argparse.ArgumentParser:
    """The `gdviz` argument parser with one sub-command per command module."""
    parser = Parser(
        prog=PROG,
        description="gdviz: watch gradient descent work, exactly, from the command line.",
        epilog=TOP_EPILOG,
        formatter_class=HelpFormatter,
        allow_abbrev=False,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    parser.command_names = tuple(module.NAME for module in commands())
    for module in commands():
        command = sub.add_parser(
            module.NAME,
            help=module.HELP,
            description=module.DESCRIPTION,
            epilog=module.EPILOG,
            formatter_class=HelpFormatter,
            allow_abbrev=False,
        )
        module.add_arguments(command)
    return parser


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
            args = build_parser().parse_args(glue_negative_values(argv))
        except UsageError as error:
            return _fail(error)
        except SystemExit as done:  # --help
            return done.code if isinstance(done.code, int) else EXIT_OK
        return {m.NAME: m for m in commands()}[args.command].run(args)
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
