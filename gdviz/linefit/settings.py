"""The line-fit page's state as two frozen records, and their one URL form.

`LineFitSettings` is everything that determines the run (data, loss, optimizer, budget);
`LineFitView` is how it is looked at (the step shown, the visual toggles), so moving the step
never reruns anything. Both travel in the URL through `gdviz.urlstate`: every value is
validated (malformed -> default, out of range -> clamped, each with a note in words; nothing
raises) and written back with readable names (`lr`, `steps`, `m0`, …), so a copied address
reproduces the page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from gdviz.losses import LOSSES, loss_record
from gdviz.optimizers import OPTIMIZERS, Hyperparameter
from gdviz.samples import SAMPLES
from gdviz.urlstate import Field, format_value, param, read_fields, read_param, write_fields

GENERATE = "generate"
UPLOAD = "upload"
DATASETS = (*SAMPLES, GENERATE, UPLOAD)
MAX_PAGE_STEPS = 10_000  # the page's cap; the engine's own is 100 000
MAX_GENERATED_POINTS = 100_000
GENERATOR_FIELDS = ("n", "slope", "intercept", "noise", "x_min", "x_max")
DEFAULT_DATASET = "study-hours"


def hyperparameter_field(h: Hyperparameter) -> Field:
    """The URL rule of a hyperparameter: the range its control offers."""
    return Field("bool") if h.is_flag else Field("float", h.low, h.high)


@dataclass(frozen=True)
class LineFitSettings:
    """Everything that determines what the line-fit page shows (the uploaded file aside)."""

    dataset: str = param(DEFAULT_DATASET, "choice", choices=DATASETS)
    n: int = param(100, "int", 2, MAX_GENERATED_POINTS)
    slope: float = param(2.0, "float", -1e6, 1e6)
    intercept: float = param(1.0, "float", -1e6, 1e6)
    noise: float = param(1.0, "float", 0.0, 1e6)
    # x_min and x_max, as gdviz.data.generate_points names them; `xmin`/`xmax` in links.
    x_min: float = param(0.0, "float", -1e9, 1e9, url_name="xmin")
    x_max: float = param(10.0, "float", -1e9, 1e9, url_name="xmax")
    seed: int = param(0, "int", 0, 2**32 - 1)
    optimizer: str = param("gd", "choice", choices=tuple(OPTIMIZERS))
    lr: float = param(SAMPLES[DEFAULT_DATASET].lr, "float", 1e-12, 1e6)
    steps: int = param(1000, "int", 1, MAX_PAGE_STEPS)
    m0: float = param(0.0, "float", -1e9, 1e9)
    b0: float = param(0.0, "float", -1e9, 1e9)
    loss: str = param("mse", "choice", choices=LOSSES)
    delta: float = param(1.0, "float", 1e-9, 1e9)
    batch: int = param(0, "int", 0, MAX_GENERATED_POINTS * 10)  # 0 means all points
    scale: bool = param(False, "bool")
    # Stop when the full gradient's length falls to this (0: run every step). Absolute, in the
    # loss's units per unit of m and b, as the engine's tolerance is.
    tol: float = param(1e-3, "float", 0.0, 1e6)
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


@dataclass(frozen=True)
class LineFitView:
    """How the run is looked at: none of it changes the run."""

    step: int = param(0, "int", 0, MAX_PAGE_STEPS)  # the step on screen (Play starts from it)
    residuals: bool = param(False, "bool")  # the residuals drawn on the points panel


def from_query(
    params: Mapping[str, object],
) -> tuple[LineFitSettings, LineFitView, list[str]]:
    """The settings and the view a URL asks for, and a note on every value not used as is.

    Unknown parameter names are ignored silently (other tools add their own). A link that
    names a sample data set but no learning rate gets the rate that suits those data, so a
    hand-typed `?dataset=house-prices` converges instead of diverging. Cross-field rules:
    xmin < xmax, the shown step ≤ steps.
    """
    notes: list[str] = []
    settings = read_fields(params, LineFitSettings(), notes)
    if "lr" not in params and settings.dataset in SAMPLES:
        settings = replace(settings, lr=SAMPLES[settings.dataset].lr)
    hyper = tuple(
        (h.name, read_param(params, h.name, hyperparameter_field(h), h.default, notes))
        for h in OPTIMIZERS[settings.optimizer].hyperparameters
        if h.name in params  # another optimizer's hyperparameter is harmless: ignored
    )
    settings = replace(settings, hyper=hyper)
    view = read_fields(params, LineFitView(), notes)
    return _reconcile(settings, notes), _reconcile_view(view, settings, notes), notes


def _reconcile(settings: LineFitSettings, notes: list[str]) -> LineFitSettings:
    if settings.x_min >= settings.x_max:
        notes.append(
            f"xmin={settings.x_min:g} is not below xmax={settings.x_max:g}; used 0 to 10 instead."
        )
        settings = replace(settings, x_min=0.0, x_max=10.0)
    return settings


def _reconcile_view(view: LineFitView, settings: LineFitSettings, notes: list[str]):
    if view.step > settings.steps:
        notes.append(f"step={view.step} is past the last step {settings.steps}; used it.")
        view = replace(view, step=settings.steps)
    return view


def to_query(settings: LineFitSettings, view: LineFitView | None = None) -> dict[str, str]:
    """The URL query parameters that reproduce `settings` and `view` (generator values only
    for generated points, δ only for the loss that has one)."""
    skip = set() if settings.is_generated else set(GENERATOR_FIELDS)
    if not loss_record(settings.loss).uses_delta:
        skip.add("delta")
    out = write_fields(settings, skip=skip)
    out |= {name: format_value(value) for name, value in settings.hyperparameters().items()}
    return out | write_fields(view or LineFitView())
