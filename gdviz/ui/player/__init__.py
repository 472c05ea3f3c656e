"""The in-browser player as a Streamlit component (components v2, no iframe).

    step = player(data, key="descent-player", on_step=None)

`data` is the dict gdviz.views.playback.player_data builds: figures drawn once, what moves
per frame, pre-formatted read-outs and sentences. The browser owns the timeline (Play, Pause,
←/→, Home/End, Space, speeds, scrubbing) and sends the step back only when it stops on one,
which reruns the script; `player` returns that step (or the start step before any).

plotly.js comes from the installed plotly package (its plotly.min.js, with each trace type
registered when a figure first uses it: gdviz.plotly_bundle), served over HTTP by Streamlit's
static component route, so the browser caches it across sessions and the page needs no
internet. The player's own JS and CSS (~20 KB) are sent inline.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import streamlit as st
import streamlit.components.v1 as components_v1

from gdviz.plotly_bundle import FILE_NAME, GZIP_NAME, bundle_dir, bundle_version

FRONTEND = Path(__file__).resolve().parent / "frontend"
PLOTLY_ROUTE_NAME = "plotlyjs"
# declare_component names the route after this module: "<module>.<name>".
PLOTLY_COMPONENT = f"{__name__}.{PLOTLY_ROUTE_NAME}"

_mount = st.components.v2.component(
    "gdviz.player",
    js=(FRONTEND / "player.js").read_text(encoding="utf-8"),
    css=(FRONTEND / "player.css").read_text(encoding="utf-8"),
    # Plotly writes its own styles into the document's head: the charts must live in the
    # page's DOM, not a shadow root.
    isolate_styles=False,
)


def plotly_route(name: str = FILE_NAME) -> str:
    """The path (below the server's base URL) where plotly.js is served; the version in the
    query (plotly's, and a digest of the file) makes a new file a new URL, so browsers and
    proxies may cache it for good.

    deploy/serve.sh asks for it too: nginx sends the file from disk at this path and starts it
    with the page's HTML (see deploy/nginx.conf.template).
    """
    return f"/component/{PLOTLY_COMPONENT}/{name}?v={bundle_version()}"


def plotly_urls() -> dict[str, str | None]:
    """Where the browser gets plotly.js from this server: `plotly_src` (the file) and
    `plotly_gzip` (the same, gzipped once; None when only the package's own folder is served).

    Registering a v1 component with `path=` is how Streamlit serves a folder of static files
    without an installed-package manifest; it is never rendered.
    """
    folder = bundle_dir()
    components_v1.declare_component(PLOTLY_ROUTE_NAME, path=str(folder))
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    prefix = f"/{base}" if base else ""
    zipped = (folder / GZIP_NAME).is_file()
    return {
        "plotly_src": prefix + plotly_route(),
        "plotly_gzip": prefix + plotly_route(GZIP_NAME) if zipped else None,
    }


def player(
    data: dict,
    *,
    key: str,
    on_step: Callable[[int], None] | None = None,
    hand_back: bool = True,
) -> int:
    """Mount the player; return the step the browser last handed back.

    Args:
        data: the dict from gdviz.views.playback.player_data (JSON-able; arrays typed).
        key: a stable widget key (one per player on the page).
        on_step: called with the new step when the browser hands one back (pause, a step
            key, a released scrub), before the script reruns.
        hand_back: False for a page that does not use the step: the browser then keeps it to
            itself instead of rerunning the page on every pause.

    Returns:
        The step number shown when the browser last stopped, or the start frame's step.
    """
    steps = data["steps"]
    start_step = int(steps[data["start_frame"]])

    def changed() -> None:
        if on_step is not None:
            state = st.session_state.get(key) or {}
            step = state.get("step")
            if step is not None:
                on_step(int(step))

    result = _mount(
        key=key,
        data={**data, **plotly_urls(), "hand_back": hand_back},
        default={"step": start_step},
        on_step_change=changed,
    )
    step = getattr(result, "step", None)
    return start_step if step is None else int(step)
