"""The stepwise engine: one step, a lazy stream of steps, and a checked run to a `Trajectory`.

Step 0 is the start. Step k+1 applies the optimizer to the gradient at step k: the full
gradient, or with a batch size below N a mini-batch estimate (batches drawn without replacement
within each epoch from a seeded generator). The loss and gradient recorded at every step are
always those of the full data, so runs with different batch sizes compare fairly.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple, get_args

import numpy as np

from gdviz.analysis import suggest_learning_rate
from gdviz.errors import GdvizError
from gdviz.objectives import Objective
from gdviz.optimizers import Optimizer

MAX_STEPS = 100_000
# How a run ended (see `Trajectory`).
Status = Literal["converged", "max_steps", "diverged"]
STATUSES: tuple[Status, ...] = get_args(Status)
# A loss this many times the starting one (in absolute value) counts as exploding: a stable
# run never climbs that far, and stopping here keeps the drawn path within sight.
EXPLOSION_FACTOR = 1e6


class Step(NamedTuple):
    """One point of a descent: the parameters, full loss and full gradient at step `index`."""

    index: int
    params: np.ndarray
    loss: float
    grad: np.ndarray
    grad_norm: float


@dataclass(frozen=True, eq=False)
class Trajectory:
    """A whole run, from step 0 (the start) to the step where it stopped.

    Like scipy.optimize's `OptimizeResult`, one record with a status and a message:

    * ``status`` — ``"converged"``: the full gradient's length fell to the tolerance (the last
      row is that step); ``"max_steps"``: every step of the budget ran; ``"diverged"``: the
      loss, gradient or parameters stopped being finite, or the loss grew past
      `EXPLOSION_FACTOR` times its start (`diverged_at` is that update, `suggested_lr` a rate
      to try instead).
    * ``message`` — the same in words, with the numbers, for a person.

    Arrays hold only finite values: a run that diverged ends at its last finite step.
    `steps` is the number of updates kept (so `params` has steps + 1 rows).
    """

    params: np.ndarray  # (steps + 1, 2)
    loss: np.ndarray  # (steps + 1,)
    grad: np.ndarray  # (steps + 1, 2)
    grad_norm: np.ndarray  # (steps + 1,)
    status: Status
    message: str
    param_names: tuple[str, str]
    lr: float
    optimizer: str
    diverged_at: int | None = None  # the update that overflowed or exploded
    suggested_lr: float | None = None  # after a divergence

    @property
    def steps(self) -> int:
        return self.loss.size - 1

    @property
    def final_params(self) -> np.ndarray:
        return self.params[-1]

    @property
    def final_loss(self) -> float:
        return float(self.loss[-1])

    def column(self, name: str) -> np.ndarray:
        """The path of one parameter by name ('m', 'b', 'x' or 'y')."""
        return self.params[:, self.param_names.index(name)]


def check_steps(steps: int) -> int:
    if isinstance(steps, bool) or not isinstance(steps, int | np.integer):
        raise GdvizError(f"The number of steps must be a whole number, not {steps!r}.")
    if steps < 0:
        raise GdvizError(f"The number of steps cannot be negative ({steps}).")
    if steps > MAX_STEPS:
        raise GdvizError(f"{steps:,} steps is above the cap of {MAX_STEPS:,}; choose fewer.")
    return int(steps)


def check_start(start, objective: Objective) -> np.ndarray:
    """The start point as a read-only float64 pair, or a GdvizError in words."""
    try:
        params = np.array(start, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        raise GdvizError(f"The start point must be two numbers, not {start!r}.") from None
    if params.size != 2 or not np.all(np.isfinite(params)):
        names = " and ".join(objective.param_names)
        raise GdvizError(f"The start point must be two finite numbers ({names}), not {start!r}.")
    params.setflags(write=False)
    return params


class _Batches:
    """Index batches of size B, without replacement within each epoch (a fresh permutation)."""

    def __init__(self, n: int, batch_size: int, rng: np.random.Generator):
        self.n, self.batch_size, self.rng = n, batch_size, rng
        self._order: np.ndarray = np.empty(0, dtype=np.intp)
        self._pos = 0

    def next(self) -> np.ndarray:
        if self._pos >= self._order.size:
            self._order, self._pos = self.rng.permutation(self.n), 0
        batch = self._order[self._pos : self._pos + self.batch_size]
        self._pos += self.batch_size
        return batch


def _batches_for(objective: Objective, batch_size: int | None, seed: int) -> _Batches | None:
    if batch_size is None:
        return None
    # Checked before comparing with N, so a bad size is an error whatever N is.
    if isinstance(batch_size, bool) or not isinstance(batch_size, int | np.integer):
        raise GdvizError(f"The batch size must be a whole number, not {batch_size!r}.")
    if batch_size < 1:
        raise GdvizError(f"The batch size must be at least 1, not {batch_size}.")
    n = getattr(objective, "n", None)
    if n is not None and batch_size >= n:
        return None
    if n is None or not hasattr(objective, "batch_gradient"):
        raise GdvizError("Mini-batches need data points; this objective has none.")
    return _Batches(n, int(batch_size), np.random.default_rng(seed))


def _measure(objective: Objective, index: int, params: np.ndarray) -> Step:
    loss, grad = objective.value_and_gradient(params)
    return Step(index, params, loss, grad, math.hypot(*grad.tolist()))


def step(
    objective: Objective,
    optimizer: Optimizer,
    current: Step,
    state: Any,
    batch: np.ndarray | None = None,
) -> tuple[Step, Any]:
    """One update from `current`; returns the next `Step` and optimizer state.

    Uses `current.grad` (full data) or, given `batch` indices, the mini-batch gradient there.
    Numpy may warn on overflow here: callers that want silence wrap it in `np.errstate`.
    """
    grads = current.grad if batch is None else objective.batch_gradient(current.params, batch)
    params, state = optimizer.update(grads, state, current.params)
    return _measure(objective, current.index + 1, params), state


def _raw_steps(objective, optimizer, start, steps, batch_size, seed) -> Iterator[Step]:
    steps = check_steps(steps)
    batches = _batches_for(objective, batch_size, seed)
    current = _measure(objective, 0, check_start(start, objective))
    state = optimizer.init(current.params)
    yield current
    for _ in range(steps):
        batch = None if batches is None else batches.next()
        current, state = step(objective, optimizer, current, state, batch)
        yield current


def iterate(
    objective: Objective,
    optimizer: Optimizer,
    start,
    *,
    steps: int = MAX_STEPS,
    batch_size: int | None = None,
    seed: int = 0,
) -> Iterator[Step]:
    """Yield step 0 (the start), then each update, lazily, up to `steps` updates.

    Raw: values may become non-finite when a run diverges (`run` checks and stops); numpy's
    overflow warnings are silenced. The engine never writes into an array it has yielded,
    so a consumer may keep them.
    """
    raw = _raw_steps(objective, optimizer, start, steps, batch_size, seed)
    while True:
        # The errstate must not stay entered across a yield, so it wraps each step alone.
        with np.errstate(all="ignore"):
            current = next(raw, None)
        if current is None:
            return
        yield current


def _is_finite(s: Step) -> bool:
    return (
        math.isfinite(s.loss)
        and math.isfinite(s.grad_norm)
        and math.isfinite(s.params[0])
        and math.isfinite(s.params[1])
    )


def run(
    objective: Objective,
    optimizer: Optimizer,
    start,
    *,
    steps: int = 1000,
    tol: float = 0.0,
    batch_size: int | None = None,
    seed: int = 0,
) -> Trajectory:
    """Run up to `steps` updates and return the checked `Trajectory`.

    Stops early when the full gradient's length is ≤ `tol` (`converged`; tol = 0 runs every
    step) or when the loss, gradient or parameters stop being finite or the loss grows past
    `EXPLOSION_FACTOR` times its start (`diverged`, with a suggested learning rate).
    """
    if not (isinstance(tol, int | float) and math.isfinite(tol) and tol >= 0):
        raise GdvizError(f"The tolerance must be a number ≥ 0, not {tol!r}.")
    kept: list[Step] = []
    status: Status = "max_steps"
    diverged_at, reason = None, ""
    limit = math.inf
    with np.errstate(all="ignore"):  # overflow is reported as a status, never as a warning
        for s in _raw_steps(objective, optimizer, start, steps, batch_size, seed):
            if not _is_finite(s):
                if s.index == 0:
                    raise GdvizError("The loss at the start point is not a finite number.")
                status, diverged_at, reason = "diverged", s.index, "overflowed to infinity"
                break
            kept.append(s)
            if s.index == 0:
                limit = EXPLOSION_FACTOR * max(abs(s.loss), 1.0)
            elif abs(s.loss) > limit:
                status, diverged_at = "diverged", s.index
                grew = "grew" if s.loss > 0 else "fell (the function has no lower bound here)"
                reason = f"{grew} to {s.loss:.3g}, over {EXPLOSION_FACTOR:.0e} times its start"
                break
            if s.grad_norm <= tol and tol > 0:
                status = "converged"
                break
    params = np.array([s.params for s in kept])
    loss = np.array([s.loss for s in kept])
    grad = np.array([s.grad for s in kept])
    grad_norm = np.array([s.grad_norm for s in kept])
    for a in (params, loss, grad, grad_norm):
        a.setflags(write=False)
    suggested = suggest_learning_rate(objective, optimizer) if status == "diverged" else None
    message = _describe(
        status, loss, grad_norm, check_steps(steps), tol, diverged_at, reason, optimizer, suggested
    )
    return Trajectory(
        params,
        loss,
        grad,
        grad_norm,
        status,
        message,
        objective.param_names,
        optimizer.lr,
        optimizer.name,
        diverged_at,
        suggested,
    )


def _describe(status, loss, grad_norm, steps, tol, diverged_at, reason, optimizer, suggested):
    last = loss.size - 1
    if status == "converged":
        return (
            f"Converged at step {last:,}: the gradient's length {grad_norm[-1]:.3g} fell to the "
            f"tolerance {tol:.3g}. Loss {loss[-1]:.6g}."
        )
    if status == "diverged":
        head = f"Diverged at step {diverged_at:,}: the loss {reason}."
        if suggested is None:
            return head + " No learning rate converges here: the function has no minimum."
        return (
            f"{head} The learning rate {optimizer.lr:.3g} is too large for {optimizer.name} "
            f"here; try {suggested:.2g}."
        )
    return (
        f"Ran all {steps:,} steps: loss {loss[-1]:.6g}, the gradient's length is "
        f"{grad_norm[-1]:.3g}" + (f" (tolerance {tol:.3g} not reached)." if tol > 0 else ".")
    )
