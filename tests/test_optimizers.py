"""Optimizers: one table of rules and variants, each checked against an independent oracle.

The oracle for the first steps is a small reference function per rule, written from
torch.optim's documented algorithm in plain Python floats, one coordinate at a time. A second
oracle, run only where torch is installed, is torch.optim itself over 50 steps on Rosenbrock.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from gdviz.engine import run
from gdviz.errors import GdvizError
from gdviz.objectives import bowl, rosenbrock, valley
from gdviz.optimizers import OPTIMIZERS, adagrad, adam, nesterov, rmsprop, sgd

# --------------------------------------------------------------------------------------------
# Reference rules (torch.optim's documented algorithms, t counted from 1)
# --------------------------------------------------------------------------------------------


def ref_sgd(theta, grads, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
    """g ← g + λθ;  b ← g (t = 1) or μb + (1 − τ)g;  g ← g + μb (nesterov) or b;  θ ← θ − γg."""
    theta = list(theta)
    buf = [None] * len(theta)
    path = []
    for g_t in grads:
        for i, g in enumerate(g_t):
            g = g + weight_decay * theta[i]
            if momentum != 0.0:
                buf[i] = g if buf[i] is None else momentum * buf[i] + (1.0 - dampening) * g
                g = g + momentum * buf[i] if nesterov else buf[i]
            theta[i] = theta[i] - lr * g
        path.append(list(theta))
    return path


def ref_adagrad(
    theta, grads, lr, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10
):
    """γ̃ = γ/(1 + (t−1)η);  g ← g + λθ;  s ← s + g²;  θ ← θ − γ̃ g/(√s + ε)."""
    theta = list(theta)
    s = [initial_accumulator_value] * len(theta)
    path = []
    for t, g_t in enumerate(grads, start=1):
        clr = lr / (1.0 + (t - 1) * lr_decay)
        for i, g in enumerate(g_t):
            g = g + weight_decay * theta[i]
            s[i] = s[i] + g * g
            theta[i] = theta[i] - clr * g / (math.sqrt(s[i]) + eps)
        path.append(list(theta))
    return path


def ref_rmsprop(
    theta, grads, lr, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False
):
    """v ← αv + (1−α)g²;  ṽ = v − ḡ² (centered, ḡ ← αḡ + (1−α)g);  b ← μb + g/(√ṽ + ε)."""
    theta = list(theta)
    n = len(theta)
    v, g_ave, b = [0.0] * n, [0.0] * n, [0.0] * n
    path = []
    for g_t in grads:
        for i, g in enumerate(g_t):
            g = g + weight_decay * theta[i]
            v[i] = alpha * v[i] + (1.0 - alpha) * g * g
            v_tilde = v[i]
            if centered:
                g_ave[i] = alpha * g_ave[i] + (1.0 - alpha) * g
                v_tilde = v_tilde - g_ave[i] ** 2
            if momentum > 0.0:
                b[i] = momentum * b[i] + g / (math.sqrt(v_tilde) + eps)
                theta[i] = theta[i] - lr * b[i]
            else:
                theta[i] = theta[i] - lr * g / (math.sqrt(v_tilde) + eps)
        path.append(list(theta))
    return path


def ref_adam(theta, grads, lr, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0, amsgrad=False):
    """m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  m̂ = m/(1−β₁ᵗ);  v̂ = v (or max v so far)/(1−β₂ᵗ);
    θ ← θ − γ m̂/(√v̂ + ε)."""
    theta = list(theta)
    n = len(theta)
    m, v, v_max = [0.0] * n, [0.0] * n, [0.0] * n
    path = []
    for t, g_t in enumerate(grads, start=1):
        for i, g in enumerate(g_t):
            g = g + weight_decay * theta[i]
            m[i] = beta1 * m[i] + (1.0 - beta1) * g
            v[i] = beta2 * v[i] + (1.0 - beta2) * g * g
            m_hat = m[i] / (1.0 - beta1**t)
            if amsgrad:
                v_max[i] = max(v_max[i], v[i])
                v_hat = v_max[i] / (1.0 - beta2**t)
            else:
                v_hat = v[i] / (1.0 - beta2**t)
            theta[i] = theta[i] - lr * m_hat / (math.sqrt(v_hat) + eps)
        path.append(list(theta))
    return path


def _ref_nesterov(theta, grads, lr, **options):
    return ref_sgd(theta, grads, lr, nesterov=True, **options)


# --------------------------------------------------------------------------------------------
# The table: (id, registry name, lr, options, reference rule)
# --------------------------------------------------------------------------------------------

CASES = [
    ("gd", "gd", 0.1, {}, ref_sgd),
    ("gd-weight_decay", "gd", 0.1, {"weight_decay": 0.2}, ref_sgd),
    ("momentum", "momentum", 0.05, {"momentum": 0.9}, ref_sgd),
    ("momentum-dampening", "momentum", 0.05, {"momentum": 0.8, "dampening": 0.3}, ref_sgd),
    (
        "momentum-dampening-weight_decay",
        "momentum",
        0.05,
        {"momentum": 0.8, "dampening": 0.3, "weight_decay": 0.1},
        ref_sgd,
    ),
    ("nesterov", "nesterov", 0.05, {"momentum": 0.9}, _ref_nesterov),
    (
        "nesterov-weight_decay",
        "nesterov",
        0.05,
        {"momentum": 0.7, "weight_decay": 0.1},
        _ref_nesterov,
    ),
    ("adagrad", "adagrad", 0.5, {}, ref_adagrad),
    (
        "adagrad-lr_decay-initial_accumulator",
        "adagrad",
        0.5,
        {"lr_decay": 0.5, "initial_accumulator_value": 0.2, "weight_decay": 0.1, "eps": 1e-3},
        ref_adagrad,
    ),
    ("rmsprop", "rmsprop", 0.01, {}, ref_rmsprop),
    ("rmsprop-centered", "rmsprop", 0.01, {"centered": True, "alpha": 0.9}, ref_rmsprop),
    ("rmsprop-momentum", "rmsprop", 0.01, {"momentum": 0.6, "alpha": 0.9}, ref_rmsprop),
    (
        "rmsprop-centered-momentum",
        "rmsprop",
        0.01,
        {"centered": True, "momentum": 0.6, "alpha": 0.8, "eps": 1e-3, "weight_decay": 0.1},
        ref_rmsprop,
    ),
    ("adam", "adam", 0.1, {}, ref_adam),
    ("adam-betas-eps", "adam", 0.1, {"beta1": 0.8, "beta2": 0.9, "eps": 1e-3}, ref_adam),
    # β₂ = 0.6 and a large first gradient make v shrink, so the running max matters.
    ("adam-amsgrad", "adam", 0.1, {"amsgrad": True, "beta1": 0.5, "beta2": 0.6}, ref_adam),
    (
        "adam-amsgrad-weight_decay",
        "adam",
        0.1,
        {"amsgrad": True, "beta2": 0.6, "weight_decay": 0.1},
        ref_adam,
    ),
]
IDS = [case[0] for case in CASES]
TABLE = pytest.mark.parametrize(("case_id", "name", "lr", "options", "reference"), CASES, ids=IDS)

THETA0 = (1.0, -2.0)
GRADS = ((0.5, -2.0), (-1.5, 0.25), (3.0, 1.0))


def _build(name, lr, options):
    return OPTIMIZERS[name].factory(lr, **options)


def _frozen(a) -> np.ndarray:
    a = np.array(a, dtype=np.float64)
    a.setflags(write=False)
    return a


def _freeze_state(state):
    """Make every array of a state read-only (in place) and return deep copies to compare."""
    snapshot = []
    for field in state:
        if isinstance(field, np.ndarray):
            field.setflags(write=False)
            snapshot.append(field.copy())
        else:
            snapshot.append(field)
    return snapshot


def _assert_state_unchanged(state, snapshot):
    for field, saved in zip(state, snapshot, strict=True):
        if isinstance(saved, np.ndarray):
            np.testing.assert_array_equal(field, saved)
        else:
            assert field == saved


def test_the_table_covers_every_registered_optimizer():
    assert {case[1] for case in CASES} == set(OPTIMIZERS)


@TABLE
def test_first_three_steps_match_the_documented_rule(case_id, name, lr, options, reference):
    opt = _build(name, lr, options)
    params = _frozen(THETA0)
    state = opt.init(params)
    path = []
    for g in GRADS:
        params, state = opt.update(_frozen(g), state, params)
        path.append(params)
    expected = reference(THETA0, GRADS, lr, **options)
    np.testing.assert_allclose(np.array(path), np.array(expected), rtol=1e-13, atol=0)
    assert state.count == 3


def test_hand_worked_numbers():
    """A few values worked out on paper, so the references above are anchored too."""

    def close(got, want):
        np.testing.assert_allclose(np.array(got).ravel(), want, rtol=1e-15)

    # gd: 1 − 0.1·0.5 = 0.95, then 0.95 − 0.1·(−1.5) = 1.1.
    close(ref_sgd((1.0,), ((0.5,), (-1.5,)), 0.1), [0.95, 1.1])
    # momentum 0.5: b₁ = 2, θ₁ = 1 − 0.1·2 = 0.8; b₂ = 0.5·2 + 2 = 3, θ₂ = 0.8 − 0.3 = 0.5.
    close(ref_sgd((1.0,), ((2.0,), (2.0,)), 0.1, momentum=0.5), [0.8, 0.5])
    # dampening 0.5 from the second step: b₂ = 0.5·2 + 0.5·2 = 2, θ₂ = 0.8 − 0.2 = 0.6.
    close(ref_sgd((1.0,), ((2.0,), (2.0,)), 0.1, momentum=0.5, dampening=0.5), [0.8, 0.6])
    # nesterov 0.5: b₁ = 2, step g + μb = 3, θ₁ = 0.7.
    close(ref_sgd((1.0,), ((2.0,),), 0.1, momentum=0.5, nesterov=True), [0.7])
    # adagrad: s = 4, θ = 1 − 0.5·2/2 = 0.5; lr_decay 1 halves the second step's γ:
    # s = 8, θ = 0.5 − 0.25·2/√8 = 0.5 − 0.125·√2.
    close(
        ref_adagrad((1.0,), ((2.0,), (2.0,)), 0.5, lr_decay=1.0, eps=0.0),
        [0.5, 0.5 - 0.125 * 2**0.5],
    )
    # adam's first step is −γ·sign(g) when ε = 0: m̂ = g, v̂ = g².
    close(ref_adam((1.0,), ((-4.0,),), 0.1, eps=0.0), [1.1])
    # rmsprop α = 0.75: v = 0.25·16 = 4, θ = 1 − 0.1·4/2 = 0.8.
    close(ref_rmsprop((1.0,), ((4.0,),), 0.1, alpha=0.75, eps=0.0), [0.8])
    # and gdviz itself on the first two
    new, _ = sgd(0.1).update(np.array([0.5]), sgd(0.1).init(np.array([1.0])), np.array([1.0]))
    close(new, [0.95])
    opt = adam(0.1, eps=0.0)
    new, _ = opt.update(np.array([-4.0]), opt.init(np.array([1.0])), np.array([1.0]))
    close(new, [1.1])


# --------------------------------------------------------------------------------------------
# Invariants: purity, init, state structure
# --------------------------------------------------------------------------------------------


@TABLE
def test_update_never_writes_into_its_inputs(case_id, name, lr, options, reference):
    opt = _build(name, lr, options)
    params = _frozen(THETA0)
    state = opt.init(params)
    for g in GRADS:
        grads = _frozen(g)
        snapshot = _freeze_state(state)
        new_params, new_state = opt.update(grads, state, params)  # raises if it writes
        np.testing.assert_array_equal(grads, g)
        _assert_state_unchanged(state, snapshot)
        assert not np.shares_memory(new_params, params)
        params, state = _frozen(new_params), new_state
    np.testing.assert_array_equal(_frozen(THETA0), THETA0)


@TABLE
def test_init_keeps_params(case_id, name, lr, options, reference):
    opt = _build(name, lr, options)
    params = _frozen(THETA0)
    state = opt.init(params)
    np.testing.assert_array_equal(params, THETA0)
    assert state.count == 0
    for field in state:
        if isinstance(field, np.ndarray):
            assert field.shape == params.shape and field.dtype == np.float64
            assert not np.shares_memory(field, params)


def _structure(state):
    return (type(state), tuple(None if f is None else np.shape(f) for f in state))


@TABLE
def test_one_update_keeps_the_state_type(case_id, name, lr, options, reference):
    opt = _build(name, lr, options)
    params = np.array(THETA0)
    state0 = opt.init(params)
    params1, state1 = opt.update(np.array(GRADS[0]), state0, params)
    params2, state2 = opt.update(np.array(GRADS[1]), state1, params1)
    assert type(state1) is type(state0)
    assert state1._fields == state0._fields
    assert (state1.count, state2.count) == (1, 2)
    assert params1.shape == params2.shape == params.shape
    assert params1.dtype == np.float64
    for before, after in zip(state0, state1, strict=True):
        if isinstance(before, np.ndarray):
            assert isinstance(after, np.ndarray)
            assert after.shape == before.shape and after.dtype == np.float64
        elif before is not None:
            assert type(after) is type(before)
    # torch creates SGD's momentum buffer lazily at the first step; from then on it is fixed.
    if isinstance(state0, type(sgd().init(params))) and state1.momentum_buffer is not None:
        assert state1.momentum_buffer.shape == params.shape
    assert _structure(state2) == _structure(state1)


# --------------------------------------------------------------------------------------------
# Behaviour on quadratics: convergence and divergence through the engine
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(OPTIMIZERS))
@pytest.mark.parametrize("objective", [valley(), bowl(10.0)], ids=["valley", "bowl"])
def test_the_suggested_learning_rate_converges_on_quadratics(name, objective):
    """Each row's suggested rate for a function (what the compare page starts from) works."""
    opt = OPTIMIZERS[name].build(OPTIMIZERS[name].lr_for(objective.name, kappa=10.0))
    traj = run(objective, opt, objective.start, steps=20_000, tol=1e-8)
    assert traj.status == "converged", traj.message
    np.testing.assert_allclose(traj.final_params, (0.0, 0.0), atol=1e-4)


DIVERGING = [
    # Valley: λmax = 3. Limits 2/3 (gd), 2·1.9/3 (momentum 0.9), 2·1.9/(2.8·3) (nesterov 0.9).
    ("gd", valley(), 1.0),
    ("gd", valley(), 10.0),
    ("momentum", valley(), 1.5),
    ("nesterov", valley(), 0.6),
    # Every rule, with a step far too large for Rosenbrock's walls.
    *((name, rosenbrock(), 100.0) for name in OPTIMIZERS),
]


@pytest.mark.parametrize(
    ("name", "objective", "lr"), DIVERGING, ids=[f"{n}-{o.name}-{lr:g}" for n, o, lr in DIVERGING]
)
def test_too_large_a_learning_rate_is_reported_as_divergence(name, objective, lr):
    opt = OPTIMIZERS[name].build(lr)
    traj = run(objective, opt, objective.start, steps=5000)
    assert traj.status == "diverged"
    assert "Diverged" in traj.message
    assert traj.suggested_lr is not None and 0 < traj.suggested_lr < lr
    assert traj.diverged_at is not None and traj.diverged_at >= 1
    for a in (traj.params, traj.loss, traj.grad, traj.grad_norm):
        assert np.all(np.isfinite(a))


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda: sgd(-0.1), "learning rate must be a positive number"),
        (lambda: sgd(0.0), "learning rate must be a positive number"),
        (lambda: sgd(float("nan")), "learning rate must be a positive number, not nan"),
        (lambda: adam(float("inf")), "learning rate must be a positive number"),
        (lambda: sgd("0.1"), "learning rate"),
        (lambda: sgd(True), "learning rate"),
        (lambda: OPTIMIZERS["adam"].build(-1e-3), "learning rate"),
        (lambda: sgd(0.1, momentum=1.0), r"momentum must be in \[0, 1\)"),
        (lambda: sgd(0.1, momentum=-0.1), "momentum"),
        (lambda: OPTIMIZERS["momentum"].build(0.1, momentum=1.0), "momentum"),
        (lambda: sgd(0.1, momentum=0.9, dampening=1.5), "dampening"),
        (lambda: sgd(0.1, weight_decay=-1.0), "weight_decay"),
        (lambda: adam(0.1, beta1=1.0), r"beta1 must be in \[0, 1\)"),
        (lambda: adam(0.1, beta2=1.0), "beta2"),
        (lambda: adam(0.1, beta1=float("nan")), "beta1"),
        (lambda: adam(0.1, eps=-1e-8), "eps must be a number ≥ 0"),
        (lambda: rmsprop(0.1, eps=-1.0), "eps"),
        (lambda: adagrad(0.1, eps=-1.0), "eps"),
        (lambda: rmsprop(0.1, alpha=1.5), "alpha"),
        (lambda: adagrad(0.1, lr_decay=-0.5), "lr_decay"),
        (lambda: adagrad(0.1, initial_accumulator_value=-1.0), "initial_accumulator_value"),
        (lambda: nesterov(0.1, dampening=0.5), "Nesterov momentum needs"),
        (lambda: sgd(0.1, momentum=0.9, dampening=0.1, nesterov=True), "dampening = 0"),
        (lambda: sgd(0.1, nesterov=True), "momentum > 0"),
        (lambda: OPTIMIZERS["gd"].build(0.1, momentum=0.9), "Gradient descent has no option"),
        (lambda: OPTIMIZERS["adam"].build(0.1, betas=(0.9, 0.99)), "no option betas"),
        (lambda: OPTIMIZERS["nesterov"].build(0.1, dampening=0.1), "its options are: momentum"),
    ],
)
def test_invalid_hyperparameters_raise_a_clear_error(make, words):
    with pytest.raises(GdvizError, match=words):
        make()


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_every_control_range_builds(name):
    """The UI offers each hyperparameter from `low` to `high`: every end must be accepted."""
    spec = OPTIMIZERS[name]
    assert spec.build().lr == spec.default_lr
    for h in spec.hyperparameters:
        values = [True, False] if h.is_flag else [h.default, h.low, h.high]
        for value in values:
            opt = spec.build(spec.default_lr, **{h.name: value})
            assert opt.hyperparameters[h.name] == value
            assert opt.name == name


# --------------------------------------------------------------------------------------------
# The oracle: torch.optim itself (skipped where torch is not installed, as in CI)
# --------------------------------------------------------------------------------------------

TORCH_CASES = [
    # (id, registry name, lr, options); the torch class and its keywords come from the row
    ("SGD", "gd", 5e-4, {}),
    ("SGD-momentum", "momentum", 2e-4, {"momentum": 0.9}),
    (
        "SGD-momentum-dampening-weight_decay",
        "momentum",
        2e-4,
        {"momentum": 0.8, "dampening": 0.3, "weight_decay": 0.05},
    ),
    ("SGD-nesterov", "nesterov", 2e-4, {"momentum": 0.9}),
    ("Adagrad", "adagrad", 0.3, {}),
    (
        "Adagrad-lr_decay-initial_accumulator-weight_decay",
        "adagrad",
        0.3,
        {"lr_decay": 0.01, "initial_accumulator_value": 0.1, "weight_decay": 0.01},
    ),
    ("RMSprop", "rmsprop", 0.01, {}),
    ("RMSprop-centered-momentum", "rmsprop", 0.03, {"centered": True, "momentum": 0.5}),
    ("Adam", "adam", 0.1, {}),
    ("Adam-amsgrad", "adam", 0.1, {"amsgrad": True}),
    (
        "Adam-amsgrad-weight_decay",
        "adam",
        0.1,
        {"amsgrad": True, "weight_decay": 0.1, "beta1": 0.8},
    ),
]
TORCH_STEPS = 50


def torch_path(torch, cls_name, lr, torch_options, objective, steps):
    """Parameters after each of `steps` torch.optim steps, fed the objective's exact gradient."""
    p = torch.tensor(objective.start, dtype=torch.float64, requires_grad=True)
    # foreach=False: the single-tensor loop, the implementation whose order gdviz follows.
    opt = getattr(torch.optim, cls_name)([p], lr=lr, foreach=False, **torch_options)
    path = []
    for _ in range(steps):
        grad = objective.gradient(p.detach().numpy())
        p.grad = torch.tensor(grad, dtype=torch.float64)
        opt.step()
        path.append(p.detach().numpy().copy())
    return np.array(path)


def max_relative_difference(ours: np.ndarray, theirs: np.ndarray) -> float:
    """Largest |ours − theirs| over the step, relative to the step's largest |theirs|."""
    scale = np.max(np.abs(theirs), axis=1)
    return float(np.max(np.max(np.abs(ours - theirs), axis=1) / scale))


TORCH_FIXTURE = Path(__file__).parent / "fixtures" / "torch_trajectories.json"


def _torch_fixture() -> dict:
    return json.loads(TORCH_FIXTURE.read_text())


def _case_path(name, lr, options, steps) -> np.ndarray:
    objective = rosenbrock()
    traj = run(objective, _build(name, lr, options), objective.start, steps=steps)
    assert traj.status == "max_steps", traj.message
    return traj.params[1:]


class TestAgainstTorchRecording:
    """The oracle in every CI run: torch.optim's own trajectories, recorded by
    tests/fixtures/make_torch_trajectories.py (torch 2.13.0, CPU, float64)."""

    def test_the_recording_covers_the_table(self):
        recorded = _torch_fixture()["cases"]
        assert [c["id"] for c in recorded] == [c[0] for c in TORCH_CASES]
        for case, (case_id, name, lr, options) in zip(recorded, TORCH_CASES, strict=True):
            spec = OPTIMIZERS[name]
            assert (case["name"], case["lr"], case["options"]) == (name, lr, options), case_id
            assert case["torch_class"] == spec.torch_class
            assert case["torch_options"] == json.loads(json.dumps(spec.torch_options(options)))

    @pytest.mark.parametrize(
        ("case_id", "name", "lr", "options"), TORCH_CASES, ids=[c[0] for c in TORCH_CASES]
    )
    def test_matches_the_recorded_torch_path(self, case_id, name, lr, options):
        recording = _torch_fixture()
        case = next(c for c in recording["cases"] if c["id"] == case_id)
        theirs = np.array(case["path"], dtype=np.float64)
        assert theirs.shape == (recording["steps"], 2)
        # Both must actually move: two standing-still paths would prove nothing.
        assert np.max(np.abs(theirs[-1] - np.array(rosenbrock().start))) > 1e-2
        ours = _case_path(name, lr, options, recording["steps"])
        assert max_relative_difference(ours, theirs) < 1e-12


class TestAgainstTorch:
    """gdviz and torch.optim on Rosenbrock in float64, 50 steps, agree to ~1e-12 relative."""

    @pytest.mark.parametrize(
        ("case_id", "name", "lr", "options"), TORCH_CASES, ids=[c[0] for c in TORCH_CASES]
    )
    def test_matches_torch_optim(self, case_id, name, lr, options):
        torch = pytest.importorskip("torch", reason="live torch is optional; CI uses the recording")
        spec = OPTIMIZERS[name]
        objective = rosenbrock()
        theirs = torch_path(
            torch, spec.torch_class, lr, spec.torch_options(options), objective, TORCH_STEPS
        )
        assert np.all(np.isfinite(theirs))
        assert max_relative_difference(_case_path(name, lr, options, TORCH_STEPS), theirs) < 1e-12

    def test_covers_every_registered_optimizer(self):
        assert {c[1] for c in TORCH_CASES} == set(OPTIMIZERS)


# --------------------------------------------------------------------------------------------
# The registry: one complete row per optimizer
# --------------------------------------------------------------------------------------------

OKABE_ITO = {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"}


def _flag_combinations(spec):
    """The row's defaults, then each on/off option switched on, then each number at its top."""
    yield spec.defaults()
    for h in spec.hyperparameters:
        yield spec.defaults() | {h.name: True if h.is_flag else h.high}


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_every_row_is_complete(name):
    from gdviz.cli import build_parser
    from gdviz.objectives import TEST_FUNCTIONS

    spec = OPTIMIZERS[name]
    assert spec.name == name and spec.title and spec.summary
    assert spec.build().name == name and spec.default_lr > 0
    assert spec.style.color in OKABE_ITO and spec.style.dash and spec.style.marker
    assert spec.stability in ("gd", "heavy_ball", "nesterov", None)
    assert set(spec.learning_rates) | {"bowl"} == set(TEST_FUNCTIONS)
    assert all(lr > 0 for lr in spec.learning_rates.values()) and spec.bowl_lr(10.0) > 0
    assert spec.torch_class in ("SGD", "Adagrad", "RMSprop", "Adam")
    parser = build_parser()
    for h in spec.hyperparameters:  # each hyperparameter is an option of the command line
        assert h.help, f"{name}.{h.name} has no help"
        given = [h.cli_flag] if h.is_flag else [h.cli_flag, repr(float(h.high))]
        args = parser.parse_args(["fit", "--optimizer", name, *given])
        assert getattr(args, h.name) == (True if h.is_flag else h.high)
    for hyper in _flag_combinations(spec):
        rule = spec.script(hyper)
        for lines in (rule.constants, rule.state, rule.update):
            compile("\n".join(lines) or "pass", f"{name} script", "exec")  # valid Python
        assert rule.update and rule.maths


def test_rows_are_told_apart_without_colour():
    styles = [spec.style for spec in OPTIMIZERS.values()]
    assert len({s.color for s in styles}) == len(styles)
    assert len({s.dash for s in styles}) == len(styles)
    assert len({s.marker for s in styles}) == len(styles)
