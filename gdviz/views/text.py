"""Text from people (file and column names, cell values, URL values) shown by the pages."""

from __future__ import annotations

import re

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>$:~])")


def plain(text: object) -> str:
    """`text` made inert for Streamlit's Markdown (alerts, captions, labels): every character
    that could start a link, emphasis, HTML, LaTeX or an icon is backslash-escaped, so it shows
    as typed. (Plotly text is escaped separately, with `gdviz.views.linefit.escape`.)"""
    return _MARKDOWN.sub(r"\\\1", str(text))
