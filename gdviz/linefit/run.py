"""One line-fit run as the page shows it: settings + points -> every number the views need.

The page calls `run_line_fit` (cached) and draws what it returns; nothing numerical happens in
the page itself. With "standardise x" the descent runs on z = (x − x̄)/σ, so the surface, the
contour and the path live in (m_z, b_z); the fitted lines are mapped back to the units of x.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from gdviz.analysis import (
    Curvature,
    Scaling,
    Verdict,
    curvature,
    gd_verdict,
    least_squares,
    round_down,
    stability_limit,
)
from gdviz.data import Points
from gdviz.engine import Trajectory, run
from gdviz.linefit.settings import LineFitSettings
from gdviz.losses import loss_record
from gdviz.objectives import LineFit
from gdviz.optimizers import Optimizer, optimizer_spec
from gdviz.surface import Grid, Window, frame_paths, loss_grid
from gdviz.timeline import Timeline

GRID_SIZE = 60  # the 3-D surface: smooth enough to see, light to send
# The contour's level lines are interpolated linearly between grid points; where a cell costs
# O(1) (mse, sse) a finer grid keeps each line within ~3% of the level it is labelled with.
CONTOUR_GRID_SIZE = 150


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
    timeline: Timeline  # the steps that get an animation frame

    @functools.cached_property
    def window(self) -> Window:
        """The loss surface's window: the optimum, the start and the path while in sight."""
        base = tuple((v, v) for v in self.optimum_run)
        return frame_paths([(self.trajectory.params, self.trajectory.loss)], base=base)

    @functools.cached_property
    def grid(self) -> Grid:
        """The loss over the window, for the 3-D surface."""
        return loss_grid(self.fit, self.window, GRID_SIZE)

    @functools.cached_property
    def contour_grid(self) -> Grid:
        """Same window, finer where a cell is cheap (mse, sse): for the level lines."""
        if not self.fit.rule.quadratic:
            return self.grid
        return loss_grid(self.fit, self.window, CONTOUR_GRID_SIZE)

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


@dataclass(frozen=True, eq=False)
class LineFitProblem:
    """What a run needs before its first step: the loss in the units the descent runs in,
    the optimizer, the start and the batch size."""

    fit: LineFit
    scaling: Scaling | None
    optimizer: Optimizer
    start: tuple[float, float]  # in the descent's units
    batch: int | None


def prepare(points: Points, settings: LineFitSettings) -> LineFitProblem:
    """The loss, optimizer and start of the run `settings` describe (GdvizError if invalid)."""
    optimizer = optimizer_spec(settings.optimizer).build(settings.lr, **settings.hyperparameters())
    scaling = Scaling.of(points.x) if settings.scale else None
    x_run = scaling.transform(points.x) if scaling else points.x
    fit = LineFit(x_run, points.y, settings.loss, settings.delta)
    start = (settings.m0, settings.b0)
    if scaling:
        start = scaling.from_original(settings.m0, settings.b0)
    batch = settings.batch if 0 < settings.batch < points.n else None
    return LineFitProblem(fit, scaling, optimizer, start, batch)


def _stability_of(problem: LineFitProblem, points: Points, settings: LineFitSettings):
    if not loss_record(settings.loss).quadratic:
        return None
    # The meter compares with standardised x: reuse the fit when it already is.
    standardized = problem.fit
    if problem.scaling is None:
        z = Scaling.of(points.x).transform(points.x)
        standardized = LineFit(z, points.y, settings.loss)
    return _stability(problem.fit, standardized, settings, problem.optimizer)


def line_fit_stability(points: Points, settings: LineFitSettings) -> Stability | None:
    """The stability meter for `settings` on `points`: from the data's curvature alone, so
    the page shows it beside the learning rate before (and without) a run. None for losses
    whose curvature is not constant (mae, huber)."""
    return _stability_of(prepare(points, settings), points, settings)


def converging_lr(points: Points, settings: LineFitSettings) -> float | None:
    """A learning rate the stability meter says converges on `points` for `settings`' loss
    and optimizer: the fastest stable rate 2/(λmax+λmin) for gradient descent, half the
    momentum limit for momentum and Nesterov, the optimizer's own default for the adaptive
    rules; two significant digits, rounded down. None where the loss's curvature is not
    constant (mae, huber)."""
    stab = line_fit_stability(points, settings)
    if stab is None:
        return None
    spec = optimizer_spec(settings.optimizer)
    if spec.adaptive:
        return spec.default_lr
    if spec.stability == "gd":
        return round_down(stab.lr_best)
    return None if stab.limit is None else round_down(0.5 * stab.limit)


def run_line_fit(points: Points, settings: LineFitSettings) -> LineFitRun:
    """Fit y = m·x + b to `points` as `settings` say; every number the page and the command
    line show. The loss grids are computed when a view first asks for them."""
    problem = prepare(points, settings)
    scaling, fit = problem.scaling, problem.fit
    trajectory = run(
        fit,
        problem.optimizer,
        problem.start,
        steps=settings.steps,
        tol=settings.tol,
        batch_size=problem.batch,
        seed=settings.seed,
    )
    m_run, b_run = trajectory.params[:, 0], trajectory.params[:, 1]
    with np.errstate(all="ignore"):  # a diverged path maps to huge values, never a warning
        lines = np.column_stack(scaling.to_original(m_run, b_run) if scaling else (m_run, b_run))
    lines.setflags(write=False)
    optimum = least_squares(points.x, points.y)
    optimum_run = scaling.from_original(*optimum) if scaling else optimum
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
        stability=_stability_of(problem, points, settings),
        timeline=Timeline.of(trajectory.steps),
    )
