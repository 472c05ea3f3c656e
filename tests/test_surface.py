"""Loss surfaces: grid shape and orientation, exactness on large data, framing windows."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from gdviz.analysis import least_squares
from gdviz.engine import run
from gdviz.errors import GdvizError
from gdviz.objectives import LineFit, test_function, valley
from gdviz.optimizers import sgd
from gdviz.surface import MAX_GRID, Grid, frame_window, loss_grid


def _fit(n=50, loss="mse", seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2.0, 4.0, n)
    return LineFit(x, 0.8 * x + 1.5 + rng.normal(0.0, 0.5, n), loss)


# --------------------------------------------------------------------------------------------
# loss_grid
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [2, 3, 60, 137])
def test_loss_grid_shape_and_axes(size):
    window = ((-1.0, 3.0), (-2.0, 0.5))
    grid = loss_grid(_fit(), window, size)
    assert isinstance(grid, Grid)
    assert grid.p0.shape == grid.p1.shape == (size,)
    assert grid.z.shape == (size, size)
    np.testing.assert_array_equal(grid.p0, np.linspace(-1.0, 3.0, size))
    np.testing.assert_array_equal(grid.p1, np.linspace(-2.0, 0.5, size))
    assert grid.window == window
    assert grid.param_names == ("m", "b")
    for a in (grid.p0, grid.p1, grid.z):
        assert not a.flags.writeable and a.dtype == np.float64


@pytest.mark.parametrize(
    "objective",
    [_fit(), _fit(loss="huber"), test_function("rosenbrock"), test_function("beale")],
    ids=["linefit-mse", "linefit-huber", "rosenbrock", "beale"],
)
def test_loss_grid_orientation(objective):
    """Rows follow the second parameter: z[i, j] is the loss at (p0[j], p1[i])."""
    grid = loss_grid(objective, ((-2.0, 2.0), (-1.0, 3.0)), 13)
    for i in range(13):
        for j in range(13):
            expected = objective.value(np.array([grid.p0[j], grid.p1[i]]))
            assert grid.z[i, j] == pytest.approx(expected, rel=1e-13)
    # An asymmetric function tells rows from columns: Rosenbrock's valley bends upwards.
    if objective.name == "rosenbrock":
        i_one = int(np.argmin(np.abs(grid.p1 - 1.0)))
        j_one = int(np.argmin(np.abs(grid.p0 - 1.0)))
        assert grid.z[i_one, j_one] == grid.z.min()


@pytest.mark.parametrize("loss", ["mse", "sse", "mae", "huber"])
def test_grid_on_a_hundred_thousand_points_equals_the_pointwise_loss(loss):
    fit = _fit(n=100_000, loss=loss, seed=1)
    grid = loss_grid(fit, ((-1.0, 3.0), (-2.0, 4.0)), 20)
    for i, j in [(0, 0), (19, 19), (5, 17), (10, 3), (12, 9)]:
        params = np.array([grid.p0[j], grid.p1[i]])
        assert grid.z[i, j] == pytest.approx(fit.pointwise_value(params), rel=1e-12)


def test_non_finite_cells_become_nan_without_a_warning():
    fn = test_function("rosenbrock")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        grid = loss_grid(fn, ((-1e160, 1e160), (-1.0, 1.0)), 5)
    assert np.isnan(grid.z[:, 0]).all() and np.isnan(grid.z[:, -1]).all()
    assert np.isfinite(grid.z[:, 2]).all()  # x = 0 stays finite
    assert not np.isinf(grid.z).any()


@pytest.mark.parametrize("size", [1, 0, -5, MAX_GRID + 1, 2.5, 60.0, True, "60", None])
def test_loss_grid_rejects_bad_sizes(size):
    with pytest.raises(GdvizError, match="grid size"):
        loss_grid(valley(), ((-1.0, 1.0), (-1.0, 1.0)), size)


def test_loss_grid_accepts_the_largest_size():
    grid = loss_grid(_fit(), ((-1.0, 1.0), (-1.0, 1.0)), MAX_GRID)
    assert grid.z.shape == (MAX_GRID, MAX_GRID)


@pytest.mark.parametrize(
    "window",
    [
        ((1.0, -1.0), (-1.0, 1.0)),
        ((-1.0, 1.0), (2.0, 2.0)),
        ((0.0, 0.0), (0.0, 0.0)),
        ((np.nan, 1.0), (-1.0, 1.0)),
        ((-1.0, 1.0), (-np.inf, 1.0)),
        ((-1.0, np.inf), (-1.0, 1.0)),
    ],
)
def test_loss_grid_rejects_bad_windows(window):
    with pytest.raises(GdvizError, match="window"):
        loss_grid(valley(), window, 10)


# --------------------------------------------------------------------------------------------
# frame_window
# --------------------------------------------------------------------------------------------


def _contains(window, points) -> bool:
    (a0, b0), (a1, b1) = window
    pts = np.asarray(points, float).reshape(-1, 2)
    return bool(
        np.all((a0 <= pts[:, 0]) & (pts[:, 0] <= b0) & (a1 <= pts[:, 1]) & (pts[:, 1] <= b1))
    )


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("margin", [0.0, 0.25, 1.0])
def test_frame_window_contains_the_path_and_the_optimum(seed, margin):
    fit = _fit(seed=seed)
    optimum = least_squares(fit.x, fit.y)
    rng = np.random.default_rng(seed)
    lr = rng.uniform(0.01, 0.1)
    traj = run(fit, sgd(lr), tuple(rng.normal(0, 3, 2)), steps=int(rng.integers(1, 200)))
    base = ((optimum[0], optimum[0]), (optimum[1], optimum[1]))
    for window in (
        frame_window(np.vstack((traj.params, optimum)), margin=margin),
        frame_window(traj.params, margin=margin, base=base),
    ):
        assert _contains(window, traj.params)
        assert _contains(window, optimum)
        pts = np.vstack((traj.params, optimum))
        for k, (lo, hi) in enumerate(window):
            span = np.ptp(pts[:, k])
            assert hi - lo >= (1 + 2 * margin) * span * (1 - 1e-12)  # padded by the margin
        loss_grid(fit, window, 20)  # a valid window for the grid


def test_frame_window_with_a_base_window_contains_it():
    fn = test_function("himmelblau")
    window = frame_window(np.array([[0.0, 0.0], [0.5, 0.1]]), base=fn.window)
    (a0, b0), (a1, b1) = window
    assert a0 <= -5 and b0 >= 5 and a1 <= -5 and b1 >= 5


@pytest.mark.parametrize(
    "point", [(0.0, 0.0), (2.5, -1.0), (1e-12, -3e-12), (1e6, -2e6), (1e15, 4.0), (-7e300, 1.0)]
)
def test_frame_window_around_a_single_point_or_a_path_that_never_moves(point):
    for points in (np.array([point]), np.array([point] * 5)):
        window = frame_window(points)
        for (lo, hi), v in zip(window, point, strict=True):
            assert np.isfinite(lo) and np.isfinite(hi)
            assert lo < v < hi  # strictly inside: the point sits in the middle, not on an edge
            assert (v - lo) == pytest.approx(hi - v, rel=1e-6)
            # Wide enough that a grid over it has distinct, increasing coordinates.
            assert np.all(np.diff(np.linspace(lo, hi, MAX_GRID)) > 0)
        loss_grid(valley(), window, 30)


def test_frame_window_of_a_zero_length_run():
    fit = _fit()
    traj = run(fit, sgd(0.01), (0.3, -0.7), steps=0)
    window = frame_window(traj.params)
    assert _contains(window, [(0.3, -0.7)])
    grid = loss_grid(fit, window, 10)
    assert np.isfinite(grid.z).all()


def test_frame_window_ignores_non_finite_rows():
    points = np.array([[0.0, 1.0], [np.nan, 5.0], [np.inf, 0.0], [1.0, 2.0]])
    window = frame_window(points)
    assert window == frame_window(points[[0, 3]])
    assert all(np.isfinite(v) for pair in window for v in pair)


@pytest.mark.parametrize(
    "points", [np.empty((0, 2)), np.array([[np.nan, np.nan]]), np.array([[np.inf, 0.0]] * 3)]
)
def test_frame_window_rejects_nothing_to_frame(points):
    with pytest.raises(GdvizError, match="nothing to frame"):
        frame_window(points)


def test_frame_window_never_writes_into_its_input():
    points = np.array([[0.0, 1.0], [2.0, -1.0]])
    points.setflags(write=False)
    frame_window(points, base=((0.0, 1.0), (0.0, 1.0)))
    np.testing.assert_array_equal(points, [[0.0, 1.0], [2.0, -1.0]])
