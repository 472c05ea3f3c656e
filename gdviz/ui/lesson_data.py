"""The line-fit data every lesson page shares: from the link (a sample or generated points),
or the file uploaded on the main page in this session."""

from __future__ import annotations

import streamlit as st

from gdviz.data import Points
from gdviz.linefit.points import points_for, points_key
from gdviz.linefit.settings import UPLOAD, LineFitSettings
from gdviz.ui.page import cached

LAST_UPLOAD = "_last_good"  # (points, key, source) of the main page's last usable data


@cached
def _points(key: str, settings: LineFitSettings) -> Points:
    return points_for(settings)


def lesson_points(settings: LineFitSettings) -> tuple[Points, str] | None:
    """(points, cache key) for `settings`: an upload comes from this session's main page;
    None when there is none yet."""
    if settings.dataset == UPLOAD:
        last = st.session_state.get(LAST_UPLOAD)
        return None if last is None else (last[0], last[1])
    return _points(points_key(settings), settings), points_key(settings)
