"""Closed-form analysis: the optimum, the curvature, stable learning rates, verdicts, scaling.

Each closed form is checked twice: against an independent computation (numpy, or exact
rational arithmetic where floats cancel) and against what the engine actually does.
"""

from __future__ import annotations

import math
from decimal import Decimal, localcontext
from fractions import Fraction

import numpy as np
import pytest

from gdviz.analysis import (
    Scaling,
    curvature,
    gd_verdict,
    least_squares,
    stability_limit,
    suggest_learning_rate,
)
from gdviz.engine import run
from gdviz.errors import GdvizError
from gdviz.objectives import TEST_FUNCTIONS, LineFit, bowl, saddle, test_function, valley
from gdviz.optimizers import OPTIMIZERS, adam, sgd


def _data(seed: int, n: int = 30, offset: float = 0.0, spread: float = 2.0):
    rng = np.random.default_rng(seed)
    x = offset + rng.uniform(-spread, spread, n)
    y = 2.0 * (x - offset) - 1.0 + rng.normal(0.0, 0.3, n)
    return x, y


def _exact_line(x, y) -> tuple[Fraction, Fraction]:
    """The least-squares line in exact rational arithmetic on the float data."""
    xs = [Fraction(v) for v in x.tolist()]
    ys = [Fraction(v) for v in y.tolist()]
    n = len(xs)
    x_mean, y_mean = sum(xs) / n, sum(ys) / n
    sxy = sum((a - x_mean) * (b - y_mean) for a, b in zip(xs, ys, strict=True))
    sxx = sum((a - x_mean) ** 2 for a in xs)
    m = sxy / sxx
    return m, y_mean - m * x_mean


def _rel(computed: float, exact: Fraction) -> float:
    return float(abs((Fraction(computed) - exact) / exact))


# --------------------------------------------------------------------------------------------
# least_squares
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(8))
def test_least_squares_matches_polyfit_and_the_closed_form(seed):
    x, y = _data(seed, n=5 + 7 * seed)
    m, b = least_squares(x, y)
    pm, pb = np.polyfit(x, y, 1)
    assert m == pytest.approx(pm, rel=1e-10) and b == pytest.approx(pb, rel=1e-10, abs=1e-12)
    x_mean, y_mean = x.mean(), y.mean()
    closed_m = np.sum((x - x_mean) * (y - y_mean)) / np.sum((x - x_mean) ** 2)
    assert m == pytest.approx(closed_m, rel=1e-12)
    assert b == pytest.approx(y_mean - closed_m * x_mean, rel=1e-12, abs=1e-14)
    em, eb = _exact_line(x, y)
    assert _rel(m, em) < 1e-12 and _rel(b, eb) < 1e-12


@pytest.mark.parametrize("offset", [1e6, -1e6, 1e8])
def test_least_squares_is_exact_at_large_offsets(offset):
    """x ≈ offset ± 1: the raw normal equations lose the slope; centring keeps it."""
    x, y = _data(11, n=50, offset=offset, spread=1.0)
    y = y + 3.0 * x  # so the intercept is large too: y ≈ 3x + O(1)
    m, b = least_squares(x, y)
    em, eb = _exact_line(x, y)
    assert _rel(m, em) < 1e-9
    assert _rel(b, eb) < 1e-9
    # The optimum really is the minimum of the loss the engine descends: its gradient there is
    # no larger than rounding m and b to floats can make it (∂/∂b ≈ −2c, ∂/∂m ≈ −2x̄c with
    # c = ȳ − m x̄ − b known to within a few ulps of |b| + |m x̄|).
    fit = LineFit(x, y, "mse")
    grad = fit.gradient(np.array([m, b]))
    c_error = 8 * np.finfo(float).eps * (abs(b) + abs(m * x.mean()))
    assert abs(grad[1]) <= 2 * c_error
    assert abs(grad[0]) <= 2 * c_error * np.mean(np.abs(x))


def test_least_squares_agrees_with_the_objectives_own_optimum():
    x, y = _data(12)
    s = LineFit(x, y).stats
    m, b = least_squares(x, y)
    assert m == pytest.approx(s.slope, rel=1e-13)
    assert b == pytest.approx(s.y_mean - s.slope * s.x_mean, rel=1e-13)


# --------------------------------------------------------------------------------------------
# curvature
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("loss", ["mse", "sse"])
@pytest.mark.parametrize("seed", range(5))
def test_curvature_matches_eigvalsh_of_the_explicit_hessian(loss, seed):
    x, y = _data(seed, n=10 + seed, offset=seed - 2.0)
    fit = LineFit(x, y, loss)
    f = 2.0 if loss == "sse" else 2.0 / x.size
    hessian = f * np.array([[np.sum(x * x), np.sum(x)], [np.sum(x), x.size]])
    curv = curvature(fit)
    np.testing.assert_allclose(curv.hessian, hessian, rtol=1e-12)
    lam_min, lam_max = np.linalg.eigvalsh(hessian)
    assert curv.lam_min == pytest.approx(lam_min, rel=1e-10)
    assert curv.lam_max == pytest.approx(lam_max, rel=1e-12)
    assert curv.condition_number == pytest.approx(lam_max / lam_min, rel=1e-10)
    assert curv.lr_max == pytest.approx(2.0 / lam_max, rel=1e-12)
    assert curv.lr_best == pytest.approx(2.0 / (lam_max + lam_min), rel=1e-12)


@pytest.mark.parametrize("loss", ["mse", "sse"])
def test_lam_min_stays_exact_at_large_offsets(loss):
    """x ≈ 1e6 ± 1: κ ≈ 1e12, and λmin = det/λmax keeps all its digits."""
    x, _ = _data(13, n=50, offset=1e6, spread=1.0)
    fit = LineFit(x, 3.0 * x, loss)
    n = x.size
    f = Fraction(2) if loss == "sse" else Fraction(2, n)
    xs = [Fraction(v) for v in x.tolist()]
    sum_x, sum_xx = sum(xs), sum(v * v for v in xs)
    trace = f * (sum_xx + n)
    det = f * f * (n * sum_xx - sum_x * sum_x)
    with localcontext() as ctx:
        ctx.prec = 60
        half = Decimal(trace.numerator) / Decimal(trace.denominator) / 2
        d = Decimal(det.numerator) / Decimal(det.denominator)
        lam_max = half + (half * half - d).sqrt()
        lam_min = d / lam_max
    curv = curvature(fit)
    assert abs(Decimal(curv.lam_max) / lam_max - 1) < Decimal("1e-12")
    assert abs(Decimal(curv.lam_min) / lam_min - 1) < Decimal("1e-9")
    assert curv.condition_number > 1e11
    # The explicit Hessian cannot give this: its entries are rounded at ~1e-4 absolute.
    naive_min = np.linalg.eigvalsh(curv.hessian)[0]
    assert abs(Decimal(float(naive_min)) / lam_min - 1) > Decimal("1e-6")


@pytest.mark.parametrize("name", sorted(TEST_FUNCTIONS))
def test_curvature_of_test_functions(name):
    fn = test_function(name)
    curv = curvature(fn)
    if fn.hessian is None:
        assert curv is None
        return
    lam = np.linalg.eigvalsh(np.array(fn.hessian))
    assert (curv.lam_min, curv.lam_max) == pytest.approx(tuple(lam), rel=1e-14)


@pytest.mark.parametrize("loss", ["mae", "huber"])
def test_curvature_is_none_for_non_quadratic_losses(loss):
    assert curvature(LineFit(*_data(14), loss)) is None


def test_bowl_condition_number_is_kappa():
    for kappa in (1.0, 10.0, 1e4):
        assert curvature(bowl(kappa)).condition_number == pytest.approx(kappa)


# --------------------------------------------------------------------------------------------
# Stable learning rates, checked by running the engine
# --------------------------------------------------------------------------------------------

STABILITY_OBJECTIVES = [
    ("linefit-mse", LineFit(*_data(15, offset=1.0), "mse")),
    ("linefit-sse", LineFit(*_data(16, n=12, offset=-0.5), "sse")),
    ("valley", valley()),
    ("bowl-10", bowl(10.0)),
]
_STABILITY_IDS = [c[0] for c in STABILITY_OBJECTIVES]
_STABILITY_OBJS = [c[1] for c in STABILITY_OBJECTIVES]


def _start(objective):
    return getattr(objective, "start", (0.0, 0.0))


@pytest.mark.parametrize("objective", _STABILITY_OBJS, ids=_STABILITY_IDS)
def test_lr_max_separates_convergence_from_divergence(objective):
    curv = curvature(objective)
    below = run(objective, sgd(0.99 * curv.lr_max), _start(objective), steps=20_000, tol=1e-8)
    above = run(objective, sgd(1.01 * curv.lr_max), _start(objective), steps=20_000, tol=1e-8)
    assert below.status == "converged", below.message
    assert above.status == "diverged", above.message


@pytest.mark.parametrize("mu", [0.5, 0.9])
@pytest.mark.parametrize("name", ["gd", "momentum", "nesterov"])
@pytest.mark.parametrize("objective", _STABILITY_OBJS[:2], ids=_STABILITY_IDS[:2])
def test_stability_limit_separates_convergence_from_divergence(objective, name, mu):
    options = {} if name == "gd" else {"momentum": mu}
    limit = stability_limit(curvature(objective), OPTIMIZERS[name].build(1.0, **options))
    if name == "gd":
        assert limit == curvature(objective).lr_max
    below = OPTIMIZERS[name].build(0.99 * limit, **options)
    above = OPTIMIZERS[name].build(1.01 * limit, **options)
    start = _start(objective)
    converged = run(objective, below, start, steps=20_000, tol=1e-8)
    diverged = run(objective, above, start, steps=20_000, tol=1e-8)
    assert converged.status == "converged", converged.message
    assert diverged.status == "diverged", diverged.message


def test_stability_limit_formulas():
    curv = curvature(valley())  # λmax = 3
    assert stability_limit(curv, OPTIMIZERS["momentum"].build(1.0, momentum=0.9)) == (
        pytest.approx(2 * 1.9 / 3)
    )
    assert stability_limit(curv, OPTIMIZERS["nesterov"].build(1.0, momentum=0.9)) == (
        pytest.approx(2 * 1.9 / (2.8 * 3))
    )


@pytest.mark.parametrize(
    "opt",
    [
        OPTIMIZERS["adam"].build(0.1),
        OPTIMIZERS["rmsprop"].build(0.1),
        OPTIMIZERS["adagrad"].build(0.1),
        OPTIMIZERS["momentum"].build(0.1, dampening=0.5),
        sgd(0.1, weight_decay=0.1),
    ],
    ids=["adam", "rmsprop", "adagrad", "dampened", "weight_decay"],
)
def test_stability_limit_is_unknown_where_the_formula_does_not_apply(opt):
    assert stability_limit(curvature(valley()), opt) is None


def test_stability_limit_is_none_on_a_saddle():
    assert stability_limit(curvature(saddle()), sgd(0.1)) is None


@pytest.mark.parametrize("name", ["gd", "momentum", "nesterov"])
@pytest.mark.parametrize("objective", _STABILITY_OBJS, ids=_STABILITY_IDS)
def test_suggested_learning_rate_after_divergence_is_below_the_limit(objective, name):
    curv = curvature(objective)
    limit = stability_limit(curv, OPTIMIZERS[name].build(1.0))
    opt = OPTIMIZERS[name].build(3.0 * limit)
    traj = run(objective, opt, _start(objective), steps=5000)
    assert traj.status == "diverged"
    suggested = traj.suggested_lr
    assert suggested == suggest_learning_rate(objective, opt)
    assert 0.4 * limit <= suggested <= 0.5 * limit  # half the limit, two digits, rounded down
    assert float(f"{suggested:.2g}") == pytest.approx(suggested, rel=1e-12)
    retry = run(
        objective, OPTIMIZERS[name].build(suggested), _start(objective), steps=20_000, tol=1e-8
    )
    assert retry.status == "converged", retry.message


def test_suggested_learning_rate_without_a_known_limit_is_a_tenth():
    fn = test_function("rosenbrock")
    opt = OPTIMIZERS["adam"].build(500.0)
    traj = run(fn, opt, fn.start, steps=100)
    assert traj.status == "diverged"
    assert traj.suggested_lr == pytest.approx(50.0)
    assert suggest_learning_rate(fn, adam(0.3)) == pytest.approx(0.03)


# --------------------------------------------------------------------------------------------
# gd_verdict
# --------------------------------------------------------------------------------------------


def test_gd_verdict_kinds():
    curv = curvature(valley())  # λ = 1, 3: lr_max 2/3, lr_best 1/2
    fast = gd_verdict(curv, 0.5, 100)
    slow = gd_verdict(curv, 1e-3, 100)
    over = gd_verdict(curv, 0.7, 100)
    edge = gd_verdict(curv, curv.lr_max, 100)
    kinds = (fast.kind, slow.kind, over.kind, edge.kind)
    assert kinds == ("converges", "slow", "diverges", "diverges")
    assert fast.message.startswith("Converges") and math.isfinite(fast.steps_needed)
    assert slow.message.startswith("Slow") and slow.steps_needed > 100
    assert over.message.startswith("Diverges") and over.steps_needed == math.inf
    assert fast.lr_max == pytest.approx(2 / 3) and fast.lr_best == pytest.approx(0.5)
    assert fast.condition_number == pytest.approx(3.0)


@pytest.mark.parametrize("lr", [0.1, 0.3, 0.5, 0.6, 0.65])
def test_gd_verdict_steps_needed_is_what_the_engine_takes(lr):
    """'steps_needed' closes 99.9% of the gap: check it against a run from a start on the
    slowest eigenvector, where the bound is tight."""
    fn = valley()
    curv = curvature(fn)
    verdict = gd_verdict(curv, lr, 10_000)
    assert verdict.kind == "converges"
    rho = max(abs(1 - lr * curv.lam_min), abs(1 - lr * curv.lam_max))
    slow_mode = (1.0, -1.0) if rho == abs(1 - lr * curv.lam_min) else (1.0, 1.0)
    steps = math.ceil(verdict.steps_needed)
    traj = run(fn, sgd(lr), slow_mode, steps=steps)
    ratio = np.linalg.norm(traj.final_params) / np.linalg.norm(slow_mode)
    assert ratio <= 1e-3 * (1 + 1e-9)
    before = np.linalg.norm(traj.params[steps - 1]) / np.linalg.norm(slow_mode)
    assert before > 1e-3  # and not a step sooner


def test_gd_verdict_on_a_badly_scaled_line_suggests_standardising():
    x, y = _data(17, offset=50.0, spread=20.0)
    curv = curvature(LineFit(x, y))
    verdict = gd_verdict(curv, 0.5 * curv.lr_max, 1000)
    assert verdict.kind == "slow"
    assert "standardising x" in verdict.message


def test_gd_verdict_rejects_a_loss_without_a_unique_minimum():
    with pytest.raises(GdvizError, match="no unique minimum"):
        gd_verdict(curvature(saddle()), 0.1, 100)


# --------------------------------------------------------------------------------------------
# Scaling
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("offset", [0.0, 50.0, 1e6])
def test_scaling_round_trip(offset):
    x, _ = _data(18, offset=offset)
    scaling = Scaling.of(x)
    assert scaling.mean == pytest.approx(np.mean(x)) and scaling.std == pytest.approx(np.std(x))
    z = scaling.transform(x)
    assert np.mean(z) == pytest.approx(0.0, abs=1e-9) and np.std(z) == pytest.approx(1.0)
    for m, b in [(1.5, -0.25), (-3.0, 7.0), (0.0, 2.0)]:
        back = scaling.to_original(*scaling.from_original(m, b))
        assert back == pytest.approx((m, b), rel=1e-12, abs=1e-12 * (1 + abs(offset)))
    ms = np.array([1.0, 2.0])
    bs = np.array([0.5, -0.5])
    m_back, b_back = scaling.to_original(*scaling.from_original(ms, bs))
    np.testing.assert_allclose(m_back, ms, rtol=1e-12)
    np.testing.assert_allclose(b_back, bs, rtol=1e-12, atol=1e-12 * (1 + abs(offset)))


@pytest.mark.parametrize("offset", [0.0, 50.0, 1e6])
def test_a_fit_in_z_maps_back_to_the_least_squares_line(offset):
    x, y = _data(19, offset=offset)
    scaling = Scaling.of(x)
    z = scaling.transform(x)
    target_m, target_b = least_squares(x, y)
    # Closed form in z, mapped back.
    m, b = scaling.to_original(*least_squares(z, y))
    assert m == pytest.approx(target_m, rel=1e-10)
    assert b == pytest.approx(target_b, rel=1e-10, abs=1e-10)
    # And gradient descent in z (well conditioned: a few dozen steps), mapped back.
    fit_z = LineFit(z, y)
    traj = run(fit_z, sgd(curvature(fit_z).lr_best), (0.0, 0.0), steps=1000, tol=1e-12)
    assert traj.status == "converged"
    m, b = scaling.to_original(*traj.final_params)
    assert m == pytest.approx(target_m, rel=1e-9)
    assert b == pytest.approx(target_b, rel=1e-9, abs=1e-9)


def test_scaling_rejects_constant_x():
    with pytest.raises(GdvizError, match="same"):
        Scaling.of(np.full(5, 3.0))
