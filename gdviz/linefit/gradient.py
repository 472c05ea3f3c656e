"""The "how the gradient is computed" lesson: its URL state and everything its page shows.

The page shares the main page's link (the same `LineFitSettings` and `LineFitView`, so a main
page link opened here shows the same data, loss and step) and adds one parameter of its own,
`point`: the point in focus (1-based; 0 or absent: the largest contributor to ∂L/∂m).

`gradient_lesson(run, step, point)` takes a line-fit run and returns the line at that step and,
from `gdviz.contributions`, each point's residual r_i = y_i − (m x_i + b) and its contributions
to ∂L/∂m and ∂L/∂b, whose sums are the gradient g; the plain gradient-descent step −γ·g; the
same line under mse and sse (sse has no 1/N: the same γ takes an N times larger step); and
where ∂L/∂m comes from before and after standardising x (`SlopeLeverage`). It runs in the
descent's own units (z = (x − x̄)/σ when the main page standardises x), so for plain full-batch
gradient descent the step shown is exactly the main page's next step.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from gdviz.contributions import Contributions, Exercise, SlopeLeverage, Update, contributions
from gdviz.errors import GdvizError
from gdviz.linefit import settings as linefit_settings
from gdviz.linefit.run import LineFitRun
from gdviz.linefit.settings import MAX_GENERATED_POINTS, LineFitSettings, LineFitView
from gdviz.objectives import LineFit
from gdviz.urlstate import param, read_fields, write_fields

ALL_TERMS_UP_TO = 6  # N ≤ this: every term of a sum is written out; else the first FIRST_TERMS
FIRST_TERMS = 3
TABLE_COLUMNS = ("point", "x", "y", "ŷ", "r", "∂L/∂m term", "∂L/∂b term")


@dataclass(frozen=True)
class GradientFocus:
    """The page's own view state: the point in focus (1-based; 0: the largest contributor)."""

    point: int = param(0, "int", 0, MAX_GENERATED_POINTS)


def from_query(
    params: Mapping[str, object],
) -> tuple[LineFitSettings, LineFitView, GradientFocus, list[str]]:
    """The main page's settings and view, and the point in focus, from a URL, with a note in
    words on every value not used as is (nothing raises)."""
    settings, view, notes = linefit_settings.from_query(params)
    focus = read_fields(params, GradientFocus(), notes)
    return settings, view, focus, notes


def to_query(settings: LineFitSettings, view: LineFitView, focus: GradientFocus) -> dict[str, str]:
    """The query that reproduces the page: the main page's parameters plus `point`."""
    return linefit_settings.to_query(settings, view) | write_fields(focus)


@dataclass(frozen=True, eq=False)
class GradientLesson:
    """What the page shows for one step of a line-fit run (see the module docstring)."""

    run: LineFitRun
    step: int  # the step shown (clamped to the run's last)
    focus: int  # 0-based index of the point in focus
    contributions: Contributions  # at the line of `step`, in the descent's units
    exercise: Exercise
    update: Update  # the plain gradient-descent step −γ·g from this line
    mse: Contributions  # the same line under mse and sse, for the side-by-side
    sse: Contributions
    leverage: SlopeLeverage | None  # x as given, at the line in the units of x
    notes: tuple[str, ...]  # what was changed about the request, in words

    @property
    def n(self) -> int:
        return self.contributions.n

    @property
    def standardized(self) -> bool:
        return self.run.scaling is not None

    @property
    def x_label(self) -> str:
        """What the x of the formulas is: x, or z when the descent runs on standardised x."""
        return "z = (x − x̄)/σ" if self.standardized else "x"

    @property
    def last_step(self) -> int:
        return self.run.trajectory.steps

    @property
    def next_line(self) -> tuple[float, float] | None:
        """(m, b) of the main page's next step, in the descent's units, when it is the plain
        full-batch gradient-descent step shown here; None otherwise (see `step_note`)."""
        settings = self.run.settings
        if settings.optimizer != "gd" or self.run.fit.n != self.run.points.n:
            return None
        if not (settings.batch == 0 or settings.batch >= self.run.points.n):
            return None
        if self.step >= self.last_step:
            return None
        m, b = self.run.trajectory.params[self.step + 1]
        return float(m), float(b)

    def step_note(self) -> str:
        """How the step shown relates to the main page's run, in words."""
        settings = self.run.settings
        if settings.optimizer != "gd":
            return (
                f"The main page runs {settings.optimizer}, whose step is not −γ·g; this is the "
                "step plain gradient descent would take from the same line."
            )
        if 0 < settings.batch < self.run.points.n:
            return (
                f"The main page uses mini-batches of {settings.batch}; this is the full-batch "
                "step, over every point."
            )
        if self.step >= self.last_step:
            return f"The run stopped at step {self.last_step:,} ({self.run.trajectory.status})."
        return f"This is exactly the main page's step {self.step:,} → {self.step + 1:,}."


def gradient_lesson(run: LineFitRun, step: int, point: int = 0) -> GradientLesson:
    """The lesson at `step` of `run` with 1-based `point` in focus (0: the point contributing
    most to ∂L/∂m). A step past the run's end or a point past the last is clamped, with a note.
    GdvizError when the contributions cannot be computed (a line too far out for floats)."""
    notes: list[str] = []
    last = run.trajectory.steps
    if step > last:
        notes.append(
            f"step={step:,} is past the run's last step {last:,} "
            f"({run.trajectory.status}); showing step {last:,}."
        )
        step = last
    step = max(int(step), 0)
    m, b = (float(v) for v in run.trajectory.params[step])
    lr = run.settings.lr
    c = _contributions(run.fit, m, b, None)
    n = c.n
    if point > n:
        notes.append(f"point={point:,} is past the last point {n:,}; showing point {n:,}.")
        point = n
    focus = int(c.order("m")[0]) if point <= 0 else point - 1
    exercise = c.exercise(n if n <= ALL_TERMS_UP_TO else FIRST_TERMS)
    mse = c if c.loss == "mse" else _contributions(run.fit, m, b, "mse")
    sse = c if c.loss == "sse" else _contributions(run.fit, m, b, "sse")
    return GradientLesson(
        run=run,
        step=step,
        focus=focus,
        contributions=c,
        exercise=exercise,
        update=c.update(lr),
        mse=mse,
        sse=sse,
        leverage=_leverage(run, step),
        notes=tuple(notes),
    )


def _contributions(fit: LineFit, m: float, b: float, loss: str | None) -> Contributions:
    try:
        with np.errstate(over="ignore", invalid="ignore"):  # an overflow is refused below
            c = contributions(fit, m, b, loss=loss)
    except (ValueError, OverflowError):  # per-point terms overflowed (fsum of inf and −inf)
        c = None
    if c is None or not (math.isfinite(c.grad_m) and math.isfinite(c.grad_b)):
        raise GdvizError(
            f"At m = {m:.6g}, b = {b:.6g} the per-point terms are too large for floating "
            "point numbers; pick an earlier step."
        )
    return c


def _leverage(run: LineFitRun, step: int) -> SlopeLeverage | None:
    """Where ∂L/∂m comes from with x as given, at the step's line in the units of x (None
    when every x is the same: nothing to standardise)."""
    points = run.points
    if not np.ptp(points.x) > 0:
        return None
    settings = run.settings
    m, b = (float(v) for v in run.lines[step])
    try:
        fit = LineFit(points.x, points.y, settings.loss, settings.delta)
        return _contributions(fit, m, b, None).slope_leverage()
    except GdvizError:
        return None


def table_columns(lesson: GradientLesson) -> dict[str, np.ndarray]:
    """The per-point table: point number (1-based), x (z when standardised), y, ŷ, r and the
    two contributions, in the data's order (names in `TABLE_COLUMNS`)."""
    c = lesson.contributions
    values = (np.arange(1, c.n + 1), c.x, c.y, c.y_hat, c.r, c.d_m, c.d_b)
    return dict(zip(TABLE_COLUMNS, values, strict=True))


def table_csv(lesson: GradientLesson) -> str:
    """The table as CSV, every float with the digits that round-trip, and the sums last."""
    c = lesson.contributions
    header = ",".join(TABLE_COLUMNS)
    rows = [
        f"{i + 1},{x!r},{y!r},{yh!r},{r!r},{dm!r},{db!r}"
        for i, (x, y, yh, r, dm, db) in enumerate(
            zip(
                c.x.tolist(),
                c.y.tolist(),
                c.y_hat.tolist(),
                c.r.tolist(),
                c.d_m.tolist(),
                c.d_b.tolist(),
                strict=True,
            )
        )
    ]
    total = f"sum (the gradient),,,,,{c.grad_m!r},{c.grad_b!r}"
    return "\n".join([header, *rows, total]) + "\n"


def _share(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.0f}%"


def observation(lesson: GradientLesson) -> list[str]:
    """What the numbers of this step support, in sentences with those numbers (no user text).

    Far points (|x − x̄| > σ) and ∂L/∂m; the offset x̄·∂L/∂b that couples m to b; the valley's
    condition number κ with x as given and standardised.
    """
    lev = lesson.leverage
    if lev is None:
        return ["Every x is the same, so the slope has no lever and x cannot be standardised."]
    c = lesson.contributions
    order = c.order("m")
    top = order[: max(1, math.ceil(0.1 * c.n))]
    top_share = math.fsum(np.abs(c.d_m[top]).tolist()) / max(
        math.fsum(np.abs(c.d_m).tolist()), 1e-300
    )
    x_top = float(np.mean(np.abs(c.x[top] - c.x.mean())))
    x_all = float(np.mean(np.abs(c.x - c.x.mean())))
    out = [
        f"The {top.size} point{'s' if top.size > 1 else ''} with the largest terms carry "
        f"{100 * top_share:.0f}% of Σ|∂L/∂m terms| (N = {c.n:,}); on average they lie "
        f"{x_top:.3g} from the mean of {'z' if lesson.standardized else 'x'}, the points "
        f"overall {x_all:.3g}. Each point's ∂L/∂m term is its ∂L/∂b term times its x, so "
        "x is its lever on the slope: the part x − x̄ turns the line about its middle, the "
        "part x̄ is the same for every point.",
        f"With x as given (x̄ = {lev.x_mean:.4g}, σ = {lev.x_std:.4g}), ∂L/∂m = "
        f"{lev.grad_m:.4g} splits into x̄·∂L/∂b = {lev.offset_part_m:.4g} (every point pushing "
        f"with the same lever x̄) and Σ(x − x̄)·(∂L/∂b term) = {lev.spread_part_m:.4g}. "
        f"The {lev.far_count:,} points farther than σ from x̄ carry "
        f"{_share(lev.share_far_m)} of ∂L/∂m's terms and {_share(lev.share_far_b)} of "
        "∂L/∂b's.",
        f"That offset ties m to b: the loss surface is a narrow valley, condition number "
        f"κ = {lev.condition_number:,.4g}, so a learning rate small enough for the steep "
        "direction crawls along the flat one.",
        f"Standardised (z = (x − x̄)/σ) the offset is gone: ∂L/∂m_z = {lev.grad_m_standardized:.4g}"
        f" comes from the spread alone, the far points carry "
        f"{_share(lev.share_far_m_standardized)} of it, and κ = "
        f"{lev.condition_number_standardized:.3g}: a round bowl, one learning rate suits both "
        "directions.",
    ]
    return out
