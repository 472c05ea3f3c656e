"""One line-fit run as the page shows it: frame steps, snapping, units, optimum, framing."""

from __future__ import annotations

import dataclasses
import inspect

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gdviz.data import Points, generate_points
from gdviz.linefit.run import LineFitRun, run_line_fit
from gdviz.linefit.settings import LineFitSettings, LineFitView
from gdviz.timeline import MAX_FRAMES, frame_steps

POINTS = generate_points(100, seed=1)  # y ≈ 2x + 1 over x in [0, 10]


def _in_window(window, p) -> bool:
    (a0, b0), (a1, b1) = window
    return a0 <= p[0] <= b0 and a1 <= p[1] <= b1


def _pointwise_loss(loss: str, x, y, m, b, delta=1.0) -> float:
    """The loss of the line (m, b) by its definition, one point at a time."""
    total = 0.0
    for xi, yi in zip(x.tolist(), y.tolist(), strict=True):
        r = yi - (m * xi + b)
        if loss in ("mse", "sse"):
            total += r * r
        elif loss == "mae":
            total += abs(r)
        else:  # huber, as torch's HuberLoss
            total += 0.5 * r * r if abs(r) <= delta else delta * (abs(r) - 0.5 * delta)
    return total if loss == "sse" else total / len(x)


def _hessian(loss: str, x: np.ndarray) -> np.ndarray:
    """The constant Hessian of mse/sse in (m, b): 2·[[Σx², Σx], [Σx, N]] (÷N for mse)."""
    h = 2.0 * np.array([[np.sum(x * x), np.sum(x)], [np.sum(x), x.size]])
    return h / x.size if loss == "mse" else h


def _assert_same(a, b, where="run") -> None:
    """Field-by-field equality of records holding arrays (NaN equal to NaN)."""
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        assert type(a) is type(b), where
        for f in dataclasses.fields(a):
            _assert_same(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
    elif isinstance(a, np.ndarray):
        assert np.array_equal(a, b, equal_nan=a.dtype.kind == "f"), where
    elif isinstance(a, tuple | list):
        assert len(a) == len(b), where
        for i, (u, v) in enumerate(zip(a, b, strict=True)):
            _assert_same(u, v, f"{where}[{i}]")
    elif isinstance(a, float) and np.isnan(a):
        assert isinstance(b, float) and np.isnan(b), where
    else:
        assert a == b, where


# --------------------------------------------------------------------------------------------
# frame_steps
# --------------------------------------------------------------------------------------------


@given(st.integers(0, 100_000))
def test_frame_steps_properties(last):
    f = frame_steps(last)
    assert f.dtype.kind in "iu"
    assert 1 <= f.size <= MAX_FRAMES
    assert f[0] == 0 and f[-1] == last
    assert np.all(np.diff(f) > 0)  # sorted and unique
    if last + 1 <= MAX_FRAMES:
        np.testing.assert_array_equal(f, np.arange(last + 1))
    else:
        assert f.size == MAX_FRAMES  # the whole budget is used
        gaps = np.diff(f)
        # Geometric: the early steps are denser than the late ones.
        assert gaps[:19].max() <= gaps[-19:].min()


def test_frame_steps_every_step_up_to_the_budget():
    np.testing.assert_array_equal(frame_steps(0), [0])
    np.testing.assert_array_equal(frame_steps(MAX_FRAMES - 1), np.arange(MAX_FRAMES))
    assert frame_steps(MAX_FRAMES).size == MAX_FRAMES  # one step too many: one is left out


def test_frame_steps_geometric_on_a_long_run():
    f = frame_steps(9_999)
    first, late = np.diff(f[:20]), np.diff(f[-20:])
    assert first.max() <= late.min()
    assert late.min() > 10 * first.max()  # not merely uniform spacing
    np.testing.assert_array_equal(f[:20], np.arange(20))  # every early step is shown


def test_frame_steps_respects_a_smaller_budget():
    f = frame_steps(5_000, max_frames=30)
    assert f.size <= 30 and f[0] == 0 and f[-1] == 5_000


# --------------------------------------------------------------------------------------------
# snap
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def long_run() -> LineFitRun:
    return run_line_fit(POINTS, LineFitSettings(steps=10_000, tol=0.0))


def test_snap_is_the_nearest_frame_step(long_run):
    frames = long_run.timeline.steps
    assert long_run.trajectory.steps == 10_000 and frames.size == MAX_FRAMES
    for step in range(0, 10_001):
        got = long_run.timeline.snap(step)
        assert got in frames
        assert abs(got - step) == np.abs(frames - step).min(), step


def test_snap_keeps_frame_steps(long_run):
    assert [
        long_run.timeline.snap(int(k)) for k in long_run.timeline.steps
    ] == long_run.timeline.steps.tolist()


def test_snap_is_identity_on_short_runs():
    run = run_line_fit(POINTS, LineFitSettings(steps=150, tol=0.0))
    assert [run.timeline.snap(k) for k in range(151)] == list(range(151))


# --------------------------------------------------------------------------------------------
# run_line_fit: units, optimum, loss
# --------------------------------------------------------------------------------------------


def test_lines_map_back_to_units_of_x_when_standardised():
    run = run_line_fit(POINTS, LineFitSettings(scale=True, lr=0.1, steps=100, tol=0.0))
    x, y = POINTS.x, POINTS.y
    mean, std = x.mean(), x.std()  # population std: z-scores
    z = (x - mean) / std
    np.testing.assert_allclose(run.fit.x, z, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(run.fit.y, y)
    params = run.trajectory.params
    assert run.lines.shape == params.shape
    in_z = params[:, :1] * z[None, :] + params[:, 1:]  # each step's line at every point
    in_x = run.lines[:, :1] * x[None, :] + run.lines[:, 1:]
    np.testing.assert_allclose(in_x, in_z, rtol=1e-10, atol=1e-10)
    # The start is given in units of x and the descent starts from its image in z.
    np.testing.assert_allclose(run.lines[0], (run.settings.m0, run.settings.b0), atol=1e-12)


def test_lines_are_the_params_without_standardising():
    run = run_line_fit(POINTS, LineFitSettings(steps=50, tol=0.0))
    assert run.scaling is None
    np.testing.assert_array_equal(run.lines, run.trajectory.params)
    np.testing.assert_array_equal(run.fit.x, POINTS.x)


@pytest.mark.parametrize("scale", [False, True])
def test_optimum_is_numpys_least_squares_line(scale):
    run = run_line_fit(POINTS, LineFitSettings(scale=scale, steps=10, tol=0.0))
    m, b = np.polyfit(POINTS.x, POINTS.y, 1)
    np.testing.assert_allclose(run.optimum, (m, b), rtol=1e-10)
    # The same line in the descent's units: equal predictions at the data.
    m_run, b_run = run.optimum_run
    np.testing.assert_allclose(m_run * run.fit.x + b_run, m * POINTS.x + b, rtol=1e-10)


@pytest.mark.parametrize("loss", ["mse", "sse", "mae", "huber"])
@pytest.mark.parametrize("scale", [False, True])
def test_optimum_loss_is_the_loss_at_the_optimum(loss, scale):
    settings = LineFitSettings(loss=loss, scale=scale, delta=0.7, steps=10, lr=1e-4, tol=0.0)
    run = run_line_fit(POINTS, settings)
    m, b = run.optimum_run
    expected = _pointwise_loss(loss, run.fit.x, POINTS.y, m, b, delta=0.7)
    assert run.optimum_loss == pytest.approx(expected, rel=1e-10)
    # Units of x give the same loss: the same line.
    m_x, b_x = run.optimum
    assert run.optimum_loss == pytest.approx(
        _pointwise_loss(loss, POINTS.x, POINTS.y, m_x, b_x, delta=0.7), rel=1e-9
    )


@pytest.mark.parametrize("loss", ["mse", "sse", "mae", "huber"])
def test_stability_only_for_quadratic_losses(loss):
    lr = 1e-4 if loss == "sse" else 0.02
    run = run_line_fit(POINTS, LineFitSettings(loss=loss, lr=lr, steps=10, tol=0.0))
    if loss in ("mse", "sse"):
        assert run.stability is not None
        eig = np.linalg.eigvalsh(_hessian(loss, POINTS.x))
        assert run.stability.lr_max == pytest.approx(2.0 / eig.max(), rel=1e-9)
        assert run.stability.condition_number == pytest.approx(eig.max() / eig.min(), rel=1e-6)
        z = (POINTS.x - POINTS.x.mean()) / POINTS.x.std()
        z_eig = np.linalg.eigvalsh(_hessian(loss, z))
        assert run.stability.standardized_condition_number == pytest.approx(
            z_eig.max() / z_eig.min(), rel=1e-9
        )
        assert run.stability.standardized_lr_max == pytest.approx(2.0 / z_eig.max(), rel=1e-9)
    else:
        assert run.stability is None


@pytest.mark.parametrize("lr", [0.005, 0.02, 0.05])
def test_gd_verdict_agrees_with_the_curvature(lr):
    run = run_line_fit(POINTS, LineFitSettings(lr=lr, steps=200, tol=0.0))
    verdict = run.stability.verdict
    assert verdict is not None
    lr_max = 2.0 / np.linalg.eigvalsh(_hessian("mse", POINTS.x)).max()
    assert (verdict.kind == "diverges") == (lr >= lr_max)
    assert (run.trajectory.status == "diverged") == (lr >= lr_max)
    assert run.stability.message == verdict.message


@pytest.mark.parametrize("optimizer", ["momentum", "nesterov", "adagrad", "rmsprop", "adam"])
def test_verdict_only_for_plain_gradient_descent(optimizer):
    run = run_line_fit(POINTS, LineFitSettings(optimizer=optimizer, lr=0.001, steps=20, tol=0.0))
    assert run.stability is not None
    assert run.stability.verdict is None
    assert run.stability.message


# --------------------------------------------------------------------------------------------
# gap_closed
# --------------------------------------------------------------------------------------------


def test_gap_closed_from_zero_to_a_hundred(long_run):
    assert long_run.gap_closed(0) == 0.0
    end = long_run.trajectory.steps
    np.testing.assert_allclose(long_run.trajectory.params[end], long_run.optimum_run, rtol=1e-6)
    assert long_run.gap_closed(end) == pytest.approx(100.0, abs=1e-3)
    gaps = [long_run.gap_closed(int(k)) for k in long_run.timeline.steps]
    assert all(0.0 <= g <= 100.0 for g in gaps)  # gd on a convex quadratic never overshoots
    # Independently: the fraction of the distance to the optimum that is gone.
    opt = np.array(long_run.optimum_run)
    start = np.linalg.norm(long_run.trajectory.params[0] - opt)
    now = np.linalg.norm(long_run.trajectory.params[50] - opt)
    assert long_run.gap_closed(50) == pytest.approx(100 * (1 - now / start), rel=1e-12)


def test_gap_closed_when_starting_at_the_optimum(long_run):
    m, b = long_run.optimum
    run = run_line_fit(POINTS, LineFitSettings(m0=m, b0=b, steps=5, tol=0.0))
    assert run.gap_closed(0) == 100.0


# --------------------------------------------------------------------------------------------
# the surface's window
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "settings",
    [
        LineFitSettings(steps=1000, tol=0.0),
        LineFitSettings(scale=True, lr=0.1, steps=100, tol=0.0),
        LineFitSettings(m0=-5.0, b0=20.0, tol=0.0),
    ],
)
def test_window_frames_a_converging_run(settings):
    run = run_line_fit(POINTS, settings)
    assert run.trajectory.status != "diverged"
    window = run.grid.window
    assert _in_window(window, run.trajectory.params[0])
    assert _in_window(window, run.optimum_run)
    assert all(_in_window(window, p) for p in run.trajectory.params)
    # The grid really covers the window.
    assert (run.grid.p0[0], run.grid.p0[-1]) == window[0]
    assert (run.grid.p1[0], run.grid.p1[-1]) == window[1]


def test_window_of_a_diverging_run_leaves_out_the_far_end():
    run = run_line_fit(POINTS, LineFitSettings(lr=0.05, steps=200, tol=0.0))
    t = run.trajectory
    assert t.status == "diverged"
    window = run.grid.window
    assert _in_window(window, t.params[0])
    assert _in_window(window, run.optimum_run)
    assert not _in_window(window, t.params[-1])
    assert np.isfinite(run.grid.z).all()


# --------------------------------------------------------------------------------------------
# the step on screen is not part of the run
# --------------------------------------------------------------------------------------------


def test_the_view_is_not_part_of_the_run():
    """The step on screen and the visual toggles live in LineFitView, which the run never
    sees: moving the step reuses the cached run."""
    view_fields = {f.name for f in dataclasses.fields(LineFitView)}
    assert view_fields == {"step", "residuals"}
    assert view_fields.isdisjoint(f.name for f in dataclasses.fields(LineFitSettings))
    assert list(inspect.signature(run_line_fit).parameters) == ["points", "settings"]


def test_run_is_read_only_and_framed():
    run = run_line_fit(POINTS, LineFitSettings(steps=500, tol=0.0))
    np.testing.assert_array_equal(run.timeline.steps, frame_steps(run.trajectory.steps))
    assert not run.lines.flags.writeable
    assert not run.timeline.steps.flags.writeable
    with pytest.raises(dataclasses.FrozenInstanceError):
        run.optimum = (0.0, 0.0)  # type: ignore[misc]


def test_run_leaves_its_points_alone():
    x = np.linspace(0.0, 5.0, 40)
    points = Points(x, 3.0 * x - 2.0 + np.sin(7 * x))
    before = (points.x.copy(), points.y.copy())
    run_line_fit(points, LineFitSettings(scale=True, lr=0.1, steps=30, tol=0.0))
    np.testing.assert_array_equal(points.x, before[0])
    np.testing.assert_array_equal(points.y, before[1])
