"""The learning-rate sweep: every row is a single engine run; the limits are the closed forms;
the bands say what the runs do.

Oracles: `engine.run` at each learning rate (every registered optimizer, quadratic and
non-quadratic objectives, runs that converge, run out of steps and diverge at different steps);
the Hessian 2/N·XᵀX by numpy; finite differences of the exact gradient for local Hessians; the
eigen-directions of the actual paths for the bands.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from gdviz.engine import EXPLOSION_FACTOR, run
from gdviz.errors import GdvizError
from gdviz.objectives import LineFit, test_function
from gdviz.optimizers import OPTIMIZERS, optimizer_spec
from gdviz.sweep import BANDS, LIMIT_KINDS, MAX_COUNT, learning_rates, stability, sweep

RTOL = 1e-12


def _points(n: int = 60, seed: int = 0, offset: float = 5.0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(offset - 5, offset + 5, n)
    return x, 2.0 * x + 1.0 + rng.normal(0.0, 1.0, n)


def _assert_rows_equal_single_runs(objective, name, sw, start, hyper=None):
    spec = optimizer_spec(name)
    for r in sw.results:
        traj = run(objective, spec.build(r.lr, **(hyper or {})), start, steps=sw.steps, tol=sw.tol)
        where = f"{name} at lr {r.lr:.6g}"
        assert r.status == traj.status, where
        assert r.final_loss == pytest.approx(traj.final_loss, rel=RTOL, abs=0), where
        np.testing.assert_allclose(r.final_params, traj.final_params, rtol=RTOL, err_msg=where)
        assert r.steps == traj.steps, where
        assert r.diverged_at == traj.diverged_at, where
        assert r.steps_to_tol == (traj.steps if traj.status == "converged" else None), where


ORACLE_CASES = {
    "mse": (lambda: LineFit(*_points(), "mse"), (0.0, 0.0), 1e-6),
    "sse": (lambda: LineFit(*_points(seed=1), "sse"), (1.0, -2.0), 1e-6),
    "huber": (lambda: LineFit(*_points(30, seed=2), "huber"), (0.0, 0.0), 1e-6),
    "mae": (lambda: LineFit(*_points(30, seed=3), "mae"), (0.0, 0.0), 0.0),
    "valley": (lambda: test_function("valley"), None, 1e-8),
    "rosenbrock": (lambda: test_function("rosenbrock"), None, 1e-6),
    "saddle": (lambda: test_function("saddle"), None, 1e-6),
}


@pytest.mark.parametrize("name", list(OPTIMIZERS))
@pytest.mark.parametrize("case", list(ORACLE_CASES))
def test_every_row_equals_a_single_engine_run(case, name):
    make, start, tol = ORACLE_CASES[case]
    objective = make()
    start = objective.start if start is None else start
    sw = sweep(objective, name, start, count=24, steps=200, tol=tol, lr_min=1e-5, lr_max=30.0)
    _assert_rows_equal_single_runs(objective, name, sw, start)


@pytest.mark.parametrize("name", ["gd", "momentum", "nesterov"])
def test_the_default_sweep_diverges_at_different_steps_and_matches_the_engine(name):
    fit = LineFit(*_points())
    sw = sweep(fit, name, (0.0, 0.0), count=30, steps=300, tol=1e-6)
    diverged = [d for d in sw.diverged_at if d is not None]
    assert len(set(diverged)) >= 3  # the oracle covers divergence at several different steps
    assert "max_steps" in sw.status or "converged" in sw.status
    _assert_rows_equal_single_runs(fit, name, sw, (0.0, 0.0))


@pytest.mark.parametrize(
    ("name", "hyper"),
    [
        ("momentum", {"momentum": 0.5, "dampening": 0.3}),
        ("nesterov", {"momentum": 0.7}),
        ("adagrad", {"lr_decay": 0.01}),  # stepped row by row: γ is not a plain factor
        ("adagrad", {"eps": 1e-3}),
        ("rmsprop", {"momentum": 0.5, "centered": True}),
        ("adam", {"amsgrad": True, "beta1": 0.5}),
    ],
)
def test_hyperparameters_reach_every_row(name, hyper):
    fit = LineFit(*_points(seed=4))
    sw = sweep(fit, name, (0.0, 0.0), count=12, steps=150, tol=1e-6, hyperparameters=hyper)
    assert {k: sw.hyperparameters[k] for k in hyper} == hyper
    _assert_rows_equal_single_runs(fit, name, sw, (0.0, 0.0), hyper)


def test_a_start_at_the_optimum_converges_at_step_0():
    x, y = _points()
    m, b = np.polyfit(x, y, 1)
    sw = sweep(LineFit(x, y), "gd", (m, b), count=5, steps=50, tol=1e-6)
    assert sw.status == ("converged",) * 5
    assert sw.steps_to_tol == (0,) * 5 and tuple(sw.steps_run) == (0,) * 5


# -- limits ---------------------------------------------------------------------------------


@pytest.mark.parametrize("loss", ["mse", "sse"])
def test_the_marked_limit_is_2_over_lambda_max_of_the_closed_form(loss):
    x, y = _points(seed=5)
    n = x.size
    design = np.column_stack((x, np.ones(n)))
    hessian = 2.0 * design.T @ design / (1.0 if loss == "sse" else n)
    lam_min, lam_max = np.linalg.eigvalsh(hessian)
    fit = LineFit(x, y, loss)
    limits = sweep(fit, "gd", (0.0, 0.0), count=4, steps=10).limits
    assert limits.kind == "exact"
    assert limits.lr_max == pytest.approx(2.0 / lam_max, rel=RTOL)
    assert limits.optimizer_limit == pytest.approx(2.0 / lam_max, rel=RTOL)
    assert limits.lr_best == pytest.approx(2.0 / (lam_max + lam_min), rel=1e-9)
    assert limits.condition_number == pytest.approx(lam_max / lam_min, rel=1e-9)
    mu = 0.9
    heavy = stability(fit, optimizer_spec("momentum").build(momentum=mu), (0, 0), 10)
    nest = stability(fit, optimizer_spec("nesterov").build(momentum=mu), (0, 0), 10)
    assert heavy.optimizer_limit == pytest.approx(2 * (1 + mu) / lam_max, rel=RTOL)
    assert nest.optimizer_limit == pytest.approx(2 * (1 + mu) / ((1 + 2 * mu) * lam_max), rel=RTOL)
    adam = stability(fit, optimizer_spec("adam").build(), (0, 0), 10)
    assert adam.optimizer_limit is None and adam.lr_max == limits.lr_max
    assert "scales its own steps" in adam.note


def test_default_range_spans_the_optimizers_limit():
    fit = LineFit(*_points())
    sw = sweep(fit, "momentum", (0.0, 0.0), count=40, steps=10)
    limit = sw.limits.optimizer_limit
    assert sw.lrs.size == 40
    assert sw.lrs[0] == pytest.approx(1e-3 * limit, rel=RTOL)
    assert sw.lrs[-1] == pytest.approx(3.0 * limit, rel=RTOL)
    np.testing.assert_allclose(np.diff(np.log(sw.lrs)), np.log(3000.0) / 39, rtol=1e-9)
    adaptive = sweep(fit, "adam", (0.0, 0.0), count=5, steps=10)
    default = optimizer_spec("adam").default_lr
    assert (adaptive.lrs[0], adaptive.lrs[-1]) == pytest.approx((1e-2 * default, 1e3 * default))
    chosen = sweep(fit, "gd", (0.0, 0.0), lrs=[0.3, 0.001, 0.02], steps=10)
    assert chosen.lrs.tolist() == [0.001, 0.02, 0.3]


def test_local_limits_use_the_hessian_at_the_start():
    fit = LineFit(*_points(40, seed=6), "huber", delta=3.0)
    start = np.array((1.5, 0.5))
    limits = stability(fit, optimizer_spec("gd").build(), start, 100)
    assert limits.kind == "local" and "Hessian at the start" in limits.note
    h = np.empty((2, 2))
    for j in range(2):
        e = np.zeros(2)
        e[j] = 1e-6
        h[:, j] = (fit.gradient(start + e) - fit.gradient(start - e)) / 2e-6
    assert limits.lam_max == pytest.approx(np.linalg.eigvalsh(h)[-1], rel=1e-6)
    rosen = stability(test_function("rosenbrock"), optimizer_spec("gd").build(), (-1.5, 2.0), 9)
    # ∇²f(−1.5, 2) = [[1200x² − 400y + 2, −400x], [−400x, 200]] = [[1902, 600], [600, 200]].
    exact = np.linalg.eigvalsh(np.array(((1902.0, 600.0), (600.0, 200.0))))
    assert rosen.kind == "local"
    assert (rosen.lam_min, rosen.lam_max) == pytest.approx(tuple(exact), rel=1e-6)


@pytest.mark.parametrize(
    ("objective", "start"),
    [
        (LineFit(*_points(20), "mae"), (0.0, 0.0)),
        (test_function("himmelblau"), (0.0, 0.0)),  # curves downwards in both directions there
    ],
)
def test_absent_limits_give_no_bands(objective, start):
    sw = sweep(objective, "gd", start, count=5, steps=20)
    assert sw.limits.kind == "absent" and sw.limits.lr_max is None
    assert sw.bands == (None,) * 5
    default = optimizer_spec("gd").default_lr
    assert sw.lrs[0] == pytest.approx(1e-2 * default)


def test_saddle_has_an_exact_hessian_but_no_converging_rate():
    sw = sweep(test_function("saddle"), "gd", count=5, steps=20, lr_min=0.01, lr_max=1.0)
    assert sw.limits.kind == "exact" and sw.limits.optimizer_limit is None
    assert "curves downwards" in sw.limits.note and sw.bands == (None,) * 5


# -- bands ----------------------------------------------------------------------------------


def _valley_error_components(lr: float, steps: int, name: str = "gd") -> np.ndarray:
    """The path's error along the valley's eigenvectors (λ = 1, 3), step by step."""
    f = test_function("valley")
    traj = run(f, optimizer_spec(name).build(lr), f.start, steps=steps)
    _, vectors = np.linalg.eigh(np.array(f.hessian))
    return traj.params @ vectors  # the minimum is at the origin


def test_bands_are_named_by_the_rule_and_ordered():
    sw = sweep(test_function("valley"), "gd", count=50, steps=100)
    limits = sw.limits
    assert limits.oscillating_from == pytest.approx(1.0 / 3.0, rel=1e-12)  # γ·λmax = 1
    assert limits.optimizer_limit == pytest.approx(2.0 / 3.0, rel=1e-12)
    # good: max|1 − γλ|^100 ≤ 10⁻³ with λmin = 1 sets the lower edge.
    assert limits.good_from == pytest.approx(1.0 - 1e-3 ** (1 / 100), rel=1e-9)
    order = [BANDS.index(b) for b in sw.bands]
    assert order == sorted(order) and set(sw.bands) == set(BANDS)
    for lr, band in zip(sw.lrs.tolist(), sw.bands, strict=True):
        assert band == limits.band(lr, 100)


@pytest.mark.parametrize("lr", [0.2, 0.33, 0.34, 0.5, 0.66])
def test_oscillating_means_the_stiff_direction_flips_side(lr):
    band = sweep(test_function("valley"), "gd", lrs=[lr], steps=30).bands[0]
    stiff = _valley_error_components(lr, 30)[:, 1]
    stiff = stiff[np.abs(stiff) > 1e-9 * abs(stiff[0])]  # not the rounding noise left at 0
    flips = bool(np.any(np.sign(stiff[1:]) != np.sign(stiff[:-1])))
    assert flips == (band == "oscillating")


@pytest.mark.parametrize("lr", [0.6, 0.66, 0.67, 0.8])
def test_diverging_means_the_engine_diverges(lr):
    sw = sweep(test_function("valley"), "gd", lrs=[lr], steps=3000)
    assert (sw.bands[0] == "diverging") == (sw.status[0] == "diverged")


def test_good_and_too_small_mean_the_budget_closes_the_gap_or_not():
    steps = 200
    sw = sweep(test_function("valley"), "gd", count=30, steps=steps, lr_max=0.33)
    for lr, band in zip(sw.lrs.tolist(), sw.bands, strict=True):
        error = np.abs(_valley_error_components(lr, steps))
        shrink = np.max(error[-1] / error[0])
        assert band in ("good", "too small")
        assert (shrink <= 1.0001e-3) == (band == "good"), (lr, shrink)


def test_momentum_oscillates_from_one_minus_root_mu_squared():
    mu = 0.9
    fit = test_function("valley")
    limits = stability(fit, optimizer_spec("momentum").build(momentum=mu), fit.start, 100)
    assert limits.oscillating_from == pytest.approx((1 - math.sqrt(mu)) ** 2 / 3.0, rel=1e-9)
    for lr, flips in ((0.9 * limits.oscillating_from, False), (2 * limits.oscillating_from, True)):
        stiff = _valley_error_components(lr, 400, "momentum")[:, 1]
        stiff = stiff[np.abs(stiff) > 1e-9 * abs(stiff[0])]
        assert bool(np.any(np.sign(stiff[1:]) != np.sign(stiff[:-1]))) == flips


# -- the record -----------------------------------------------------------------------------


def test_to_dict_is_strict_json_with_status_loss_steps_and_limits():
    sw = sweep(LineFit(*_points()), "gd", (0.0, 0.0), count=30, steps=200, tol=1e-4)
    d = json.loads(json.dumps(sw.to_dict(), allow_nan=False))
    assert [r["status"] for r in d["runs"]] == list(sw.status)
    assert [r["final_loss"] for r in d["runs"]] == sw.final_loss.tolist()
    assert [r["steps_to_tol"] for r in d["runs"]] == list(sw.steps_to_tol)
    assert d["limits"]["kind"] in LIMIT_KINDS and d["limits"]["lr_max"] == sw.limits.lr_max
    assert d["steps"] == 200 and d["tol"] == 1e-4 and d["optimizer"] == "gd"


def test_capped_loss_and_examples_for_the_page():
    sw = sweep(LineFit(*_points()), "gd", (0.0, 0.0), count=30, steps=300, tol=1e-6)
    capped = sw.capped_loss
    diverged = np.array([s == "diverged" for s in sw.status])
    assert diverged.any() and np.all(np.isfinite(capped))
    assert np.all(capped[diverged] == EXPLOSION_FACTOR * max(sw.start_loss, 1.0))
    ex = sw.examples()
    assert ex["too small"] < ex["just right"] < ex["too big"]
    assert sw.status[ex["too big"]] == "diverged" and sw.status[ex["just right"]] != "diverged"
    assert sw.final_loss[ex["just right"]] <= sw.final_loss[ex["too small"]]


def test_arrays_are_read_only_and_inputs_untouched():
    x, y = _points()
    x0 = x.copy()
    lrs = np.array([0.01, 0.001])
    sw = sweep(LineFit(x, y), "gd", (0.0, 0.0), lrs=lrs, steps=10)
    for a in (sw.lrs, sw.final_loss, sw.final_params, sw.steps_run):
        with pytest.raises(ValueError):
            a[0] = 1.0
    np.testing.assert_array_equal(x, x0)
    assert lrs.tolist() == [0.01, 0.001]


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"count": 1}, "between 2"),
        ({"count": MAX_COUNT + 1}, "between 2"),
        ({"count": 2.5}, "whole number"),
        ({"lr_min": 0.1, "lr_max": 0.01}, "below the largest"),
        ({"lr_min": -1.0}, "positive"),
        ({"lr_max": math.inf}, "positive"),
        ({"lrs": [0.1, -0.1]}, "positive"),
        ({"lrs": ["a"]}, "numbers"),
        ({"lrs": [0.1], "lr_max": 1.0}, "not both"),
        ({"optimizer": "sgdx"}, "Unknown optimizer"),
        ({"hyperparameters": {"beta1": 0.9}}, "no option"),
        ({"tol": -1.0}, "tolerance"),
        ({"steps": -3}, "negative"),
        ({"start": (0.0, math.nan)}, "two finite numbers"),
        ({"start": "here"}, "two numbers"),
    ],
)
def test_bad_input_is_one_clear_error(kwargs, words):
    kwargs = {"optimizer": "gd", "start": (0.0, 0.0), **kwargs}
    with pytest.raises(GdvizError, match=words):
        sweep(LineFit(*_points(10)), **kwargs)


def test_per_point_losses_refuse_a_sweep_too_large_to_wait_for():
    x = np.linspace(0.0, 1.0, 200_000)
    with pytest.raises(GdvizError, match="fewer rates or steps"):
        sweep(LineFit(x, x, "mae"), "gd", (0.0, 0.0), count=50, steps=100_000)


def test_learning_rates_are_log_spaced_and_checked():
    rates = learning_rates(1e-4, 1.0, 5)
    np.testing.assert_allclose(rates, [1e-4, 1e-3, 1e-2, 1e-1, 1.0], rtol=1e-12)
    with pytest.raises(GdvizError, match="whole number"):
        learning_rates(1e-4, 1.0, True)
