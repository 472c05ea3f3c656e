"""Helpers the tests share: decoding what a page sends, and opening a page in AppTest."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]


def arr(v) -> np.ndarray:
    """Plotly's typed-array JSON ({"dtype", "bdata", "shape"}), or a plain list (None -> NaN),
    as a numpy array (see ../shared/TESTING.md)."""
    if isinstance(v, dict) and "bdata" in v:
        a = np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
        return a.reshape([int(n) for n in str(v["shape"]).split(",")]) if "shape" in v else a
    return np.asarray([np.nan if e is None else e for e in v], dtype=float)


def open_page(path: Path | str, **query) -> AppTest:
    """One page script on its own in AppTest, with the URL's query parameters."""
    at = AppTest.from_file(str(path), default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = str(value)
    return at.run()


def assert_clean(at: AppTest) -> None:
    """The page ran without an exception reaching the person."""
    assert not at.exception, [e.message for e in at.exception]


def charts(at: AppTest) -> dict[str, dict]:
    """Every Plotly figure the page sent, by its widget key, as the JSON the browser gets."""
    return {c.key: json.loads(c.proto.spec) for c in at.get("plotly_chart")}


def players(at: AppTest) -> dict[str, dict]:
    """The data of every player on the page (gdviz.ui.player), by its widget key."""
    return {
        c.proto.id.rsplit("-", 1)[-1]: json.loads(c.proto.json) for c in at.get("bidi_component")
    }


def chart_count(at: AppTest) -> int:
    """How many charts the page draws: Plotly figures, and the figures inside the player."""
    players = [json.loads(c.proto.json) for c in at.get("bidi_component")]
    return len(at.get("plotly_chart")) + sum(len(p.get("figures", ())) for p in players)


def trace(fig: dict, name: str) -> dict:
    """The first trace of `fig` called `name`."""
    return next(t for t in fig["data"] if t.get("name") == name)
