"""Plotly annotations the figures share."""

from __future__ import annotations


def panel_title(text: str, domain: tuple[float, float] | list[float], *, yshift: int = 8) -> dict:
    """A title centred above the panel whose x domain (paper units) is `domain`. `text` is
    drawn as Plotly's HTML subset: escape people's text first (views.text.escape_html)."""
    lo, hi = domain
    return {
        "text": text,
        "x": (lo + hi) / 2,
        "y": 1.0,
        "xref": "paper",
        "yref": "paper",
        "xanchor": "center",
        "yanchor": "bottom",
        "yshift": yshift,
        "showarrow": False,
        "font": {"size": 14},
    }
