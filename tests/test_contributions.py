"""Per-point contributions to the line fit's gradient: their sums are the engine's gradient.

Oracles: the engine's own gradient (`LineFit.value_and_gradient`, from the sufficient statistics
for mse/sse), the exercise's formulas written out independently, one engine step, the published
starting error of the teaching data set, and the chain rule for standardised x.
"""

from __future__ import annotations

import json
import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from gdviz.analysis import Scaling
from gdviz.contributions import Contributions, contributions
from gdviz.engine import run
from gdviz.errors import GdvizError
from gdviz.losses import LOSSES
from gdviz.objectives import LineFit
from gdviz.optimizers import sgd

EXAMPLE_CSV = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "gradient_descent_example.csv"
)
needs_example = pytest.mark.skipif(
    not EXAMPLE_CSV.is_file(), reason=f"the teaching data set is not here ({EXAMPLE_CSV})"
)
RTOL = 1e-12


def _example(loss: str = "mse") -> LineFit:
    data = np.loadtxt(EXAMPLE_CSV, delimiter=",")
    return LineFit(data[:, 0], data[:, 1], loss)


def _engine_gradient(fit: LineFit, m: float, b: float) -> tuple[float, np.ndarray]:
    return fit.value_and_gradient(np.array((m, b)))


def _condition_scale(fit: LineFit, m: float, b: float) -> np.ndarray:
    """The magnitudes that enter each partial before cancelling, per way of computing it:
    point by point |y| + |m x| + |b| (times |x| for ∂L/∂m); in the engine's closed form
    Sxx·|m − m̂| and N·|x̄|·|c|. Rounding errors are bounded by eps times these, so this is the
    scale "relative" means when the gradient itself is near 0."""
    a = np.abs(fit.y) + np.abs(m * fit.x) + abs(b)
    weight = 2.0 * (1.0 if fit.loss == "sse" else 1.0 / fit.n)
    pointwise = weight * np.array((np.sum(np.abs(fit.x) * a), np.sum(a)))
    s = fit.stats
    c = abs(s.y_mean - m * s.x_mean - b) + abs(s.y_mean) + abs(m * s.x_mean) + abs(b)
    closed = weight * np.array((s.sxx * abs(m - s.slope) + s.n * abs(s.x_mean) * c, s.n * c))
    return pointwise + closed


finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


@st.composite
def problems(draw):
    n = draw(st.integers(2, 40))
    x = np.array(draw(st.lists(finite, min_size=n, max_size=n)))
    # Well-posed data only: when every x agrees to a few digits (x = 1000 and its next float),
    # the engine's closed form loses them all (reported to the lead), the per-point sum not.
    assume(np.ptp(x) >= 1e-3 * max(1.0, float(np.max(np.abs(x)))))
    y = np.array(draw(st.lists(finite, min_size=n, max_size=n)))
    loss = draw(st.sampled_from(LOSSES))
    delta = draw(st.floats(0.1, 10.0))
    m = draw(st.floats(-100, 100))
    b = draw(st.floats(-1e3, 1e3))
    return LineFit(x, y, loss, delta), m, b


@settings(max_examples=300, deadline=None)
@given(problems())
def test_sums_equal_the_engines_gradient(problem):
    fit, m, b = problem
    c = contributions(fit, m, b)
    value, grad = _engine_gradient(fit, m, b)
    scale = _condition_scale(fit, m, b)
    assert np.all(np.abs(c.gradient - grad) <= RTOL * np.maximum(np.abs(grad), scale))
    loss_scale = max(abs(value), float(np.sum(c.loss_terms)), 1e-300)
    # The loss's terms are non-negative, so its sum is well conditioned: plain relative error,
    # except that mse/sse's closed form (RSS + Sxx·(m − m̂)² + N·c²) rounds its own way.
    assert abs(c.value - value) <= RTOL * max(loss_scale, float(scale[1]) * max(abs(b), 1.0))


@needs_example
@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("line", [(0.0, 0.0), (1.0, 1.0), (1.4777, 0.0889), (-3.0, 250.0)])
def test_reference_data_sums_equal_the_engine_to_1e_12_relative(loss, line):
    fit = _example(loss)
    c = contributions(fit, *line)
    value, grad = _engine_gradient(fit, *line)
    np.testing.assert_allclose(c.gradient, grad, rtol=RTOL, atol=0)
    assert c.value == pytest.approx(value, rel=RTOL)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from(["mse", "sse"]))
def test_sums_are_exact_but_for_rounding_the_terms(seed, loss):
    """Against exact rational arithmetic on the float data, near the optimum too, where the
    terms of ∂L/∂m cancel: the error is that of rounding each term once, not of the residuals."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 30))
    x = rng.uniform(-50, 80, n)
    y = 1.3 * x + 8 + rng.normal(0, 10, n)
    fit = LineFit(x, y, loss)
    m_hat = float(np.polyfit(x, y, 1)[0])
    m, b = m_hat * (1 + 1e-6 * rng.normal()), float(np.mean(y - m_hat * x))
    c = contributions(fit, m, b)
    w = Fraction(2) / (1 if loss == "sse" else n)
    xs, ys = [Fraction(v) for v in x.tolist()], [Fraction(v) for v in y.tolist()]
    rs = [yi - (Fraction(m) * xi + Fraction(b)) for xi, yi in zip(xs, ys, strict=True)]
    exact_m = float(-w * sum(xi * ri for xi, ri in zip(xs, rs, strict=True)))
    exact_b = float(-w * sum(rs))
    assert abs(c.grad_m - exact_m) <= 4e-16 * math.fsum(np.abs(c.d_m).tolist()) + 1e-300
    assert abs(c.grad_b - exact_b) <= 4e-16 * math.fsum(np.abs(c.d_b).tolist()) + 1e-300


@needs_example
def test_published_starting_error_of_the_teaching_data():
    # "Starting gradient descent at b = 0, m = 0, error = 5565.107834483211" (the tutorial the
    # data set comes from; its error is the mean squared error).
    assert contributions(_example(), 0.0, 0.0).value == pytest.approx(5565.107834483211, rel=RTOL)


def test_mse_contributions_are_the_exercise_terms_point_by_point():
    rng = np.random.default_rng(3)
    x, y = rng.uniform(0, 10, 25), rng.normal(0, 5, 25)
    m, b = 0.7, -1.3
    c = contributions(LineFit(x, y), m, b)
    r = y - (m * x + b)
    np.testing.assert_allclose(c.r, r, rtol=0, atol=1e-15 * np.max(np.abs(y)) * 10)
    np.testing.assert_allclose(c.d_b, -2.0 / 25 * c.r, rtol=1e-15)
    np.testing.assert_allclose(c.d_m, -2.0 / 25 * x * c.r, rtol=1e-15)
    np.testing.assert_allclose(c.y_hat, m * x + b, rtol=1e-15)
    np.testing.assert_allclose(c.loss_terms, r * r / 25, rtol=1e-13)


def test_sse_contributions_are_n_times_the_mse_ones():
    rng = np.random.default_rng(4)
    x, y = rng.uniform(0, 10, 40), rng.normal(0, 5, 40)
    mse = contributions(LineFit(x, y, "mse"), 0.3, 2.0)
    sse = contributions(LineFit(x, y, "mse"), 0.3, 2.0, loss="sse")
    np.testing.assert_allclose(sse.d_m, 40 * mse.d_m, rtol=1e-14)
    np.testing.assert_allclose(sse.d_b, 40 * mse.d_b, rtol=1e-14)
    assert (mse.coefficient_label, sse.coefficient_label) == ("-2/N", "-2")
    assert sse.update(0.01).step_m == pytest.approx(40 * mse.update(0.01).step_m, rel=1e-13)


@pytest.mark.parametrize("loss", ["mae", "huber"])
def test_robust_losses_use_their_residual_derivative(loss):
    x = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
    y = np.array([0.2, 0.9, 5.0, 3.1, -3.0])  # residuals of y = x: small and large, both signs
    c = contributions(LineFit(x, y, loss, delta=0.5), 1.0, 0.0)
    r = y - x
    t = np.sign(r) if loss == "mae" else np.clip(r, -0.5, 0.5)
    np.testing.assert_array_equal(c.t, t)
    np.testing.assert_allclose(c.d_b, -t / 5, rtol=1e-15)
    np.testing.assert_allclose(c.d_m, -t * x / 5, rtol=1e-15)
    assert c.coefficient_label == "-1/N"


def test_exercise_builds_the_gradient_as_the_teaching_material_does():
    rng = np.random.default_rng(5)
    x, y = rng.uniform(20, 70, 9), rng.uniform(30, 110, 9)
    m, b = 0.5, 3.0
    ex = contributions(LineFit(x, y), m, b).exercise(max_terms=3)
    diff = sum(yi - (m * xi + b) for xi, yi in zip(x.tolist(), y.tolist(), strict=True))
    x_diff = sum(xi * (yi - (m * xi + b)) for xi, yi in zip(x.tolist(), y.tolist(), strict=True))
    assert ex.diff == pytest.approx(diff, rel=1e-13)
    assert ex.b_gradient == pytest.approx(-2 / 9 * diff, rel=1e-13)
    assert ex.m_gradient == pytest.approx(-2 / 9 * x_diff, rel=1e-13)
    assert ex.shown == (0, 1, 2) and ex.hidden == 6
    small = contributions(LineFit(x[:3], y[:3]), m, b).exercise(max_terms=3)
    assert small.shown == (0, 1, 2) and small.hidden == 0
    grad = _engine_gradient(LineFit(x, y), m, b)[1]
    np.testing.assert_allclose((ex.m_gradient, ex.b_gradient), grad, rtol=1e-12)


def test_order_sorts_by_absolute_contribution():
    rng = np.random.default_rng(6)
    c = contributions(LineFit(rng.normal(0, 3, 50), rng.normal(0, 3, 50)), 0.1, 0.2)
    for param in ("m", "b"):
        order = c.order(param)
        assert sorted(order.tolist()) == list(range(50))
        magnitudes = np.abs(c.contribution(param))[order]
        assert np.all(np.diff(magnitudes) <= 0)


@needs_example
def test_update_is_one_engine_step():
    fit = _example()
    c = contributions(fit, 0.0, 0.0)
    u = c.update(1e-4)
    traj = run(fit, sgd(1e-4), (0.0, 0.0), steps=1)
    np.testing.assert_allclose((u.m, u.b), traj.params[1], rtol=RTOL)
    assert (u.step_m, u.step_b) == (u.m - c.m, u.b - c.b)


@needs_example
def test_slope_leverage_before_and_after_standardising():
    fit = _example()
    lev = contributions(fit, 0.0, 0.0).slope_leverage()
    # The decomposition ∂L/∂m = Σ(x − x̄)·d_b + x̄·∂L/∂b.
    assert lev.spread_part_m + lev.offset_part_m == pytest.approx(lev.grad_m, rel=1e-12)
    # ∂L/∂m_z at the same line is the engine's gradient of the standardised fit there.
    scaling = Scaling.of(fit.x)
    z_fit = LineFit(scaling.transform(fit.x), fit.y)
    m_z, b_z = scaling.from_original(0.0, 0.0)
    grad_z = _engine_gradient(z_fit, m_z, b_z)[1]
    assert lev.grad_m_standardized == pytest.approx(grad_z[0], rel=1e-12)
    assert lev.grad_b == pytest.approx(grad_z[1], rel=1e-12)
    assert lev.far_count == int(np.sum(np.abs(fit.x - fit.x.mean()) > fit.x.std()))
    # The observation the page states: with x as given the offset x̄ carries the slope's
    # gradient and far points weigh no more than in ∂L/∂b; standardised, they dominate it.
    assert abs(lev.offset_part_m) > 10 * abs(lev.spread_part_m)
    assert lev.share_far_m_standardized > 1.5 * lev.share_far_b
    assert lev.share_far_m_standardized > lev.share_far_m
    assert lev.condition_number > 1e4
    assert lev.condition_number_standardized == pytest.approx(1.0, rel=1e-9)


def test_slope_leverage_of_constant_x_is_a_clear_error():
    c = contributions(LineFit([2.0, 2.0, 2.0], [1.0, 2.0, 3.0]), 0.0, 0.0)
    with pytest.raises(GdvizError, match="same"):
        c.slope_leverage()


def test_to_dict_is_json_with_per_point_lists_and_sums():
    x, y = np.array([1.0, 2.0, 4.0]), np.array([2.0, 2.5, 7.0])
    c = contributions(LineFit(x, y), 1.0, 0.5)
    d = json.loads(json.dumps(c.to_dict()))
    assert d["n"] == 3 and d["loss"] == "mse"
    assert d["points"]["d_m"] == c.d_m.tolist() and d["points"]["r"] == c.r.tolist()
    assert d["gradient"] == {"m": math.fsum(c.d_m.tolist()), "b": math.fsum(c.d_b.tolist())}
    assert d["exercise"]["b_gradient"] == pytest.approx(d["gradient"]["b"], rel=1e-15)
    assert "points" not in c.to_dict(points=False)


def test_records_are_read_only_and_inputs_untouched():
    x, y = np.array([1.0, 2.0, 3.0]), np.array([1.0, 3.0, 2.0])
    x0, y0 = x.copy(), y.copy()
    c = contributions(LineFit(x, y), 0.5, 0.5)
    assert isinstance(c, Contributions)
    for name in ("x", "y", "y_hat", "r", "t", "loss_terms", "d_m", "d_b"):
        with pytest.raises(ValueError):
            getattr(c, name)[0] = 1.0
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(y, y0)


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda c: contributions(c, math.nan, 0.0), "finite slope"),
        (lambda c: contributions(c, 0.0, math.inf), "finite slope"),
        (lambda c: contributions(c, "1", 0.0), "finite slope"),
        (lambda c: contributions(c, 0.0, 0.0, loss="l2"), "Unknown loss"),
        (lambda c: contributions(c, 0.0, 0.0).order("x"), "'m' or 'b'"),
        (lambda c: contributions(c, 0.0, 0.0).update(0.0), "learning rate"),
        (lambda c: contributions(c, 0.0, 0.0).update(math.nan), "learning rate"),
        (lambda c: contributions(c, 0.0, 0.0).exercise(0), "terms"),
        (lambda c: contributions(c, 0.0, 0.0).slope_leverage(-1.0), "standard deviations"),
    ],
)
def test_bad_input_is_one_clear_error(call, words):
    with pytest.raises(GdvizError, match=words):
        call(LineFit([1.0, 2.0, 3.0], [1.0, 3.0, 2.0]))
