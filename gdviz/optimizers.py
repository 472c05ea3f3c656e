"""Optimizers as pure (init, update) pairs over immutable state, following torch.optim.

Each optimizer is built by a factory taking the learning rate and keyword-only hyperparameters
with torch.optim's names and defaults. It returns an `Optimizer` whose

    state = init(params)
    new_params, new_state = update(grads, state, params)

never write into their inputs. Counting steps from t = 1, the update rules are those documented
for torch.optim (the docstrings give each one), evaluated in float64 in the same order as
torch's implementation so that results agree to rounding.

Momentum convention (libraries disagree): torch's, where the learning rate multiplies the
velocity, b_t = μ b_{t-1} + (1 - τ) g_t and θ_t = θ_{t-1} - γ b_t — not the "v = μv - γg"
form. The two coincide for a constant learning rate.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from gdviz.errors import GdvizError

InitFn = Callable[[np.ndarray], Any]
UpdateFn = Callable[[np.ndarray, Any, np.ndarray], tuple[np.ndarray, Any]]


class Optimizer(NamedTuple):
    """A named pair of pure functions plus the hyperparameters they were built with."""

    name: str
    init: InitFn
    update: UpdateFn
    lr: float
    hyperparameters: dict[str, float | bool]


# ----------------------------------------------------------------------------------------
# States
# ----------------------------------------------------------------------------------------


class SGDState(NamedTuple):
    count: int
    momentum_buffer: np.ndarray | None  # None until the first step (torch's lazy buffer)


class AdagradState(NamedTuple):
    count: int
    sum_sq: np.ndarray


class RMSpropState(NamedTuple):
    count: int
    square_avg: np.ndarray
    grad_avg: np.ndarray | None  # only when centered
    momentum_buffer: np.ndarray | None  # only when momentum > 0


class AdamState(NamedTuple):
    count: int
    exp_avg: np.ndarray
    exp_avg_sq: np.ndarray
    max_exp_avg_sq: np.ndarray | None  # only with amsgrad


# ----------------------------------------------------------------------------------------
# Validation (torch.optim raises ValueError up front; so do we, in words)
# ----------------------------------------------------------------------------------------


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise GdvizError(message)


def _finite(value: float) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check_lr(lr: float) -> float:
    _check(_finite(lr) and lr > 0, f"The learning rate must be a positive number, not {lr!r}.")
    return float(lr)


def _check_range(name: str, value: float, low: float, high: float, *, high_open=True) -> float:
    inside = _finite(value) and low <= value and (value < high if high_open else value <= high)
    bracket = ")" if high_open else "]"
    _check(inside, f"{name} must be in [{low:g}, {high:g}{bracket}, not {value!r}.")
    return float(value)


def _check_nonneg(name: str, value: float) -> float:
    _check(_finite(value) and value >= 0, f"{name} must be a number ≥ 0, not {value!r}.")
    return float(value)


def _check_positive(name: str, value: float) -> float:
    _check(_finite(value) and value > 0, f"{name} must be a number > 0, not {value!r}.")
    return float(value)


# ----------------------------------------------------------------------------------------
# Factories
# ----------------------------------------------------------------------------------------


def sgd(
    lr: float = 1e-3,
    *,
    momentum: float = 0.0,
    dampening: float = 0.0,
    weight_decay: float = 0.0,
    nesterov: bool = False,
    name: str = "gd",
) -> Optimizer:
    """Gradient descent with optional momentum, as torch.optim.SGD.

        g_t = ∇f(θ_{t-1}) + λ θ_{t-1}
        if μ ≠ 0:  b_t = g_t                      (t = 1)
                   b_t = μ b_{t-1} + (1 - τ) g_t  (t > 1)
                   g_t = g_t + μ b_t  if nesterov else  b_t
        θ_t = θ_{t-1} - γ g_t

    γ = lr, μ = momentum, τ = dampening, λ = weight_decay. Nesterov needs μ > 0 and τ = 0.
    """
    lr = _check_lr(lr)
    mu = _check_range("momentum", momentum, 0.0, 1.0)
    tau = _check_range("dampening", dampening, 0.0, 1.0, high_open=False)
    wd = _check_nonneg("weight_decay", weight_decay)
    _check(
        not nesterov or (mu > 0 and tau == 0),
        "Nesterov momentum needs momentum > 0 and dampening = 0.",
    )

    def init(params: np.ndarray) -> SGDState:
        return SGDState(0, None)

    def update(grads, state: SGDState, params):
        g = grads + wd * params if wd else grads
        buf = state.momentum_buffer
        if mu:
            buf = g.copy() if buf is None else mu * buf + (1.0 - tau) * g
            g = g + mu * buf if nesterov else buf
        return params - lr * g, SGDState(state.count + 1, buf)

    hyper = {"momentum": mu, "dampening": tau, "weight_decay": wd, "nesterov": bool(nesterov)}
    return Optimizer(name, init, update, lr, hyper)


def momentum(lr: float = 1e-3, *, momentum: float = 0.9, **options) -> Optimizer:
    """torch.optim.SGD with momentum (heavy ball); μ defaults to 0.9 here, as 0 would be `gd`."""
    return sgd(lr, momentum=momentum, name="momentum", **options)


def nesterov(lr: float = 1e-3, *, momentum: float = 0.9, **options) -> Optimizer:
    """torch.optim.SGD with nesterov=True; μ defaults to 0.9."""
    options.pop("nesterov", None)
    return sgd(lr, momentum=momentum, nesterov=True, name="nesterov", **options)


def adagrad(
    lr: float = 1e-2,
    *,
    lr_decay: float = 0.0,
    weight_decay: float = 0.0,
    initial_accumulator_value: float = 0.0,
    eps: float = 1e-10,
) -> Optimizer:
    """Adagrad, as torch.optim.Adagrad.

        γ̃ = γ / (1 + (t - 1) η)
        g_t = ∇f(θ_{t-1}) + λ θ_{t-1}
        s_t = s_{t-1} + g_t²                 (s_0 = initial_accumulator_value)
        θ_t = θ_{t-1} - γ̃ g_t / (√s_t + ε)

    γ = lr, η = lr_decay, λ = weight_decay, ε = eps.
    """
    lr = _check_lr(lr)
    decay = _check_nonneg("lr_decay", lr_decay)
    wd = _check_nonneg("weight_decay", weight_decay)
    s0 = _check_nonneg("initial_accumulator_value", initial_accumulator_value)
    eps = _check_nonneg("eps", eps)

    def init(params: np.ndarray) -> AdagradState:
        return AdagradState(0, np.full_like(params, s0, dtype=np.float64))

    def update(grads, state: AdagradState, params):
        t = state.count + 1
        g = grads + wd * params if wd else grads
        clr = lr / (1 + (t - 1) * decay)
        sum_sq = state.sum_sq + g * g
        return params - clr * (g / (np.sqrt(sum_sq) + eps)), AdagradState(t, sum_sq)

    hyper = {
        "lr_decay": decay,
        "weight_decay": wd,
        "initial_accumulator_value": s0,
        "eps": eps,
    }
    return Optimizer("adagrad", init, update, lr, hyper)


def rmsprop(
    lr: float = 1e-2,
    *,
    alpha: float = 0.99,
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    momentum: float = 0.0,
    centered: bool = False,
) -> Optimizer:
    """RMSprop, as torch.optim.RMSprop.

        g_t = ∇f(θ_{t-1}) + λ θ_{t-1}
        v_t = α v_{t-1} + (1 - α) g_t²                  (v_0 = 0)
        ṽ_t = v_t,  or if centered: a_t = α a_{t-1} + (1 - α) g_t,  ṽ_t = v_t - a_t²
        if μ > 0:  b_t = μ b_{t-1} + g_t / (√ṽ_t + ε),   θ_t = θ_{t-1} - γ b_t
        else:      θ_t = θ_{t-1} - γ g_t / (√ṽ_t + ε)

    γ = lr, α = alpha, ε = eps, λ = weight_decay, μ = momentum.
    """
    lr = _check_lr(lr)
    alpha = _check_range("alpha", alpha, 0.0, 1.0, high_open=False)
    eps = _check_nonneg("eps", eps)
    wd = _check_nonneg("weight_decay", weight_decay)
    mu = _check_range("momentum", momentum, 0.0, 1.0)

    def init(params: np.ndarray) -> RMSpropState:
        zeros = np.zeros_like(params, dtype=np.float64)
        return RMSpropState(0, zeros, zeros if centered else None, zeros if mu else None)

    def update(grads, state: RMSpropState, params):
        g = grads + wd * params if wd else grads
        square_avg = alpha * state.square_avg + (1 - alpha) * g * g
        grad_avg = state.grad_avg
        if centered:
            grad_avg = grad_avg + (g - grad_avg) * (1 - alpha)  # torch's lerp_
            avg = np.sqrt(square_avg - grad_avg * grad_avg) + eps
        else:
            avg = np.sqrt(square_avg) + eps
        buf = state.momentum_buffer
        if mu:
            buf = mu * buf + g / avg
            new_params = params - lr * buf
        else:
            new_params = params - lr * (g / avg)
        return new_params, RMSpropState(state.count + 1, square_avg, grad_avg, buf)

    hyper = {
        "alpha": alpha,
        "eps": eps,
        "weight_decay": wd,
        "momentum": mu,
        "centered": bool(centered),
    }
    return Optimizer("rmsprop", init, update, lr, hyper)


def adam(
    lr: float = 1e-3,
    *,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    amsgrad: bool = False,
) -> Optimizer:
    """Adam, as torch.optim.Adam (betas=(beta1, beta2)).

        g_t = ∇f(θ_{t-1}) + λ θ_{t-1}
        m_t = β₁ m_{t-1} + (1 - β₁) g_t
        v_t = β₂ v_{t-1} + (1 - β₂) g_t²
        m̂_t = m_t / (1 - β₁ᵗ)
        v̂_t = v_t / (1 - β₂ᵗ),  or with amsgrad: v̂_t = max(v^max_{t-1}, v_t) / (1 - β₂ᵗ)
        θ_t = θ_{t-1} - γ m̂_t / (√v̂_t + ε)

    γ = lr, ε = eps, λ = weight_decay. Evaluated as torch does:
    θ - (γ / (1 - β₁ᵗ)) · m_t / (√v_t / √(1 - β₂ᵗ) + ε).
    """
    lr = _check_lr(lr)
    b1 = _check_range("beta1", beta1, 0.0, 1.0)
    b2 = _check_range("beta2", beta2, 0.0, 1.0)
    eps = _check_nonneg("eps", eps)
    wd = _check_nonneg("weight_decay", weight_decay)

    def init(params: np.ndarray) -> AdamState:
        zeros = np.zeros_like(params, dtype=np.float64)
        return AdamState(0, zeros, zeros, zeros if amsgrad else None)

    def update(grads, state: AdamState, params):
        t = state.count + 1
        g = grads + wd * params if wd else grads
        exp_avg = state.exp_avg + (g - state.exp_avg) * (1 - b1)  # torch's lerp_
        exp_avg_sq = b2 * state.exp_avg_sq + (1 - b2) * g * g
        step_size = lr / (1 - b1**t)
        bias_correction2_sqrt = math.sqrt(1 - b2**t)
        max_sq = state.max_exp_avg_sq
        if amsgrad:
            max_sq = np.maximum(max_sq, exp_avg_sq)
            denom = np.sqrt(max_sq) / bias_correction2_sqrt + eps
        else:
            denom = np.sqrt(exp_avg_sq) / bias_correction2_sqrt + eps
        new_params = params - step_size * (exp_avg / denom)
        return new_params, AdamState(t, exp_avg, exp_avg_sq, max_sq)

    hyper = {"beta1": b1, "beta2": b2, "eps": eps, "weight_decay": wd, "amsgrad": bool(amsgrad)}
    return Optimizer("adam", init, update, lr, hyper)


# ----------------------------------------------------------------------------------------
# Registry: feeds the command line, the pages' controls and the test tables
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hyperparameter:
    """One tunable option of an optimizer, with the range a control may offer."""

    name: str
    default: float | bool
    low: float = 0.0
    high: float = 1.0
    help: str = ""

    @property
    def is_flag(self) -> bool:
        return isinstance(self.default, bool)


@dataclass(frozen=True)
class OptimizerSpec:
    name: str
    title: str
    factory: Callable[..., Optimizer]
    default_lr: float
    hyperparameters: tuple[Hyperparameter, ...]
    summary: str

    def build(self, lr: float | None = None, **hyper) -> Optimizer:
        """The optimizer with `lr` (default: this spec's) and the given hyperparameters."""
        known = {h.name for h in self.hyperparameters}
        unknown = sorted(set(hyper) - known)
        if unknown:
            allowed = ", ".join(sorted(known)) or "none"
            raise GdvizError(
                f"{self.title} has no option {', '.join(unknown)}; its options are: {allowed}."
            )
        return self.factory(self.default_lr if lr is None else lr, **hyper)


_MOMENTUM = Hyperparameter("momentum", 0.9, 0.0, 0.999, "μ: how much of the last step to keep")
_EPS_HELP = "ε: keeps the division finite when the running average is 0"

OPTIMIZERS: dict[str, OptimizerSpec] = {
    spec.name: spec
    for spec in (
        OptimizerSpec(
            "gd",
            "Gradient descent",
            sgd,
            1e-3,
            (),
            "θ ← θ − γ·∇f(θ): step downhill, in proportion to the slope.",
        ),
        OptimizerSpec(
            "momentum",
            "Momentum",
            momentum,
            1e-3,
            (_MOMENTUM, Hyperparameter("dampening", 0.0, 0.0, 1.0, "τ: damp the new gradient")),
            "b ← μ·b + (1 − τ)·g;  θ ← θ − γ·b: a heavy ball that keeps rolling.",
        ),
        OptimizerSpec(
            "nesterov",
            "Nesterov momentum",
            nesterov,
            1e-3,
            # Nesterov needs μ > 0 (torch rejects μ = 0), so its control starts above 0.
            (Hyperparameter("momentum", 0.9, 0.01, 0.999, _MOMENTUM.help),),
            "b ← μ·b + g;  θ ← θ − γ·(g + μ·b): momentum that looks ahead.",
        ),
        OptimizerSpec(
            "adagrad",
            "Adagrad",
            adagrad,
            1e-2,
            (
                Hyperparameter("lr_decay", 0.0, 0.0, 1.0, "η: shrink γ as 1/(1 + (t−1)η)"),
                Hyperparameter("eps", 1e-10, 0.0, 1.0, _EPS_HELP),
            ),
            "s ← s + g²;  θ ← θ − γ·g/(√s + ε): each parameter's steps shrink with its history.",
        ),
        OptimizerSpec(
            "rmsprop",
            "RMSprop",
            rmsprop,
            1e-2,
            (
                Hyperparameter("alpha", 0.99, 0.0, 1.0, "α: smoothing of the squared gradients"),
                Hyperparameter("eps", 1e-8, 0.0, 1.0, _EPS_HELP),
                Hyperparameter("momentum", 0.0, 0.0, 0.999, "μ: momentum on the scaled step"),
                Hyperparameter("centered", False, help="subtract the mean gradient's square"),
            ),
            "v ← α·v + (1 − α)·g²;  θ ← θ − γ·g/(√v + ε): steps scaled by recent gradient size.",
        ),
        OptimizerSpec(
            "adam",
            "Adam",
            adam,
            1e-3,
            (
                Hyperparameter("beta1", 0.9, 0.0, 0.999, "β₁: smoothing of the gradient"),
                Hyperparameter("beta2", 0.999, 0.0, 0.99999, "β₂: smoothing of its square"),
                Hyperparameter("eps", 1e-8, 0.0, 1.0, _EPS_HELP),
                Hyperparameter("amsgrad", False, help="use the largest v̂ seen so far"),
            ),
            "m̂, v̂: bias-corrected averages of g and g²;  θ ← θ − γ·m̂/(√v̂ + ε).",
        ),
    )
}


def optimizer_spec(name: str) -> OptimizerSpec:
    """The registered optimizer `name`, or a GdvizError listing the choices."""
    try:
        return OPTIMIZERS[name]
    except KeyError:
        choices = ", ".join(OPTIMIZERS)
        raise GdvizError(f"Unknown optimizer {name!r}; choose one of {choices}.") from None
