"""One self-contained HTML file with the player: plays offline, read-outs and keyboard included.

The file holds plotly.js (the installed plotly package's, as the page serves it:
gdviz.plotly_bundle), the player's own JS and CSS (the same files the Streamlit component uses),
and the data as JSON in a non-executing script tag.
Nothing is fetched: it opens from disk with no network. The title is escaped; the data is only
ever read with JSON.parse and shown with textContent.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from gdviz.plotly_bundle import bundle_text

FRONTEND = Path(__file__).resolve().parents[1] / "ui" / "player" / "frontend"
EXPORT_LINE = "export default mountPlayer;"

_MOUNT = """
mountPlayer({
  data: JSON.parse(document.getElementById("gdviz-player-data").textContent),
  parentElement: document.getElementById("gdviz-player"),
  setStateValue: function () {},
});
"""


def _player_script() -> str:
    """player.js as a classic script: its one ES-module line (the export) is dropped."""
    source = (FRONTEND / "player.js").read_text(encoding="utf-8")
    head, sep, tail = source.rpartition(EXPORT_LINE)
    if not sep or tail.strip():
        raise RuntimeError(f"player.js must end with {EXPORT_LINE!r}")
    return head


def _script_text(code: str) -> str:
    """JavaScript safe inside <script>: "</script" and "<!--" written with an escape that
    means the same in a JS string or regular expression (neither occurs elsewhere)."""
    return re.sub(r"</(script)", r"<\\/\1", code, flags=re.IGNORECASE).replace("<!--", "<\\!--")


def _json_text(value) -> str:
    """JSON safe inside <script>: every "<" as \\u003c, which JSON.parse reads back as "<"."""
    return json.dumps(value).replace("<", "\\u003c")


def offline_html(data: dict, title: str) -> str:
    """The whole player as one HTML page (about 5 MB, most of it plotly.js).

    Args:
        data: the dict from gdviz.views.playback.player_data.
        title: shown as the page's heading and title (escaped, never HTML).
    """
    payload = _json_text({k: v for k, v in data.items() if not k.startswith("plotly_")})
    heading = html.escape(str(title), quote=True)
    css = (FRONTEND / "player.css").read_text(encoding="utf-8")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{heading}</title>"
        "<style>body{margin:16px 24px;font-family:system-ui,sans-serif;color:#1f2330}"
        f"h1{{font-size:22px;margin:0 0 8px}}{css}</style></head><body>"
        f"<h1>{heading}</h1>"
        '<main id="gdviz-player"></main>'
        '<script type="application/json" id="gdviz-player-data">'
        f"{payload}</script>"
        f"<script>{_script_text(bundle_text())}</script>"
        f"<script>{_script_text(_player_script())}{_MOUNT}</script>"
        "</body></html>\n"
    )
