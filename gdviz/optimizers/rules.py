"""The update rules: optimizers as pure (init, update) pairs over immutable state (torch.optim).

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
from typing import Any, NamedTuple

import numpy as np

from gdviz.errors import GdvizError

InitFn = Callable[[np.ndarray], Any]
UpdateFn = Callable[[np.ndarray, Any, np.ndarray], tuple[np.ndarray, Any]]
# A rule's own part: from the (decayed) gradient and its state to the step θ is moved by.
StepFn = Callable[[np.ndarray, Any], tuple[np.ndarray, Any]]


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


# ----------------------------------------------------------------------------------------
# What every rule shares, composed as optax chains its transforms:
# add_decayed_weights(λ) -> the rule's own step -> θ ← θ - step
# ----------------------------------------------------------------------------------------


def _compose(
    name: str,
    lr: float,
    hyper: dict[str, float | bool],
    *,
    weight_decay: float,
    init: InitFn,
    step: StepFn,
) -> Optimizer:
    """An `Optimizer` from a rule's `step(g, state) -> (Δ, state)`, with the shared parts:

        g_t = ∇f(θ_{t-1}) + λ θ_{t-1}      (torch's L2 weight decay; skipped when λ = 0)
        θ_t = θ_{t-1} - Δ_t

    Δ includes the learning rate, so each rule keeps torch's own order of operations.
    """

    def update(grads, state, params):
        g = grads + weight_decay * params if weight_decay else grads
        delta, state = step(g, state)
        return params - delta, state

    return Optimizer(name, init, update, lr, hyper)


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

    def step(g, state: SGDState):
        buf = state.momentum_buffer
        if mu:
            buf = g.copy() if buf is None else mu * buf + (1.0 - tau) * g
            g = g + mu * buf if nesterov else buf
        return lr * g, SGDState(state.count + 1, buf)

    hyper = {"momentum": mu, "dampening": tau, "weight_decay": wd, "nesterov": bool(nesterov)}
    return _compose(name, lr, hyper, weight_decay=wd, init=init, step=step)


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

    def step(g, state: AdagradState):
        t = state.count + 1
        clr = lr / (1 + (t - 1) * decay)
        sum_sq = state.sum_sq + g * g
        return clr * (g / (np.sqrt(sum_sq) + eps)), AdagradState(t, sum_sq)

    hyper = {
        "lr_decay": decay,
        "weight_decay": wd,
        "initial_accumulator_value": s0,
        "eps": eps,
    }
    return _compose("adagrad", lr, hyper, weight_decay=wd, init=init, step=step)


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

    def step(g, state: RMSpropState):
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
            delta = lr * buf
        else:
            delta = lr * (g / avg)
        return delta, RMSpropState(state.count + 1, square_avg, grad_avg, buf)

    hyper = {
        "alpha": alpha,
        "eps": eps,
        "weight_decay": wd,
        "momentum": mu,
        "centered": bool(centered),
    }
    return _compose("rmsprop", lr, hyper, weight_decay=wd, init=init, step=step)


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

    def step(g, state: AdamState):
        t = state.count + 1
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
        return step_size * (exp_avg / denom), AdamState(t, exp_avg, exp_avg_sq, max_sq)

    hyper = {"beta1": b1, "beta2": b2, "eps": eps, "weight_decay": wd, "amsgrad": bool(amsgrad)}
    return _compose("adam", lr, hyper, weight_decay=wd, init=init, step=step)
