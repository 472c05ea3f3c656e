"""What the compare-optimizers page shows, as one frozen record, and its URL query-parameter form.

Fair means: the same start, the same step budget and the same tolerance for every optimizer;
each has its own learning rate and the registry's default hyperparameters. One frozen
`CompareSettings` record says everything the page shows and travels in the URL
(`from_query` / `to_query`, parsed and bounded by the same rules as the main page's settings).

Default learning rates come from each optimizer's registry row (`OptimizerSpec.lr_for`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from gdviz.errors import GdvizError
from gdviz.objectives import TEST_FUNCTIONS, TestFunction, test_function
from gdviz.optimizers import OPTIMIZERS
from gdviz.urlstate import (
    Field,
    first_value,
    format_value,
    param,
    quote_value,
    read_fields,
    read_param,
    url_fields,
    write_fields,
)

DEFAULT_FUNCTION = "valley"
DEFAULT_OPTIMIZERS = ("gd", "momentum", "nesterov", "rmsprop", "adam")
DEFAULT_STEPS = 300
MAX_STEPS = 5_000
DEFAULT_KAPPA = 10.0


def default_lr(function: str, optimizer: str, kappa: float = DEFAULT_KAPPA) -> float:
    """A learning rate that suits `optimizer` on `function` (its registry row's)."""
    return OPTIMIZERS[optimizer].lr_for(function, kappa)


def default_runs(
    function: str, kappa: float = DEFAULT_KAPPA, optimizers=DEFAULT_OPTIMIZERS
) -> tuple[tuple[str, float], ...]:
    """(optimizer, its default learning rate on `function`) for each of `optimizers`."""
    return tuple((name, default_lr(function, name, kappa)) for name in optimizers)


def _start(function: str) -> tuple[float, float]:
    return TEST_FUNCTIONS[function]().start


@dataclass(frozen=True)
class CompareSettings:
    """Everything the comparison page shows: one function, one start, one budget, many runs.

    `runs` holds (optimizer name, learning rate) pairs in the order chosen; every optimizer uses
    the registry's default hyperparameters. `kappa` is used by the bowl only.
    """

    function: str = param(DEFAULT_FUNCTION, "choice", choices=tuple(TEST_FUNCTIONS))
    kappa: float = param(DEFAULT_KAPPA, "float", 0.1, 1e4)
    x0: float = param(_start(DEFAULT_FUNCTION)[0], "float", -1e6, 1e6)
    y0: float = param(_start(DEFAULT_FUNCTION)[1], "float", -1e6, 1e6)
    steps: int = param(DEFAULT_STEPS, "int", 1, MAX_STEPS)
    tol: float = param(0.0, "float", 0.0, 1e6)
    runs: tuple[tuple[str, float], ...] = field(default=default_runs(DEFAULT_FUNCTION))

    def __post_init__(self):
        if self.function not in TEST_FUNCTIONS:
            raise GdvizError(
                f"Unknown function {self.function!r}; choose one of {', '.join(TEST_FUNCTIONS)}."
            )
        names = [name for name, _ in self.runs]
        unknown = [n for n in names if n not in OPTIMIZERS]
        if unknown:
            raise GdvizError(
                f"Unknown optimizer {unknown[0]!r}; choose from {', '.join(OPTIMIZERS)}."
            )
        if len(set(names)) != len(names):
            raise GdvizError("Each optimizer can be compared once only.")
        if isinstance(self.steps, bool) or not isinstance(self.steps, int):
            raise GdvizError(f"The number of steps must be a whole number, not {self.steps!r}.")
        if not 1 <= self.steps <= MAX_STEPS:
            raise GdvizError(f"The number of steps must be from 1 to {MAX_STEPS:,}.")

    @classmethod
    def for_function(cls, function: str, kappa: float = DEFAULT_KAPPA, **changes):
        """The defaults for `function`: its own start and learning rates suited to it."""
        x0, y0 = _start(function)
        base = cls(function, kappa, x0, y0, runs=default_runs(function, kappa))
        return replace(base, **changes)

    @property
    def optimizers(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.runs)

    def objective(self) -> TestFunction:
        options = {"kappa": self.kappa} if self.function == "bowl" else {}
        return test_function(self.function, **options)


LR_FIELD = Field("float", 1e-12, 1e6)


def _parse_optimizers(raw: str, notes: list[str]) -> tuple[str, ...]:
    """The comma-separated list, in order: unknown names dropped with a note, repeats once."""
    names: list[str] = []
    unknown: list[str] = []
    for part in raw.split(","):
        name = part.strip().lower()
        if not name:
            continue
        if name not in OPTIMIZERS:
            unknown.append(part.strip())
        elif name not in names:
            names.append(name)
    if unknown:
        shown = ", ".join(quote_value(u) for u in unknown[:5])
        notes.append(
            f"Ignored optimizer {shown} in optimizers: choose from {', '.join(OPTIMIZERS)}."
        )
        if not names:
            notes.append(f"No known optimizer was left; used {', '.join(DEFAULT_OPTIMIZERS)}.")
            return DEFAULT_OPTIMIZERS
    return tuple(names)


def from_query(params: Mapping[str, object]) -> tuple[CompareSettings, list[str]]:
    """Settings from URL query parameters, and a note in words for every value not used as is.

    Never raises. Missing values take the function's defaults (its start, its learning rates);
    malformed ones fall back to them, out-of-range ones are clamped. Unknown parameters,
    `kappa` for a function other than the bowl, and `lr_<name>` for an optimizer that is not
    chosen, are ignored silently.
    """
    notes: list[str] = []
    specs = url_fields(CompareSettings)
    # The function and κ first: they decide the defaults (start, learning rates) of the rest.
    function = read_param(params, "function", specs["function"], DEFAULT_FUNCTION, notes)
    # κ belongs to the bowl: elsewhere it is ignored, so one page has one URL.
    kappa = DEFAULT_KAPPA
    if function == "bowl":
        kappa = read_param(params, "kappa", specs["kappa"], DEFAULT_KAPPA, notes)
    defaults = CompareSettings.for_function(function, kappa)
    if "optimizers" in params:
        names = _parse_optimizers(first_value(params["optimizers"]), notes)
    else:
        names = DEFAULT_OPTIMIZERS
    runs = tuple(
        (name, read_param(params, f"lr_{name}", LR_FIELD, default_lr(function, name, kappa), notes))
        for name in names
    )
    settings = read_fields(params, replace(defaults, runs=runs), notes, skip=("function", "kappa"))
    return settings, notes


def to_query(settings: CompareSettings) -> dict[str, str]:
    """The URL query parameters that reproduce `settings` (kappa only for the bowl)."""
    skip = () if settings.function == "bowl" else ("kappa",)
    out = write_fields(settings, skip=skip) | {"optimizers": ",".join(settings.optimizers)}
    return out | {f"lr_{name}": format_value(float(lr)) for name, lr in settings.runs}
