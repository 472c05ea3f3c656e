"""One frozen `LineFitSettings` record for the line-fit page, and its URL query-parameter form.

Every value read from a URL is validated: a malformed value falls back to its default and an
out-of-range one is clamped, each with a note in words; nothing raises. Writing a `LineFitSettings`
back gives readable names (`lr`, `steps`, `m0`, …) so a copied address reproduces the page.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace

from gdviz.losses import LOSSES
from gdviz.optimizers import OPTIMIZERS

GENERATE = "generate"
UPLOAD = "upload"
MAX_PAGE_STEPS = 10_000  # the page's cap; the engine's own is 100 000
MAX_GENERATED_POINTS = 100_000
_MAX_TEXT = 40  # characters of a bad value quoted back in a note


@dataclass(frozen=True)
class Field:
    """How one URL parameter is parsed and bounded."""

    kind: str  # "float" | "int" | "bool" | "choice"
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()


def _hyperparameter_fields() -> dict[str, Field]:
    out: dict[str, Field] = {}
    for spec in OPTIMIZERS.values():
        for h in spec.hyperparameters:
            out[h.name] = Field("bool") if h.is_flag else Field("float", h.low, h.high)
    return out


HYPERPARAMETER_FIELDS = _hyperparameter_fields()


def hyperparameter_default(optimizer: str, name: str) -> float | bool:
    """The default of `name` for `optimizer` (momentum is 0.9 for momentum, 0 for rmsprop)."""
    for h in OPTIMIZERS[optimizer].hyperparameters:
        if h.name == name:
            return h.default
    raise KeyError(name)


@dataclass(frozen=True)
class LineFitSettings:
    """Everything that determines what the line-fit page shows (the uploaded file aside)."""

    dataset: str = "study-hours"
    n: int = 100
    slope: float = 2.0
    intercept: float = 1.0
    noise: float = 1.0
    xmin: float = 0.0
    xmax: float = 10.0
    seed: int = 0
    optimizer: str = "gd"
    lr: float = 0.02
    steps: int = 1000
    m0: float = 0.0
    b0: float = 0.0
    loss: str = "mse"
    delta: float = 1.0
    batch: int = 0  # 0 means all points (full-batch)
    scale: bool = False
    step: int = 0  # the step shown when the page opens (Play starts from it)
    # Stop when the full gradient's length falls to this (0: run every step). Absolute, in the
    # loss's units per unit of m and b, as the engine's tolerance is.
    tol: float = 1e-3
    hyper: tuple[tuple[str, float | bool], ...] = field(default=())

    def hyperparameters(self) -> dict[str, float | bool]:
        """The chosen optimizer's hyperparameters: defaults overridden by `hyper`."""
        given = dict(self.hyper)
        return {
            h.name: given.get(h.name, h.default) for h in OPTIMIZERS[self.optimizer].hyperparameters
        }

    @property
    def is_generated(self) -> bool:
        return self.dataset == GENERATE


def field_specs(dataset_choices: tuple[str, ...]) -> dict[str, Field]:
    """The parsing rule of every scalar URL parameter."""
    return {
        "dataset": Field("choice", choices=dataset_choices),
        "n": Field("int", 2, MAX_GENERATED_POINTS),
        "slope": Field("float", -1e6, 1e6),
        "intercept": Field("float", -1e6, 1e6),
        "noise": Field("float", 0.0, 1e6),
        "xmin": Field("float", -1e9, 1e9),
        "xmax": Field("float", -1e9, 1e9),
        "seed": Field("int", 0, 2**32 - 1),
        "optimizer": Field("choice", choices=tuple(OPTIMIZERS)),
        "lr": Field("float", 1e-12, 1e6),
        "steps": Field("int", 1, MAX_PAGE_STEPS),
        "m0": Field("float", -1e9, 1e9),
        "b0": Field("float", -1e9, 1e9),
        "loss": Field("choice", choices=LOSSES),
        "delta": Field("float", 1e-9, 1e9),
        "batch": Field("int", 0, MAX_GENERATED_POINTS * 10),
        "scale": Field("bool"),
        "step": Field("int", 0, MAX_PAGE_STEPS),
        "tol": Field("float", 0.0, 1e6),
    }


def quote_value(text: str) -> str:
    text = str(text)
    return repr(text if len(text) <= _MAX_TEXT else text[:_MAX_TEXT] + "…")


def parse_value(name: str, raw: str, spec: Field, default) -> tuple[object, str | None]:
    """(value, note): the parsed value, or the default/clamped value and why."""
    if spec.kind == "choice":
        if raw in spec.choices:
            return raw, None
        return default, f"Ignored {name}={quote_value(raw)}: not one of {', '.join(spec.choices)}."
    if spec.kind == "bool":
        lowered = raw.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True, None
        if lowered in ("0", "false", "no", "off"):
            return False, None
        return default, f"Ignored {name}={quote_value(raw)}: expected 1 or 0."
    try:
        number = float(raw)
    except ValueError:
        return default, f"Ignored {name}={quote_value(raw)}: not a number."
    if not math.isfinite(number):
        return default, f"Ignored {name}={quote_value(raw)}: not a finite number."
    if spec.kind == "int":
        if number != int(number):
            return default, f"Ignored {name}={quote_value(raw)}: not a whole number."
        number = int(number)
    if spec.low is not None and number < spec.low:
        return type(default)(spec.low), f"{name}={raw} is below the minimum {spec.low:g}; used it."
    if spec.high is not None and number > spec.high:
        return type(default)(
            spec.high
        ), f"{name}={raw} is above the maximum {spec.high:g}; used it."
    return number, None


def first_value(value) -> str:
    """Query parameters may repeat; the first occurrence wins."""
    if isinstance(value, list | tuple):
        return str(value[0]) if value else ""
    return str(value)


def from_query(
    params: Mapping[str, object], dataset_choices: tuple[str, ...]
) -> tuple[LineFitSettings, list[str]]:
    """LineFitSettings from URL query parameters, and notes on every value that was not used as is.

    Unknown parameter names are ignored silently (other tools add their own); known ones are
    validated and clamped. Cross-field rules: xmin < xmax, the shown step ≤ steps.
    """
    specs = field_specs(dataset_choices)
    defaults = LineFitSettings()
    values: dict[str, object] = {}
    notes: list[str] = []
    for name, spec in specs.items():
        if name in params:
            value, note = parse_value(
                name, first_value(params[name]), spec, getattr(defaults, name)
            )
            values[name] = value
            if note:
                notes.append(note)
    settings = replace(defaults, **values)

    hyper = []
    for name, spec in HYPERPARAMETER_FIELDS.items():
        if name not in params:
            continue
        try:
            default = hyperparameter_default(settings.optimizer, name)
        except KeyError:
            continue  # belongs to another optimizer: harmless, ignore
        value, note = parse_value(name, first_value(params[name]), spec, default)
        if note:
            notes.append(note)
        hyper.append((name, value))
    settings = replace(settings, hyper=tuple(hyper))
    return _reconcile(settings, notes), notes


def _reconcile(settings: LineFitSettings, notes: list[str]) -> LineFitSettings:
    if settings.xmin >= settings.xmax:
        notes.append(
            f"xmin={settings.xmin:g} is not below xmax={settings.xmax:g}; used 0 to 10 instead."
        )
        settings = replace(settings, xmin=0.0, xmax=10.0)
    if settings.step > settings.steps:
        notes.append(f"step={settings.step} is past the last step {settings.steps}; used it.")
        settings = replace(settings, step=settings.steps)
    return settings


def format_value(value) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return repr(value) if value != int(value) or abs(value) >= 1e16 else str(int(value))
    return str(value)


def to_query(settings: LineFitSettings) -> dict[str, str]:
    """The URL query parameters that reproduce `settings` (generator values only if used)."""
    generator = {"n", "slope", "intercept", "noise", "xmin", "xmax"}
    out = {}
    for f in fields(LineFitSettings):
        if f.name == "hyper" or (f.name in generator and not settings.is_generated):
            continue
        if f.name == "delta" and settings.loss != "huber":
            continue
        out[f.name] = format_value(getattr(settings, f.name))
    for name, value in settings.hyperparameters().items():
        out[name] = format_value(value)
    return out
