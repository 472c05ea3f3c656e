"""Several optimizers on one 2-D test function: the fair runs and what they came to.

`compare` runs the engine once per optimizer of a `CompareSettings` (the same start, step
budget and tolerance for each), frames one loss grid around the function's window and every
path, and sums each run up in words (`RunSummary`) and as a table row (`summary_rows`).
The settings live in `gdviz.compare.settings`, the figure in `gdviz.views.compare`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gdviz.compare.settings import CompareSettings
from gdviz.engine import Status, Trajectory, run
from gdviz.errors import GdvizError
from gdviz.expression import CUSTOM_NAME
from gdviz.objectives import TestFunction
from gdviz.optimizers import OPTIMIZERS
from gdviz.surface import Grid, frame_paths, loss_grid
from gdviz.timeline import Timeline

REACH_DISTANCE = 1e-3  # "reached a minimum": within this Euclidean distance of it
GRID_SIZE = 200  # the loss grid is GRID_SIZE² values; the contour lines follow it


@dataclass(frozen=True)
class RunSummary:
    """One optimizer's result, in the terms the page's table uses."""

    optimizer: str
    title: str
    lr: float
    status: Status  # the engine's: converged | max_steps | diverged
    steps: int  # updates taken (a diverged run: up to its last finite step)
    final_x: float
    final_y: float
    final_loss: float
    distance: float | None  # from the final point to the nearest minimum (None: no minima)
    nearest_minimum: tuple[float, float] | None
    reached_at: int | None  # first step within REACH_DISTANCE of a minimum
    diverged_at: int | None
    suggested_lr: float | None
    kind: str  # how the page shows it: success | warning | error
    message: str


@dataclass(frozen=True, eq=False)
class Comparison:
    settings: CompareSettings
    function: TestFunction
    trajectories: tuple[Trajectory, ...]  # in the order of settings.runs
    summaries: tuple[RunSummary, ...]
    grid: Grid
    timeline: Timeline  # the frame steps shared by every optimizer
    start_loss: float
    f_min: float | None  # the lowest value at the known minima; None when there is none


def _distances(params: np.ndarray, minima: np.ndarray) -> np.ndarray:
    """Distance from each row of `params` to the nearest of `minima`."""
    diff = params[:, None, :] - minima[None, :, :]
    return np.sqrt(np.min(np.sum(diff * diff, axis=2), axis=1))


def _summarise(name: str, t: Trajectory, fn: TestFunction) -> RunSummary:
    spec = OPTIMIZERS[name]
    who = f"{spec.title}, γ = {t.lr:g}"
    x, y = (float(v) for v in t.final_params)
    distance = nearest = reached = None
    if fn.minima:
        minima = np.array(fn.minima, dtype=float)
        with np.errstate(over="ignore", invalid="ignore"):
            d = _distances(t.params, minima)
        distance = float(d[-1])
        nearest = tuple(float(v) for v in minima[int(np.argmin(np.hypot(*(minima - (x, y)).T)))])
        hits = np.flatnonzero(d <= REACH_DISTANCE)
        reached = int(hits[0]) if hits.size else None
    where = f"({nearest[0]:.4g}, {nearest[1]:.4g})" if nearest else ""
    if t.status == "diverged":
        kind = "error"
        message = (
            f"{who}: {t.message} The path is drawn up to step {t.steps:,}, its last finite point."
        )
    elif reached is not None:
        kind = "success"
        stop = (
            f"it stopped at step {t.steps:,} (gradient length ≤ tolerance)"
            if t.status == "converged"
            else f"after all {t.steps:,} steps it is"
        )
        message = (
            f"{who}: came within {REACH_DISTANCE:g} of the minimum {where} at step {reached:,}; "
            f"{stop} {distance:.3g} away, with loss {t.final_loss:.6g}."
        )
    elif t.status == "converged":
        kind = "success" if not fn.minima else "warning"
        far = f", {distance:.3g} from the nearest minimum {where}" if fn.minima else ""
        message = f"{who}: {t.message} It stopped at ({x:.4g}, {y:.4g}){far}."
    elif fn.minima:
        kind = "warning"
        message = (
            f"{who}: ran all {t.steps:,} steps and is still {distance:.3g} from the nearest "
            f"minimum {where} (loss {t.final_loss:.6g}). Try a different learning rate or more "
            "steps."
        )
    else:
        kind = "warning"
        message = (
            f"{who}: ran all {t.steps:,} steps, ending at ({x:.4g}, {y:.4g}) with f = "
            f"{t.final_loss:.6g}. "
            + (
                "No minimum of a typed function is known unless it is a quadratic bowl, so "
                "the distance to one cannot be measured."
                if fn.name == CUSTOM_NAME
                else "This function has no minimum: descent slides away for ever."
            )
        )
    return RunSummary(
        optimizer=name,
        title=spec.title,
        lr=t.lr,
        status=t.status,
        steps=t.steps,
        final_x=x,
        final_y=y,
        final_loss=t.final_loss,
        distance=distance,
        nearest_minimum=nearest,
        reached_at=reached,
        diverged_at=t.diverged_at,
        suggested_lr=t.suggested_lr,
        kind=kind,
        message=message,
    )


def _window(fn: TestFunction, trajectories, start: tuple[float, float]):
    """The function's own window, the start and every path (a diverging one up to where it
    leaves sight)."""
    start_path = (np.array([start], dtype=float), np.zeros(1))
    paths = [start_path, *((t.params, t.loss) for t in trajectories)]
    return frame_paths(paths, base=fn.window, margin=0.05)


def _run_one(fn: TestFunction, name: str, lr: float, start, settings: CompareSettings):
    spec = OPTIMIZERS[name]
    optimizer = spec.build(lr, **{h.name: h.default for h in spec.hyperparameters})
    return run(fn, optimizer, start, steps=settings.steps, tol=settings.tol)


def compare(settings: CompareSettings) -> Comparison:
    """Run every optimizer of `settings` from the same start, with the same budget and tolerance.

    Returns the trajectories, a summary per optimizer, one loss grid framing the function's
    window and every path (a diverging path only up to 1e3× the start loss), and the frame steps
    (at most 200, geometrically spaced) shared by all optimizers. Raises GdvizError for a start
    where f is not finite (an overflow on the way is a run's divergence, not an error).
    """
    fn = settings.objective()
    start = (float(settings.x0), float(settings.y0))
    start_loss = fn.value(np.array(start))
    if not math.isfinite(start_loss):
        raise GdvizError(f"f is not a finite number at the start ({start[0]:g}, {start[1]:g}).")
    trajectories = tuple(_run_one(fn, name, lr, start, settings) for name, lr in settings.runs)
    grid = loss_grid(fn, _window(fn, trajectories, start), GRID_SIZE)
    last = max((t.steps for t in trajectories), default=0)
    f_min = min((fn.value(np.array(m, dtype=float)) for m in fn.minima), default=None)
    return Comparison(
        settings=settings,
        function=fn,
        trajectories=trajectories,
        summaries=tuple(
            _summarise(name, t, fn)
            for (name, _), t in zip(settings.runs, trajectories, strict=True)
        ),
        grid=grid,
        timeline=Timeline.of(last),
        start_loss=float(start_loss),
        f_min=f_min,
    )


def status_words(s: RunSummary) -> str:
    """What happened, in the fewest words that are true (the table's status column)."""
    if s.status == "diverged":
        return f"diverged at step {s.diverged_at:,}" if s.diverged_at is not None else "diverged"
    if s.status == "converged":
        near = s.reached_at is not None or s.nearest_minimum is None
        return "converged" if near else "stopped short of a minimum"
    return "reached the minimum" if s.reached_at is not None else "out of steps"


def key_column(settings: CompareSettings, has_minima: bool) -> str | None:
    """The table's most telling column: steps to the tolerance when there is one, else the
    distance to the nearest minimum (None: no tolerance and no minimum)."""
    if settings.tol > 0:
        return f"steps to ‖∇f‖ ≤ {settings.tol:g}"
    return "distance to minimum" if has_minima else None


REACHED = f"reached {REACH_DISTANCE:g} of a minimum at step"


def table_columns(comparison: Comparison) -> tuple[str, ...]:
    """The results table's columns, the most telling one second, so it is never off screen."""
    has_minima = bool(comparison.function.minima)
    key = key_column(comparison.settings, has_minima)
    return (
        "optimizer",
        *((key,) if key else ()),
        "status",
        "γ",
        "final f",
        *((REACHED,) if has_minima else ()),
    )


def summary_rows(comparison: Comparison) -> list[dict[str, object]]:
    """One row per optimizer for the results table (None where a value does not apply)."""
    columns = table_columns(comparison)
    key = key_column(comparison.settings, bool(comparison.function.minima))
    rows = []
    for s in comparison.summaries:
        values = {
            "optimizer": s.title,
            "status": status_words(s),
            "γ": s.lr,
            "final f": s.final_loss,
            REACHED: s.reached_at,
        }
        if key == "distance to minimum":
            values[key] = s.distance
        elif key:
            values[key] = s.steps if s.status == "converged" else None
        rows.append({c: values[c] for c in columns})
    return rows
