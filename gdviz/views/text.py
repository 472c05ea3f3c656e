"""Text from people (file and column names, cell values, URL values, typed formulas) made
inert for where it is shown: Streamlit's Markdown, or Plotly's titles and hover labels."""

from __future__ import annotations

import html
import re

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>$:~])")


def escape_markdown(text: object) -> str:
    """`text` made inert for Streamlit's Markdown (alerts, captions, labels): every character
    that could start a link, emphasis, HTML, LaTeX or an icon is backslash-escaped, so it shows
    as typed."""
    return _MARKDOWN.sub(r"\\\1", str(text))


def escape_html(text: object) -> str:
    """`text` made inert for Plotly titles and hover labels, which render a subset of HTML."""
    return html.escape(str(text), quote=True)
