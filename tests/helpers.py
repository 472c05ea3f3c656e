"""Helpers the tests share: decoding what a page sends, opening a page in AppTest, and the
loader's promise for any bytes (points or words, never a hang)."""

from __future__ import annotations

import base64
import contextlib
import json
import signal
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

from gdviz.data import load_csv
from gdviz.errors import GdvizError

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


HANG_SECONDS = 10  # one load of a few hundred bytes takes milliseconds; this is a hang


@contextlib.contextmanager
def no_hang() -> Iterator[None]:
    """Fail, rather than wait forever, when one load runs longer than HANG_SECONDS."""

    def fail(signum, frame):
        raise AssertionError(f"loading took more than {HANG_SECONDS} s: a hang")

    previous = signal.signal(signal.SIGALRM, fail)
    signal.setitimer(signal.ITIMER_REAL, HANG_SECONDS)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def load_or_refusal(data: bytes, x: object = None, y: object = None) -> None:
    """Loading `data` gives usable points or a GdvizError with words, never another
    exception and never a hang (the loader's promise for any bytes)."""
    with no_hang():
        try:
            points = load_csv(data, x=x, y=y)  # type: ignore[arg-type]
        except GdvizError as error:
            assert str(error)
            return
    assert points.n >= 2
    assert np.isfinite(points.x).all() and np.isfinite(points.y).all()
    assert points.x.min() < points.x.max()
    assert points.note == " ".join(points.notes)
