"""The in-browser player's data: one frame index drives every figure, read-out and sentence.

The player (gdviz.ui.player in a page, gdviz.views.offline in a downloaded file) draws each
figure once and, per frame f, restyles only what moves and writes the read-outs' text:

    figures   [spec, ...]        plain Plotly dicts without frames: static traces drawn once
    steps     [s_0, ..., s_F-1]  the step number shown at each frame (increasing)
    moving    [{figure, trace, attrs: {attr: (F × n) typed array}}]: row f is that trace's
              attribute at frame f (x, y, z, customdata, ...)
    readouts  [{id, label, values: [F strings], wide}]: formatted here, so the browser shows
              exactly the server's numbers
    sentences [{figure, template} | {figure, values: [F strings]}]: a text alternative per
              figure; a template names read-outs as {id} and the step as {step}
    labels    [str per figure]: each chart's accessible name
    widths    [relative width per figure]
    start_frame, speeds [{name, fps}], speed (the initial choice), autoplay

Arrays travel as Plotly's typed-array JSON ({"dtype", "bdata", "shape"}), base64 of
little-endian values: a few times faster to write than JSON numbers and ~30% smaller.
Nothing here imports streamlit; every function returns new objects and never writes its inputs.
"""

from __future__ import annotations

import base64
import itertools
import re
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from gdviz.errors import GdvizError
from gdviz.timeline import Timeline

MAX_FRAMES = 2000
# Frames per second: slow lets a class read the numbers, normal is smooth, fast skims a run.
SPEEDS = (
    {"name": "slow", "fps": 4.0},
    {"name": "normal", "fps": 30.0},
    {"name": "fast", "fps": 60.0},
)
DTYPES = {"f8", "f4", "i4", "i2", "i1", "u1", "u2", "u4"}
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def typed_array(values, dtype: str = "f8") -> dict:
    """`values` as Plotly's typed-array JSON: {"dtype", "bdata": base64, "shape": "r, c"}.

    f4 halves the bytes where screen precision (~7 digits) is enough for a drawn coordinate;
    read-outs carry the exact numbers as text.
    """
    if dtype not in DTYPES:
        raise GdvizError(f"Unknown typed-array dtype {dtype!r}; use one of {sorted(DTYPES)}.")
    a = np.ascontiguousarray(values, dtype="<" + dtype)
    spec = {"dtype": dtype, "bdata": base64.b64encode(a.tobytes()).decode("ascii")}
    if a.ndim > 1:
        spec["shape"] = ", ".join(str(n) for n in a.shape)
    return spec


def decode_array(spec) -> np.ndarray:
    """The inverse of `typed_array` (lists pass through as arrays): what the browser reads."""
    if isinstance(spec, dict) and "bdata" in spec:
        a = np.frombuffer(base64.b64decode(spec["bdata"]), dtype=np.dtype("<" + spec["dtype"]))
        if "shape" in spec:
            a = a.reshape([int(n) for n in str(spec["shape"]).split(",")])
        return a
    return np.asarray(spec)


def moving_trace(figure: int, trace: int, dtype: str = "f8", **attrs) -> dict:
    """What moves in one trace: each attribute given per frame, shape (frames,) or (frames, n).

    A 1-D array is one value per frame (a single marker's x, say) and becomes (frames, 1).
    """
    if not attrs:
        raise GdvizError("A moving trace needs at least one attribute (x=..., y=...).")
    packed = {}
    for name, values in attrs.items():
        a = np.asarray(values, dtype=float)
        if a.ndim == 1:
            a = a[:, None]
        if a.ndim != 2:
            raise GdvizError(f"Moving attribute {name!r} must be (frames,) or (frames, n).")
        packed[name] = typed_array(a, dtype)
    return {"figure": int(figure), "trace": int(trace), "attrs": packed}


def formatted(values: Iterable, fmt: str | Callable[[float], str]) -> list[str]:
    """Each value as text: `format(v, fmt)` for a format spec, or `fmt(v)` for a function."""
    if callable(fmt):
        return [str(fmt(v)) for v in values]
    return [format(v, fmt) for v in values]


def readout(
    key: str,
    label: str,
    values: Iterable,
    fmt: str | Callable[[float], str] = ".6g",
    *,
    wide: bool = False,
) -> dict:
    """A read-out `key` (its id): a label and one pre-formatted string per frame."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
        raise GdvizError(f"Read-out id {key!r} must be letters, digits and _ (not first a digit).")
    return {"id": key, "label": str(label), "values": formatted(values, fmt), "wide": bool(wide)}


def sentence_template(figure: int, template: str) -> dict:
    """A chart's text alternative built in the browser: {id} is a read-out, {step} the step."""
    return {"figure": int(figure), "template": str(template)}


def sentence_values(figure: int, values: Sequence[str]) -> dict:
    """A chart's text alternative written out for every frame."""
    return {"figure": int(figure), "values": [str(v) for v in values]}


def frame_of_step(steps: Sequence[int], step: int) -> int:
    """The index of the frame whose step is nearest to `step` (ties go to the earlier one)."""
    a = np.asarray(steps)
    if a.size == 0:
        raise GdvizError("The player has no frames.")
    return Timeline(a).index(step)


def player_data(
    figures: Sequence[dict],
    steps: Sequence[int],
    *,
    moving: Sequence[dict] = (),
    readouts: Sequence[dict] = (),
    sentences: Sequence[dict] = (),
    labels: Sequence[str] | None = None,
    widths: Sequence[float] | None = None,
    start_step: int | None = None,
    speeds: Sequence[dict] = SPEEDS,
    speed: str = "normal",
    autoplay: bool = False,
) -> dict:
    """The player's data dict, checked: every per-frame list has one entry per frame.

    `start_step` (a step number, e.g. from the URL) is snapped to the nearest frame. Figures
    must not carry Plotly frames: the player moves traces itself. Raises GdvizError on any
    inconsistency, naming the part that is wrong.
    """
    steps_list = [int(s) for s in steps]
    count = len(steps_list)
    if not 1 <= count <= MAX_FRAMES:
        raise GdvizError(f"The player takes 1 to {MAX_FRAMES:,} frames, not {count:,}.")
    if any(b <= a for a, b in itertools.pairwise(steps_list)):
        raise GdvizError("The frames' step numbers must increase.")
    specs = []
    for i, fig in enumerate(figures):
        if not isinstance(fig, dict) or not isinstance(fig.get("data"), list):
            raise GdvizError(f"Figure {i} must be a plain dict with a list of traces in 'data'.")
        if fig.get("frames"):
            raise GdvizError(f"Figure {i} carries Plotly frames; pass what moves as `moving`.")
        specs.append({"data": fig["data"], "layout": fig.get("layout", {})})
    if not specs:
        raise GdvizError("The player needs at least one figure.")
    for m in moving:
        fig_i, trace_i = m["figure"], m["trace"]
        if not 0 <= fig_i < len(specs) or not 0 <= trace_i < len(specs[fig_i]["data"]):
            raise GdvizError(f"Moving trace {trace_i} of figure {fig_i} does not exist.")
        for name, spec in m["attrs"].items():
            rows = decode_array(spec).shape[0]
            if rows != count:
                raise GdvizError(
                    f"Moving {name!r} of figure {fig_i}, trace {trace_i} has {rows} frames, "
                    f"not {count}."
                )
    ids = [r["id"] for r in readouts]
    if len(set(ids)) != len(ids):
        raise GdvizError("Read-out ids must be unique.")
    for r in readouts:
        if len(r["values"]) != count:
            raise GdvizError(f"Read-out {r['id']!r} has {len(r['values'])} values, not {count}.")
    for s in sentences:
        if not 0 <= s["figure"] < len(specs):
            raise GdvizError(f"A sentence names figure {s['figure']}, which does not exist.")
        if "template" in s:
            unknown = set(_PLACEHOLDER.findall(s["template"])) - set(ids) - {"step"}
            if unknown:
                raise GdvizError(f"Sentence template names unknown read-outs: {sorted(unknown)}.")
        elif len(s["values"]) != count:
            raise GdvizError(f"A sentence for figure {s['figure']} does not have {count} values.")
    labels = [f"Chart {i + 1}" for i in range(len(specs))] if labels is None else list(labels)
    widths = [1.0] * len(specs) if widths is None else [float(w) for w in widths]
    if len(labels) != len(specs) or len(widths) != len(specs) or min(widths) <= 0:
        raise GdvizError("Give one label and one positive width per figure.")
    names = [s["name"] for s in speeds]
    if speed not in names or any(not float(s["fps"]) > 0 for s in speeds):
        raise GdvizError(f"Speed {speed!r} must be one of {names}, each with fps > 0.")
    start = 0 if start_step is None else frame_of_step(steps_list, int(start_step))
    return {
        "figures": specs,
        "steps": steps_list,
        "moving": [dict(m) for m in moving],
        "readouts": [dict(r) for r in readouts],
        "sentences": [dict(s) for s in sentences],
        "labels": [str(v) for v in labels],
        "widths": widths,
        "start_frame": start,
        "speeds": [{"name": str(s["name"]), "fps": float(s["fps"])} for s in speeds],
        "speed": speed,
        "autoplay": bool(autoplay),
    }


def fill_sentence(template: str, values: dict[str, str]) -> str:
    """The sentence as the browser writes it: each {name} replaced by values[name]."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)
