"""Loss surfaces: G×G values over a window that frames the optimum and the descent path."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from gdviz.errors import GdvizError
from gdviz.objectives import Objective

Window = tuple[tuple[float, float], tuple[float, float]]
MAX_GRID = 1000
# Beyond this many times the starting loss (at least 1 in absolute value) a diverging path has
# left the interesting region: views are framed on the part of a path below it, so the start
# and the optimum stay in sight and the path is seen leaving.
FRAME_LOSS_FACTOR = 1e3


@dataclass(frozen=True, eq=False)
class Grid:
    """Loss values `z[i, j]` at parameters (p0[j], p1[i]): rows follow the second parameter,
    as Plotly's surface and contour expect."""

    p0: np.ndarray  # (G,)
    p1: np.ndarray  # (G,)
    z: np.ndarray  # (G, G)
    param_names: tuple[str, str]

    @property
    def window(self) -> Window:
        return (float(self.p0[0]), float(self.p0[-1])), (float(self.p1[0]), float(self.p1[-1]))


def frame_window(
    points: np.ndarray,
    *,
    margin: float = 0.25,
    min_half_width: float = 1.0,
    base: Window | None = None,
) -> Window:
    """The smallest window holding every (p0, p1) row of `points` (and `base`), padded.

    Each side is widened by `margin` of its span, and to at least ±`min_half_width`·(scale)
    around its centre, so a path that barely moves still shows its surroundings.
    """
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    pts = pts[np.all(np.isfinite(pts), axis=1)]
    if base is not None:
        pts = np.vstack((pts, np.array(base).T))
    if pts.size == 0:
        raise GdvizError("There is nothing to frame: no finite points were given.")
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    out = []
    for a, b in zip(lo.tolist(), hi.tolist(), strict=True):
        centre, half = 0.5 * (a + b), 0.5 * (b - a) * (1.0 + 2.0 * margin)
        # A floor relative to the size of the values keeps tiny spans visible at large offsets.
        half = max(half, min_half_width * max(1e-3 * abs(centre), 1e-9), min_half_width * 1e-9)
        # centre ± half can round one ulp inside the extremes (margin 0): never cut them off.
        out.append((min(centre - half, a), max(centre + half, b)))
    return out[0], out[1]


def in_sight(loss: np.ndarray, start_loss: float | None = None) -> np.ndarray:
    """The steps a view frames: those whose |loss| stays within FRAME_LOSS_FACTOR times
    max(|start loss|, 1). The start always counts."""
    start = float(loss[0]) if start_loss is None else float(start_loss)
    near = np.abs(loss) <= FRAME_LOSS_FACTOR * max(abs(start), 1.0)
    near[:1] = True
    return near


def frame_paths(
    paths: Sequence[tuple[np.ndarray, np.ndarray]], *, base: Window, margin: float = 0.25
) -> Window:
    """The window framing `base` and the in-sight part of every (params, loss) path.

    Raises GdvizError when the values are too large to frame.
    """
    parts = [params[in_sight(loss)] for params, loss in paths]
    window = frame_window(np.vstack(parts), margin=margin, base=base)
    if not all(math.isfinite(v) for pair in window for v in pair):
        raise GdvizError("The descent path cannot be framed: its values are too large.")
    return window


def loss_grid(objective: Objective, window: Window, size: int = 60) -> Grid:
    """Evaluate `objective` on a size×size grid over `window` in one vectorised call.

    For mse/sse line fits each cell costs O(1) whatever the number of points.
    """
    if isinstance(size, bool) or not isinstance(size, int) or not 2 <= size <= MAX_GRID:
        raise GdvizError(
            f"The grid size must be a whole number from 2 to {MAX_GRID}, not {size!r}."
        )
    (a0, b0), (a1, b1) = window
    if not all(math.isfinite(v) for v in (a0, b0, a1, b1)) or not (a0 < b0 and a1 < b1):
        raise GdvizError(f"The window {window!r} must have finite, increasing bounds.")
    p0 = np.linspace(a0, b0, size)
    p1 = np.linspace(a1, b1, size)
    with np.errstate(over="ignore", invalid="ignore"):
        z = objective.grid(p0[None, :], p1[:, None])
    z = np.where(np.isfinite(z), z, np.nan)
    for a in (p0, p1, z):
        a.setflags(write=False)
    return Grid(p0, p1, z, objective.param_names)
