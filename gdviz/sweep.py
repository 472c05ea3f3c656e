"""A learning-rate sweep: K learning rates from one start for one step budget, run together.

Every learning rate's run follows `gdviz.engine.run` exactly — the same updates in the same
floating-point order, the same stopping rules (non-finite → diverged; |loss| > EXPLOSION_FACTOR ×
max(|start loss|, 1) → diverged; gradient length ≤ tol > 0 → converged) — so each row equals a
single `run` at that learning rate. What differs is the cost: the parameters are one (K, 2)
array, and

* for mse/sse the loss and gradient of all K rows come from the sufficient statistics at O(1)
  per row and step (one numpy expression over K); other objectives are evaluated row by row;
* rules whose step is γ·D with D free of γ (gd, momentum, Nesterov, RMSprop, Adagrad without
  lr_decay) step all rows in one call: the rule built with γ = 1 on zero parameters returns
  exactly −D, and θ + γ·(−D) is bit for bit the engine's θ − γ·D. Adam and Adagrad with lr_decay
  fold γ into another factor (γ/(1 − β₁ᵗ)), so they are stepped row by row (K optimizers).

Stability limits come from `gdviz.analysis`: exact for a constant Hessian (mse/sse, quadratic
test functions), local (the Hessian at the start) for huber and the other smooth functions,
absent for mae (no curvature) and where the curvature at the start is not positive.

Bands (gd, momentum and Nesterov with a known limit; a = γλ per eigen-direction λ):
each direction of a quadratic evolves by a 2×2 linear recurrence (gd: z = 1 − a; heavy ball:
z² − (1 + μ − a)z + μ = 0; Nesterov: z² − (1 + μ − a(1 + μ))z + μ(1 − a) = 0) with spectral
radius ρ(a). Then, for learning rate γ and a budget of S steps:

* diverging   — γ ≥ the optimizer's stability limit (ρ ≥ 1 along λmax);
* oscillating — below it, but the stiffest direction's roots are not both real and ≥ 0: the path
                overshoots the valley floor and flips side (gd: γ·λmax > 1; heavy ball:
                γ·λmax > (1 − √μ)²);
* good        — neither, and max(ρ(γλmin), ρ(γλmax))^S ≤ 10⁻³: the budget closes 99.9% of the
                gap along every direction;
* too small   — neither, and the budget does not close it ("a very long time to the bottom").
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from gdviz.analysis import Curvature, curvature, stability_limit
from gdviz.engine import EXPLOSION_FACTOR, check_start, check_steps
from gdviz.errors import GdvizError
from gdviz.objectives import LineFit, Objective, TestFunction
from gdviz.optimizers import Optimizer, optimizer_spec

BANDS = ("too small", "good", "oscillating", "diverging")
LIMIT_KINDS = ("exact", "local", "absent")
DEFAULT_COUNT = 40
MAX_COUNT = 200
# The default range around the optimizer's stability limit L: 10⁻³·L to 3·L.
DEFAULT_SPAN = (1e-3, 3.0)
# Without a limit (adaptive rules, mae, negative curvature): around the rule's default rate.
FALLBACK_SPAN = (1e-2, 1e3)
GAP_CLOSED = 1e-3  # "good": the budget shrinks the error 1000-fold along every direction
# Per-point losses cost K·steps·N residuals; beyond this a sweep would keep a page waiting.
MAX_POINT_EVALUATIONS = 200_000_000
_STACKABLE = ("gd", "momentum", "nesterov", "rmsprop", "adagrad")


# --------------------------------------------------------------------------------------------
# Stability limits and bands
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """What the curvature says about learning rates for this objective, start and optimizer.

    `kind` is "exact" (constant Hessian), "local" (the Hessian at the start) or "absent".
    `lr_max` = 2/λmax and `lr_best` = 2/(λmax + λmin) are plain gradient descent's;
    `optimizer_limit` is this optimizer's (`analysis.stability_limit`; None for adaptive rules).
    Band edges (learning rates) are None where the bands are undefined: `good_from` is None also
    when no rate is good within the budget.
    """

    kind: str
    note: str
    lam_min: float | None = None
    lam_max: float | None = None
    lr_max: float | None = None
    lr_best: float | None = None
    optimizer_limit: float | None = None
    condition_number: float | None = None
    good_from: float | None = None
    oscillating_from: float | None = None
    momentum: float = 0.0
    nesterov: bool = False

    @property
    def has_bands(self) -> bool:
        return self.optimizer_limit is not None and self.oscillating_from is not None

    def band(self, lr: float, steps: int) -> str | None:
        """The band of `lr` for a budget of `steps` (see the module's docstring), or None."""
        if not self.has_bands:
            return None
        if lr >= self.optimizer_limit:
            return "diverging"
        if lr > self.oscillating_from:
            return "oscillating"
        rho = max(self._rho(lr * self.lam_min), self._rho(lr * self.lam_max))
        return "good" if _closes_gap(rho, steps) else "too small"

    def _rho(self, a: float) -> float:
        return _spectral_radius(a, self.momentum, self.nesterov)

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "note": self.note,
            "lam_min": self.lam_min,
            "lam_max": self.lam_max,
            "condition_number": _json_number(self.condition_number),
            "lr_max": self.lr_max,
            "lr_best": self.lr_best,
            "optimizer_limit": self.optimizer_limit,
            "good_from": self.good_from,
            "oscillating_from": self.oscillating_from,
        }


def _recurrence(a: float, mu: float, nesterov: bool) -> tuple[float, float]:
    """Trace and determinant of one direction's 2×2 recurrence: z² − T z + D = 0."""
    if nesterov:
        return 1.0 + mu - a * (1.0 + mu), mu * (1.0 - a)
    return 1.0 + mu - a, mu


def _roots(a: float, mu: float, nesterov: bool) -> tuple[complex, complex]:
    t, d = _recurrence(a, mu, nesterov)
    disc = complex(t * t - 4.0 * d) ** 0.5
    return (t + disc) / 2.0, (t - disc) / 2.0


def _spectral_radius(a: float, mu: float, nesterov: bool) -> float:
    return max(abs(z) for z in _roots(a, mu, nesterov))


def _oscillates(a: float, mu: float, nesterov: bool) -> bool:
    """Not both roots real and ≥ 0: the direction's error changes sign (overshoots)."""
    t, d = _recurrence(a, mu, nesterov)
    return not (t * t - 4.0 * d >= 0.0 and t >= 0.0 and d >= 0.0)


def _closes_gap(rho: float, steps: int) -> bool:
    if rho >= 1.0:
        return False
    return rho == 0.0 or steps * math.log(rho) <= math.log(GAP_CLOSED)


def _bisect(inside: Callable[[float], bool], low: float, high: float) -> float:
    """The boundary between `inside(low)` true and `inside(high)` false, in log space."""
    for _ in range(200):
        mid = math.sqrt(low * high)
        if mid in (low, high):
            break
        low, high = (mid, high) if inside(mid) else (low, mid)
    return high


def _local_curvature(objective: Objective, start: np.ndarray) -> Curvature | None:
    """The Hessian at the start: exact for huber (the points within δ of the line); by
    central differences of the exact gradient for a 2-D function; None for mae."""
    if isinstance(objective, LineFit):
        if objective.loss != "huber":
            return None
        x, y = objective.x, objective.y
        inside = np.abs(y - (start[0] * x + start[1])) < objective.delta
        k = int(inside.sum())
        if k == 0:
            return _curvature_of(np.zeros((2, 2)))
        xi = x[inside]
        mean = float(xi.mean())
        sxx = float(np.sum((xi - mean) ** 2))
        f = 1.0 / objective.n
        h = np.array(((f * (sxx + k * mean * mean), f * k * mean), (f * k * mean, f * k)))
        lam_max = 0.5 * (h[0, 0] + h[1, 1]) + math.hypot(0.5 * (h[0, 0] - h[1, 1]), h[0, 1])
        lam_min = f * f * k * sxx / lam_max if lam_max > 0 else 0.0  # det/λmax: no cancelling
        return Curvature(h, lam_min, lam_max)
    if isinstance(objective, TestFunction):
        h = np.empty((2, 2))
        for j in range(2):
            step = 1e-5 * max(1.0, abs(float(start[j])))
            e = np.zeros(2)
            e[j] = step
            h[:, j] = (objective.gradient(start + e) - objective.gradient(start - e)) / (2 * step)
        if not np.all(np.isfinite(h)):
            return None
        return _curvature_of(0.5 * (h + h.T))
    return None


def _curvature_of(h: np.ndarray) -> Curvature:
    lam_min, lam_max = np.linalg.eigvalsh(h)
    return Curvature(h, float(lam_min), float(lam_max))


def stability(objective: Objective, optimizer: Optimizer, start, steps: int) -> Limits:
    """The learning-rate limits and band edges for `optimizer` (its hyperparameters; its own
    learning rate is ignored) from `start` with a budget of `steps`."""
    params = check_start(start, objective)
    steps = check_steps(steps)
    curv, kind = curvature(objective), "exact"
    if curv is None:
        curv, kind = _local_curvature(objective, params), "local"
    if curv is None or not curv.lam_max > 0:
        why = (
            "The mean absolute error is piecewise linear: it has no curvature, so no "
            "learning-rate limit follows from it."
            if curv is None and isinstance(objective, LineFit)
            else "The curvature at the start is not positive in any direction, so no "
            "learning-rate limit follows from it."
        )
        return Limits("absent", why)
    limit = stability_limit(curv, optimizer)
    h = optimizer.hyperparameters
    mu, nesterov = float(h.get("momentum", 0.0)), bool(h.get("nesterov", False))
    notes = [
        "The Hessian is constant, so these limits are exact."
        if kind == "exact"
        else "The curvature changes from place to place: these limits use the Hessian at the "
        "start and hold only near it."
    ]
    if curv.lam_min < 0:
        notes.append("One direction curves downwards: no learning rate converges along it.")
    elif limit is None:
        notes.append(
            f"{optimizer_spec(optimizer.name).title} scales its own steps, so no limit "
            "γ < c/λmax applies to it; 2/λmax is plain gradient descent's."
        )
    oscillating_from = good_from = None
    if limit is not None:
        oscillating_from = _bisect(
            lambda lr: not _oscillates(lr * curv.lam_max, mu, nesterov),
            limit * 1e-12,
            limit,
        )
        rho = lambda lr: max(  # noqa: E731
            _spectral_radius(lr * curv.lam_min, mu, nesterov),
            _spectral_radius(lr * curv.lam_max, mu, nesterov),
        )
        if _closes_gap(rho(oscillating_from), steps):
            good_from = _bisect(
                lambda lr: not _closes_gap(rho(lr), steps), 1e-300, oscillating_from
            )
    return Limits(
        kind,
        " ".join(notes),
        curv.lam_min,
        curv.lam_max,
        curv.lr_max,
        curv.lr_best if curv.lam_min > 0 else None,
        limit,
        curv.condition_number,
        good_from,
        oscillating_from,
        mu,
        nesterov,
    )


# --------------------------------------------------------------------------------------------
# The sweep's record
# --------------------------------------------------------------------------------------------


class RateResult(NamedTuple):
    """One learning rate's run, as `engine.run` would report it."""

    lr: float
    status: str  # converged | max_steps | diverged
    final_loss: float  # the last kept step's loss (finite)
    final_params: tuple[float, float]
    steps: int  # updates kept, as Trajectory.steps
    steps_to_tol: int | None  # the step where the gradient's length reached tol
    diverged_at: int | None
    band: str | None


@dataclass(frozen=True, eq=False)
class Sweep:
    """K runs that differ only in the learning rate. Arrays are read-only, in the order of `lrs`
    (ascending). `explosion_limit` is the loss at which a run counts as exploding: a page caps
    diverged runs' markers there (`capped_loss`)."""

    objective: str
    optimizer: str
    hyperparameters: Mapping[str, float | bool]
    param_names: tuple[str, str]
    start: tuple[float, float]
    steps: int
    tol: float
    start_loss: float
    explosion_limit: float
    lrs: np.ndarray
    status: tuple[str, ...]
    final_loss: np.ndarray
    final_params: np.ndarray
    steps_run: np.ndarray
    steps_to_tol: tuple[int | None, ...]
    diverged_at: tuple[int | None, ...]
    bands: tuple[str | None, ...]
    limits: Limits
    _results: tuple[RateResult, ...] = field(init=False, repr=False)

    def __post_init__(self):
        rows = tuple(
            RateResult(
                float(lr),
                self.status[i],
                float(self.final_loss[i]),
                (float(self.final_params[i, 0]), float(self.final_params[i, 1])),
                int(self.steps_run[i]),
                self.steps_to_tol[i],
                self.diverged_at[i],
                self.bands[i],
            )
            for i, lr in enumerate(self.lrs.tolist())
        )
        object.__setattr__(self, "_results", rows)

    def __len__(self) -> int:
        return self.lrs.size

    @property
    def results(self) -> tuple[RateResult, ...]:
        return self._results

    @property
    def capped_loss(self) -> np.ndarray:
        """Final losses with diverged runs placed at `explosion_limit`: never inf or a gap."""
        diverged = np.array([s == "diverged" for s in self.status])
        return np.where(diverged, self.explosion_limit, np.minimum(self.final_loss, 1e300))

    def best(self) -> int | None:
        """Index of the rate that converged in the fewest steps, else of the lowest final loss
        among those that did not diverge; None when every run diverged."""
        converged = [i for i, s in enumerate(self.status) if s == "converged"]
        if converged:
            return min(converged, key=lambda i: (self.steps_to_tol[i], -self.lrs[i]))
        alive = [i for i, s in enumerate(self.status) if s != "diverged"]
        return min(alive, key=lambda i: self.final_loss[i]) if alive else None

    def examples(self) -> dict[str, int | None]:
        """Three rates for "too small", "just right" and "too big" small multiples: the best,
        the rate a hundredth of it (or the smallest), and the smallest that diverged (or the
        largest)."""
        best = self.best()
        if best is None:
            return {"too small": 0, "just right": None, "too big": len(self) - 1}
        small = int(np.searchsorted(self.lrs, self.lrs[best] / 100.0))
        diverged = [i for i, s in enumerate(self.status) if s == "diverged" and i > best]
        big = diverged[0] if diverged else len(self) - 1
        return {"too small": min(small, best), "just right": best, "too big": big}

    def to_dict(self) -> dict:
        return {
            "objective": self.objective,
            "optimizer": self.optimizer,
            "hyperparameters": dict(self.hyperparameters),
            "param_names": list(self.param_names),
            "start": list(self.start),
            "steps": self.steps,
            "tol": self.tol,
            "start_loss": self.start_loss,
            "limits": self.limits.to_dict(),
            "runs": [
                {
                    "lr": r.lr,
                    "status": r.status,
                    "final_loss": r.final_loss,
                    "final_params": list(r.final_params),
                    "steps": r.steps,
                    "steps_to_tol": r.steps_to_tol,
                    "diverged_at": r.diverged_at,
                    "band": r.band,
                }
                for r in self.results
            ],
        }


# --------------------------------------------------------------------------------------------
# Running all learning rates at once
# --------------------------------------------------------------------------------------------


def learning_rates(low: float, high: float, count: int = DEFAULT_COUNT) -> np.ndarray:
    """`count` learning rates spaced evenly in log from `low` to `high` (both included)."""
    if isinstance(count, bool) or not isinstance(count, int | np.integer):
        raise GdvizError(f"The number of learning rates must be a whole number, not {count!r}.")
    if not 2 <= count <= MAX_COUNT:
        raise GdvizError(f"Choose between 2 and {MAX_COUNT} learning rates, not {count}.")
    for name, v in (("smallest", low), ("largest", high)):
        if not (_is_number(v) and math.isfinite(v) and v > 0):
            raise GdvizError(f"The {name} learning rate must be a positive number, not {v!r}.")
    if not low < high:
        raise GdvizError(
            f"The smallest learning rate ({low:g}) must be below the largest ({high:g})."
        )
    return np.geomspace(float(low), float(high), int(count))


def sweep(
    objective: Objective,
    optimizer: str = "gd",
    start=None,
    *,
    lrs: Sequence[float] | np.ndarray | None = None,
    lr_min: float | None = None,
    lr_max: float | None = None,
    count: int = DEFAULT_COUNT,
    steps: int = 1000,
    tol: float = 0.0,
    hyperparameters: Mapping[str, float | bool] | None = None,
) -> Sweep:
    """Run `optimizer` (a registered name, with `hyperparameters`) from `start` for `steps`
    updates at each learning rate, all at once.

    The rates are `lrs` if given, else `count` log-spaced ones from `lr_min` to `lr_max`, whose
    defaults span 10⁻³·L to 3·L around the optimizer's stability limit L (or 10⁻²·γ₀ to 10³·γ₀
    around its default rate γ₀ when it has none). `start` defaults to a test function's own
    start and to (0, 0) for a line fit. Each row equals `engine.run(objective,
    spec.build(lr, **hyperparameters), start, steps=steps, tol=tol)`.
    """
    spec = optimizer_spec(optimizer)
    hyper = dict(hyperparameters or {})
    template = spec.build(None, **hyper)  # validates the hyperparameters once
    if start is None:
        start = objective.start if isinstance(objective, TestFunction) else (0.0, 0.0)
    params0 = check_start(start, objective)
    steps = check_steps(steps)
    if not (_is_number(tol) and math.isfinite(tol) and tol >= 0):
        raise GdvizError(f"The tolerance must be a number ≥ 0, not {tol!r}.")
    limits = stability(objective, template, params0, steps)
    rates = _rates(lrs, lr_min, lr_max, count, limits, spec.default_lr)
    optimizers = [spec.build(lr, **hyper) for lr in rates.tolist()]  # validates every rate
    _check_budget(objective, rates.size, steps)

    out = _run_all(objective, optimizers, spec.build(1.0, **hyper), rates, params0, steps, tol)
    status, final_loss, final_params, kept, to_tol, diverged_at, start_loss = out
    for a in (rates, final_loss, final_params, kept):
        a.setflags(write=False)
    return Sweep(
        objective=objective.name,
        optimizer=spec.name,
        hyperparameters=template.hyperparameters,
        param_names=tuple(objective.param_names),
        start=(float(params0[0]), float(params0[1])),
        steps=steps,
        tol=float(tol),
        start_loss=start_loss,
        explosion_limit=EXPLOSION_FACTOR * max(abs(start_loss), 1.0),
        lrs=rates,
        status=status,
        final_loss=final_loss,
        final_params=final_params,
        steps_run=kept,
        steps_to_tol=to_tol,
        diverged_at=diverged_at,
        bands=tuple(limits.band(lr, steps) for lr in rates.tolist()),
        limits=limits,
    )


def _rates(lrs, lr_min, lr_max, count, limits: Limits, default_lr: float) -> np.ndarray:
    if lrs is not None:
        if lr_min is not None or lr_max is not None:
            raise GdvizError("Give either the learning rates or their range, not both.")
        try:
            rates = np.array(lrs, dtype=np.float64).ravel()
        except (TypeError, ValueError):
            raise GdvizError("The learning rates must be numbers.") from None
        if not 1 <= rates.size <= MAX_COUNT:
            raise GdvizError(f"Choose between 1 and {MAX_COUNT} learning rates, not {rates.size}.")
        if not np.all(np.isfinite(rates) & (rates > 0)):
            raise GdvizError("Every learning rate must be a positive number.")
        return np.sort(rates)
    centre, span = (
        (limits.optimizer_limit, DEFAULT_SPAN)
        if limits.optimizer_limit is not None
        else (default_lr, FALLBACK_SPAN)
    )
    low = centre * span[0] if lr_min is None else lr_min
    high = centre * span[1] if lr_max is None else lr_max
    return learning_rates(low, high, count)


def _check_budget(objective: Objective, k: int, steps: int) -> None:
    if isinstance(objective, LineFit) and not objective.rule.quadratic:
        cost = k * steps * objective.n
        if cost > MAX_POINT_EVALUATIONS:
            raise GdvizError(
                f"A {objective.loss} sweep of {k} learning rates × {steps:,} steps over "
                f"{objective.n:,} points evaluates {cost:.1e} residuals, over the cap of "
                f"{MAX_POINT_EVALUATIONS:.0e}; choose fewer rates or steps, or mse."
            )


def _evaluator(objective: Objective) -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Loss (K,) and gradient (K, 2) at K parameter rows, each as `value_and_gradient` gives it."""
    if isinstance(objective, LineFit) and objective.rule.quadratic:
        s = objective.stats
        # LineFit.value_and_gradient's expression, in the same order, over K rows at once.
        f = 1.0 if objective.rule.summed else 1.0 / objective.n
        n, x_mean, y_mean, sxx, slope, rss = s.n, s.x_mean, s.y_mean, s.sxx, s.slope, s.rss

        def closed_form(params):
            m, b = params[:, 0], params[:, 1]
            c = y_mean - m * x_mean - b
            dm = m - slope
            value = (rss + sxx * dm * dm + n * c * c) * f
            grad = np.empty_like(params)
            grad[:, 0] = 2.0 * f * (sxx * dm - n * x_mean * c)
            grad[:, 1] = -2.0 * f * n * c
            return value, grad

        return closed_form

    def row_by_row(params):
        pairs = [objective.value_and_gradient(p) for p in params]
        value = np.array([v for v, _ in pairs], dtype=np.float64)
        grad = np.array([g for _, g in pairs], dtype=np.float64).reshape(len(pairs), 2)
        return value, grad

    return row_by_row


class _Stacked:
    """All rows stepped by one rule built with γ = 1: update(g, state, 0) = 0 − 1·D = −D."""

    def __init__(self, rule: Optimizer, lrs: np.ndarray, k: int):
        self.rule, self.lrs = rule, lrs[:, None]
        self.zeros = np.zeros((k, 2))
        self.state = rule.init(self.zeros)

    def step(self, params, grads):
        minus_d, self.state = self.rule.update(grads, self.state, self.zeros)
        return params + self.lrs * minus_d

    def keep(self, rows):
        self.lrs, self.zeros = self.lrs[rows], self.zeros[rows]
        self.state = type(self.state)(
            *(v[rows] if isinstance(v, np.ndarray) else v for v in self.state)
        )


class _RowByRow:
    """One optimizer per row, each stepping its own (2,) parameters: any rule, exactly."""

    def __init__(self, optimizers: list[Optimizer], params0: np.ndarray):
        self.optimizers = optimizers
        self.states = [o.init(params0) for o in optimizers]

    def step(self, params, grads):
        new = np.empty_like(params)
        for i, (opt, state) in enumerate(zip(self.optimizers, self.states, strict=True)):
            new[i], self.states[i] = opt.update(grads[i], state, params[i])
        return new

    def keep(self, rows):
        self.optimizers = [self.optimizers[i] for i in rows.tolist()]
        self.states = [self.states[i] for i in rows.tolist()]


def _stackable(rule: Optimizer) -> bool:
    h = rule.hyperparameters
    return rule.name in _STACKABLE and not h.get("weight_decay") and not h.get("lr_decay")


def _run_all(objective, optimizers, unit_rule, rates, params0, steps, tol):
    k = rates.size
    evaluate = _evaluator(objective)
    stepper: Any = (
        _Stacked(unit_rule, rates, k) if _stackable(unit_rule) else _RowByRow(optimizers, params0)
    )
    status = ["max_steps"] * k
    to_tol: list[int | None] = [None] * k
    diverged_at: list[int | None] = [None] * k
    final_loss, final_params, kept = np.empty(k), np.empty((k, 2)), np.zeros(k, dtype=np.int64)

    rows = np.arange(k)  # the original index of each active row
    with np.errstate(all="ignore"):  # overflow is a status, as in engine.run
        params = np.tile(params0, (k, 1))
        value, grad = evaluate(params)
        norm = np.hypot(grad[:, 0], grad[:, 1])
        if not _finite_rows(value, norm, params).all():
            raise GdvizError("The loss at the start point is not a finite number.")
        start_loss = float(value[0])
        limit = EXPLOSION_FACTOR * max(abs(start_loss), 1.0)
        for s in range(steps + 1):
            if s > 0:
                prev_params, prev_value = params, value
                params = stepper.step(params, grad)
                value, grad = evaluate(params)
                norm = np.hypot(grad[:, 0], grad[:, 1])
                finite = _finite_rows(value, norm, params)
                exploded = finite & (np.abs(value) > limit)
            else:
                prev_params, prev_value = params, value
                finite, exploded = np.ones(k, dtype=bool), np.zeros(k, dtype=bool)
            converged = finite & ~exploded & _reached(norm, grad, tol)
            stop = ~finite | exploded | converged
            if not stop.any():
                continue
            for j in np.flatnonzero(stop).tolist():
                i = rows[j]
                if not finite[j]:
                    status[i], diverged_at[i], kept[i] = "diverged", s, s - 1
                    final_loss[i], final_params[i] = prev_value[j], prev_params[j]
                    continue
                status[i], kept[i] = ("diverged" if exploded[j] else "converged"), s
                final_loss[i], final_params[i] = value[j], params[j]
                if exploded[j]:
                    diverged_at[i] = s
                else:
                    to_tol[i] = s
            go = np.flatnonzero(~stop)
            if go.size == 0:
                break
            rows, params, value, grad = rows[go], params[go], value[go], grad[go]
            stepper.keep(go)
        else:
            final_loss[rows], final_params[rows], kept[rows] = value, params, steps
    return (
        tuple(status),
        final_loss,
        final_params,
        kept,
        tuple(to_tol),
        tuple(diverged_at),
        start_loss,
    )


def _finite_rows(value, norm, params) -> np.ndarray:
    return np.isfinite(value) & np.isfinite(norm) & np.isfinite(params).all(axis=1)


def _reached(norm: np.ndarray, grad: np.ndarray, tol: float) -> np.ndarray:
    """norm ≤ tol with the engine's own length (math.hypot) for rows within rounding of tol,
    where numpy's hypot could round the other way."""
    if tol <= 0:
        return np.zeros(norm.size, dtype=bool)
    out = norm <= tol * (1.0 + 1e-15)
    for j in np.flatnonzero(out & (norm >= tol * (1.0 - 1e-15))).tolist():
        out[j] = math.hypot(*grad[j].tolist()) <= tol
    return out


def _is_number(v) -> bool:
    return isinstance(v, int | float | np.floating | np.integer) and not isinstance(v, bool)


def _json_number(v: float | None) -> float | None:
    return None if v is None or not math.isfinite(v) else v
