"""The learning-rate lesson: one line fit swept over learning rates, and what the page shows.

The page runs the main page's data, loss, optimizer, start and budget (a `LineFitSettings`)
at K log-spaced learning rates with `gdviz.sweep` (all at once), then replays four of them
step by step: "too small", "just right", "too big" (`Sweep.examples`) and the rate the person
picked. Its own state is a `SweepSettings` record whose `param` fields travel in the URL
beside the line fit's (`lr_min`, `lr_max`, `count`, `pick`; 0 means "choose for me").

Every row of the sweep equals `engine.run` at that learning rate, so each replayed path ends
exactly where the sweep says it does. Full batches only: a sweep compares learning rates, and
mini-batch noise would blur the comparison.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np

from gdviz.analysis import least_squares
from gdviz.data import Points
from gdviz.engine import Trajectory, run
from gdviz.linefit.run import LineFitProblem, prepare
from gdviz.linefit.settings import LineFitSettings
from gdviz.linefit.settings import from_query as line_fit_from_query
from gdviz.linefit.settings import to_query as line_fit_to_query
from gdviz.optimizers import optimizer_spec
from gdviz.surface import Grid, Window, frame_paths, loss_grid
from gdviz.sweep import Sweep, sweep
from gdviz.timeline import Timeline
from gdviz.urlstate import param, read_fields, write_fields

MIN_COUNT, MAX_COUNT, DEFAULT_COUNT = 30, 50, 40
EXAMPLE_LABELS = ("too small", "just right", "too big")
PICK_LABEL = "your pick"
CONTOUR_GRID_SIZE = {True: 90, False: 60}  # O(1) cells for mse/sse; per-point losses cost N
# How far past the shortest band edge a picked rate may lie and still snap to the sweep.
SNAP_FACTOR = 1.5
VIEW_FIELDS = ("step", "residuals")  # the main page's view: not this page's business


@dataclass(frozen=True)
class SweepSettings:
    """What this page adds to the line fit: the swept range and the rate shown (0: auto)."""

    lr_min: float = param(0.0, "float", 0.0, 1e6)  # 0: 10⁻³ × the stability limit
    lr_max: float = param(0.0, "float", 0.0, 1e6)  # 0: 3 × the stability limit
    count: int = param(DEFAULT_COUNT, "int", MIN_COUNT, MAX_COUNT)
    pick: float = param(0.0, "float", 0.0, 1e6)  # 0: the "just right" rate


def from_query(
    params: Mapping[str, object],
) -> tuple[LineFitSettings, SweepSettings, list[str]]:
    """The line fit and the sweep a URL asks for, with a note on every value not used as is.

    The line fit is read exactly as the main page reads it (same names, same rules), so a
    link copied from there opens the same data, loss, optimizer and start here.
    """
    settings, _view, notes = line_fit_from_query(params)
    sweep_settings = read_fields(params, SweepSettings(), notes)
    low, high = sweep_settings.lr_min, sweep_settings.lr_max
    if low > 0 and high > 0 and not low < high:
        notes.append(
            f"lr_min={low:g} is not below lr_max={high:g}; swept around the stability limit."
        )
        sweep_settings = replace(sweep_settings, lr_min=0.0, lr_max=0.0)
    return settings, sweep_settings, notes


def to_query(settings: LineFitSettings, sweep_settings: SweepSettings) -> dict[str, str]:
    """The URL query that reproduces this page: the line fit's fields (as the main page
    writes them, without its view) and the sweep's."""
    query = {k: v for k, v in line_fit_to_query(settings).items() if k not in VIEW_FIELDS}
    return query | write_fields(sweep_settings)


def main_page_query(settings: LineFitSettings) -> dict[str, str]:
    """The main page's query for the same data, loss, optimizer and start."""
    return line_fit_to_query(settings)


class Example(NamedTuple):
    """One replayed learning rate: its label, its row in the sweep, and its whole path."""

    label: str
    index: int
    lr: float
    trajectory: Trajectory


@dataclass(frozen=True, eq=False)
class SweepLesson:
    """Everything the learning-rate page shows for one data set and one set of settings."""

    settings: LineFitSettings
    sweep_settings: SweepSettings
    points: Points
    problem: LineFitProblem
    sweep: Sweep
    examples: tuple[Example, ...]  # too small, just right, too big, your pick
    pick: int  # the picked rate's row in the sweep
    optimum: tuple[float, float]  # least squares, in the descent's units
    optimum_loss: float
    notes: tuple[str, ...]  # what was decided for the person (snapped pick, no batches)

    @property
    def picked(self) -> Example:
        return self.examples[-1]

    @functools.cached_property
    def timeline(self) -> Timeline:
        """One timeline for the four replays: up to the longest of them."""
        return Timeline.of(max(e.trajectory.steps for e in self.examples))

    @functools.cached_property
    def window(self) -> Window:
        """One contour window for all four: the start, the optimum and every path while it
        stays near; a diverging path only while its loss is no worse than the start's, so
        it is seen leaving instead of shrinking the others to a dot."""
        paths = []
        for e in self.examples:
            t = e.trajectory
            keep = np.ones(t.loss.size, dtype=bool)
            if t.status == "diverged":
                keep = np.abs(t.loss) <= abs(float(t.loss[0]))
            paths.append((t.params[keep], t.loss[keep]))
        start = self.problem.start
        base = tuple((min(a, b), max(a, b)) for a, b in zip(self.optimum, start, strict=True))
        return frame_paths(paths, base=base)

    @functools.cached_property
    def grid(self) -> Grid:
        quadratic = self.problem.fit.rule.quadratic
        return loss_grid(self.problem.fit, self.window, CONTOUR_GRID_SIZE[quadratic])

    @property
    def param_labels(self) -> tuple[str, str]:
        if self.problem.scaling is None:
            return "m (slope)", "b (intercept)"
        return "m_z (slope per σ of x)", "b_z (intercept at x̄)"


def nearest_rate(sw: Sweep, lr: float) -> int:
    """The row whose learning rate is nearest to `lr` on a log scale."""
    return int(np.argmin(np.abs(np.log(sw.lrs) - math.log(lr))))


def resolve_pick(sw: Sweep, pick: float) -> tuple[int, str | None]:
    """The row to replay as "your pick": the swept rate nearest to `pick`, or the "just right"
    one for 0 (or when `pick` lies outside the swept range), with a note when not exact."""
    best = sw.examples()["just right"]
    auto = len(sw) - 1 if best is None else best
    if not pick > 0:
        return auto, None
    low, high = float(sw.lrs[0]), float(sw.lrs[-1])
    if not low / SNAP_FACTOR <= pick <= high * SNAP_FACTOR:
        return auto, (
            f"The picked learning rate {pick:g} is outside the swept range {low:.3g} to "
            f"{high:.3g}; showing {float(sw.lrs[auto]):.4g} instead."
        )
    i = nearest_rate(sw, pick)
    if not math.isclose(float(sw.lrs[i]), pick, rel_tol=1e-9):
        return i, f"Showing the swept learning rate nearest to {pick:g}: {float(sw.lrs[i]):.4g}."
    return i, None


@dataclass(frozen=True, eq=False)
class SweepRun:
    """The sweep itself, before any rate is replayed (what a change of pick reuses)."""

    settings: LineFitSettings  # full batch
    sweep_settings: SweepSettings
    problem: LineFitProblem
    sweep: Sweep
    notes: tuple[str, ...]


def sweep_line_fit(
    points: Points, settings: LineFitSettings, sweep_settings: SweepSettings
) -> SweepRun:
    """Sweep `settings`' line fit over the learning rates `sweep_settings` name.

    The start, loss, optimizer (with its hyperparameters), budget and tolerance are
    `settings'`; always full batch. Raises GdvizError, in words, on anything the engine
    refuses (a range the wrong way round, a sweep too large to wait for).
    """
    notes = []
    if 0 < settings.batch < points.n:
        notes.append(
            f"The main page uses mini-batches of {settings.batch}; the sweep uses every point "
            "in every step, so the learning rates are compared without sampling noise."
        )
    settings = replace(settings, batch=0)
    problem = prepare(points, settings)
    sw = sweep(
        problem.fit,
        settings.optimizer,
        problem.start,
        lr_min=sweep_settings.lr_min or None,
        lr_max=sweep_settings.lr_max or None,
        count=sweep_settings.count,
        steps=settings.steps,
        tol=settings.tol,
        hyperparameters=settings.hyperparameters(),
    )
    return SweepRun(settings, sweep_settings, problem, sw, tuple(notes))


def replay(points: Points, swept: SweepRun, pick: float = 0.0) -> SweepLesson:
    """Replay "too small", "just right", "too big" and the rate nearest to `pick` (0: the
    "just right" one) with `engine.run`, step by step."""
    sw, problem, settings = swept.sweep, swept.problem, swept.settings
    notes = list(swept.notes)
    index, note = resolve_pick(sw, pick)
    if note:
        notes.append(note)
    chosen = sw.examples()
    if chosen["just right"] is None:  # every run diverged: the smallest is the least bad
        chosen["just right"] = 0
    spec = optimizer_spec(settings.optimizer)
    hyper = settings.hyperparameters()
    rows = [(label, chosen[label]) for label in EXAMPLE_LABELS] + [(PICK_LABEL, index)]
    examples = tuple(
        Example(
            label,
            i,
            float(sw.lrs[i]),
            run(
                problem.fit,
                spec.build(float(sw.lrs[i]), **hyper),
                problem.start,
                steps=settings.steps,
                tol=settings.tol,
            ),
        )
        for label, i in rows
    )
    optimum = least_squares(points.x, points.y)
    if problem.scaling is not None:
        optimum = problem.scaling.from_original(*optimum)
    optimum = (float(optimum[0]), float(optimum[1]))
    return SweepLesson(
        settings=settings,
        sweep_settings=replace(swept.sweep_settings, pick=float(sw.lrs[index])),
        points=points,
        problem=problem,
        sweep=sw,
        examples=examples,
        pick=index,
        optimum=optimum,
        optimum_loss=problem.fit.value(np.array(optimum)),
        notes=tuple(notes),
    )


def run_sweep_lesson(
    points: Points, settings: LineFitSettings, sweep_settings: SweepSettings
) -> SweepLesson:
    """The sweep, and the four replays, for `settings` and `sweep_settings` (its `pick`)."""
    swept = sweep_line_fit(points, settings, replace(sweep_settings, pick=0.0))
    return replay(points, swept, sweep_settings.pick)


# --------------------------------------------------------------------------------------------
# The words the page shows
# --------------------------------------------------------------------------------------------

BAND_MEANINGS = {
    "too small": "every step is safe but short: the budget ends far from the bottom",
    "good": "the budget closes 99.9% of the gap in every direction without overshooting",
    "oscillating": "the path overshoots the valley floor and flips side, yet still settles",
    "diverging": "each overshoot is larger than the last: the loss explodes",
}


def limit_words(lesson: SweepLesson | SweepRun) -> str:
    """What the curvature says about learning rates here, and how sure it is."""
    limits, sw = lesson.sweep.limits, lesson.sweep
    units = " (in the units of standardised x)" if lesson.problem.scaling else ""
    if limits.kind == "absent":
        return (
            f"{limits.note} The sweep spans {sw.lrs[0]:.3g} to {sw.lrs[-1]:.3g} around the "
            "optimizer's usual rate instead, and names no bands."
        )
    words = [
        f"2/λmax = {limits.lr_max:.4g}{units}: plain gradient descent diverges at or above it."
    ]
    if limits.lr_best is not None:
        words.append(
            f"2/(λmax + λmin) = {limits.lr_best:.4g} is its fastest rate (condition number "
            f"κ = {limits.condition_number:,.4g})."
        )
    name = optimizer_spec(lesson.settings.optimizer).title
    if limits.optimizer_limit is not None and lesson.settings.optimizer != "gd":
        mu = limits.momentum
        rule = "2(1 + μ)/((1 + 2μ)λmax)" if limits.nesterov else "2(1 + μ)/λmax"
        words.append(
            f"{name} with μ = {mu:g} is stable below {rule} = {limits.optimizer_limit:.4g}."
        )
    words.append(limits.note)
    return " ".join(words)


def good_band_words(lesson: SweepLesson) -> str | None:
    """Why no rate is "good", when none is: the reason a learner should read, not a blank."""
    limits, steps = lesson.sweep.limits, lesson.settings.steps
    if not limits.has_bands or limits.good_from is not None:
        return None
    if limits.momentum > 0:
        edge = "(1 − √μ)²/λmax = " if not limits.nesterov else ""
        return (
            f"No rate is “good” for {optimizer_spec(lesson.settings.optimizer).title} with "
            f"μ = {limits.momentum:g}: from {edge}{limits.oscillating_from:.3g} up the ball "
            "spirals into the valley (oscillating), and below it every step is "
            f"too small for {steps:,} steps. Oscillating here is not failure: many of those "
            "runs still converge, which the steps-to-tolerance curve shows."
        )
    return (
        f"No rate is “good” within {steps:,} steps: the valley is narrow (κ = "
        f"{limits.condition_number:,.3g}), so a rate small enough not to overshoot across it "
        "is too small to travel along it. Standardise x, or give more steps."
    )


def run_words(lesson: SweepLesson, index: int) -> str:
    """One swept rate's outcome in words: status, final loss, steps, band."""
    r = lesson.sweep.results[index]
    if r.status == "diverged":
        what = f"diverged at step {r.diverged_at:,}"
    elif r.status == "converged":
        what = f"reached the tolerance in {r.steps_to_tol:,} steps, loss {r.final_loss:.6g}"
    else:
        what = f"ran all {r.steps:,} steps, final loss {r.final_loss:.6g}"
    band = f" — band: {r.band}" if r.band else ""
    return f"γ = {r.lr:.4g} {what}{band}."


def summary_counts(sw: Sweep) -> str:
    """How the K runs ended, in one line."""
    counts = {s: sw.status.count(s) for s in ("converged", "max_steps", "diverged")}
    return (
        f"{len(sw)} learning rates from {sw.lrs[0]:.3g} to {sw.lrs[-1]:.3g}: "
        f"{counts['converged']} reached the tolerance, {counts['max_steps']} used every step, "
        f"{counts['diverged']} diverged."
    )
