"""The line-fit race as the compare page's figure: the contour of the loss over (m, b) with
every optimizer's path, and the loss per step, animated together (`views.compare.race_figure`).

The same figure machinery as the compare page rather than the main page's player: the player
drives one run's panels (line, contour, 3-D, read-outs) from one timeline, while the race needs
one marker per optimizer on a shared contour and loss plot, which `race_figure` already draws,
with its frames carrying only the moving markers.
"""

from __future__ import annotations

from gdviz.linefit.race import LineRace
from gdviz.views.compare import RacePicture, race_figure


def race_picture(race: LineRace) -> RacePicture:
    scaled = race.settings.scale
    return RacePicture(
        names=race.names,
        trajectories=race.trajectories,
        grid=race.grid,
        timeline=race.timeline,
        start=race.start,
        start_loss=race.start_loss,
        f_min=race.optimum_loss,
        minima=(race.optimum,),
        axes=("m (slope, for standardised x)", "b (intercept)")
        if scaled
        else ("m (slope)", "b (intercept)"),
        loss="L",
        minimum_name="least squares",
    )


def race_spec(race: LineRace, step: int = 0) -> dict:
    """The race as a plain-dict Plotly figure (see `gdviz.views.compare`)."""
    return race_figure(race_picture(race), step)
