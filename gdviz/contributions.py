"""How the gradient is computed: each point's contribution to ∂L/∂m and ∂L/∂b of the line fit.

With residuals r_i = y_i − (m x_i + b), every loss of `gdviz.losses` is a sum over points, so its
gradient is a sum of per-point terms (s = N for sse, 1 for the averaged losses, ψ = ℓ′):

    ∂L/∂b = Σ_i d_b,i,   d_b,i = −(s/N)·ψ(r_i)
    ∂L/∂m = Σ_i d_m,i,   d_m,i = −(s/N)·ψ(r_i)·x_i

For mse ψ(r) = 2r, so d_b,i = −2/N·r_i and d_m,i = −2/N·x_i·r_i: the teaching material's
exercise, diff = Σ (y − (m x + b)), b_gradient = −2/N·diff, m_gradient = −2/N·Σ x·(y − (m x + b)).
The sums are taken with `math.fsum` (correctly rounded), so the total shown beside the bars is
the sum of the bars; it equals the engine's gradient (`LineFit.value_and_gradient`, which for
mse/sse comes from the sufficient statistics) to rounding.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from gdviz.analysis import Scaling, curvature
from gdviz.errors import GdvizError
from gdviz.losses import loss_record
from gdviz.objectives import LineFit

PARAMS = ("m", "b")


class Exercise(NamedTuple):
    """The gradient built as the teaching exercise builds it, for any loss.

    t_i is each point's term of `diff`: r_i for squared losses, sign(r_i) for mae,
    clip(r_i, −δ, δ) for huber; `coefficient` is −2/N (mse), −2 (sse) or −1/N (mae, huber), so
    b_gradient = coefficient·diff and m_gradient = coefficient·x_diff.
    """

    n: int
    coefficient: float
    coefficient_label: str  # "-2/N", "-2" or "-1/N": how the formula writes it
    diff: float  # Σ t_i
    x_diff: float  # Σ x_i·t_i
    b_gradient: float
    m_gradient: float
    shown: tuple[int, ...]  # the points whose terms a formula writes out (the first ones)
    hidden: int  # how many more terms the "+ …" stands for


class Update(NamedTuple):
    """One plain gradient-descent step from (m, b): θ ← θ − γ·g."""

    lr: float
    step_m: float  # −γ·∂L/∂m
    step_b: float  # −γ·∂L/∂b
    m: float  # after the step
    b: float


@dataclass(frozen=True)
class SlopeLeverage:
    """Where ∂L/∂m comes from, with x as given and with x standardised (z = (x − x̄)/σ).

    The same line in both units has the same residuals, and

        ∂L/∂m = Σ (x_i − x̄)·d_b,i + x̄·∂L/∂b,     ∂L/∂m_z = Σ z_i·d_b,i = Σ (x_i − x̄)·d_b,i / σ

    so with x as given every point pushes the slope with the lever x_i ≈ x̄ (the offset part,
    which couples m to b and narrows the valley: condition number κ), while standardised the
    lever is z_i and the points far from x̄ carry ∂L/∂m. "Far" means |x − x̄| > `far_sigmas`·σ.
    Shares are of Σ|d_m,i| (None when every contribution is 0).
    """

    n: int
    x_mean: float
    x_std: float
    far_sigmas: float
    far_count: int  # points with |x − x̄| > far_sigmas·σ
    share_far_m: float | None  # their share of ∂L/∂m's contributions, x as given
    share_far_m_standardized: float | None  # the same with z for x
    share_far_b: float | None  # their share of ∂L/∂b's (the same in both units): the baseline
    offset_part_m: float  # x̄·∂L/∂b, the part of ∂L/∂m standardising removes
    spread_part_m: float  # Σ (x_i − x̄)·d_b,i
    grad_m: float
    grad_b: float
    grad_m_standardized: float  # ∂L/∂m_z at the same line (∂L/∂b_z = ∂L/∂b)
    condition_number: float  # κ of the mean-squared-error Hessian, x as given
    condition_number_standardized: float  # κ with z for x (1 up to rounding)

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True, eq=False)
class Contributions:
    """Each point's residual and its two gradient contributions at the line (m, b).

    Per-point arrays (read-only, in the data's order): x, y, y_hat = m x + b, r = y − y_hat,
    t (its term of the exercise's diff), loss_terms ((s/N)·ℓ(r_i)), d_m, d_b. Sums: grad_m,
    grad_b (the gradient) and value (the loss).
    """

    loss: str
    delta: float
    m: float
    b: float
    x: np.ndarray
    y: np.ndarray
    y_hat: np.ndarray
    r: np.ndarray
    t: np.ndarray
    loss_terms: np.ndarray
    d_m: np.ndarray
    d_b: np.ndarray
    coefficient: float
    coefficient_label: str
    grad_m: float
    grad_b: float
    value: float

    @property
    def n(self) -> int:
        return self.x.size

    @property
    def gradient(self) -> np.ndarray:
        """(∂L/∂m, ∂L/∂b): the sums of the contributions."""
        return np.array((self.grad_m, self.grad_b))

    def contribution(self, param: str) -> np.ndarray:
        """The per-point contributions to ∂L/∂`param` ('m' or 'b')."""
        return {"m": self.d_m, "b": self.d_b}[_check_param(param)]

    def order(self, param: str = "m") -> np.ndarray:
        """Point indices by |contribution to ∂L/∂param|, largest first (ties in data order)."""
        return np.argsort(-np.abs(self.contribution(param)), kind="stable")

    def exercise(self, max_terms: int = 3) -> Exercise:
        """The exercise's diff, b_gradient and m_gradient, with the terms a formula writes out:
        all of them when N ≤ max_terms, else the first max_terms and "+ … (N − max_terms more)".
        """
        if isinstance(max_terms, bool) or not isinstance(max_terms, int) or max_terms < 1:
            raise GdvizError(f"The number of terms to show must be at least 1, not {max_terms!r}.")
        diff = math.fsum(self.t.tolist())
        x_diff = math.fsum((self.x * self.t).tolist())
        shown = tuple(range(min(self.n, max_terms)))
        return Exercise(
            self.n,
            self.coefficient,
            self.coefficient_label,
            diff,
            x_diff,
            self.coefficient * diff,
            self.coefficient * x_diff,
            shown,
            self.n - len(shown),
        )

    def update(self, lr: float) -> Update:
        """The gradient-descent step −γ·g this gradient produces with learning rate `lr`."""
        if not (_is_number(lr) and math.isfinite(lr) and lr > 0):
            raise GdvizError(f"The learning rate must be a positive number, not {lr!r}.")
        step_m, step_b = -lr * self.grad_m, -lr * self.grad_b
        return Update(float(lr), step_m, step_b, self.m + step_m, self.b + step_b)

    def slope_leverage(self, far_sigmas: float = 1.0) -> SlopeLeverage:
        """Where ∂L/∂m comes from, before and after standardising x (see `SlopeLeverage`)."""
        if not (_is_number(far_sigmas) and math.isfinite(far_sigmas) and far_sigmas >= 0):
            raise GdvizError(
                f"'Far' must be a number of standard deviations ≥ 0, not {far_sigmas!r}."
            )
        scaling = Scaling.of(self.x)  # a clear error when every x is the same
        z = scaling.transform(self.x)
        far = np.abs(self.x - scaling.mean) > far_sigmas * scaling.std
        d_m_z = self.d_b * z  # the same line in z has the same residuals, so the same d_b
        spread = math.fsum((self.d_b * (self.x - scaling.mean)).tolist())
        return SlopeLeverage(
            n=self.n,
            x_mean=scaling.mean,
            x_std=scaling.std,
            far_sigmas=float(far_sigmas),
            far_count=int(far.sum()),
            share_far_m=_share(self.d_m, far),
            share_far_m_standardized=_share(d_m_z, far),
            share_far_b=_share(self.d_b, far),
            offset_part_m=scaling.mean * self.grad_b,
            spread_part_m=spread,
            grad_m=self.grad_m,
            grad_b=self.grad_b,
            grad_m_standardized=math.fsum(d_m_z.tolist()),
            condition_number=_condition_number(self.x, self.y),
            condition_number_standardized=_condition_number(z, self.y),
        )

    def to_dict(self, *, points: bool = True) -> dict:
        """Plain JSON-ready values: the line, the sums, the exercise and (unless points=False)
        the per-point lists."""
        ex = self.exercise()
        out = {
            "loss": self.loss,
            "delta": self.delta,
            "m": self.m,
            "b": self.b,
            "n": self.n,
            "value": self.value,
            "gradient": {"m": self.grad_m, "b": self.grad_b},
            "exercise": {
                "coefficient": ex.coefficient,
                "coefficient_label": ex.coefficient_label,
                "diff": ex.diff,
                "x_diff": ex.x_diff,
                "b_gradient": ex.b_gradient,
                "m_gradient": ex.m_gradient,
            },
        }
        if points:
            out["points"] = {
                name: getattr(self, name).tolist()
                for name in ("x", "y", "y_hat", "r", "d_m", "d_b")
            }
        return out


def contributions(fit: LineFit, m: float, b: float, *, loss: str | None = None) -> Contributions:
    """Each point's contribution to the gradient of `fit`'s loss (or of `loss`, on the same
    points) at the line y = m·x + b. O(N)."""
    if not (_is_number(m) and _is_number(b) and math.isfinite(m) and math.isfinite(b)):
        raise GdvizError(f"The line needs a finite slope m and intercept b, not m={m!r}, b={b!r}.")
    m, b = float(m), float(b)
    fit_rule = fit.rule if loss is None else loss_record(loss)
    n = fit.n
    summed = fit_rule.summed
    # Quadratic losses are ℓ = r², ψ = 2r: the exercise's term is r, its coefficient −2/N.
    psi_scale = 2.0 if fit_rule.quadratic else 1.0
    coefficient = -psi_scale * (1.0 if summed else 1.0 / n)
    label = ("-2" if psi_scale == 2.0 else "-1") + ("" if summed else "/N")
    weight = 1.0 if summed else 1.0 / n

    x, y = fit.x, fit.y
    y_hat = m * x + b
    r = _residuals(x, y, m, b)
    # ψ of mae jumps at r = 0: it sees the residual as the engine computes it, so a point
    # lying on the line (to rounding) counts on the same side of the kink in both.
    t = r if fit_rule.quadratic else fit_rule.psi(y - y_hat, fit.delta)
    d_b = coefficient * t
    d_m = d_b * x
    loss_terms = weight * fit_rule.value(r, fit.delta)
    for a in (y_hat, r, t, d_b, d_m, loss_terms):
        a.setflags(write=False)
    return Contributions(
        loss=fit_rule.name,
        delta=float(fit.delta),
        m=m,
        b=b,
        x=x,
        y=y,
        y_hat=y_hat,
        r=r,
        t=t,
        loss_terms=loss_terms,
        d_m=d_m,
        d_b=d_b,
        coefficient=coefficient,
        coefficient_label=label,
        grad_m=math.fsum(d_m.tolist()),
        grad_b=math.fsum(d_b.tolist()),
        value=math.fsum(loss_terms.tolist()),
    )


def _residuals(x: np.ndarray, y: np.ndarray, m: float, b: float) -> np.ndarray:
    """y − (m x + b), correctly rounded but for a few ulps even when y ≈ m x + b.

    Near a good line the plain difference cancels most digits of y and m·x, and ∂L/∂m sums
    x·r over points whose terms cancel again; error-free transformations (Dekker's product,
    Knuth's sum) keep what plain float arithmetic would lose, so the sum of the contributions
    stays within ~1e-14 of the exact value where the plain one drifts to ~1e-12.
    """
    with np.errstate(all="ignore"):
        p, p_err = _two_product(m, x)
        s1, e1 = _two_sum(y, -p)
        s2, e2 = _two_sum(s1, -b)
        r = s2 + ((e1 + e2) - p_err)
    plain = y - (m * x + b)
    return np.where(np.isfinite(r), r, plain)  # the splitting overflows only beyond 1e300


def _two_sum(a, b):
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _split(a):
    c = 134217729.0 * a  # 2^27 + 1 (Veltkamp)
    hi = c - (c - a)
    return hi, a - hi


def _two_product(a: float, b: np.ndarray):
    p = a * b
    a_hi, a_lo = _split(a)
    b_hi, b_lo = _split(b)
    return p, ((a_hi * b_hi - p) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo


def _is_number(v) -> bool:
    return isinstance(v, int | float | np.floating | np.integer) and not isinstance(v, bool)


def _check_param(param: str) -> str:
    if param not in PARAMS:
        raise GdvizError(f"Choose the parameter 'm' or 'b', not {param!r}.")
    return param


def _share(d: np.ndarray, mask: np.ndarray) -> float | None:
    a = np.abs(d)
    total = math.fsum(a.tolist())
    return math.fsum(a[mask].tolist()) / total if total > 0 else None


def _condition_number(x: np.ndarray, y: np.ndarray) -> float:
    return curvature(LineFit(x, y, "mse")).condition_number
