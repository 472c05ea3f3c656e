"""The in-browser player shared by the animated figures: Play/Pause, speeds, a step slider.

Everything here is Plotly layout (updatemenus and sliders) driving `Plotly.animate` over the
figure's frames, which are named by step number: no server round trip while it plays.
"""

from __future__ import annotations

# Milliseconds per frame. Plotly moves on at the first screen refresh (60 Hz) after the
# duration, so these give about 6, 30 and 60 frames per second where the browser keeps up.
SPEEDS = {"slow": 150, "normal": 30, "fast": 16}
TEXT = "#31333F"  # Streamlit's text colour, for the slider's read-out


def animate_options(duration: int, **options) -> dict:
    """Plotly.animate options: no redraw (that repaints every trace), no tweening."""
    return {
        "frame": {"duration": duration, "redraw": False},
        "transition": {"duration": 0},
        "mode": "immediate",
        **options,
    }


def _button_row(x: float, y: float, buttons: list[dict]) -> dict:
    return {
        "type": "buttons",
        "direction": "left",
        "x": x,
        "y": y,
        "xanchor": "left",
        "yanchor": "top",
        "pad": {"t": 0, "r": 6},
        "showactive": False,
        "buttons": buttons,
    }


def player_buttons(y: float, *, speeds_x: float = 0.17) -> list[dict]:
    """▶ Play / ❚❚ Pause at the left, then one ▶ button per speed, at height `y` (paper)."""

    def play(label: str, speed: str) -> dict:
        options = animate_options(SPEEDS[speed], fromcurrent=True)
        return {"label": label, "method": "animate", "args": [None, options]}

    pause = {"label": "❚❚ Pause", "method": "animate", "args": [[None], animate_options(0)]}
    return [
        _button_row(0.0, y, [play("▶ Play", "normal"), pause]),
        _button_row(speeds_x, y, [play(f"▶ {speed}", speed) for speed in SPEEDS]),
    ]


def step_slider(
    steps: list[int], labels: list[str], active: int, *, x: float, length: float, y: float
) -> dict:
    """A slider over the frames named by `steps`, showing `labels[i]` as its read-out.

    Up to 200 tick labels would overlap, so they are hidden; the current value carries the
    numbers of the step instead.
    """
    return {
        "active": active,
        "x": x,
        "len": length,
        "y": y,
        "yanchor": "top",
        "pad": {"t": 36, "b": 0},
        "currentvalue": {"prefix": "step ", "visible": True, "font": {"size": 14, "color": TEXT}},
        "font": {"color": "rgba(0,0,0,0)", "size": 1},
        "ticklen": 0,
        "minorticklen": 0,
        "transition": {"duration": 0},
        "steps": [
            {"method": "animate", "label": label, "args": [[str(k)], animate_options(0)]}
            for k, label in zip(steps, labels, strict=True)
        ],
    }
