"""The line-fit lesson as the player's data: both figures, what moves, and every number.

One frame index drives the line over the points, the loss curve, the contour with the path and
the −gradient arrow, the 3-D marker, and the read-outs (step, m, b, loss, both gradient
components, the gradient's length, how far towards the optimum, and the update of this step
written out with its numbers). The numbers are formatted here, so the browser shows exactly
the server's. All read-outs are in the units the descent runs in (z when x is standardised).
"""

from __future__ import annotations

import math

import numpy as np

from gdviz.linefit.run import LineFitRun
from gdviz.linefit.settings import LineFitView
from gdviz.optimizers import OPTIMIZERS
from gdviz.views.linefit import descent_spec, motion, surface_spec
from gdviz.views.playback import player_data, readout, sentence_template

LABELS = (
    "The line over the points, the loss per step, and the path on the loss's contour",
    "The loss surface in 3-D with the descent path",
)
WIDTHS = (2.7, 1.0)


def parameter_names(run: LineFitRun) -> tuple[str, str]:
    """m and b, or m_z and b_z when the descent runs on standardised x."""
    return ("m_z", "b_z") if run.scaling else ("m", "b")


def progress_words(run: LineFitRun, steps: np.ndarray) -> list[str]:
    """How far each step has come towards the least-squares optimum, in words a learner
    reads as progress: a share of the start's distance, or that the path moved away."""
    words = []
    for k in steps.tolist():
        closed = run.gap_closed(k) / 100.0  # 1 - distance now / distance at the start
        if closed < 0:
            words.append(f"moved away from the optimum ({1 - closed:.3g}× as far as at the start)")
        else:
            words.append(f"{_percent(closed)} of the way to the optimum")
    return words


def _percent(share: float) -> str:
    """A share as a percentage with enough digits that only reaching it reads 100%."""
    left = 100.0 * (1.0 - share)
    digits = 1 if left >= 0.1 or left <= 0 else min(8, math.ceil(-math.log10(left)))
    return f"{100.0 * share:.{digits}f}%"


def outcome_words(run: LineFitRun) -> str:
    """How the run ended, in words a learner reads right: a run that used its whole budget
    says how close it got (progress, not failure); a divergence says where the path left."""
    t = run.trajectory
    if t.status == "converged":
        return t.message
    if t.status == "diverged":
        return (
            f"{t.message} The views stay on the start and the optimum; the path is drawn up to "
            f"step {t.steps:,}, where its values were still finite."
        )
    (progress,) = progress_words(run, np.array([t.steps]))
    words = (
        f"Ran all {t.steps:,} steps: {progress}, loss {t.final_loss:.6g} "
        f"(the least-squares line's is {run.optimum_loss:.6g})."
    )
    tol = run.settings.tol
    if tol > 0:
        words += (
            f" The gradient's length {t.grad_norm[-1]:.3g} is still above the stopping "
            f"tolerance {tol:g}: more steps would go further."
        )
    return words


def update_words(run: LineFitRun, steps: np.ndarray) -> list[str]:
    """The update from each step to the next, written out with its numbers."""
    t, settings = run.trajectory, run.settings
    spec = OPTIMIZERS[settings.optimizer]
    p0, p1 = parameter_names(run)
    lr = settings.lr
    full_batch = not 0 < settings.batch < run.points.n
    words = []
    for k in steps.tolist():
        if k >= t.steps:
            words.append(f"the run stopped here: {t.status.replace('_', ' ')}")
            continue
        (a, b), (ga, gb), (na, nb) = t.params[k], t.grad[k], t.params[k + 1]
        if spec.name == "gd" and full_batch:
            words.append(
                f"{p0} ← {a:.6g} − {lr:g} × ({ga:.6g}) = {na:.8g};   "
                f"{p1} ← {b:.6g} − {lr:g} × ({gb:.6g}) = {nb:.8g}"
            )
        else:
            words.append(
                f"the {spec.title} rule (γ = {lr:g}) moves to {p0} = {na:.8g}, {p1} = {nb:.8g}"
            )
    return words


def lesson_player(run: LineFitRun, view: LineFitView) -> dict:
    """The player's data for `run` as `view` shows it (see gdviz.views.playback)."""
    t = run.trajectory
    steps = run.timeline.steps
    descent = descent_spec(run, view.step, residuals=view.residuals)
    surface = surface_spec(run, view.step)
    p0, p1 = parameter_names(run)
    readouts = [
        readout("loss", "loss", t.loss[steps], ".10g"),
        readout("p0", p0, t.params[steps, 0], ".10g"),
        readout("p1", p1, t.params[steps, 1], ".10g"),
        readout("g0", f"∂L/∂{p0}", t.grad[steps, 0], ".6g"),
        readout("g1", f"∂L/∂{p1}", t.grad[steps, 1], ".6g"),
        readout("gnorm", "|∇L|", t.grad_norm[steps], ".4g"),
        readout("progress", "progress", progress_words(run, steps), str, wide=True),
        readout("update", "this step", update_words(run, steps), str, wide=True),
    ]
    sentences = [
        sentence_template(
            0,
            "Step {step}: the fitted line over the points; loss {loss} on the loss curve; on "
            f"the contour the path is at {p0} = {{p0}}, {p1} = {{p1}}, {{progress}}.",
        ),
        sentence_template(1, "Step {step}: the marker on the loss surface is at loss {loss}."),
    ]
    figures = [
        {"data": descent["data"], "layout": descent["layout"]},
        {"data": surface["data"], "layout": surface["layout"]},
    ]
    return player_data(
        figures,
        steps.tolist(),
        moving=motion(run, descent, surface),
        readouts=readouts,
        sentences=sentences,
        labels=LABELS,
        widths=WIDTHS,
        start_step=view.step,
    )
