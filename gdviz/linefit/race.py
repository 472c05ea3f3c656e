"""Optimizers racing on one line fit: the same points, loss, start, budget and tolerance for
every optimizer, each with its own learning rate.

Each racer is one `run_line_fit` of the line-fit settings with the optimizer and rate
swapped in (the registry's default hyperparameters), so a racer equals the main page's run
with those settings. One loss grid frames the least-squares line, the start and every path
(a diverging one while in sight), for the shared contour.

Suggested rates (`suggested_rate`): for gradient descent and momentum `converging_lr` (the
fastest stable rate 2/(λmax+λmin), half the momentum limits), from the squared loss's
curvature — for huber that bound is safe (its curvature is at most half of mse's per point), for
mae no constant rate settles (its steps never shrink). The adaptive rules move each parameter
by about γ per step whatever the gradient's size, so they get a tenth of the largest gap
between the start and the least-squares line, in the units the descent runs in.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np

from gdviz.analysis import least_squares, round_down
from gdviz.data import Points
from gdviz.engine import Trajectory
from gdviz.errors import GdvizError
from gdviz.linefit.run import CONTOUR_GRID_SIZE, LineFitRun, converging_lr, prepare, run_line_fit
from gdviz.linefit.settings import LineFitSettings
from gdviz.losses import loss_record
from gdviz.optimizers import OPTIMIZERS
from gdviz.surface import Grid, frame_paths, loss_grid
from gdviz.timeline import Timeline
from gdviz.urlstate import Field, first_value, format_value, quote_value, read_param

DEFAULT_RACERS = ("gd", "momentum", "nesterov", "rmsprop", "adam")
ADAPTIVE_SHARE = 0.1  # an adaptive rule's suggested γ: this share of the gap to the optimum
LR_FIELD = Field("float", 1e-12, 1e6)
Runs = tuple[tuple[str, float], ...]


def _start_and_optimum(points: Points, settings: LineFitSettings):
    """(loss, start, least-squares line), the last two in the units the descent runs in."""
    problem = prepare(points, replace(settings, optimizer="gd", hyper=()))
    optimum = least_squares(points.x, points.y)
    if problem.scaling:
        optimum = problem.scaling.from_original(*optimum)
    as_floats = lambda pair: tuple(float(v) for v in pair)  # noqa: E731
    return problem.fit, as_floats(problem.start), as_floats(optimum)


def suggested_rate(points: Points, settings: LineFitSettings, optimizer: str) -> float:
    """A learning rate for `optimizer` on these points and this loss (module docstring)."""
    spec = OPTIMIZERS[optimizer]
    mine = replace(settings, optimizer=optimizer, hyper=())
    if spec.adaptive:
        _, start, optimum = _start_and_optimum(points, settings)
        gap = np.abs(np.array(optimum) - np.array(start))
        rate = float(f"{round_down(ADAPTIVE_SHARE * float(gap.max())):.2g}")  # 3.4, not 3.40…04
        return rate if math.isfinite(rate) and rate > 0 else spec.default_lr
    if not loss_record(settings.loss).quadratic:
        mine = replace(mine, loss="mse")
    rate = converging_lr(points, mine)
    return spec.default_lr if rate is None or not rate > 0 else float(rate)


def suggested_runs(points: Points, settings: LineFitSettings, names=DEFAULT_RACERS) -> Runs:
    return tuple((name, suggested_rate(points, settings, name)) for name in names)


def runs_from_query(
    params: Mapping[str, object], suggestions: Mapping[str, float]
) -> tuple[Runs, list[str]]:
    """The racers a link names (`racers=gd,adam`, `lr_gd=0.03`), rates defaulting to
    `suggestions` (every optimizer's), and a note in words on each value not used as is."""
    notes: list[str] = []
    names: list[str] = list(DEFAULT_RACERS)
    if "racers" in params:
        names, unknown = [], []
        for part in first_value(params["racers"]).split(","):
            name = part.strip().lower()
            if name in OPTIMIZERS and name not in names:
                names.append(name)
            elif name and name not in OPTIMIZERS:
                unknown.append(part.strip())
        if unknown:
            shown = ", ".join(quote_value(u) for u in unknown[:5])
            notes.append(f"Ignored racers {shown}: choose from {', '.join(OPTIMIZERS)}.")
    runs = tuple(
        (name, float(read_param(params, f"lr_{name}", LR_FIELD, suggestions[name], notes)))
        for name in names
    )
    return runs, notes


def runs_to_query(runs: Runs) -> dict[str, str]:
    return {"racers": ",".join(name for name, _ in runs)} | {
        f"lr_{name}": format_value(float(lr)) for name, lr in runs
    }


@dataclass(frozen=True, eq=False)
class LineRace:
    """Every racer's run on one line fit, and what the shared views need."""

    settings: LineFitSettings  # the data, loss, start, budget and tolerance (all racers)
    runs: Runs
    results: tuple[LineFitRun, ...]  # in the order of `runs`
    grid: Grid  # the loss over the window framing every path (descent units)
    timeline: Timeline
    start: tuple[float, float]  # descent units
    start_loss: float
    optimum: tuple[float, float]  # least squares, descent units
    optimum_loss: float | None  # its loss: the minimum for mse/sse (None for mae, huber)

    @property
    def trajectories(self) -> tuple[Trajectory, ...]:
        return tuple(r.trajectory for r in self.results)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.runs)


def race(points: Points, settings: LineFitSettings, runs: Runs) -> LineRace:
    """Run each (optimizer, learning rate) of `runs` on `points` with everything else from
    `settings`. Raises GdvizError on an unknown or repeated optimizer, or a rate ≤ 0."""
    names = [name for name, _ in runs]
    for name, lr in runs:
        if name not in OPTIMIZERS:
            raise GdvizError(f"Unknown optimizer {name!r}; choose from {', '.join(OPTIMIZERS)}.")
        if not (math.isfinite(lr) and lr > 0):
            raise GdvizError(f"The learning rate of {name} must be a positive number, not {lr!r}.")
    if len(set(names)) != len(names):
        raise GdvizError("Each optimizer can race once only.")
    results = tuple(
        run_line_fit(points, replace(settings, optimizer=name, lr=float(lr), hyper=()))
        for name, lr in runs
    )
    fit, start, optimum = _start_and_optimum(points, settings)
    start_loss = fit.value(np.array(start))
    quadratic = loss_record(settings.loss).quadratic
    base = tuple((min(a, b), max(a, b)) for a, b in zip(start, optimum, strict=True))
    paths = [(r.trajectory.params, r.trajectory.loss) for r in results]
    start_path = (np.array([start]), np.array([start_loss]))
    window = frame_paths([start_path, *paths], base=base)
    return LineRace(
        settings=settings,
        runs=tuple((name, float(lr)) for name, lr in runs),
        results=results,
        grid=loss_grid(fit, window, CONTOUR_GRID_SIZE),
        timeline=Timeline.of(max((r.trajectory.steps for r in results), default=0)),
        start=start,
        start_loss=float(start_loss),
        optimum=optimum,
        optimum_loss=float(fit.value(np.array(optimum))) if quadratic else None,
    )


def race_status(t: Trajectory) -> str:
    """What happened, in a few true words."""
    if t.status == "diverged":
        return f"diverged at step {t.diverged_at:,}" if t.diverged_at is not None else "diverged"
    if t.status == "converged":
        return "converged"
    return "out of steps"


def key_column(race: LineRace) -> str | None:
    """Steps to the tolerance; without one, how far the loss still is above its minimum
    (None: neither is known)."""
    if race.settings.tol > 0:
        return f"steps to ‖∇L‖ ≤ {race.settings.tol:g}"
    return None if race.optimum_loss is None else "L − L_min at the end"


def race_columns(race: LineRace) -> tuple[str, ...]:
    key = key_column(race)
    return ("optimizer", *((key,) if key else ()), "status", "γ", "final loss", "final line")


def race_rows(race: LineRace) -> list[dict[str, object]]:
    """One row per racer: the telling column second (steps to the tolerance, or how far the
    loss still is above the least-squares loss when there is no tolerance)."""
    columns, key = race_columns(race), key_column(race)
    rows = []
    for (name, lr), r in zip(race.runs, race.results, strict=True):
        t = r.trajectory
        m, b = (float(v) for v in r.lines[t.steps])
        values = {
            "optimizer": OPTIMIZERS[name].title,
            "status": race_status(t),
            "γ": lr,
            "final loss": t.final_loss,
            "final line": f"y = {m:.4g}·x + {b:.4g}",
        }
        if key and race.settings.tol > 0:
            values[key] = t.steps if t.status == "converged" else None
        elif key:
            values[key] = t.final_loss - race.optimum_loss
        rows.append({c: values[c] for c in columns})
    return rows
