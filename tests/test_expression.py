"""Typed functions: refusals that name what and where, the canonical text, exact gradients."""

from __future__ import annotations

import ast
import inspect
import math
import warnings
from datetime import timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdviz import expression
from gdviz.analysis import curvature, stability_limit
from gdviz.engine import run
from gdviz.errors import GdvizError
from gdviz.expression import (
    FUNCTIONS,
    MAX_LENGTH,
    TypedFunction,
    function_from_text,
    normalise,
    parse_expression,
    parse_function,
)
from gdviz.objectives import TEST_FUNCTIONS, TestFunction, test_function, valley
from gdviz.optimizers import adam, momentum, sgd

# --------------------------------------------------------------------------------------------
# Refusals: every one a GdvizError naming the thing and its column
# --------------------------------------------------------------------------------------------

HOSTILE = [
    # (typed text, fragments the message must contain)
    ("__import__", ("'__import__'", "column 1")),
    ("__import__(os)", ("'__import__'", "column 1")),
    ('__import__("os")', ("quotes", "column 12")),
    ("x.__class__", ("Attribute access", ".__class__", "column 2")),
    ("().__class__.__bases__[0].__subclasses__()", ("Attribute access", ".__subclasses__")),
    ("abs(x).real", ("Attribute access", ".real", "column 7")),
    ("9**9**9", ("exponent", "'9**9'", "column 4")),
    ("x" * 10_240, ("10,240 characters", str(MAX_LENGTH))),
    ("z + 1", ("Unknown name 'z'", "column 1")),
    ("x + foo(y)", ("Unknown function 'foo'", "column 5")),
    ("eval(x)", ("Unknown function 'eval'", "column 1")),
    ("(x + 1", ("'('", "column 1", "never closed")),
    ("x + 1)", ("')'", "column 6")),
    ("(x]", ("']'", "column 3", "'('", "column 1")),
    ("(" * 25 + "x" + ")" * 25, ("20 deep", "column 21")),
    ("lambda: x", ("lambda", "column 1")),
    ("[x for x in (1, 2)]", ("comprehension", "column 1")),
    ("sin(t for t in x)", ("comprehension", "column 4")),
    ("'x'", ("quotes", "column 1")),
    ("x + f'{y}'", ("quotes", "column 6")),
    ("log(x, base=2)", ("keyword argument 'base='", "column 8")),
    ("sin(**x)", ("keyword argument '**'", "column 5")),
    ("sin(*x)", ("Unpacking", "column 5")),
    ("x // 2", ("'//'", "column 3")),
    ("x % 2", ("'%'", "column 3")),
    ("x @ y", ("'@'", "column 3")),
    ("x & y", ("'&'", "column 3")),
    ("x | y", ("'|'", "column 3")),
    ("(x) << 1", ("'<<'", "column 5")),
    ("x < y", ("comparison", "column 1")),
    ("x and y", ("logic operator", "'x and y'", "column 1")),
    ("not x", ("'not'", "column 1")),
    ("~x", ("'~'", "column 1")),
    ("x if y else 1", ("conditional", "column 1")),
    ("x[0]", ("Indexing", "column 1")),
    ("(x := 2)", ("assignment", "column 2")),
    ("{x}", ("set", "column 1")),
    ("{x: 1}", ("dict", "column 1")),
    ("x, y", ("comma", "column 1")),
    ("1j*x", ("imaginary", "'1j'", "column 1")),
    ("True + x", ("True", "column 1")),
    ("x + None", ("None", "column 5")),
    ("1e7*x", ("'1e7'", "column 1", "1,000,000")),
    ("x + 1e999", ("'1e999'", "column 5")),
    ("sin + x", ("sin", "column 1", "is a function")),
    ("y(2)", ("y", "column 1", "not a function")),
    ("sin(x)(y)", ("Calling", "column 1")),
    ("sin(x, y)", ("sin", "column 1", "one argument, not 2")),
    ("cos()", ("cos", "one argument, not 0")),
    ("2**x", ("exponent 'x'", "column 4", "constant")),
    ("x^y", ("exponent 'y'", "column 3", "constant")),
    ("x**11", ("exponent '11'", "column 4", "10")),
    ("x**-11", ("exponent '-11'", "column 4", "10")),
    ("x**(1/0)", ("exponent '1/0'", "column 5", "not a finite number")),
    ("x # comment", ("comment", "column 3")),
    ("x +\\\n y", ("backslash", "column 4")),
    ("x\ny", ("invisible", "column 2", "one line")),
    ("x\u200b + y", ("ZERO WIDTH SPACE", "column 2")),
    ("3y", ("column 1", "3*y")),
    ("x² y", ("column 4", "'y'", "invalid syntax")),
    ("x + * y", ("column 5", "'* y'")),
    ("x**", ("at the end",)),
    ("x = 1", ("column 3",)),
    ("import os", ("column 1",)),
    ("+".join(["x"] * 61), ("121 parts", "120")),
    ("-" * 60 + "x", ("60 levels", "column 61")),
    ("", ("empty",)),
    ("   ", ("empty",)),
]


@pytest.mark.parametrize(("text", "fragments"), HOSTILE, ids=lambda v: repr(v)[:30])
def test_refusals_name_what_and_where(text, fragments):
    with pytest.raises(GdvizError) as info:
        parse_expression(text)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    assert "Traceback" not in message and len(message) < 400


@pytest.mark.parametrize("value", [None, 3, b"x**2", ["x"]])
def test_a_formula_must_be_text(value):
    with pytest.raises(GdvizError, match="must be text"):
        parse_expression(value)


def test_the_length_limit_is_on_the_normalised_text_without_spaces():
    at_limit = "+".join(["0.123456*x"] * 18) + "*25"
    assert len(at_limit) == MAX_LENGTH
    assert normalise(at_limit.replace("+", "  +  ")).replace(" ", "") == at_limit  # spaces: free
    with pytest.raises(GdvizError, match=f"{MAX_LENGTH + 1} characters long written out"):
        parse_expression(at_limit.replace("*25", "*2.5"))
    typed_at_limit = at_limit.replace("*25", "^10")  # 200 typed; ^ counts as **: 201
    with pytest.raises(GdvizError, match=f"{MAX_LENGTH + 1} characters long written out"):
        parse_expression(typed_at_limit)


def test_a_long_typed_formula_normalises_to_text_that_is_accepted_back():
    typed = "+".join(["x^2*y"] * 19)  # compact, with ^: the normalised text is longer
    canonical = normalise(typed)
    assert len(canonical) > len(typed)
    assert parse_expression(canonical).tree == parse_expression(typed).tree


def test_the_module_never_runs_text_as_code():
    """No eval/exec/compile/__import__ calls and no sympy or numexpr anywhere in the module."""
    tree = ast.parse(inspect.getsource(expression))
    called = {
        node.func.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    assert not called & {"eval", "exec", "compile", "__import__"}
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    } | {
        node.module.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
    }
    assert not imported & {"sympy", "numexpr", "importlib", "builtins", "os", "subprocess"}


# --------------------------------------------------------------------------------------------
# The canonical text and the printed formula
# --------------------------------------------------------------------------------------------

CANONICAL = [
    (" x**2+x*y+y**2 ", "x**2 + x*y + y**2"),
    ("x^2 + 3*y^2", "x**2 + 3*y**2"),
    ("x² + 3·y²", "x**2 + 3*y**2"),
    ("x × y − 1", "x*y - 1"),
    ("((x))", "x"),
    ("+x", "x"),
    ("(x - y) - 1", "x - y - 1"),
    ("x - (y - 1)", "x - (y - 1)"),
    ("x*(y*2)", "x*(y*2)"),
    ("(-x)**2", "(-x)**2"),
    ("-(x**2)", "-x**2"),
    ("x**(-2)", "x**-2"),
    ("x ** (1/3)", "x**(1/3)"),
    ("(x**2)**3", "(x**2)**3"),
    ("2**3**2*x", "2**3**2*x"),
    ("x - -3", "x - -3"),
    ("π*x", "pi*x"),
    ("1e-3*x + 2.50*y + 1_000", "0.001*x + 2.5*y + 1000"),
    ("SIN(x)".lower(), "sin(x)"),
]


@pytest.mark.parametrize(("text", "canonical"), CANONICAL)
def test_normalise_spells_each_formula_one_way(text, canonical):
    assert normalise(text) == canonical
    assert normalise(canonical) == canonical
    assert parse_expression(canonical).tree == parse_expression(text).tree


@pytest.mark.parametrize("name", ["valley", "saddle"])
def test_the_printed_formula_matches_the_built_in_style(name):
    typed = {"valley": "x**2 + x*y + y**2", "saddle": "x^2 - y^2"}[name]
    assert parse_function(typed).formula == test_function(name).formula


def test_printed_formula_uses_superscripts_pi_and_dots():
    assert parse_expression("pi*x**-1 + x**0.5 - y**10").formula == "π·x⁻¹ + x^0.5 − y¹⁰"


# --------------------------------------------------------------------------------------------
# Exact gradients
# --------------------------------------------------------------------------------------------

GRADIENT_TABLE = [
    "x**2 + 3*y**2",
    "sin(x)*cos(y) + 0.1*(x**2+y**2)",
    "(1 - x)**2 + 100*(y - x**2)**2",
    "exp(-(x**2 + y**2))",
    "log(1 + x**2 + y**2)",
    "sqrt(1 + x**2)*tanh(y)",
    "tan(x/4)*y",
    "abs(x - 0.3) + x*y",
    "x/(1 + y**2)",
    "x**-0.5*y",
    "x**(1/3) + y**3",
    "-(x - y)**4/e + pi*y",
    "cos(x*y)**3 - 2^(-1)*x",
]
POINTS = [(0.7, -0.4), (1.3, 0.9), (0.2, 1.7)]


def _central_difference(fn: TestFunction, x: float, y: float) -> np.ndarray:
    hx, hy = 1e-6 * max(1.0, abs(x)), 1e-6 * max(1.0, abs(y))
    return np.array(
        (
            (fn.f(x + hx, y) - fn.f(x - hx, y)) / (2 * hx),
            (fn.f(x, y + hy) - fn.f(x, y - hy)) / (2 * hy),
        )
    )


@pytest.mark.parametrize("text", GRADIENT_TABLE)
def test_gradient_matches_central_differences(text):
    fn = parse_function(text)
    for x, y in POINTS:
        value, grad = fn.value_and_gradient(np.array((x, y)))
        assert value == pytest.approx(fn.f(x, y), rel=1e-15)
        numeric = _central_difference(fn, x, y)
        assert np.all(np.abs(grad - numeric) <= 1e-6 * (1.0 + np.abs(grad))), (x, y, grad)
        assert fn.gradient(np.array((x, y))) == pytest.approx(grad, rel=1e-15)


@pytest.mark.parametrize("text", GRADIENT_TABLE)
def test_grid_agrees_with_the_pointwise_value(text):
    fn = parse_function(text)
    xs, ys = np.linspace(0.1, 1.9, 7), np.linspace(-1.3, 1.1, 5)
    grid = fn.grid(xs[None, :], ys[:, None])
    assert grid.shape == (5, 7) and grid.dtype == np.float64
    expected = np.array([[fn.value(np.array((x, y))) for x in xs] for y in ys])
    np.testing.assert_allclose(grid, expected, rtol=1e-12, atol=1e-14)


def test_analytic_gradients_of_the_issue_examples():
    quad = parse_function("x**2 + 3*y**2")
    wavy = parse_function("sin(x)*cos(y) + 0.1*(x**2+y**2)")
    for x, y in POINTS:
        _, g = quad.value_and_gradient(np.array((x, y)))
        np.testing.assert_allclose(g, (2 * x, 6 * y), rtol=1e-15)
        v, g = wavy.value_and_gradient(np.array((x, y)))
        assert v == pytest.approx(math.sin(x) * math.cos(y) + 0.1 * (x * x + y * y), rel=1e-15)
        expected = (
            math.cos(x) * math.cos(y) + 0.2 * x,
            -math.sin(x) * math.sin(y) + 0.2 * y,
        )
        np.testing.assert_allclose(g, expected, rtol=1e-14)
    assert quad.hessian == ((2.0, 0.0), (0.0, 6.0)) and quad.minima == ((0.0, 0.0),)
    assert wavy.hessian is None and wavy.minima == ()


# Each built-in written as a person would type it.
TYPED_BUILT_INS = {
    "valley": "x**2 + x*y + y**2",
    "bowl": "x**2 + 10*y**2",
    "rosenbrock": "(1 - x)**2 + 100*(y - x**2)**2",
    "himmelblau": "(x**2 + y - 11)**2 + (x + y**2 - 7)**2",
    "beale": "(1.5 - x + x*y)**2 + (2.25 - x + x*y**2)**2 + (2.625 - x + x*y**3)**2",
    "saddle": "x**2 - y**2",
    "booth": "(x + 2*y - 7)**2 + (2*x + y - 5)**2",
    "matyas": "0.26*(x**2 + y**2) - 0.48*x*y",
}


def test_every_built_in_is_typed_here():
    assert set(TYPED_BUILT_INS) == set(TEST_FUNCTIONS)


@pytest.mark.parametrize("name", sorted(TYPED_BUILT_INS))
def test_typed_built_ins_equal_the_built_ins(name):
    built = test_function(name)
    typed = parse_function(TYPED_BUILT_INS[name], window=built.window, start=built.start)
    rng = np.random.default_rng(7)
    (x0, x1), (y0, y1) = built.window
    for x, y in zip(rng.uniform(x0, x1, 20), rng.uniform(y0, y1, 20), strict=True):
        v_typed, g_typed = typed.value_and_gradient(np.array((x, y)))
        v_built, g_built = built.value_and_gradient(np.array((x, y)))
        assert v_typed == pytest.approx(v_built, rel=1e-12, abs=1e-12)
        np.testing.assert_allclose(g_typed, g_built, rtol=1e-12, atol=1e-11)
    xs, ys = np.linspace(x0, x1, 9), np.linspace(y0, y1, 11)
    np.testing.assert_allclose(
        typed.grid(xs[None, :], ys[:, None]),
        built.grid(xs[None, :], ys[:, None]),
        rtol=1e-12,
        atol=1e-12,
    )
    if built.hessian is None:
        assert typed.hessian is None and typed.minima == ()
    else:
        np.testing.assert_allclose(typed.hessian, built.hessian, rtol=1e-15)
        np.testing.assert_allclose(typed.minima, built.minima, rtol=1e-12, atol=1e-15)
        assert len(typed.minima) == len(built.minima)


@pytest.mark.parametrize(
    "optimizer", [sgd(0.1), momentum(0.05), adam(0.1)], ids=["gd", "momentum", "adam"]
)
def test_typed_valley_runs_like_the_built_in(optimizer):
    built = valley()
    typed = parse_function("x**2 + x*y + y**2")
    a = run(typed, optimizer, built.start, steps=500, tol=1e-10)
    b = run(built, optimizer, built.start, steps=500, tol=1e-10)
    assert (a.status, a.steps) == (b.status, b.steps)
    for left, right in ((a.params, b.params), (a.loss, b.loss), (a.grad, b.grad)):
        np.testing.assert_allclose(left, right, rtol=1e-12, atol=1e-12)
    x = np.linspace(-3, 3, 31)
    np.testing.assert_allclose(
        typed.grid(x[None, :], x[:, None]), built.grid(x[None, :], x[:, None]), rtol=1e-12
    )
    assert typed.hessian == built.hessian and typed.minima == built.minima


# --------------------------------------------------------------------------------------------
# Non-finite values: IEEE's answer, never a warning or an exception
# --------------------------------------------------------------------------------------------

EDGES = [
    # (formula, point, value check)
    ("log(x)", (-1.0, 0.0), math.isnan),
    ("log(x)", (0.0, 0.0), lambda v: v == -math.inf),
    ("1/x + y", (0.0, 1.0), lambda v: v == math.inf),
    ("0/x", (0.0, 1.0), math.isnan),
    ("sqrt(y)", (0.0, -4.0), math.isnan),
    ("x**0.5", (-2.0, 0.0), math.isnan),
    ("x**-1", (0.0, 0.0), lambda v: v == math.inf),
    ("exp(1000*x)", (1.0, 0.0), lambda v: v == math.inf),
    ("(1e6*x)**10*1e6**10", (1e30, 0.0), lambda v: v == math.inf),
    ("x*y*1e6", (1e200, 1e200), lambda v: v == math.inf),
    ("sin(x*y)", (1e200, 1e200), math.isnan),
    ("tan(x)", (math.pi / 2, 0.0), math.isfinite),
]


@pytest.mark.parametrize(("text", "point", "check"), EDGES)
def test_bad_points_are_non_finite_quietly(text, point, check):
    fn = parse_function(text)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value, grad = fn.value_and_gradient(np.array(point))
        grid = fn.grid(np.array([[point[0], 0.5]]), np.array([[point[1]], [0.5]]))
        f_value = fn.f(*point)
    assert check(value) and check(f_value) and check(grid[0, 0])
    assert grad.shape == (2,) and grad.dtype == np.float64


def test_constant_parts_are_folded_before_differentiating():
    fn = parse_function("sqrt(0)*x + log(1)*y + x")  # 0·x: the derivative of sqrt(0) is unused
    _, grad = fn.value_and_gradient(np.array((1.0, 2.0)))
    assert grad.tolist() == [1.0, 0.0]


def test_a_divergence_is_a_status_not_an_error():
    fn = parse_function("exp(x**2)", start=(1.0, 0.0))
    trajectory = run(fn, sgd(1.0), fn.start, steps=50)
    assert trajectory.status == "diverged"
    assert np.all(np.isfinite(trajectory.params))


def test_a_start_where_f_is_undefined_is_refused_by_the_engine():
    fn = parse_function("log(x)", start=(-1.0, 0.0))
    with pytest.raises(GdvizError, match="not a finite number"):
        run(fn, sgd(0.1), fn.start, steps=5)


# --------------------------------------------------------------------------------------------
# The TestFunction, grids, quadratics, the cache, the built-in fallback
# --------------------------------------------------------------------------------------------


def test_parse_function_builds_a_test_function():
    fn = parse_function("x^2 + 3*y^2")
    assert isinstance(fn, TestFunction) and isinstance(fn, TypedFunction)
    assert fn.name == "custom" and fn.text == "x**2 + 3*y**2" and fn.formula == "x² + 3·y²"
    assert fn.window == ((-3.0, 3.0), (-3.0, 3.0)) and fn.start == (2.5, -1.0)
    assert fn.param_names == ("x", "y")
    other = parse_function("x**2", window=((-1, 2), (0, 5)), start=(1, 4))
    assert other.window == ((-1.0, 2.0), (0.0, 5.0)) and other.start == (1.0, 4.0)
    assert other.df(3.0, 1.0) == (6.0, 0.0)


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        ({"window": ((1, 0), (0, 1))}, "low to high"),
        ({"window": ((0, 1),)}, "two ranges"),
        ({"window": ((0, math.inf), (0, 1))}, "finite"),
        ({"start": (1.0,)}, "two numbers"),
        ({"start": ("a", 1)}, "two numbers"),
        ({"start": "12"}, "two numbers"),
        ({"start": (math.nan, 0.0)}, "finite"),
    ],
)
def test_bad_windows_and_starts_are_refused(options, fragment):
    with pytest.raises(GdvizError, match=fragment):
        parse_function("x**2", **options)


@pytest.mark.parametrize("text", ["x", "pi", "y**2", "sin(x)*0 + 2"])
def test_grid_broadcasts_to_the_full_shape(text):
    fn = parse_function(text)
    grid = fn.grid(np.linspace(-1, 1, 4)[None, :], np.linspace(-2, 2, 3)[:, None])
    assert grid.shape == (3, 4) and grid.dtype == np.float64
    assert grid.flags.writeable


def test_grid_never_returns_or_writes_its_inputs():
    p0, p1 = np.ones((3, 4)), np.zeros((3, 4))
    for text in ("x", "y", "+x"):
        grid = parse_function(text).grid(p0, p1)
        assert grid is not p0 and grid is not p1 and not np.shares_memory(grid, p0)
        grid[...] = 7.0
    assert np.all(p0 == 1.0) and np.all(p1 == 0.0)


@pytest.mark.parametrize(
    ("text", "hessian", "minimum"),
    [
        ("(x - 1)**2 + 2*(y + 0.5)**2", ((2.0, 0.0), (0.0, 4.0)), (1.0, -0.5)),
        ("(x + 2*y - 7)**2/2 + 3", ((1.0, 2.0), (2.0, 4.0)), None),  # singular: a line
        ("x*y", ((0.0, 1.0), (1.0, 0.0)), None),  # a saddle
        ("x**2/4 - x + sqrt(4)*y**2", ((0.5, 0.0), (0.0, 4.0)), (2.0, 0.0)),
    ],
)
def test_quadratics_carry_their_hessian_and_minimum(text, hessian, minimum):
    fn = parse_function(text)
    np.testing.assert_allclose(fn.hessian, hessian, rtol=1e-15)
    if minimum is None:
        assert fn.minima == ()
    else:
        np.testing.assert_allclose(fn.minima, (minimum,), atol=1e-15)
        _, grad = fn.value_and_gradient(np.array(minimum))
        np.testing.assert_allclose(grad, (0.0, 0.0), atol=1e-14)


@pytest.mark.parametrize("text", ["x + y", "-x**2 - y**2", "-x**2", "x**3 + y**2", "exp(x)"])
def test_no_hessian_without_a_positive_constant_curvature(text):
    fn = parse_function(text)
    assert fn.hessian is None and fn.minima == ()
    assert curvature(fn) is None


def test_typed_quadratics_get_gdviz_stability_limits():
    fn = parse_function("x**2 + 3*y**2")
    curv = curvature(fn)
    assert (curv.lam_min, curv.lam_max) == pytest.approx((2.0, 6.0))
    assert stability_limit(curv, sgd(0.1)) == pytest.approx(2.0 / 6.0)
    below = run(fn, sgd(0.99 * 2 / 6), fn.start, steps=2000, tol=1e-6)
    above = run(fn, sgd(1.01 * 2 / 6), fn.start, steps=2000, tol=1e-6)
    assert (below.status, above.status) == ("converged", "diverged")


def test_parsing_is_cached_and_spellings_share_their_closures():
    assert parse_expression("x**2 + y") is parse_expression("x**2 + y")
    expression._compiled.cache_clear()
    parse_function("x^2+3*y")
    parse_function("x**2 + 3*y")
    info = expression._compiled.cache_info()
    assert (info.misses, info.hits) == (1, 1)


def test_function_from_text_prefers_built_in_names():
    assert function_from_text(" valley ").name == "valley"
    assert function_from_text("bowl", kappa=4.0).hessian == ((2.0, 0.0), (0.0, 8.0))
    typed = function_from_text("x**2 + x*y + y**2", start=(1.0, 1.0))
    assert typed.name == "custom" and typed.start == (1.0, 1.0)
    assert function_from_text("x").text == "x"
    with pytest.raises(GdvizError, match="choose one of valley"):
        function_from_text("valey")


# --------------------------------------------------------------------------------------------
# Property tests: token soups and random valid formulas
# --------------------------------------------------------------------------------------------

TOKENS = [
    *("x", "y", "pi", "e", "π", "0", "1", "2", "2.5", "1e3", "1e6", "1e7", "0x1f", "1j", "9"),
    *("+", "-", "*", "/", "**", "^", "//", "%", "@", "&", "|", "~", "<", "==", "=", ":="),
    *("(", ")", "[", "]", "{", "}", ",", ".", ":", ";", " ", "  ", "\t", "\n", "#", "\\"),
    *("'", '"', "_", "__import__", "__class__", "lambda", "for", "in", "if", "else", "not"),
    *("and", "or", "True", "None", "...", "yield", "import", "os", "real", "base="),
    *("×", "·", "−", "²", "³", "é", "\u200b", "ｘ", "eval", "exec", "open"),
    *FUNCTIONS,
]
SAMPLE_X = np.array([-2.0, -0.5, 0.0, 1e-300, 0.7, 3.0, 1e6])


def _exercise(fn: TestFunction) -> None:
    """Evaluate everywhere it could break: must neither raise nor warn."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for x in SAMPLE_X:
            for y in (-1.0, 0.0, 2.0):
                value, grad = fn.value_and_gradient(np.array((x, y)))
                assert isinstance(value, float) and grad.shape == (2,)
        grid = fn.grid(SAMPLE_X[None, :], SAMPLE_X[:, None])
        assert grid.shape == (SAMPLE_X.size, SAMPLE_X.size)


def _check_or_refuse(text: str) -> None:
    try:
        fn = parse_function(text)
    except GdvizError as exc:
        assert str(exc)
        return
    assert normalise(fn.text) == fn.text
    _exercise(fn)


# A hang detector, not a speed target: a parse takes tens of microseconds.
HANG = settings(max_examples=400, deadline=timedelta(seconds=5))


@HANG
@given(st.lists(st.sampled_from(TOKENS), max_size=40))
def test_token_soups_are_parsed_or_refused_with_a_gdviz_error(tokens):
    _check_or_refuse("".join(tokens))


@HANG
@given(st.text(max_size=MAX_LENGTH + 20))
def test_any_text_is_parsed_or_refused_with_a_gdviz_error(text):
    _check_or_refuse(text)


_LEAVES = st.sampled_from(["x", "y", "pi", "e", "2", "0.5", "3", "1e-3", "0"])


def _grow(children):
    return st.one_of(
        st.tuples(children, st.sampled_from(["+", "-", "*", "/", " - ", "×"]), children).map(
            lambda t: f"({t[0]}){t[1]}({t[2]})"
        ),
        st.tuples(st.sampled_from(FUNCTIONS), children).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(children, st.sampled_from(["2", "3", "-1", "0.5", "(1/3)", "0"])).map(
            lambda t: f"({t[0]})^{t[1]}"
        ),
        children.map(lambda c: f"-({c})"),
    )


@HANG
@given(st.recursive(_LEAVES, _grow, max_leaves=10))
def test_valid_formulas_round_trip_through_their_canonical_text(text):
    try:
        parsed = parse_expression(text)
    except GdvizError as exc:
        assert "characters long" in str(exc) or "parts" in str(exc)
        return
    again = parse_expression(parsed.text)
    assert again.tree == parsed.tree and again.text == parsed.text
    _exercise(parse_function(text))
