"""Objectives: exact gradients, the sufficient-statistics path, grids, minima and validation.

Oracles: central finite differences for every gradient; a per-point computation (in floats on
ordinary data, in exact rational arithmetic at large offsets) for the O(1) mse/sse path.
"""

from __future__ import annotations

import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from gdviz.errors import GdvizError
from gdviz.losses import LOSSES
from gdviz.objectives import TEST_FUNCTIONS, LineFit, test_function

# Every loss, with Huber at two deltas so both branches of h_δ carry weight.
LOSS_CASES = [("mse", 1.0), ("sse", 1.0), ("mae", 1.0), ("huber", 1.0), ("huber", 0.25)]
# Every registered function, the bowl at several condition numbers.
FUNCTION_CASES = [
    ("valley", {}),
    ("bowl", {"kappa": 1.0}),
    ("bowl", {"kappa": 10.0}),
    ("bowl", {"kappa": 1000.0}),
    ("rosenbrock", {}),
    ("himmelblau", {}),
    ("beale", {}),
    ("saddle", {}),
    ("booth", {}),
    ("matyas", {}),
]


def _case_id(case):
    name, options = case
    return name + "".join(f"-{k}={v:g}" for k, v in options.items())


def _points(seed: int, n: int = 30):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-3.0, 5.0, n)
    y = 1.7 * x - 0.6 + rng.normal(0.0, 1.5, n)
    return x, y


def _central_difference(f, p: np.ndarray) -> np.ndarray:
    """Central differences with a relative step of 1e-6 (scaled to each parameter)."""
    out = np.empty(2)
    for i in range(2):
        h = 1e-6 * max(1.0, abs(p[i]))
        up, down = p.copy(), p.copy()
        up[i] += h
        down[i] -= h
        out[i] = (f(up) - f(down)) / (up[i] - down[i])
    return out


def _away_from_kinks(fit: LineFit, rng: np.random.Generator) -> np.ndarray:
    """Parameters where no residual lies within 1e-3 of a kink (0 for mae, ±δ for huber)."""
    kinks = np.array([0.0] if fit.loss == "mae" else [-fit.delta, fit.delta])
    for _ in range(1000):
        p = np.array([rng.uniform(0.5, 3.0), rng.uniform(-2.0, 1.0)])
        r = fit.y - (p[0] * fit.x + p[1])
        if np.min(np.abs(r[:, None] - kinks[None, :])) > 1e-3:
            return p
    raise AssertionError("no kink-free point found")  # pragma: no cover


# --------------------------------------------------------------------------------------------
# Gradients against finite differences
# --------------------------------------------------------------------------------------------


def test_the_tables_cover_every_loss_and_function():
    assert {loss for loss, _ in LOSS_CASES} == set(LOSSES)
    assert {name for name, _ in FUNCTION_CASES} == set(TEST_FUNCTIONS)


@pytest.mark.parametrize(("loss", "delta"), LOSS_CASES)
def test_line_fit_gradient_matches_finite_differences(loss, delta):
    fit = LineFit(*_points(1), loss=loss, delta=delta)
    rng = np.random.default_rng(2)
    for _ in range(10):
        p = _away_from_kinks(fit, rng) if loss in ("mae", "huber") else rng.normal(0, 3, 2)
        value, grad = fit.value_and_gradient(p)
        fd = _central_difference(fit.value, p)
        # Rounding in the difference is about eps·|f|/h ≈ 1e-10·|f|; truncation is smaller.
        tol = 1e-7 * (np.max(np.abs(grad)) + abs(value) + 1.0)
        np.testing.assert_allclose(grad, fd, rtol=0, atol=tol)
        np.testing.assert_array_equal(grad, fit.gradient(p))
        assert value == fit.value(p)


@pytest.mark.parametrize("case", FUNCTION_CASES, ids=_case_id)
def test_function_gradient_matches_finite_differences(case):
    fn = test_function(case[0], **case[1])
    rng = np.random.default_rng(3)
    (x0, x1), (y0, y1) = fn.window
    for _ in range(20):
        p = np.array([rng.uniform(x0, x1), rng.uniform(y0, y1)])
        value, grad = fn.value_and_gradient(p)
        fd = _central_difference(fn.value, p)
        tol = 1e-7 * (np.max(np.abs(grad)) + abs(value) + 1.0)
        np.testing.assert_allclose(grad, fd, rtol=0, atol=tol)
        np.testing.assert_array_equal(grad, fn.gradient(p))
        assert value == fn.value(p)


QUADRATIC_CASES = [c for c in FUNCTION_CASES if test_function(c[0], **c[1]).hessian is not None]


@pytest.mark.parametrize("case", QUADRATIC_CASES, ids=_case_id)
def test_function_constant_hessian_is_the_true_one(case):
    fn = test_function(case[0], **case[1])
    h = np.array(fn.hessian)
    for p in ([0.3, -1.2], [2.0, 2.5]):
        p = np.array(p)
        fd = np.column_stack(
            [_central_difference(lambda q, i=i: fn.gradient(q)[i], p) for i in range(2)]
        )
        np.testing.assert_allclose(fd, h, atol=1e-6 * np.max(np.abs(h)))


# --------------------------------------------------------------------------------------------
# The sufficient-statistics path (mse, sse) against a per-point computation
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("loss", ["mse", "sse"])
def test_stats_path_equals_per_point_computation(loss):
    fit = LineFit(*_points(4, n=200), loss=loss)
    rng = np.random.default_rng(5)
    for p in [np.zeros(2), *rng.normal(0, 4, (20, 2))]:
        value, grad = fit.value_and_gradient(p)
        np.testing.assert_allclose(value, fit.pointwise_value(p), rtol=1e-12)
        # Gradient components may be near zero: compare on the scale of the whole vector.
        direct = fit.pointwise_gradient(p)
        np.testing.assert_allclose(grad, direct, rtol=0, atol=1e-12 * np.max(np.abs(direct)))


def _exact_loss_and_gradient(x, y, m, b, per_point):
    """Σ r², ∂/∂m, ∂/∂b in exact rational arithmetic on the float data, times `per_point`."""
    m, b = Fraction(m), Fraction(b)
    r = [
        Fraction(yi) - (m * Fraction(xi) + b) for xi, yi in zip(x.tolist(), y.tolist(), strict=True)
    ]
    value = sum(ri * ri for ri in r) * per_point
    dm = -2 * sum(ri * Fraction(xi) for ri, xi in zip(r, x.tolist(), strict=True)) * per_point
    db = -2 * sum(r) * per_point
    return value, dm, db


def _relative_error(computed: float, exact: Fraction) -> float:
    return float(abs((Fraction(float(computed)) - exact) / exact))


def _naive_raw_sums(x, y, m, b, per_point):
    """Σ(y − mx − b)² expanded into raw sums: the textbook formula that cancels at offsets."""
    n = x.size
    sxx, sxy, sx, sy, syy = x @ x, x @ y, x.sum(), y.sum(), y @ y
    return (syy - 2 * m * sxy - 2 * b * sy + m * m * sxx + 2 * m * b * sx + n * b * b) * per_point


@pytest.mark.parametrize("offset", [1e6, 1e9])
@pytest.mark.parametrize("loss", ["mse", "sse"])
def test_stats_path_is_exact_at_large_offsets(offset, loss):
    """x ≈ offset ± 1: the loss near the optimum is O(1) while Σx² ≈ N·offset².

    Near the optimum and along lines through the centroid the loss is well conditioned in the
    float inputs, and the stats path reproduces the exact value to 1e-12; the raw-sum formula
    loses most digits (and at 1e9 all of them).
    """
    rng = np.random.default_rng(6)
    n = 50
    x = offset + rng.uniform(-1.0, 1.0, n)
    y = 3.0 * x - 2.0 * offset + rng.normal(0.0, 1.0, n)
    fit = LineFit(x, y, loss=loss)
    per_point = Fraction(1, n) if loss == "mse" else Fraction(1)
    s = fit.stats
    m_hat, b_hat = s.slope, s.y_mean - s.slope * s.x_mean
    near = [(m_hat, b_hat)] + [(m_hat + d, b_hat - d * s.x_mean) for d in (1e-2, -0.5, 1.0)]
    for m, b in near:
        exact, _, _ = _exact_loss_and_gradient(x, y, m, b, per_point)
        assert _relative_error(fit.value(np.array([m, b])), exact) < 1e-12
        assert _relative_error(fit.grid(m, b), exact) < 1e-12
        assert _relative_error(_naive_raw_sums(x, y, m, b, float(per_point)), exact) > 1e-6
    # Away from the optimum (the mean residual c is large) the gradient is well conditioned too.
    far = [(0.0, 0.0), (m_hat + 0.5, b_hat - 20.0), (m_hat - 0.25, b_hat + 1e3), (2.0, 5.0)]
    for m, b in far:
        exact, dm, db = _exact_loss_and_gradient(x, y, m, b, per_point)
        value, grad = fit.value_and_gradient(np.array([m, b]))
        assert _relative_error(value, exact) < 1e-12
        assert _relative_error(grad[0], dm) < 1e-12
        assert _relative_error(grad[1], db) < 1e-12


@pytest.mark.parametrize("loss", ["mse", "sse"])
def test_stats_gradient_vanishes_at_the_exact_optimum_at_large_offsets(loss):
    """At x ≈ 1e6 ± 1 the exact gradient at the float optimum is rounding-sized; so is ours."""
    rng = np.random.default_rng(7)
    x = 1e6 + rng.uniform(-1.0, 1.0, 50)
    y = 3.0 * x - 2e6 + rng.normal(0.0, 1.0, 50)
    fit = LineFit(x, y, loss=loss)
    s = fit.stats
    grad = fit.gradient(np.array([s.slope, s.y_mean - s.slope * s.x_mean]))
    # Scale of the gradient's terms: 2·scale·Σ|x|·|r| with |r| ~ 1.
    scale = 2.0 * fit.scale * np.mean(np.abs(x))
    assert np.max(np.abs(grad)) < 1e-9 * scale


# --------------------------------------------------------------------------------------------
# Grids
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("loss", "delta"), LOSS_CASES)
def test_line_fit_grid_equals_value_cell_by_cell(loss, delta):
    fit = LineFit(*_points(8), loss=loss, delta=delta)
    m = np.linspace(-1.0, 4.0, 7)
    b = np.linspace(-3.0, 2.0, 5)
    z = fit.grid(m[None, :], b[:, None])
    assert z.shape == (5, 7)
    expected = np.array([[fit.value(np.array([mj, bi])) for mj in m] for bi in b])
    np.testing.assert_allclose(z, expected, rtol=1e-13)


def test_line_fit_grid_over_many_cells_is_chunked_correctly(monkeypatch):
    """A grid larger than one chunk gives the same cells as one evaluated in a single chunk."""
    import gdviz.objectives as objectives

    fit = LineFit(*_points(9, n=40), loss="huber", delta=0.5)
    m, b = np.meshgrid(np.linspace(0, 3, 31), np.linspace(-2, 2, 29))
    whole = fit.grid(m, b)
    monkeypatch.setattr(objectives, "_CHUNK_CELLS", 7 * fit.n)  # 7 cells per chunk
    np.testing.assert_allclose(fit.grid(m, b), whole, rtol=1e-14)


@pytest.mark.parametrize("case", FUNCTION_CASES, ids=_case_id)
def test_function_grid_equals_value_cell_by_cell(case):
    fn = test_function(case[0], **case[1])
    (x0, x1), (y0, y1) = fn.window
    px = np.linspace(x0, x1, 9)
    py = np.linspace(y0, y1, 6)
    z = fn.grid(px[None, :], py[:, None])
    assert z.shape == (6, 9)
    assert z.dtype == np.float64
    expected = np.array([[fn.value(np.array([a, c])) for a in px] for c in py])
    np.testing.assert_allclose(z, expected, rtol=1e-14)


@pytest.mark.parametrize(
    "objective",
    [
        *(LineFit(*_points(10), loss=loss, delta=d) for loss, d in LOSS_CASES),
        *(test_function(n, **o) for n, o in FUNCTION_CASES),
    ],
    ids=[f"linefit-{loss}-{d:g}" for loss, d in LOSS_CASES] + [_case_id(c) for c in FUNCTION_CASES],
)
def test_grid_broadcasts_like_numpy(objective):
    a = np.linspace(-1, 1, 4)
    c = np.linspace(-2, 2, 3)
    assert objective.grid(a[None, :], c[:, None]).shape == (3, 4)
    assert objective.grid(a[:, None], c[None, :]).shape == (4, 3)
    assert objective.grid(a, a[::-1]).shape == (4,)
    assert objective.grid(a, 0.5).shape == (4,)
    assert np.shape(objective.grid(0.5, -0.25)) == ()
    assert float(objective.grid(0.5, -0.25)) == pytest.approx(
        objective.value(np.array([0.5, -0.25])), rel=1e-14, abs=1e-300
    )
    cube = objective.grid(np.ones((2, 1, 4)), np.zeros((3, 1)))
    assert cube.shape == (2, 3, 4)


# --------------------------------------------------------------------------------------------
# Minima
# --------------------------------------------------------------------------------------------


def _ring(centre: np.ndarray, radius: float, k: int = 16) -> np.ndarray:
    angles = np.linspace(0.0, 2.0 * np.pi, k, endpoint=False)
    return centre + radius * np.column_stack((np.cos(angles), np.sin(angles)))


@pytest.mark.parametrize("case", FUNCTION_CASES, ids=_case_id)
def test_listed_minima_are_minima(case):
    fn = test_function(case[0], **case[1])
    if not fn.minima:
        assert fn.name == "saddle"
        # No minimum: the function falls without bound along y.
        values = [fn.value(np.array([0.0, t])) for t in (1.0, 10.0, 100.0)]
        assert values[0] > values[1] > values[2]
        return
    values = [fn.value(np.array(m)) for m in fn.minima]
    for point, value in zip(fn.minima, values, strict=True):
        p = np.array(point)
        assert np.linalg.norm(fn.gradient(p)) < 1e-10
        assert value == pytest.approx(min(values), abs=1e-12)  # equal minima
        for radius in (1e-4, 1e-2):
            assert np.all(fn.grid(*_ring(p, radius).T) > value)


@pytest.mark.parametrize("loss", ["mse", "sse"])
def test_line_fit_least_squares_line_is_the_minimum(loss):
    fit = LineFit(*_points(11), loss=loss)
    s = fit.stats
    best = np.array([s.slope, s.y_mean - s.slope * s.x_mean])
    value, grad = fit.value_and_gradient(best)
    assert np.max(np.abs(grad)) < 1e-12 * fit.scale * np.max(np.abs(fit.x * fit.y))
    assert value == pytest.approx(s.rss * (1.0 if loss == "sse" else 1.0 / fit.n), rel=1e-14)
    for radius in (1e-4, 1e-2, 1.0):
        assert np.all(fit.grid(*_ring(best, radius).T) > value)


# --------------------------------------------------------------------------------------------
# Mini-batches
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("loss", "delta"), LOSS_CASES)
def test_batch_gradient_over_all_points_is_the_full_gradient(loss, delta):
    fit = LineFit(*_points(12, n=24), loss=loss, delta=delta)
    rng = np.random.default_rng(13)
    for _ in range(5):
        p = rng.normal(0, 2, 2)
        full = fit.gradient(p)
        shuffled = rng.permutation(fit.n)
        for indices in (np.arange(fit.n), shuffled):
            np.testing.assert_allclose(
                fit.batch_gradient(p, indices), full, rtol=0, atol=1e-12 * np.max(np.abs(full))
            )


@pytest.mark.parametrize(("loss", "delta"), LOSS_CASES)
@pytest.mark.parametrize("batch_size", [1, 3, 4, 8])
def test_batch_gradients_average_to_the_full_gradient_over_an_epoch(loss, delta, batch_size):
    """Unbiasedness: over an epoch of equal batches the estimates average to ∇L exactly."""
    fit = LineFit(*_points(14, n=24), loss=loss, delta=delta)
    rng = np.random.default_rng(15)
    p = np.array([1.2, -0.3])
    full = fit.gradient(p)
    order = rng.permutation(fit.n)
    batches = order.reshape(-1, batch_size)
    mean = np.mean([fit.batch_gradient(p, idx) for idx in batches], axis=0)
    np.testing.assert_allclose(mean, full, rtol=0, atol=1e-12 * np.max(np.abs(full)))


@pytest.mark.parametrize(("loss", "delta"), LOSS_CASES)
def test_batch_gradients_weighted_by_size_average_to_the_full_gradient(loss, delta):
    """With a short last batch (25 = 7+7+7+4) the size-weighted mean is the full gradient."""
    fit = LineFit(*_points(16, n=25), loss=loss, delta=delta)
    p = np.array([0.7, 0.4])
    full = fit.gradient(p)
    order = np.random.default_rng(17).permutation(fit.n)
    parts = [order[i : i + 7] for i in range(0, fit.n, 7)]
    mean = sum(idx.size * fit.batch_gradient(p, idx) for idx in parts) / fit.n
    np.testing.assert_allclose(mean, full, rtol=0, atol=1e-12 * np.max(np.abs(full)))


# --------------------------------------------------------------------------------------------
# Validation and purity
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"x": [1, 2, 3], "y": [1, 2]}, "pair up"),
        ({"x": [1.0], "y": [2.0]}, "at least 2 points"),
        ({"x": [], "y": []}, "at least 2 points"),
        ({"x": [1, np.nan, 3], "y": [1, 2, 3]}, "finite"),
        ({"x": [1, 2, 3], "y": [1, np.inf, 3]}, "finite"),
        ({"x": [1, 2, 3], "y": [1, -np.inf, 3]}, "finite"),
        ({"x": ["a", "b"], "y": [1, 2]}, "must be numbers"),
        ({"x": [1, 2], "y": [1, 2], "loss": "l2"}, "Unknown loss 'l2'"),
        ({"x": [1, 2], "y": [1, 2], "loss": "huber", "delta": 0.0}, "delta"),
        ({"x": [1, 2], "y": [1, 2], "loss": "huber", "delta": -1.0}, "delta"),
        ({"x": [1, 2], "y": [1, 2], "loss": "huber", "delta": float("nan")}, "delta"),
        ({"x": [1, 2], "y": [1, 2], "loss": "huber", "delta": float("inf")}, "delta"),
    ],
)
def test_line_fit_rejects_bad_input(kwargs, words):
    with pytest.raises(GdvizError, match=words):
        LineFit(**kwargs)


def test_unknown_loss_message_lists_the_choices():
    with pytest.raises(GdvizError) as info:
        LineFit([1, 2], [3, 4], loss="rmse")
    for loss in LOSSES:
        assert loss in str(info.value)


def test_unknown_function_name_lists_the_choices():
    with pytest.raises(GdvizError, match="Unknown function 'ackley'") as info:
        test_function("ackley")
    for name in TEST_FUNCTIONS:
        assert name in str(info.value)


@pytest.mark.parametrize("kappa", [0.0, -2.0, float("nan"), float("inf")])
def test_bowl_rejects_bad_conditioning(kappa):
    with pytest.raises(GdvizError, match="κ"):
        test_function("bowl", kappa=kappa)


def test_line_fit_keeps_private_read_only_copies_of_the_data():
    x = np.array([1.0, 2.0, 3.0])
    y = np.array([2.0, 4.0, 7.0])
    fit = LineFit(x, y)
    x[0] = 100.0  # the caller's array changes; the fit must not
    assert fit.x[0] == 1.0
    assert not fit.x.flags.writeable and not fit.y.flags.writeable
    assert fit.x.dtype == np.float64
    with pytest.raises(ValueError):
        fit.x[0] = 5.0


def test_evaluating_never_writes_into_params():
    p = np.array([0.5, -0.5])
    p.setflags(write=False)
    for objective in (
        *(LineFit(*_points(18), loss=loss, delta=d) for loss, d in LOSS_CASES),
        *(test_function(n, **o) for n, o in FUNCTION_CASES),
    ):
        objective.value(p)
        objective.gradient(p)
        objective.value_and_gradient(p)
    np.testing.assert_array_equal(p, [0.5, -0.5])


def test_import_gdviz_does_not_load_streamlit():
    code = (
        "import sys, gdviz, gdviz.engine, gdviz.objectives, gdviz.optimizers, gdviz.analysis, "
        "gdviz.surface; assert 'streamlit' not in sys.modules, 'streamlit was imported'"
    )
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=root
    )
    assert done.returncode == 0, done.stderr
