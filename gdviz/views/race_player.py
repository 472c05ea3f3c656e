"""A race (the compare page's, or optimizers on a line) as the in-browser player's data.

One frame index moves every optimizer's marker on the contour and on the loss panel, and the
read-outs give each optimizer's loss at that step (f − f_min, or f where no minimum is known;
"diverged" once a run has left): the same player as the main page, so Play, Pause, the
speeds, the step slider and the keys (Space, ←/→, Home/End) work alike on every page.
"""

from __future__ import annotations

from gdviz.compare.run import Comparison
from gdviz.optimizers import OPTIMIZERS
from gdviz.views.compare import (
    RacePicture,
    comparison_picture,
    loss_name,
    loss_words,
    race_parts,
)
from gdviz.views.playback import moving_trace, player_data, readout, sentence_template


def readout_id(name: str) -> str:
    """A read-out id for optimizer `name` (registry keys are letters, digits and _)."""
    return f"loss_{name}"


def race_player(picture: RacePicture, step: int = 0, *, label: str) -> dict:
    """The player's data for `picture`, opening at `step` (snapped to a frame step).

    `label` is the chart's accessible name (what the figure shows, in a sentence).
    """
    figure, markers = race_parts(picture, step)
    n = len(picture.names)
    on_contour, on_loss = markers.traces[:n], markers.traces[n:]
    moving = [
        moving_trace(0, trace, x=markers.contour_x[:, i], y=markers.contour_y[:, i])
        for i, trace in enumerate(on_contour)
    ] + [
        moving_trace(0, trace, x=markers.loss_x[:, i], y=markers.loss_y[:, i])
        for i, trace in enumerate(on_loss)
    ]
    steps = picture.timeline.steps.tolist()
    words = [loss_words(picture, k) for k in steps]
    titles = [OPTIMIZERS[name].title for name in picture.names]
    ids = [readout_id(name) for name in picture.names]
    # Read-outs and sentences are set as text in the browser (never HTML): no escaping here.
    readouts = [
        readout(key, title, [w[i] for w in words], str)
        for i, (key, title) in enumerate(zip(ids, titles, strict=True))
    ]
    each = ", ".join(f"{title} {{{key}}}" for title, key in zip(titles, ids, strict=True))
    what = loss_name(picture)
    sentences = [sentence_template(0, f"Step {{step}}: {what} of {each}.")] if n else []
    return player_data(
        [figure],
        steps,
        moving=moving,
        readouts=readouts,
        sentences=sentences,
        labels=[label],
        start_step=step,
    )


def comparison_player(comparison: Comparison, step: int = 0) -> dict:
    """The compare page's race: optimizers on one test function."""
    label = (
        f"The level lines of f = {comparison.function.formula} with every optimizer's path and "
        "marker, and each optimizer's loss per step"
    )
    return race_player(comparison_picture(comparison), step, label=label)
