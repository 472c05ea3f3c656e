"""The line fit's losses, one record each: the maths, the words, and the script lines.

With residuals r_i = y_i − (m x_i + b), every loss here is (1/N)·Σ ℓ(r_i) — or Σ ℓ(r_i) for
`sse` — and its gradient is

    ∂L/∂m = −s·mean(ψ(r_i)·x_i),   ∂L/∂b = −s·mean(ψ(r_i)),   ψ = ℓ′,  s = N (sse) or 1.

Adding a loss is one `Loss` row in `LOSSES`; `gdviz.objectives.LineFit`, the pages, the
command line and the NumPy script read everything from it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from gdviz.errors import GdvizError

Pointwise = Callable[[np.ndarray, float], np.ndarray]  # (residuals, δ) -> values


@dataclass(frozen=True)
class Loss:
    """One loss of the line fit.

    `quadratic` losses are computed from the data's sufficient statistics (O(1) per step) and
    have a constant Hessian, so their stability limits are exact. `summed` means no 1/N.
    `script_value` are the lines of `def loss(r)` in the NumPy script; `script_psi` is ψ as a
    NumPy expression and in words.
    """

    name: str
    title: str  # for a menu: "mse: mean squared error"
    words: str  # in a sentence: "mean squared error"
    formula: str  # L in terms of r_i, as the script's docstring states it
    value: Pointwise  # ℓ(r)
    psi: Pointwise  # ψ(r) = ℓ′(r)
    script_value: tuple[str, ...]
    script_psi: tuple[str, str]
    quadratic: bool = False
    summed: bool = False
    uses_delta: bool = False


def _huber(r: np.ndarray, delta: float) -> np.ndarray:
    a = np.abs(r)
    return np.where(a <= delta, 0.5 * r * r, delta * (a - 0.5 * delta))


def _square(r, delta):
    return r * r


def _twice(r, delta):
    return 2.0 * r


LOSS_RECORDS: dict[str, Loss] = {
    loss.name: loss
    for loss in (
        Loss(
            "mse",
            "mse: mean squared error",
            "mean squared error",
            "Mean squared error: L = (1/N) Σ r_i², residuals r_i = y_i - (m x_i + b).",
            _square,
            _twice,
            ("return np.mean(r * r)",),
            ("2 * r", "ψ(r) = 2r"),
            quadratic=True,
        ),
        Loss(
            "sse",
            "sse: sum of squared errors",
            "sum of squared errors",
            "Sum of squared errors: L = Σ r_i², residuals r_i = y_i - (m x_i + b).",
            _square,
            _twice,
            ("return np.sum(r * r)",),
            ("2 * r", "ψ(r) = 2r"),
            quadratic=True,
            summed=True,
        ),
        Loss(
            "mae",
            "mae: mean absolute error",
            "mean absolute error",
            "Mean absolute error: L = (1/N) Σ |r_i|, residuals r_i = y_i - (m x_i + b).",
            lambda r, delta: np.abs(r),
            lambda r, delta: np.sign(r),  # a subgradient: sign(0) = 0
            ("return np.mean(np.abs(r))",),
            ("np.sign(r)", "ψ(r) = sign(r) (0 at r = 0)"),
        ),
        Loss(
            "huber",
            "huber: squared near 0, absolute beyond δ",
            "Huber loss",
            "Huber loss: L = (1/N) Σ h(r_i), h(r) = r²/2 if |r| <= δ else δ(|r| - δ/2),\n"
            "    residuals r_i = y_i - (m x_i + b).",
            _huber,
            lambda r, delta: np.clip(r, -delta, delta),
            (
                "a = np.abs(r)",
                "return np.mean(np.where(a <= DELTA, 0.5 * r * r, DELTA * (a - 0.5 * DELTA)))",
            ),
            ("np.clip(r, -DELTA, DELTA)", "ψ(r) = r clipped to [-δ, δ]"),
            uses_delta=True,
        ),
    )
}
LOSSES = tuple(LOSS_RECORDS)
QUADRATIC_LOSSES = tuple(name for name, loss in LOSS_RECORDS.items() if loss.quadratic)


def loss_record(name: str) -> Loss:
    """The registered loss `name`, or a GdvizError listing the choices."""
    try:
        return LOSS_RECORDS[name]
    except KeyError:
        raise GdvizError(f"Unknown loss {name!r}; choose one of {', '.join(LOSSES)}.") from None
