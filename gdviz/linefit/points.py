"""The points a line-fit setting names: a sample data set, or generated ones.

Uploaded points cannot travel in a link; a page that shows them takes them from the session
(gdviz.ui.lesson_data).
"""

from __future__ import annotations

from gdviz.data import Points, generate_points, load_csv
from gdviz.errors import GdvizError
from gdviz.linefit.settings import GENERATE, UPLOAD, LineFitSettings
from gdviz.samples import SAMPLES


def points_key(settings: LineFitSettings) -> str:
    """A key that names the points `settings` describe (for caches)."""
    if settings.dataset == GENERATE:
        values = (settings.n, settings.slope, settings.intercept, settings.noise)
        values += (settings.x_min, settings.x_max, settings.seed)
        return "generate:" + ",".join(repr(v) for v in values)
    return f"sample:{settings.dataset}"


def points_for(settings: LineFitSettings) -> Points:
    """The sample's points, or the generated ones (GdvizError for an upload: not in a link)."""
    if settings.dataset == UPLOAD:
        raise GdvizError("Uploaded data cannot travel in a link: upload the file on this page.")
    if settings.dataset == GENERATE:
        s = settings
        return generate_points(s.n, s.slope, s.intercept, s.noise, s.x_min, s.x_max, s.seed)
    sample = SAMPLES[settings.dataset]
    return load_csv(sample.path, x=sample.x, y=sample.y)
