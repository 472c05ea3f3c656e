"""One line-fit run as the page shows it: settings + points -> every number the views need.

The page calls `run_line_fit` (cached) and draws what it returns; nothing numerical happens in
the page itself. With "standardise x" the descent runs on z = (x − x̄)/σ, so the surface, the
contour and the path live in (m_z, b_z); the fitted lines are mapped back to the units of x.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gdviz.analysis import (
    Curvature,
    Scaling,
    Verdict,
    curvature,
    gd_verdict,
    least_squares,
    stability_limit,
)
from gdviz.data import Points
from gdviz.engine import Trajectory, run
from gdviz.errors import GdvizError
from gdviz.linefit.settings import LineFitSettings
from gdviz.losses import QUADRATIC_LOSSES
from gdviz.objectives import LineFit
from gdviz.optimizers import optimizer_spec
from gdviz.surface import Grid, frame_window, loss_grid

MAX_FRAMES = 200
GRID_SIZE = 60  # the 3-D surface: smooth enough to see, light to send
# The contour's level lines are interpolated linearly between grid points; where a cell costs
# O(1) (mse, sse) a finer grid keeps each line within ~3% of the level it is labelled with.
CONTOUR_GRID_SIZE = 150
# Beyond this many times the starting loss a diverging path leaves the interesting region; the
# surface is framed on the part of the path below it so the start and optimum stay visible.
FRAME_LOSS_FACTOR = 1e3


@dataclass(frozen=True)
class Stability:
    """The stability meter: what the data's curvature says before anything is played."""

    lr_max: float  # 2/λmax of plain gradient descent
    lr_best: float
    condition_number: float
    limit: float | None  # the chosen optimizer's own stability limit, where known
    verdict: Verdict | None  # for plain gradient descent only
    standardized_condition_number: float
    standardized_lr_max: float
    message: str


@dataclass(frozen=True, eq=False)
class LineFitRun:
    settings: LineFitSettings
    points: Points
    fit: LineFit  # in the units the descent runs in (z when standardised)
    scaling: Scaling | None
    trajectory: Trajectory
    lines: np.ndarray  # (steps + 1, 2): (m, b) of each step in the units of x
    optimum: tuple[float, float]  # least squares, units of x
    optimum_run: tuple[float, float]  # least squares, the descent's units
    optimum_loss: float
    stability: Stability | None  # mse/sse only
    grid: Grid  # for the 3-D surface
    contour_grid: Grid  # same window, finer where cheap: for the level lines
    frame_steps: np.ndarray  # the steps that get an animation frame

    def snap(self, step: int) -> int:
        """The frame step nearest to `step` (every step is a frame in runs of ≤ 200 steps)."""
        i = int(np.clip(np.searchsorted(self.frame_steps, step), 0, self.frame_steps.size - 1))
        if i > 0 and step - self.frame_steps[i - 1] <= self.frame_steps[i] - step:
            i -= 1
        return int(self.frame_steps[i])

    @property
    def param_labels(self) -> tuple[str, str]:
        if self.scaling is None:
            return "m (slope)", "b (intercept)"
        return "m_z (slope per σ of x)", "b_z (intercept at x̄)"

    def gap_closed(self, step: int) -> float:
        """Percent of the start's distance to the least-squares optimum closed at `step`."""
        optimum = np.array(self.optimum_run)
        start = np.linalg.norm(self.trajectory.params[0] - optimum)
        now = np.linalg.norm(self.trajectory.params[step] - optimum)
        return 100.0 if start == 0 else float(100.0 * (1.0 - now / start))


def frame_steps(last: int, max_frames: int = MAX_FRAMES) -> np.ndarray:
    """At most `max_frames` step indices from 0 to `last`, geometrically spaced.

    Descent moves fastest early, so the early steps get most frames: steps ≈ (last+1)^t − 1 for
    t evenly spaced. 0 and `last` are always among them.
    """
    if last + 1 <= max_frames:
        return np.arange(last + 1)
    must = [0, last]
    budget = max_frames - len(must)
    count = budget
    while True:  # rounding merges early steps: ask for more until the budget is filled
        geo = np.unique(np.round(np.geomspace(1, last + 1, count)).astype(int) - 1)
        geo = geo[~np.isin(geo, must)]
        if geo.size >= budget:
            break
        count += budget - geo.size
    picked = geo[np.round(np.linspace(0, geo.size - 1, budget)).astype(int)]
    return np.union1d(picked, must)


def _stability(
    fit: LineFit, standardized: LineFit, settings: LineFitSettings, optimizer
) -> Stability:
    curv: Curvature = curvature(fit)
    z_curv: Curvature = curvature(standardized)
    verdict = gd_verdict(curv, settings.lr, settings.steps) if optimizer.name == "gd" else None
    limit = stability_limit(curv, optimizer)
    if verdict is not None:
        message = verdict.message
    elif limit is not None:
        kind = "diverges" if settings.lr >= limit else "is stable"
        message = (
            f"With momentum the limit is {limit:.3g} (plain gradient descent: {curv.lr_max:.3g}); "
            f"the learning rate {settings.lr:.3g} {kind}."
        )
    else:
        message = (
            f"{optimizer.name} scales its own steps, so 2/λmax = {curv.lr_max:.3g} is only a guide."
        )
    return Stability(
        curv.lr_max,
        curv.lr_best,
        curv.condition_number,
        limit,
        verdict,
        z_curv.condition_number,
        z_curv.lr_max,
        message,
    )


def run_line_fit(points: Points, settings: LineFitSettings) -> LineFitRun:
    """Fit y = m·x + b to `points` as `settings` say; every number the page shows.

    `settings.step` (the step on screen) is not used here: the figures take it, so moving
    the step reuses this run.
    """
    spec = optimizer_spec(settings.optimizer)
    optimizer = spec.build(settings.lr, **settings.hyperparameters())
    scaling = Scaling.of(points.x) if settings.scale else None
    x_run = scaling.transform(points.x) if scaling else points.x
    fit = LineFit(x_run, points.y, settings.loss, settings.delta)
    start = (settings.m0, settings.b0)
    if scaling:
        start = scaling.from_original(settings.m0, settings.b0)
    batch = settings.batch if 0 < settings.batch < points.n else None
    trajectory = run(
        fit,
        optimizer,
        start,
        steps=settings.steps,
        tol=settings.tol,
        batch_size=batch,
        seed=settings.seed,
    )
    m_run, b_run = trajectory.params[:, 0], trajectory.params[:, 1]
    lines = np.column_stack(scaling.to_original(m_run, b_run) if scaling else (m_run, b_run))

    optimum = least_squares(points.x, points.y)
    optimum_run = scaling.from_original(*optimum) if scaling else optimum
    stability = None
    if settings.loss in QUADRATIC_LOSSES:
        # The meter compares with standardised x: reuse the run's fit when it already is.
        standardized = (
            fit
            if scaling
            else LineFit(Scaling.of(points.x).transform(points.x), points.y, settings.loss)
        )
        stability = _stability(fit, standardized, settings, optimizer)

    window = _surface_window(trajectory, optimum_run)
    grid = loss_grid(fit, window, GRID_SIZE)
    fine = settings.loss in QUADRATIC_LOSSES
    contour_grid = loss_grid(fit, window, CONTOUR_GRID_SIZE) if fine else grid
    lines.setflags(write=False)
    steps_framed = frame_steps(trajectory.steps)
    steps_framed.setflags(write=False)
    return LineFitRun(
        settings=settings,
        points=points,
        fit=fit,
        scaling=scaling,
        trajectory=trajectory,
        lines=lines,
        optimum=optimum,
        optimum_run=tuple(float(v) for v in optimum_run),
        optimum_loss=fit.value(np.array(optimum_run, dtype=float)),
        stability=stability,
        grid=grid,
        contour_grid=contour_grid,
        frame_steps=steps_framed,
    )


def _surface_window(trajectory: Trajectory, optimum_run) -> tuple:
    """Frame the optimum and the path, leaving out a diverging path's far end."""
    loss = trajectory.loss
    near = np.abs(loss) <= FRAME_LOSS_FACTOR * max(abs(loss[0]), np.finfo(float).tiny)
    near[:2] = True  # the start and the first step always count
    path = trajectory.params[near]
    base = tuple((float(v), float(v)) for v in optimum_run)
    window = frame_window(path, base=base)
    if not all(math.isfinite(v) for pair in window for v in pair):
        raise GdvizError("The descent path cannot be framed: its values are too large.")
    return window
