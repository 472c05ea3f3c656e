"""Closed-form facts about a problem: optimum, curvature, stable learning rates, scaling.

For a quadratic loss L(θ) with constant Hessian H (eigenvalues λmin ≤ λmax), plain gradient
descent θ ← θ − γ∇L moves the error along each eigenvector by the factor (1 − γλ), so it
converges iff 0 < γ < 2/λmax, fastest at γ* = 2/(λmax + λmin), where the slowest mode shrinks
by ρ = (κ − 1)/(κ + 1) per step with κ = λmax/λmin the condition number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gdviz.errors import GdvizError
from gdviz.losses import QUADRATIC_LOSSES
from gdviz.objectives import LineFit, Objective, TestFunction
from gdviz.optimizers import OPTIMIZERS, Optimizer


@dataclass(frozen=True)
class Curvature:
    """A constant Hessian and its eigenvalues (computed without cancellation)."""

    hessian: np.ndarray
    lam_min: float
    lam_max: float

    @property
    def condition_number(self) -> float:
        return self.lam_max / self.lam_min if self.lam_min > 0 else math.inf

    @property
    def lr_max(self) -> float:
        """Largest stable learning rate of plain gradient descent, 2/λmax."""
        return 2.0 / self.lam_max

    @property
    def lr_best(self) -> float:
        """The fastest learning rate of plain gradient descent, 2/(λmax + λmin)."""
        return 2.0 / (self.lam_max + max(self.lam_min, 0.0))


def _symmetric_2x2_eigenvalues(a: float, c: float, d: float, det: float) -> tuple[float, float]:
    """Eigenvalues of [[a, c], [c, d]] given its determinant computed stably by the caller.

    λmax = (a + d)/2 + √(((a − d)/2)² + c²) has no cancellation for a, d > 0; λmin = det/λmax
    avoids the cancellation of (a + d)/2 − √(…) when κ is huge (x ≈ 10⁶ gives κ ≈ 10¹²).
    """
    lam_max = 0.5 * (a + d) + math.hypot(0.5 * (a - d), c)
    return det / lam_max, lam_max


def curvature(objective: Objective) -> Curvature | None:
    """The constant Hessian of a quadratic objective, or None when it is not quadratic."""
    if isinstance(objective, LineFit):
        if objective.loss not in QUADRATIC_LOSSES:
            return None
        s = objective.stats
        # H of Σr² is 2[[Σx², Σx], [Σx, N]]; with Σx² = Sxx + N x̄², det = 4 N Sxx exactly.
        f = 2.0 * (1.0 if objective.loss == "sse" else 1.0 / s.n)
        a, c, d = f * (s.sxx + s.n * s.x_mean**2), f * s.n * s.x_mean, f * s.n
        det = f * f * s.n * s.sxx
        lam_min, lam_max = _symmetric_2x2_eigenvalues(a, c, d, det)
        return Curvature(np.array(((a, c), (c, d))), lam_min, lam_max)
    if isinstance(objective, TestFunction) and objective.hessian is not None:
        h = np.array(objective.hessian, dtype=np.float64)
        lam_min, lam_max = np.linalg.eigvalsh(h)
        return Curvature(h, float(lam_min), float(lam_max))
    return None


def least_squares(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """The least-squares line (m, b) by numpy's lstsq on the centred data.

    Centring x first keeps the design matrix well conditioned for large offsets; the intercept
    is mapped back: b = ȳ − m x̄.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    x_mean, y_mean = float(x.mean()), float(y.mean())
    design = np.column_stack((x - x_mean, np.ones_like(x)))
    (m, b_centred), *_ = np.linalg.lstsq(design, y - y_mean, rcond=None)
    return float(m), float(y_mean + b_centred - m * x_mean)


def stability_limit(curv: Curvature, optimizer: Optimizer) -> float | None:
    """Largest stable learning rate on this quadratic, by the optimizer's registered rule.

    gd: 2/λmax. Heavy ball (torch convention): 2(1 + μ)/λmax. Nesterov: 2(1 + μ)/((1 + 2μ)λmax).
    None for adaptive optimizers, whose step size is not γ·∇L, for damped or weight-decayed
    momentum, and for a quadratic with a negative eigenvalue (no learning rate converges).
    """
    rule = OPTIMIZERS[optimizer.name].stability if optimizer.name in OPTIMIZERS else None
    h = optimizer.hyperparameters
    if curv.lam_min < 0 or rule is None or h.get("dampening") or h.get("weight_decay"):
        return None
    mu = float(h.get("momentum", 0.0))
    if rule == "nesterov" or h.get("nesterov"):
        return 2.0 * (1.0 + mu) / ((1.0 + 2.0 * mu) * curv.lam_max)
    return 2.0 * (1.0 + mu) / curv.lam_max


def suggest_learning_rate(objective: Objective, optimizer: Optimizer) -> float | None:
    """A learning rate to try after a divergence: half the stability limit where it is known,
    else a tenth of the one that failed; None when no learning rate can converge (a quadratic
    with a negative curvature, such as the saddle, has no minimum to reach)."""
    curv = curvature(objective)
    if curv is not None and curv.lam_min < 0:
        return None
    limit = stability_limit(curv, optimizer) if curv is not None else None
    if limit is not None and limit < optimizer.lr:
        return round_down(0.5 * limit)
    return round_down(optimizer.lr / 10.0)


def round_down(value: float) -> float:
    """Two significant digits, rounded down, so a suggestion is easy to type and stays below."""
    if value <= 0 or not math.isfinite(value):
        return value
    exponent = math.floor(math.log10(value)) - 1
    return math.floor(value / 10.0**exponent) * 10.0**exponent


@dataclass(frozen=True)
class Verdict:
    """What plain gradient descent will do on a quadratic before anything is run."""

    kind: str  # "converges" | "slow" | "diverges"
    lr_max: float
    lr_best: float
    condition_number: float
    steps_needed: float  # steps to shrink the slowest error component 1000-fold (inf if never)
    message: str


def gd_verdict(curv: Curvature, lr: float, steps: int) -> Verdict:
    """Converges / slow / diverges for gd with learning rate `lr` over `steps` steps.

    The slowest mode shrinks by ρ = max|1 − γλ| per step; 'converges' means the error shrinks
    1000-fold within `steps` (ρ^steps ≤ 10⁻³), 'slow' that it would, but later.
    """
    if curv.lam_min <= 0:
        raise GdvizError("The loss has no unique minimum (its curvature is zero or negative).")
    rho = max(abs(1.0 - lr * curv.lam_min), abs(1.0 - lr * curv.lam_max))
    needed = math.inf if rho >= 1.0 else (math.log(1e-3) / math.log(rho) if rho > 0 else 1.0)
    limit = f"the stability limit 2/λmax = {curv.lr_max:.3g}"
    if lr >= curv.lr_max:
        kind = "diverges"
        message = (
            f"Diverges: the learning rate {lr:.3g} is at or above {limit}. "
            f"Try {round_down(0.5 * curv.lr_max):.2g}."
        )
    elif needed <= steps:
        kind = "converges"
        message = f"Converges: about {math.ceil(needed):,} steps to close 99.9% of the gap."
    else:
        kind = "slow"
        message = (
            f"Slow: about {needed:,.0f} steps to close 99.9% of the gap, more than the {steps:,} "
            f"planned. The condition number is {curv.condition_number:,.3g}"
            + (
                "; standardising x makes it small."
                if curv.condition_number > 100
                else f"; the fastest learning rate is {curv.lr_best:.3g}."
            )
        )
    return Verdict(kind, curv.lr_max, curv.lr_best, curv.condition_number, needed, message)


@dataclass(frozen=True)
class Scaling:
    """The z-score of x, z = (x − mean)/std, and the map of lines between the two units.

    A line y = m_z·z + b_z in z is y = (m_z/std)·x + (b_z − m_z·mean/std) in x.
    """

    mean: float
    std: float

    @classmethod
    def of(cls, x: np.ndarray) -> Scaling:
        x = np.asarray(x, dtype=np.float64)
        mean = float(x.mean())
        std = float(np.sqrt(np.mean((x - mean) ** 2)))
        if not std > 0:
            raise GdvizError("Every x is the same, so x cannot be standardised.")
        return cls(mean, std)

    def transform(self, x: np.ndarray) -> np.ndarray:
        return (np.asarray(x, dtype=np.float64) - self.mean) / self.std

    def to_original(self, m_z, b_z):
        """(m, b) in the units of x from (m_z, b_z) in z; works on arrays."""
        return m_z / self.std, b_z - m_z * self.mean / self.std

    def from_original(self, m, b):
        """(m_z, b_z) in z from (m, b) in the units of x; works on arrays."""
        return m * self.std, b + m * self.mean
