"""The line-fit race as the compare page's figure: the contour of the loss over (m, b) with
every optimizer's path, and the loss per step, moved together by the player
(`views.race_player`), one marker per optimizer on each panel.
"""

from __future__ import annotations

from gdviz.linefit.race import LineRace
from gdviz.views.compare import RacePicture
from gdviz.views.race_player import race_player


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


def line_race_player(race: LineRace, step: int = 0) -> dict:
    """The race on the line as the player's data (see `gdviz.views.race_player`)."""
    label = (
        "The level lines of the loss over m and b with every optimizer's path to the "
        "least-squares line, and each optimizer's loss above the least-squares loss per step"
    )
    return race_player(race_picture(race), step, label=label)
