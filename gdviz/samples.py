"""The sample datasets in data/, by name, with a learning rate that suits each one.

The CSVs are made by `data/make_samples.py` (fixed seeds; Anscombe's quartet as published).
Each `lr` is for plain gradient descent on mse with raw x: a round value a little below the
stability limit 2/λmax, where λmax is the largest eigenvalue of the mse Hessian
H = 2[[mean(x²), mean(x)], [mean(x), 1]] of that file (tests/test_samples.py checks it).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gdviz.errors import GdvizError

DATA_DIR: Path = Path(__file__).resolve().parents[1] / "data"


@dataclass(frozen=True)
class Sample:
    """One sample dataset: where it is, which columns to fit, and how to start."""

    name: str  # URL-safe id, the key in SAMPLES
    title: str  # shown in a select box
    description: str  # one line shown under it: what it teaches, a setting to try
    filename: str  # the CSV in DATA_DIR
    x: str  # column name for x
    y: str  # column name for y
    lr: float  # a good gd learning rate on mse with raw x (below 2/λmax)

    @property
    def path(self) -> Path:
        return DATA_DIR / self.filename


_ANSCOMBE_COMMON = (
    "Same means, variances, correlation (0.816) and least-squares line y = 3.00 + 0.500x as "
    "the other three Anscombe sets. Try lr 0.01 (2/λmax ≈ 0.0109) for about 2000 steps."
)

_SAMPLES = (
    Sample(
        name="study-hours",
        title="Hours studied vs exam score",
        description=(
            "100 students, score ≈ 35 + 5.5 × hours plus noise: a clean line to start with. "
            "Try lr 0.02 (2/λmax ≈ 0.031); gd settles within 1000 steps."
        ),
        filename="study_hours.csv",
        x="hours",
        y="score",
        lr=0.02,
    ),
    Sample(
        name="anscombe-1",
        title="Anscombe's quartet I: a noisy line",
        description="A noisy straight line, where a line is the right model. " + _ANSCOMBE_COMMON,
        filename="anscombe_1.csv",
        x="x",
        y="y",
        lr=0.01,
    ),
    Sample(
        name="anscombe-2",
        title="Anscombe's quartet II: a curve",
        description="A smooth curve that a line fits with the wrong shape. " + _ANSCOMBE_COMMON,
        filename="anscombe_2.csv",
        x="x",
        y="y",
        lr=0.01,
    ),
    Sample(
        name="anscombe-3",
        title="Anscombe's quartet III: one outlier",
        description=(
            "An exact line except one point that tilts the mse fit; compare mae. "
            + _ANSCOMBE_COMMON
        ),
        filename="anscombe_3.csv",
        x="x",
        y="y",
        lr=0.01,
    ),
    Sample(
        name="anscombe-4",
        title="Anscombe's quartet IV: one high-leverage point",
        description=(
            "x = 8 everywhere except one point at 19, which alone sets the slope. "
            + _ANSCOMBE_COMMON
        ),
        filename="anscombe_4.csv",
        x="x",
        y="y",
        lr=0.01,
    ),
    Sample(
        name="by-hand",
        title="Twelve points to follow by hand",
        description=(
            "x = 1..12, y ≈ 2x + 1: small enough to check the first steps with pencil and paper. "
            "Try lr 0.01 (2/λmax ≈ 0.018)."
        ),
        filename="by_hand.csv",
        x="x",
        y="y",
        lr=0.01,
    ),
    Sample(
        name="outliers",
        title="A line with gross outliers",
        description=(
            "60 points on y ≈ 1.5x + 4 and 6 far above it at large x: mse's slope is pulled to "
            "about 2.5, mae and huber stay near 1.5. Try lr 0.02 (2/λmax ≈ 0.026)."
        ),
        filename="outliers.csv",
        x="x",
        y="y",
        lr=0.02,
    ),
    Sample(
        name="house-prices",
        title="House area vs price (unscaled x)",
        description=(
            "Area in sq ft (600-3500) vs price in $1000s: with raw x the condition number is "
            "about 3×10⁷, so at lr 1e-7 (2/λmax ≈ 2e-7) gd is stable but the intercept barely "
            "moves. Standardise x and it converges in a few dozen steps at lr 0.1."
        ),
        filename="house_prices.csv",
        x="area_sqft",
        y="price_k",
        lr=1e-7,
    ),
)

SAMPLES: dict[str, Sample] = {s.name: s for s in _SAMPLES}


def sample_path(name: str) -> Path:
    """The CSV file of the sample called `name`.

    Raises:
        GdvizError: `name` is not a sample; the message lists the names there are.
    """
    try:
        return SAMPLES[name].path
    except KeyError:
        choices = ", ".join(SAMPLES)
        raise GdvizError(f"There is no sample called {name!r}; choose one of: {choices}.") from None
