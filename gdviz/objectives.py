"""Things to minimise: a value, an exact gradient, and a whole grid of values in one call.

Two families share one interface (`Objective`):

* `LineFit`: fit y = m*x + b to points, parameters (m, b), with the losses of `gdviz.losses`;
* `TestFunction`: the classic 2-D functions of optimisation texts, parameters (x, y), in
  `TEST_FUNCTIONS`.

Parameters are float64 arrays of shape (2,). `grid(P0, P1)` broadcasts over arrays of parameter
values, so a whole loss surface is one vectorised call.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from gdviz.errors import GdvizError
from gdviz.losses import LOSS_RECORDS, LOSSES, Loss

# Points per block of the sufficient statistics' passes: 512 KB per temporary, in cache.
_STATS_BLOCK = 65_536
# Points per chunk when a grid is evaluated point by point (mae, huber): bounds the temporary
# arrays to about 8 MB whatever N and the grid size are.
_CHUNK_CELLS = 1_000_000


class Objective(Protocol):
    """What the engine needs from anything it minimises."""

    name: str
    param_names: tuple[str, str]

    def value(self, params: np.ndarray) -> float: ...

    def gradient(self, params: np.ndarray) -> np.ndarray: ...

    def value_and_gradient(self, params: np.ndarray) -> tuple[float, np.ndarray]: ...

    def grid(self, p0: np.ndarray, p1: np.ndarray) -> np.ndarray: ...


# --------------------------------------------------------------------------------------------
# Line fit
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SufficientStats:
    """Centred sums that determine the squared loss of every line exactly.

    With x̄, ȳ the means, Sxx = Σ(x - x̄)², the least-squares slope m̂ = Σ(x - x̄)(y - ȳ) / Sxx,
    its residual sum RSS = Σ((y - ȳ) - m̂ (x - x̄))² and c = ȳ - m x̄ - b (the mean residual of
    the line (m, b)), completing the square gives, with no cancelling terms,

        Σ(y - (m x + b))² = RSS + Sxx (m - m̂)² + N c²
        ∂/∂m = -2 (Sxx (m̂ - m) + N x̄ c)
        ∂/∂b = -2 N c

    Centring keeps these exact when x is large and its spread small (x ≈ 10⁶ ± 1), where raw
    sums such as Σx² would cancel; RSS is summed point by point once, so the loss stays exact
    near the optimum too.
    """

    n: int
    x_mean: float
    y_mean: float
    sxx: float
    slope: float
    rss: float

    @classmethod
    def of(cls, x: np.ndarray, y: np.ndarray) -> SufficientStats:
        """Three passes over the data in cache-sized blocks, so no N-sized temporary is made:
        the means; the centred sums (which also correct the means for rounding, the classic
        two-pass correction); and the residual sum about the least-squares line."""
        n = len(x)
        x0, y0 = float(np.mean(x)), float(np.mean(y))
        blocks = [slice(i, i + _STATS_BLOCK) for i in range(0, n, _STATS_BLOCK)]
        sdx = sdy = sxx = sxy = 0.0
        for block in blocks:
            dx, dy = x[block] - x0, y[block] - y0
            sdx += float(dx.sum())
            sdy += float(dy.sum())
            sxx += float(dx @ dx)
            sxy += float(dx @ dy)
        ex, ey = sdx / n, sdy / n  # what the first means missed
        x_mean, y_mean = x0 + ex, y0 + ey
        sxx -= n * ex * ex
        sxy -= n * ex * ey
        slope = sxy / sxx if sxx > 0 else 0.0
        rss = 0.0
        for block in blocks:
            r = (y[block] - y_mean) - slope * (x[block] - x_mean)
            rss += float(r @ r)
        return cls(n, x_mean, y_mean, sxx, slope, rss)

    def sse(self, m, b):
        """Σ(y - (m x + b))²; m and b may be arrays (broadcast)."""
        c = self.y_mean - m * self.x_mean - b
        dm = m - self.slope
        return self.rss + self.sxx * dm * dm + self.n * c * c


@dataclass(frozen=True, eq=False)
class LineFit:
    """The loss of the line y = m*x + b over points, as a function of (m, b).

    The losses are the records of `gdviz.losses` (r_i = y_i - (m x_i + b)): ``mse`` (1/N) Σ r_i²,
    the teaching material's convention (default); ``sse`` Σ r_i², no 1/N, so the same learning
    rate takes N times larger steps; ``mae`` (1/N) Σ |r_i|; ``huber`` (1/N) Σ h_δ(r_i), torch's
    HuberLoss.

    For quadratic losses (``mse``/``sse``) the value, the gradient and every grid cell come
    from `SufficientStats`: O(1) per step and per cell whatever N is. The per-point formulas
    are kept for mini-batches and as the oracle the tests compare against.
    """

    x: np.ndarray
    y: np.ndarray
    loss: str = "mse"
    delta: float = 1.0
    param_names: tuple[str, str] = ("m", "b")
    stats: SufficientStats = field(init=False, repr=False)
    _hot_constants: tuple = field(init=False, repr=False)

    def __post_init__(self):
        x = _as_readonly_float64(self.x, "x")
        y = _as_readonly_float64(self.y, "y")
        if x.shape != y.shape:
            raise GdvizError(f"x has {x.size} values but y has {y.size}; they must pair up.")
        if x.size < 2:
            raise GdvizError("A line needs at least 2 points.")
        if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
            raise GdvizError("Every x and y must be a finite number.")
        if self.loss not in LOSS_RECORDS:
            raise GdvizError(f"Unknown loss {self.loss!r}; choose one of {', '.join(LOSSES)}.")
        if not (math.isfinite(self.delta) and self.delta > 0):
            raise GdvizError(f"The Huber delta must be a positive number, not {self.delta!r}.")
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "y", y)
        stats = SufficientStats.of(x, y)
        object.__setattr__(self, "stats", stats)
        # One tuple to unpack per step: attribute look-ups dominate an O(1) step's cost.
        hot = (self._sse_factor, stats.n, stats.x_mean, stats.y_mean, stats.sxx, stats.slope)
        object.__setattr__(self, "_hot_constants", (*hot, stats.rss))

    @property
    def name(self) -> str:
        return f"line fit ({self.loss})"

    @property
    def n(self) -> int:
        return self.x.size

    @property
    def rule(self) -> Loss:
        """The loss's record: its pointwise value ℓ(r) and derivative ψ(r)."""
        return LOSS_RECORDS[self.loss]

    @property
    def scale(self) -> float:
        """N for a summed loss (sse), 1 for the losses that average over points."""
        return float(self.n) if self.rule.summed else 1.0

    # -- full data -------------------------------------------------------------------------
    def value(self, params: np.ndarray) -> float:
        m, b = float(params[0]), float(params[1])
        if self.rule.quadratic:
            return float(self.stats.sse(m, b)) * self._sse_factor
        return self.pointwise_value(params)

    def gradient(self, params: np.ndarray) -> np.ndarray:
        return self.value_and_gradient(params)[1]

    def value_and_gradient(self, params: np.ndarray) -> tuple[float, np.ndarray]:
        """Loss and gradient together: the engine's hot path, O(1) for mse/sse."""
        if not self.rule.quadratic:
            return self.pointwise_value(params), self.pointwise_gradient(params)
        m, b = params.tolist()  # Python floats: far cheaper than numpy scalars here
        f, n, x_mean, y_mean, sxx, slope, rss = self._hot_constants
        c = y_mean - m * x_mean - b
        dm = m - slope
        value = (rss + sxx * dm * dm + n * c * c) * f
        return value, np.array((2.0 * f * (sxx * dm - n * x_mean * c), -2.0 * f * n * c))

    def grid(self, p0: np.ndarray, p1: np.ndarray) -> np.ndarray:
        """Loss at every (m, b) pair of the broadcast arrays p0 (m) and p1 (b)."""
        m, b = np.broadcast_arrays(np.asarray(p0, float), np.asarray(p1, float))
        if self.rule.quadratic:
            return self.stats.sse(m, b) * self._sse_factor
        flat_m, flat_b = m.ravel(), b.ravel()
        out = np.empty(flat_m.size)
        rows = max(1, _CHUNK_CELLS // self.n)
        for start in range(0, flat_m.size, rows):
            sl = slice(start, start + rows)
            r = self.y - (flat_m[sl, None] * self.x + flat_b[sl, None])
            out[sl] = self._pointwise_loss(r).mean(axis=1)
        return out.reshape(m.shape)

    # -- per point (mini-batches and the tests' oracle) -------------------------------------
    def pointwise_value(self, params: np.ndarray, indices: np.ndarray | None = None) -> float:
        """The loss computed point by point, over all points or over `indices`."""
        x, y = self._subset(indices)
        r = y - (params[0] * x + params[1])
        return float(self._pointwise_loss(r).mean() * self.scale)

    def pointwise_gradient(
        self, params: np.ndarray, indices: np.ndarray | None = None
    ) -> np.ndarray:
        """Gradient point by point; over `indices` it is the mini-batch estimate.

        With residual derivative ψ(r) (2r for squared losses, sign(r) for mae, clip(r, -δ, δ)
        for huber), ∂/∂m = -scale·mean(ψ(r)·x), ∂/∂b = -scale·mean(ψ(r)). Over a batch this is
        an unbiased estimate of the full gradient (for sse the batch mean is scaled by N).
        """
        x, y = self._subset(indices)
        r = y - (params[0] * x + params[1])
        psi = self._residual_derivative(r)
        return -self.scale * np.array((float(np.mean(psi * x)), float(np.mean(psi))))

    def batch_gradient(self, params: np.ndarray, indices: np.ndarray) -> np.ndarray:
        return self.pointwise_gradient(params, indices)

    # -- helpers -----------------------------------------------------------------------------
    @property
    def _sse_factor(self) -> float:
        return 1.0 if self.rule.summed else 1.0 / self.n

    def _subset(self, indices):
        if indices is None:
            return self.x, self.y
        return self.x[indices], self.y[indices]

    def _pointwise_loss(self, r: np.ndarray) -> np.ndarray:
        return self.rule.value(r, self.delta)

    def _residual_derivative(self, r: np.ndarray) -> np.ndarray:
        return self.rule.psi(r, self.delta)


def _as_readonly_float64(v, name: str) -> np.ndarray:
    """A read-only float64 view: the caller's array itself when it already is one (as
    `gdviz.data` returns), else a private copy, so no input is ever flagged or changed."""
    reusable = isinstance(v, np.ndarray) and v.dtype == np.float64 and v.ndim == 1
    if reusable and not v.flags.writeable:
        return v
    try:
        a = np.array(v, dtype=np.float64).ravel()
    except (TypeError, ValueError) as exc:
        raise GdvizError(f"The {name} values must be numbers.") from exc
    a.setflags(write=False)
    return a


# --------------------------------------------------------------------------------------------
# 2-D test functions
# --------------------------------------------------------------------------------------------

Window = tuple[tuple[float, float], tuple[float, float]]


@dataclass(frozen=True, eq=False)
class TestFunction:
    """A function f(x, y) of two parameters, with its exact gradient and known minima.

    `f` and `df` broadcast over arrays, so `grid` is `f` itself.
    """

    __test__ = False  # not a pytest test class, despite the name

    name: str
    formula: str
    f: Callable[[np.ndarray, np.ndarray], np.ndarray] = field(repr=False)
    df: Callable[[float, float], tuple[float, float]] = field(repr=False)
    minima: tuple[tuple[float, float], ...]
    window: Window
    start: tuple[float, float]
    description: str = ""
    hessian: tuple[tuple[float, float], tuple[float, float]] | None = None  # when constant
    param_names: tuple[str, str] = ("x", "y")

    def value(self, params: np.ndarray) -> float:
        return self.value_and_gradient(params)[0]

    def gradient(self, params: np.ndarray) -> np.ndarray:
        return self.value_and_gradient(params)[1]

    def value_and_gradient(self, params: np.ndarray) -> tuple[float, np.ndarray]:
        """f and ∇f on Python floats (fast for two numbers). Python's `**` raises on overflow
        where numpy would give inf; far from the origin that is a divergence, not an error."""
        x, y = params.tolist()
        try:
            return float(self.f(x, y)), np.array(self.df(x, y), dtype=np.float64)
        except OverflowError:
            return math.inf, np.array((math.inf, math.inf))

    def grid(self, p0: np.ndarray, p1: np.ndarray) -> np.ndarray:
        return np.asarray(self.f(np.asarray(p0, float), np.asarray(p1, float)), dtype=np.float64)


def valley() -> TestFunction:
    return TestFunction(
        name="valley",
        formula="x² + x·y + y²",
        f=lambda x, y: x * x + x * y + y * y,
        df=lambda x, y: (2 * x + y, x + 2 * y),
        minima=((0.0, 0.0),),
        window=((-3.0, 3.0), (-3.0, 3.0)),
        start=(2.5, -1.0),
        description="A tilted quadratic bowl: the example in the teaching material.",
        hessian=((2.0, 1.0), (1.0, 2.0)),
    )


def bowl(kappa: float = 10.0) -> TestFunction:
    """x² + κ·y²: condition number κ (for κ ≥ 1), the plainest way to see ill-conditioning."""
    if not (math.isfinite(kappa) and kappa > 0):
        raise GdvizError(f"The bowl's conditioning κ must be a positive number, not {kappa!r}.")
    return TestFunction(
        name="bowl",
        formula=f"x² + {kappa:g}·y²",
        f=lambda x, y: x * x + kappa * y * y,
        df=lambda x, y: (2 * x, 2 * kappa * y),
        minima=((0.0, 0.0),),
        window=((-3.0, 3.0), (-3.0, 3.0)),
        start=(-2.5, 2.0),
        description=f"An elongated bowl with condition number {kappa:g}.",
        hessian=((2.0, 0.0), (0.0, 2.0 * kappa)),
    )


def rosenbrock() -> TestFunction:
    return TestFunction(
        name="rosenbrock",
        formula="(1 − x)² + 100·(y − x²)²",
        f=lambda x, y: (1 - x) ** 2 + 100 * (y - x * x) ** 2,
        df=lambda x, y: (-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)),
        minima=((1.0, 1.0),),
        window=((-2.0, 2.0), (-1.0, 3.0)),
        start=(-1.5, 2.0),
        description="A curved banana-shaped valley: easy to find, slow to follow.",
    )


def himmelblau() -> TestFunction:
    return TestFunction(
        name="himmelblau",
        formula="(x² + y − 11)² + (x + y² − 7)²",
        f=lambda x, y: (x * x + y - 11) ** 2 + (x + y * y - 7) ** 2,
        df=lambda x, y: (
            4 * x * (x * x + y - 11) + 2 * (x + y * y - 7),
            2 * (x * x + y - 11) + 4 * y * (x + y * y - 7),
        ),
        minima=(
            (3.0, 2.0),
            (-2.805118086952745, 3.131312518250573),
            (-3.779310253377747, -3.283185991286170),
            (3.584428340330492, -1.848126526964404),
        ),
        window=((-5.0, 5.0), (-5.0, 5.0)),
        start=(0.0, 0.0),
        description="Four equal minima: where you start decides where you end.",
    )


def beale() -> TestFunction:
    def f(x, y):
        return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2

    def df(x, y):
        a, b, c = 1.5 - x + x * y, 2.25 - x + x * y**2, 2.625 - x + x * y**3
        return (
            2 * a * (y - 1) + 2 * b * (y**2 - 1) + 2 * c * (y**3 - 1),
            2 * a * x + 4 * b * x * y + 6 * c * x * y**2,
        )

    return TestFunction(
        name="beale",
        formula="(1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²",
        f=f,
        df=df,
        minima=((3.0, 0.5),),
        window=((-4.5, 4.5), (-4.5, 4.5)),
        start=(1.0, 1.5),
        description="Flat plateaus and steep ridges: step sizes that suit one fail the other.",
    )


def saddle() -> TestFunction:
    return TestFunction(
        name="saddle",
        formula="x² − y²",
        f=lambda x, y: x * x - y * y,
        df=lambda x, y: (2 * x, -2 * y),
        minima=(),
        window=((-3.0, 3.0), (-3.0, 3.0)),
        start=(-2.5, 0.01),
        description="A saddle point at (0, 0) and no minimum: descent slides off along y.",
        hessian=((2.0, 0.0), (0.0, -2.0)),
    )


def booth() -> TestFunction:
    return TestFunction(
        name="booth",
        formula="(x + 2y − 7)² + (2x + y − 5)²",
        f=lambda x, y: (x + 2 * y - 7) ** 2 + (2 * x + y - 5) ** 2,
        df=lambda x, y: (
            2 * (x + 2 * y - 7) + 4 * (2 * x + y - 5),
            4 * (x + 2 * y - 7) + 2 * (2 * x + y - 5),
        ),
        minima=((1.0, 3.0),),
        window=((-10.0, 10.0), (-10.0, 10.0)),
        start=(-8.0, -8.0),
        description="A quadratic with its minimum away from the origin.",
        hessian=((10.0, 8.0), (8.0, 10.0)),
    )


def matyas() -> TestFunction:
    return TestFunction(
        name="matyas",
        formula="0.26·(x² + y²) − 0.48·x·y",
        f=lambda x, y: 0.26 * (x * x + y * y) - 0.48 * x * y,
        df=lambda x, y: (0.52 * x - 0.48 * y, 0.52 * y - 0.48 * x),
        minima=((0.0, 0.0),),
        window=((-10.0, 10.0), (-10.0, 10.0)),
        start=(8.0, -6.0),
        description="A nearly flat, narrow valley along x = y: condition number 25.",
        hessian=((0.52, -0.48), (-0.48, 0.52)),
    )


# Factories, so that parametrised functions (bowl's κ) are built on request.
TEST_FUNCTIONS: dict[str, Callable[..., TestFunction]] = {
    "valley": valley,
    "bowl": bowl,
    "rosenbrock": rosenbrock,
    "himmelblau": himmelblau,
    "beale": beale,
    "saddle": saddle,
    "booth": booth,
    "matyas": matyas,
}


def test_function(name: str, **options) -> TestFunction:
    """The registered 2-D function `name`, or a GdvizError listing the choices."""
    try:
        factory = TEST_FUNCTIONS[name]
    except KeyError:
        choices = ", ".join(TEST_FUNCTIONS)
        raise GdvizError(f"Unknown function {name!r}; choose one of {choices}.") from None
    return factory(**options)


test_function.__test__ = False  # a factory, not a pytest test
