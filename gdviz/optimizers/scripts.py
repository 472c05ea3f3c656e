"""Each optimizer's rule as lines of a standalone NumPy script (see gdviz.linefit.script).

A `ScriptRule` is the same update as the factory in `gdviz.optimizers.rules`, written out for a
learner to read and run: its constants, its state before the loop, the update lines and the
maths they implement. Only what the chosen hyperparameters need is written.
"""

from __future__ import annotations

from dataclasses import dataclass

from gdviz.literals import exact


@dataclass(frozen=True)
class ScriptRule:
    """One optimizer as script text: constants, state before the loop, the update, its maths."""

    constants: tuple[str, ...]
    state: tuple[str, ...]
    update: tuple[str, ...]
    maths: tuple[str, ...]


def gd_script(h: dict) -> ScriptRule:
    return ScriptRule((), (), ("theta = theta - LR * grad",), ("θ ← θ - γ g",))


def momentum_script(h: dict) -> ScriptRule:
    mu, tau = h["momentum"], h["dampening"]
    constants = [f"MOMENTUM = {exact(mu)}  # μ: how much of the last step to keep"]
    if tau:
        constants.append(f"DAMPENING = {exact(tau)}  # τ: how much of each new gradient to damp")
        velocity = "velocity = grad if step == 1 else MOMENTUM * velocity + (1 - DAMPENING) * grad"
        maths = ("v ← g on the first step, then v ← μ v + (1 - τ) g", "θ ← θ - γ v")
    else:
        velocity = "velocity = MOMENTUM * velocity + grad"
        maths = ("v ← μ v + g", "θ ← θ - γ v")
    return ScriptRule(
        tuple(constants),
        ("velocity = np.zeros(2)  # v, a decaying sum of past gradients (torch's buffer)",),
        (velocity, "theta = theta - LR * velocity"),
        (*maths, "(torch's convention: the learning rate multiplies v)"),
    )


def nesterov_script(h: dict) -> ScriptRule:
    return ScriptRule(
        (f"MOMENTUM = {exact(h['momentum'])}  # μ: how much of the last step to keep",),
        ("velocity = np.zeros(2)  # v, a decaying sum of past gradients (torch's buffer)",),
        (
            "velocity = MOMENTUM * velocity + grad",
            "theta = theta - LR * (grad + MOMENTUM * velocity)",
        ),
        ("v ← μ v + g", "θ ← θ - γ (g + μ v)   (look ahead along v; torch's form)"),
    )


def adagrad_script(h: dict) -> ScriptRule:
    decay = h["lr_decay"]
    constants = [f"EPS = {exact(h['eps'])}  # ε: keeps the division finite"]
    update = ["sum_sq = sum_sq + grad * grad"]
    if decay:
        constants.append(f"LR_DECAY = {exact(decay)}  # η: the learning rate shrinks with t")
        update += [
            "lr_t = LR / (1 + (step - 1) * LR_DECAY)",
            "theta = theta - lr_t * (grad / (np.sqrt(sum_sq) + EPS))",
        ]
        maths = ("s ← s + g²", "θ ← θ - γ_t g / (√s + ε),  γ_t = γ / (1 + (t - 1) η)")
    else:
        update.append("theta = theta - LR * (grad / (np.sqrt(sum_sq) + EPS))")
        maths = ("s ← s + g²", "θ ← θ - γ g / (√s + ε)")
    return ScriptRule(
        tuple(constants),
        ("sum_sq = np.zeros(2)  # s, the sum of all squared gradients so far",),
        tuple(update),
        maths,
    )


def rmsprop_script(h: dict) -> ScriptRule:
    mu, centered = h["momentum"], h["centered"]
    constants = [
        f"ALPHA = {exact(h['alpha'])}  # α: smoothing of the squared gradients",
        f"EPS = {exact(h['eps'])}  # ε: keeps the division finite",
    ]
    state = ["square_avg = np.zeros(2)  # v, a running average of g²"]
    update = ["square_avg = ALPHA * square_avg + (1 - ALPHA) * grad * grad"]
    maths = ["v ← α v + (1 - α) g²"]
    if centered:
        state.append("grad_avg = np.zeros(2)  # a, a running average of g (centered)")
        update += [
            "grad_avg = grad_avg + (grad - grad_avg) * (1 - ALPHA)",
            "avg = np.sqrt(square_avg - grad_avg * grad_avg) + EPS",
        ]
        maths += ["a ← α a + (1 - α) g,  d = √(v - a²) + ε   (centered)"]
    else:
        update.append("avg = np.sqrt(square_avg) + EPS")
        maths[0] += ",  d = √v + ε"
    if mu:
        constants.append(f"MOMENTUM = {exact(mu)}  # μ: momentum on the scaled step")
        state.append("velocity = np.zeros(2)  # b, momentum on the scaled steps")
        update += ["velocity = MOMENTUM * velocity + grad / avg", "theta = theta - LR * velocity"]
        maths += ["b ← μ b + g / d,  θ ← θ - γ b"]
    else:
        update.append("theta = theta - LR * (grad / avg)")
        maths += ["θ ← θ - γ g / d"]
    return ScriptRule(tuple(constants), tuple(state), tuple(update), tuple(maths))


def adam_script(h: dict) -> ScriptRule:
    amsgrad = h["amsgrad"]
    constants = (
        f"BETA1 = {exact(h['beta1'])}  # β₁: smoothing of the gradient",
        f"BETA2 = {exact(h['beta2'])}  # β₂: smoothing of its square",
        f"EPS = {exact(h['eps'])}  # ε: keeps the division finite",
    )
    state = [
        "avg_grad = np.zeros(2)  # m in the formulas (not the slope): a running average of g",
        "avg_sq = np.zeros(2)  # v, a running average of g²",
    ]
    update = [
        "avg_grad = avg_grad + (grad - avg_grad) * (1 - BETA1)",
        "avg_sq = BETA2 * avg_sq + (1 - BETA2) * grad * grad",
    ]
    maths = ["m ← β₁ m + (1 - β₁) g,  v ← β₂ v + (1 - β₂) g²"]
    largest = "avg_sq"
    if amsgrad:
        state.append("max_sq = np.zeros(2)  # the largest v seen so far (amsgrad)")
        update.append("max_sq = np.maximum(max_sq, avg_sq)")
        maths.append("amsgrad: use v_max = max(v_max, v) in place of v")
        largest = "max_sq"
    update += [
        "step_size = LR / (1 - BETA1**step)",
        f"denom = np.sqrt({largest}) / np.sqrt(1 - BETA2**step) + EPS",
        "theta = theta - step_size * (avg_grad / denom)",
    ]
    maths += [
        "θ ← θ - γ m̂ / (√v̂ + ε),  m̂ = m / (1 - β₁ᵗ),  v̂ = v / (1 - β₂ᵗ)",
        "(evaluated as torch does: γ/(1 - β₁ᵗ) · m / (√v / √(1 - β₂ᵗ) + ε))",
    ]
    return ScriptRule(constants, tuple(state), tuple(update), tuple(maths))
