"""The engine: a published result, an independent re-implementation, invariants, properties."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gdviz.analysis import curvature, least_squares
from gdviz.engine import MAX_STEPS, STATUSES, _Batches, iterate, run, step
from gdviz.errors import GdvizError
from gdviz.losses import LOSSES
from gdviz.objectives import TEST_FUNCTIONS, LineFit, bowl, saddle, test_function, valley
from gdviz.optimizers import OPTIMIZERS, sgd

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
EXAMPLE_CSV = SHARED_DATA / "gradient_descent_example.csv"
needs_example = pytest.mark.skipif(
    not EXAMPLE_CSV.is_file(),
    reason=f"the published teaching data set is not here ({EXAMPLE_CSV})",
)


def _example_fit() -> LineFit:
    data = np.loadtxt(EXAMPLE_CSV, delimiter=",")
    return LineFit(data[:, 0], data[:, 1], "mse")


def _line(seed=0, n=30, noise=0.5):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2.0, 3.0, n)
    return LineFit(x, 1.5 * x - 0.5 + rng.normal(0.0, noise, n), "mse")


# --------------------------------------------------------------------------------------------
# Oracles: the published run and the teaching script itself
# --------------------------------------------------------------------------------------------


@needs_example
def test_published_teaching_run():
    """start b = m = 0, lr 0.0001, 1000 iterations: the published numbers."""
    traj = run(_example_fit(), OPTIMIZERS["gd"].build(1e-4), (0.0, 0.0), steps=1000)
    assert traj.status == "max_steps"
    assert traj.steps == 1000
    assert traj.loss[0] == pytest.approx(5565.107834483211, rel=1e-9)
    m, b = traj.final_params
    assert b == pytest.approx(0.08893651993741346, rel=1e-9)
    assert m == pytest.approx(1.4777440851894448, rel=1e-9)
    assert traj.final_loss == pytest.approx(112.61481011613473, rel=1e-9)
    assert traj.column("m")[-1] == m and traj.column("b")[-1] == b


def teaching_script(points, lr, iterations):
    """The widely used teaching script, per point in plain Python, b and m updated together."""
    b = m = 0.0
    n = float(len(points))
    path = [(m, b)]
    for _ in range(iterations):
        b_grad = m_grad = 0.0
        for x, y in points:
            b_grad += -(2 / n) * (y - ((m * x) + b))
            m_grad += -(2 / n) * x * (y - ((m * x) + b))
        b, m = b - lr * b_grad, m - lr * m_grad
        path.append((m, b))
    return path


def teaching_error(points, m, b):
    return sum((y - (m * x + b)) ** 2 for x, y in points) / float(len(points))


@needs_example
def test_matches_the_teaching_script_step_by_step():
    fit = _example_fit()
    points = list(zip(fit.x.tolist(), fit.y.tolist(), strict=True))
    theirs = np.array(teaching_script(points, 1e-4, 20))
    traj = run(fit, OPTIMIZERS["gd"].build(1e-4), (0.0, 0.0), steps=20)
    np.testing.assert_allclose(traj.params, theirs, rtol=1e-12, atol=0)
    errors = [teaching_error(points, m, b) for m, b in theirs]
    np.testing.assert_allclose(traj.loss, errors, rtol=1e-12)


# --------------------------------------------------------------------------------------------
# Trajectory invariants
# --------------------------------------------------------------------------------------------

INVARIANT_CASES = [
    ("linefit-gd", _line(), "gd", 0.05, (0.0, 0.0)),
    ("linefit-adam", _line(), "adam", 0.1, (3.0, -2.0)),
    ("valley-momentum", valley(), "momentum", 0.05, valley().start),
    ("rosenbrock-nesterov", test_function("rosenbrock"), "nesterov", 1e-4, (-1.5, 2.0)),
    ("himmelblau-rmsprop", test_function("himmelblau"), "rmsprop", 0.05, (0.0, 0.0)),
    ("beale-adagrad", test_function("beale"), "adagrad", 0.1, (1.0, 1.5)),
]


@pytest.mark.parametrize(
    ("objective", "name", "lr", "start"),
    [c[1:] for c in INVARIANT_CASES],
    ids=[c[0] for c in INVARIANT_CASES],
)
def test_trajectory_invariants(objective, name, lr, start):
    steps = 60
    traj = run(objective, OPTIMIZERS[name].build(lr), start, steps=steps)
    assert traj.status == "max_steps"
    assert traj.steps == steps
    assert traj.params.shape == (steps + 1, 2)
    assert traj.grad.shape == (steps + 1, 2)
    assert traj.loss.shape == traj.grad_norm.shape == (steps + 1,)
    for a in (traj.params, traj.loss, traj.grad, traj.grad_norm):
        assert a.dtype == np.float64
        assert not a.flags.writeable
        assert np.all(np.isfinite(a))
    np.testing.assert_array_equal(traj.params[0], start)
    for k in range(steps + 1):
        p = traj.params[k]
        assert traj.loss[k] == objective.value(p)
        np.testing.assert_array_equal(traj.grad[k], objective.gradient(p))
        assert traj.grad_norm[k] == math.hypot(*traj.grad[k])
    assert traj.param_names == objective.param_names
    assert traj.lr == lr and traj.optimizer == name
    np.testing.assert_array_equal(traj.column(objective.param_names[1]), traj.params[:, 1])
    assert traj.diverged_at is None and traj.suggested_lr is None
    assert traj.final_loss == traj.loss[-1]


def test_statuses_and_their_messages():
    opt = sgd(0.1)
    converged = run(valley(), opt, valley().start, steps=1000, tol=1e-6)
    ran_all = run(valley(), opt, valley().start, steps=10)
    diverged = run(valley(), sgd(2.0), valley().start, steps=1000)
    for traj, status, words in [
        (converged, "converged", "Converged at step"),
        (ran_all, "max_steps", "Ran all 10 steps"),
        (diverged, "diverged", "Diverged at step"),
    ]:
        assert traj.status == status and status in STATUSES
        assert traj.message.startswith(words), traj.message
    assert f"Converged at step {converged.steps}" in converged.message
    assert f"Diverged at step {diverged.diverged_at}" in diverged.message
    unreached = run(valley(), opt, valley().start, steps=3, tol=1e-6)
    assert "not reached" in unreached.message


def test_tol_zero_runs_every_step_even_at_the_exact_minimum():
    # bowl(1) with lr 0.5 lands exactly on (0, 0) after one step.
    traj = run(bowl(1.0), sgd(0.5), (2.0, -3.0), steps=10, tol=0.0)
    assert traj.grad_norm[1] == 0.0
    assert traj.status == "max_steps" and traj.steps == 10
    converged = run(bowl(1.0), sgd(0.5), (2.0, -3.0), steps=10, tol=1e-12)
    assert converged.status == "converged" and converged.steps == 1


@pytest.mark.parametrize("tol", [1e-1, 1e-3, 1e-8])
def test_converged_stops_at_the_first_step_within_tolerance(tol):
    full = run(valley(), sgd(0.1), valley().start, steps=2000)
    traj = run(valley(), sgd(0.1), valley().start, steps=2000, tol=tol)
    first = int(np.argmax(full.grad_norm <= tol))
    assert full.grad_norm[first] <= tol
    assert traj.status == "converged"
    assert traj.steps == first
    assert np.all(traj.grad_norm[:-1] > tol)
    np.testing.assert_array_equal(traj.params, full.params[: first + 1])


def test_converged_at_the_start():
    traj = run(valley(), sgd(0.1), (0.0, 0.0), steps=100, tol=1e-9)
    assert traj.status == "converged" and traj.steps == 0
    assert "Converged at step 0" in traj.message


@pytest.mark.parametrize(
    ("steps", "words"),
    [
        (MAX_STEPS + 1, "above the cap"),
        (-1, "cannot be negative"),
        (2.5, "whole number"),
        (10.0, "whole number"),
        ("10", "whole number"),
        (True, "whole number"),
        (None, "whole number"),
    ],
)
def test_bad_step_counts_raise(steps, words):
    with pytest.raises(GdvizError, match=words):
        run(valley(), sgd(0.1), (1.0, 1.0), steps=steps)
    with pytest.raises(GdvizError, match=words):
        next(iterate(valley(), sgd(0.1), (1.0, 1.0), steps=steps))


def test_the_step_cap_itself_is_allowed():
    traj = run(valley(), sgd(0.5), valley().start, steps=MAX_STEPS, tol=1e-8)
    assert traj.status == "converged"
    zero = run(valley(), sgd(0.5), valley().start, steps=0)
    assert zero.steps == 0 and zero.status == "max_steps"
    assert run(valley(), sgd(0.5), valley().start, steps=np.int64(3)).steps == 3


@pytest.mark.parametrize(
    "start", [(1.0,), (1.0, 2.0, 3.0), (np.nan, 0.0), (0.0, np.inf), "ab", None, ((1, 2), (3, 4))]
)
def test_bad_start_raises(start):
    with pytest.raises(GdvizError, match="start point"):
        run(valley(), sgd(0.1), start, steps=5)


def test_start_where_the_loss_is_not_finite_raises():
    with pytest.raises(GdvizError, match="not a finite number"):
        run(valley(), sgd(0.1), (1e200, 1e200), steps=5)


@pytest.mark.parametrize("tol", [-1e-3, float("nan"), float("inf"), "0.1", None])
def test_bad_tolerance_raises(tol):
    with pytest.raises(GdvizError, match="tolerance"):
        run(valley(), sgd(0.1), (1.0, 1.0), steps=5, tol=tol)


def test_run_never_writes_into_the_start():
    start = np.array([2.0, -1.0])
    start.setflags(write=False)
    traj = run(valley(), sgd(0.1), start, steps=5)
    np.testing.assert_array_equal(start, [2.0, -1.0])
    assert not np.shares_memory(traj.params, start)


# --------------------------------------------------------------------------------------------
# iterate and step
# --------------------------------------------------------------------------------------------


class CountingObjective:
    """Wraps an objective and counts full evaluations (and records mini-batches)."""

    def __init__(self, inner):
        self.inner = inner
        self.name = inner.name
        self.param_names = inner.param_names
        self.calls = 0
        self.batches: list[np.ndarray] = []
        if hasattr(inner, "n"):
            self.n = inner.n

    def value(self, params):
        return self.inner.value(params)

    def gradient(self, params):
        return self.inner.gradient(params)

    def value_and_gradient(self, params):
        self.calls += 1
        return self.inner.value_and_gradient(params)

    def grid(self, p0, p1):
        return self.inner.grid(p0, p1)

    def batch_gradient(self, params, indices):
        self.batches.append(np.array(indices))
        return self.inner.batch_gradient(params, indices)


def test_iterate_is_lazy():
    counting = CountingObjective(valley())
    stream = iterate(counting, sgd(0.1), (1.0, 1.0), steps=MAX_STEPS)
    assert counting.calls == 0  # nothing happens until the first item is asked for
    first = [next(stream) for _ in range(3)]
    assert [s.index for s in first] == [0, 1, 2]
    assert counting.calls == 3


@pytest.mark.parametrize("batch_size", [None, 4])
def test_iterate_yields_what_run_returns(batch_size):
    fit = _line(3)
    opt = OPTIMIZERS["momentum"].build(0.02)
    steps = list(iterate(fit, opt, (0.5, 0.5), steps=40, batch_size=batch_size, seed=7))
    traj = run(fit, opt, (0.5, 0.5), steps=40, batch_size=batch_size, seed=7)
    assert [s.index for s in steps] == list(range(41))
    np.testing.assert_array_equal(np.array([s.params for s in steps]), traj.params)
    np.testing.assert_array_equal(np.array([s.loss for s in steps]), traj.loss)
    np.testing.assert_array_equal(np.array([s.grad for s in steps]), traj.grad)
    np.testing.assert_array_equal(np.array([s.grad_norm for s in steps]), traj.grad_norm)


def test_step_is_one_update_of_iterate():
    fn = test_function("rosenbrock")
    opt = OPTIMIZERS["adam"].build(0.05)
    stream = list(iterate(fn, opt, fn.start, steps=5))
    current, state = stream[0], opt.init(stream[0].params)
    for expected in stream[1:]:
        current, state = step(fn, opt, current, state)
        assert current.index == expected.index
        np.testing.assert_array_equal(current.params, expected.params)
        assert current.loss == expected.loss


def test_iterate_keeps_yielded_arrays_intact():
    stream = iterate(valley(), OPTIMIZERS["adam"].build(0.1), (2.0, -1.0), steps=20)
    kept = [(s.params.copy(), s.params) for s in stream]
    for saved, live in kept:
        np.testing.assert_array_equal(saved, live)


# --------------------------------------------------------------------------------------------
# Divergence
# --------------------------------------------------------------------------------------------

DIVERGING = [
    ("valley-gd-explodes", valley(), sgd(2.0)),
    ("valley-gd-overflows", valley(), sgd(1e300)),
    ("linefit-momentum", _line(), OPTIMIZERS["momentum"].build(5.0)),
    ("rosenbrock-adam", test_function("rosenbrock"), OPTIMIZERS["adam"].build(500.0)),
]


@pytest.mark.parametrize(
    ("objective", "opt"), [c[1:] for c in DIVERGING], ids=[c[0] for c in DIVERGING]
)
def test_divergence_is_a_status_with_finite_arrays_and_no_warning(objective, opt):
    start = objective.start if hasattr(objective, "start") else (0.0, 0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        traj = run(objective, opt, start, steps=5000)
        raw = list(iterate(objective, opt, start, steps=300))  # raw values, still silent
    assert len(raw) == 301
    assert traj.status == "diverged"
    assert traj.message.startswith(f"Diverged at step {traj.diverged_at:,}")
    assert traj.suggested_lr is not None and 0 < traj.suggested_lr < opt.lr
    assert f"{traj.suggested_lr:.2g}" in traj.message
    for a in (traj.params, traj.loss, traj.grad, traj.grad_norm):
        assert np.all(np.isfinite(a))
    assert traj.diverged_at in (traj.steps, traj.steps + 1)


def test_overflow_ends_at_the_last_finite_step():
    traj = run(valley(), sgd(1e300), (2.0, -1.0), steps=10)
    assert traj.status == "diverged" and traj.diverged_at == 1 and traj.steps == 0
    assert "overflowed" in traj.message


def test_saddle_is_unbounded_below():
    traj = run(saddle(), sgd(0.1), saddle().start, steps=10_000)
    assert traj.status == "diverged"
    assert traj.final_loss < -1e6 * abs(traj.loss[0])
    assert abs(traj.final_params[1]) > 1e3  # it slid off along y
    assert "Diverged" in traj.message
    # No learning rate reaches a minimum that does not exist: nothing is suggested.
    assert traj.suggested_lr is None
    assert "fell" in traj.message and "no minimum" in traj.message


# --------------------------------------------------------------------------------------------
# Mini-batches
# --------------------------------------------------------------------------------------------


def test_same_seed_same_trajectory_other_seed_other_trajectory():
    fit = _line(4, n=40)
    opt = sgd(0.02)
    a = run(fit, opt, (0.0, 0.0), steps=200, batch_size=5, seed=11)
    b = run(fit, opt, (0.0, 0.0), steps=200, batch_size=5, seed=11)
    c = run(fit, opt, (0.0, 0.0), steps=200, batch_size=5, seed=12)
    np.testing.assert_array_equal(a.params, b.params)
    np.testing.assert_array_equal(a.loss, b.loss)
    assert not np.array_equal(a.params, c.params)


@pytest.mark.parametrize("batch_size", [40, 41, 1000])
def test_batch_at_least_n_is_full_batch(batch_size):
    fit = _line(5, n=40)
    opt = OPTIMIZERS["nesterov"].build(0.01)
    full = run(fit, opt, (1.0, 1.0), steps=100)
    batched = run(fit, opt, (1.0, 1.0), steps=100, batch_size=batch_size, seed=3)
    np.testing.assert_array_equal(batched.params, full.params)
    np.testing.assert_array_equal(batched.loss, full.loss)


def test_sgd_with_single_points_reaches_the_least_squares_line():
    rng = np.random.default_rng(6)
    x = rng.uniform(-1.0, 1.0, 20)
    y = 2.0 * x + 1.0 + rng.normal(0.0, 1e-3, 20)
    fit = LineFit(x, y, "mse")
    traj = run(fit, sgd(0.02), (0.0, 0.0), steps=5000, batch_size=1, seed=0)
    assert traj.status == "max_steps"
    np.testing.assert_allclose(traj.final_params, least_squares(x, y), atol=1e-2)
    assert traj.final_loss < 1e-4 * traj.loss[0]


@pytest.mark.parametrize(("n", "batch_size"), [(10, 3), (12, 4), (7, 1), (9, 8)])
def test_each_epoch_uses_every_index_once(n, batch_size):
    fit = _line(7, n=n)
    counting = CountingObjective(fit)
    per_epoch = math.ceil(n / batch_size)
    epochs = 4
    run(counting, sgd(1e-3), (0.0, 0.0), steps=epochs * per_epoch, batch_size=batch_size)
    assert len(counting.batches) == epochs * per_epoch
    orders = []
    for e in range(epochs):
        epoch = counting.batches[e * per_epoch : (e + 1) * per_epoch]
        assert [b.size for b in epoch[:-1]] == [batch_size] * (per_epoch - 1)
        order = np.concatenate(epoch)
        np.testing.assert_array_equal(np.sort(order), np.arange(n))
        orders.append(order)
    if n > 2:  # a fresh permutation each epoch
        assert any(not np.array_equal(orders[0], o) for o in orders[1:])


def test_batches_helper_directly():
    batches = _Batches(10, 4, np.random.default_rng(0))
    drawn = [batches.next() for _ in range(9)]  # three epochs of 4 + 4 + 2
    assert [b.size for b in drawn] == [4, 4, 2] * 3
    for e in range(3):
        np.testing.assert_array_equal(np.sort(np.concatenate(drawn[3 * e : 3 * e + 3])), range(10))


@pytest.mark.parametrize("batch_size", [0, -3, 2.5, 100.5, 1e9, True, "4"])
def test_bad_batch_sizes_raise(batch_size):
    with pytest.raises(GdvizError, match="batch size"):
        run(_line(), sgd(0.01), (0.0, 0.0), steps=5, batch_size=batch_size)


def test_mini_batches_need_data_points():
    with pytest.raises(GdvizError, match="data points"):
        run(valley(), sgd(0.01), (0.0, 0.0), steps=5, batch_size=2)


# --------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------

EPS = np.finfo(float).eps


@st.composite
def well_scaled_fits(draw):
    n = draw(st.integers(2, 50))
    coordinate = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)
    x = np.array(draw(st.lists(coordinate, min_size=n, max_size=n)))
    y = np.array(draw(st.lists(coordinate, min_size=n, max_size=n)))
    spread = draw(st.floats(1.0, 1e3))
    # Spread x over at least `spread` so the Hessian is positive definite and well scaled.
    x[0], x[-1] = x[0] - spread / 2, x[0] + spread / 2
    x = np.clip(x, -1e3, 1e3)
    return LineFit(x, y, draw(st.sampled_from(["mse", "sse"])))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    fit=well_scaled_fits(),
    start=st.tuples(st.floats(-1e3, 1e3), st.floats(-1e3, 1e3)),
    fraction=st.floats(1e-3, 0.99),
)
def test_gd_below_the_stability_limit_never_diverges_and_never_climbs(fit, start, fraction):
    curv = curvature(fit)
    assert curv is not None and curv.lam_min > 0
    lr = fraction * curv.lr_max
    traj = run(fit, sgd(lr), start, steps=200)
    assert traj.status == "max_steps", traj.message
    # L(θ − γg) ≤ L(θ) exactly for γ < 2/λmax; allow for rounding of θ and of L itself.
    theta = np.max(np.abs(traj.params[1:]), axis=1)
    slack = (
        1e-9 * traj.loss[:-1]
        + 8 * EPS * traj.grad_norm[:-1] * theta
        + 8 * curv.lam_max * (EPS * theta) ** 2
    )
    assert np.all(np.diff(traj.loss) <= slack)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    objective=st.one_of(
        well_scaled_fits(),
        st.sampled_from(LOSSES).map(lambda loss: LineFit(_line(9).x, _line(9).y, loss)),
        st.sampled_from(sorted(TEST_FUNCTIONS)).map(test_function),
    ),
    name=st.sampled_from(sorted(OPTIMIZERS)),
    log_lr=st.floats(-6.0, 3.0),
    batch_size=st.none() | st.integers(1, 60),
)
def test_run_never_raises_and_never_returns_non_finite_values(objective, name, log_lr, batch_size):
    if not isinstance(objective, LineFit):
        batch_size = None
    start = getattr(objective, "start", (0.5, -0.5))
    lr = 10.0**log_lr
    traj = run(objective, OPTIMIZERS[name].build(lr), start, steps=100, batch_size=batch_size)
    assert traj.status in STATUSES
    for a in (traj.params, traj.loss, traj.grad, traj.grad_norm):
        assert np.all(np.isfinite(a))
    if traj.status == "diverged" and getattr(objective, "name", "") != "saddle":
        assert traj.suggested_lr is not None and 0 < traj.suggested_lr < lr
        assert math.isfinite(traj.suggested_lr)


def test_python_float_overflow_in_a_test_function_is_a_divergence_not_a_crash():
    # Beale's terms are powers of Python floats, whose ** raises OverflowError rather than
    # returning inf: far from the origin that must read as a divergence.
    beale = test_function("beale")
    traj = run(beale, sgd(0.01), (1e6, 1e6), steps=10)
    assert traj.status == "diverged" and "overflowed" in traj.message
    with pytest.raises(GdvizError, match="not a finite number"):
        run(beale, sgd(0.01), (1e80, 1e80), steps=10)
