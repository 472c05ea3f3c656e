"""What the compare-optimizers page shows, as one frozen record, and its URL query-parameter form.

Fair means: the same start, the same step budget and the same tolerance for every optimizer;
each has its own learning rate and the registry's default hyperparameters. One frozen
`CompareSettings` record says everything the page shows and travels in the URL
(`from_query` / `to_query`, parsed and bounded by the same rules as the main page's settings).

Default learning rates come from each optimizer's registry row (`OptimizerSpec.lr_for`). A
typed function ("your own…", `function=custom` with its normalised formula in `fn`) has no
registry row: on a quadratic (constant Hessian H, λmax its largest eigenvalue) each optimizer
with a known limit gets half of it (gradient descent ½·2/λmax = 1/λmax, momentum and Nesterov
half their own), rounded down to two digits; the adaptive ones, and every optimizer on a
function that is not quadratic, get the valley's rates (`typed_rates` says which, in words).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from gdviz.analysis import curvature, round_down, stability_limit
from gdviz.errors import GdvizError
from gdviz.expression import CUSTOM_NAME, DEFAULT_START, normalise, parse_function
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
CUSTOM = CUSTOM_NAME  # the function choice "your own…": the formula is in `fn`
FUNCTIONS = (*TEST_FUNCTIONS, CUSTOM)
DEFAULT_FORMULA = "x**2 + 3*y**2"
DEFAULT_SPAN = 3.0  # a typed function's window: ±span in x and in y
RATE_SOURCE = "valley"  # whose rates a typed function borrows where no limit is known


def typed_window(span: float) -> tuple[tuple[float, float], tuple[float, float]]:
    return ((-span, span), (-span, span))


@functools.lru_cache(maxsize=256)
def typed_rates(fn: str) -> tuple[dict[str, float], str]:
    """({optimizer: learning rate}, where they come from in words) for the typed formula `fn`.

    Half of each optimizer's stability limit where the Hessian is constant and that limit is
    known (the registry's stability rule with its default hyperparameters); the valley's rate
    otherwise. Raises GdvizError when `fn` is not a formula gdviz accepts.
    """
    curv = curvature(parse_function(fn))
    rates: dict[str, float] = {}
    halved: list[str] = []
    for name, spec in OPTIMIZERS.items():
        limit = None if curv is None else stability_limit(curv, spec.build(1.0, **spec.defaults()))
        if limit is not None and limit > 0:
            rates[name] = round_down(0.5 * limit)
            halved.append(spec.title)
        else:
            rates[name] = spec.lr_for(RATE_SOURCE)
    if curv is None:
        reason = (
            "This function is not quadratic, so no learning-rate limit is known: the rates "
            "start at those that suit the valley."
        )
    elif not halved:
        reason = (
            "This quadratic has no minimum (its Hessian has a negative eigenvalue), so no rate "
            "is stable: the rates start at those that suit the valley."
        )
    else:
        reason = (
            f"This function is quadratic (λmax = {curv.lam_max:.4g}): {', '.join(halved)} start "
            "at half their stability limit; the adaptive ones at the valley's rates."
        )
    return rates, reason


def default_lr(
    function: str, optimizer: str, kappa: float = DEFAULT_KAPPA, fn: str = DEFAULT_FORMULA
) -> float:
    """A learning rate that suits `optimizer` on `function` (its registry row's; for a typed
    function `fn`, see `typed_rates`)."""
    if function == CUSTOM:
        return typed_rates(fn)[0][optimizer]
    return OPTIMIZERS[optimizer].lr_for(function, kappa)


def default_runs(
    function: str,
    kappa: float = DEFAULT_KAPPA,
    optimizers=DEFAULT_OPTIMIZERS,
    fn: str = DEFAULT_FORMULA,
) -> tuple[tuple[str, float], ...]:
    """(optimizer, its default learning rate on `function`) for each of `optimizers`."""
    return tuple((name, default_lr(function, name, kappa, fn)) for name in optimizers)


def _start(function: str) -> tuple[float, float]:
    return DEFAULT_START if function == CUSTOM else TEST_FUNCTIONS[function]().start


@dataclass(frozen=True)
class CompareSettings:
    """Everything the comparison page shows: one function, one start, one budget, many runs.

    `runs` holds (optimizer name, learning rate) pairs in the order chosen; every optimizer uses
    the registry's default hyperparameters. `kappa` is used by the bowl only; `fn` (the
    normalised formula) and `span` (its window ±span) by a typed function (`function="custom"`).
    """

    function: str = param(DEFAULT_FUNCTION, "choice", choices=FUNCTIONS)
    kappa: float = param(DEFAULT_KAPPA, "float", 0.1, 1e4)
    fn: str = DEFAULT_FORMULA
    span: float = param(DEFAULT_SPAN, "float", 1e-6, 1e6)
    x0: float = param(_start(DEFAULT_FUNCTION)[0], "float", -1e6, 1e6)
    y0: float = param(_start(DEFAULT_FUNCTION)[1], "float", -1e6, 1e6)
    steps: int = param(DEFAULT_STEPS, "int", 1, MAX_STEPS)
    tol: float = param(0.0, "float", 0.0, 1e6)
    runs: tuple[tuple[str, float], ...] = field(default=default_runs(DEFAULT_FUNCTION))

    def __post_init__(self):
        if self.function not in FUNCTIONS:
            raise GdvizError(
                f"Unknown function {self.function!r}; choose one of {', '.join(FUNCTIONS)}."
            )
        if not isinstance(self.fn, str):
            raise GdvizError(f"The typed function must be text, not {self.fn!r}.")
        # One spelling per formula, so equal settings share one cache entry and one link.
        object.__setattr__(self, "fn", normalise(self.fn))
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
    def for_function(
        cls, function: str, kappa: float = DEFAULT_KAPPA, fn: str = DEFAULT_FORMULA, **changes
    ):
        """The defaults for `function`: its own start and learning rates suited to it."""
        x0, y0 = _start(function)
        runs = default_runs(function, kappa, fn=fn)
        base = cls(function, kappa, fn, DEFAULT_SPAN, x0, y0, runs=runs)
        return replace(base, **changes)

    @property
    def optimizers(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.runs)

    @property
    def typed(self) -> bool:
        return self.function == CUSTOM

    def objective(self) -> TestFunction:
        if self.typed:
            return parse_function(self.fn, window=typed_window(self.span), start=(self.x0, self.y0))
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
    `kappa` for a function other than the bowl, `fn` and `span` for a built-in function, and
    `lr_<name>` for an optimizer that is not chosen, are ignored silently. A link with `fn` but
    no `function` means the typed function; a formula gdviz refuses becomes a note naming
    why, and the default example is used.
    """
    notes: list[str] = []
    specs = url_fields(CompareSettings)
    # The function, κ and the formula first: they decide the defaults of the rest.
    implied = CUSTOM if "fn" in params and "function" not in params else DEFAULT_FUNCTION
    function = read_param(params, "function", specs["function"], implied, notes)
    # κ belongs to the bowl: elsewhere it is ignored, so one page has one URL.
    kappa = DEFAULT_KAPPA
    if function == "bowl":
        kappa = read_param(params, "kappa", specs["kappa"], DEFAULT_KAPPA, notes)
    fn = DEFAULT_FORMULA
    skip = ["function", "kappa"]
    if function == CUSTOM:
        fn = _read_formula(params, notes)
    else:
        skip.append("span")
    defaults = CompareSettings.for_function(function, kappa, fn)
    if "optimizers" in params:
        names = _parse_optimizers(first_value(params["optimizers"]), notes)
    else:
        names = DEFAULT_OPTIMIZERS
    rates = {name: default_lr(function, name, kappa, fn) for name in names}
    runs = tuple(
        (name, read_param(params, f"lr_{name}", LR_FIELD, rates[name], notes)) for name in names
    )
    settings = read_fields(params, replace(defaults, runs=runs), notes, skip=skip)
    return settings, notes


def _read_formula(params: Mapping[str, object], notes: list[str]) -> str:
    """The link's formula, normalised; the default example (with a note) when it is refused."""
    if "fn" not in params:
        return DEFAULT_FORMULA
    raw = first_value(params["fn"])
    try:
        return normalise(raw)
    except GdvizError as error:
        notes.append(f"Ignored fn={quote_value(raw)}: {error} Used {DEFAULT_FORMULA} instead.")
        return DEFAULT_FORMULA


def to_query(settings: CompareSettings) -> dict[str, str]:
    """The URL query parameters that reproduce `settings` (kappa only for the bowl, the
    formula and its window only for a typed function)."""
    skip = {"span"} if not settings.typed else set()
    if settings.function != "bowl":
        skip.add("kappa")
    out = write_fields(settings, skip=skip)
    if settings.typed:
        out = {"function": out.pop("function"), "fn": settings.fn, **out}
    out |= {"optimizers": ",".join(settings.optimizers)}
    return out | {f"lr_{name}": format_value(float(lr)) for name, lr in settings.runs}
