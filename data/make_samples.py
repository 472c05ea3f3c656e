"""Make gdviz's sample datasets: `python data/make_samples.py [OUT_DIR]` from the repo root.

Every generated set draws from its own fixed-seed `numpy.random.default_rng`, so changing one
set never shifts another, and the values are written with fixed formats and "\\n" line endings,
so running the script twice gives byte-identical files. Anscombe's quartet is copied exactly
as published (F. J. Anscombe, "Graphs in Statistical Analysis", The American Statistician
27(1), 1973, pp. 17-21), digits and trailing zeros included.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent

# Anscombe (1973), table 1. Sets I-III share x; set IV has x = 8 except one point at 19.
ANSCOMBE_X123 = ("10", "8", "13", "9", "11", "14", "6", "4", "12", "7", "5")
ANSCOMBE_X4 = ("8", "8", "8", "8", "8", "8", "8", "19", "8", "8", "8")
ANSCOMBE = {
    1: (
        ANSCOMBE_X123,
        ("8.04", "6.95", "7.58", "8.81", "8.33", "9.96", "7.24", "4.26", "10.84", "4.82", "5.68"),
    ),
    2: (
        ANSCOMBE_X123,
        ("9.14", "8.14", "8.74", "8.77", "9.26", "8.10", "6.13", "3.10", "9.13", "7.26", "4.74"),
    ),
    3: (
        ANSCOMBE_X123,
        ("7.46", "6.77", "12.74", "7.11", "7.81", "8.84", "6.08", "5.39", "8.15", "6.42", "5.73"),
    ),
    4: (
        ANSCOMBE_X4,
        ("6.58", "5.76", "7.71", "8.84", "8.47", "7.04", "5.25", "12.50", "5.56", "7.91", "6.89"),
    ),
}


def _write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[str]]) -> Path:
    """Write already-formatted cells; newline="\\n" keeps the bytes the same on every OS."""
    lines = [",".join(header), *(",".join(row) for row in rows)]
    with path.open("w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(lines) + "\n")
    return path


def _fmt(values: np.ndarray, decimals: int) -> list[str]:
    # Adding 0.0 turns a rounded -0.0 into 0.0, so no cell reads "-0.0".
    return [f"{v + 0.0:.{decimals}f}" for v in np.round(values, decimals)]


def study_hours(out_dir: Path) -> Path:
    """100 students: hours uniform 0.5..10, score = 35 + 5.5·hours + N(0, 6²), clipped to 0..100."""
    rng = np.random.default_rng(20240501)
    n = 100
    hours = np.round(rng.uniform(0.5, 10.0, n), 1)
    score = np.clip(35.0 + 5.5 * hours + rng.normal(0.0, 6.0, n), 0.0, 100.0)
    rows = list(zip(_fmt(hours, 1), _fmt(score, 1), strict=True))
    return _write_csv(out_dir / "study_hours.csv", ("hours", "score"), rows)


def anscombe(out_dir: Path) -> list[Path]:
    """Anscombe's quartet, one file per set, the published values as printed."""
    return [
        _write_csv(out_dir / f"anscombe_{k}.csv", ("x", "y"), list(zip(xs, ys, strict=True)))
        for k, (xs, ys) in ANSCOMBE.items()
    ]


def by_hand(out_dir: Path) -> Path:
    """12 points to follow with pencil and paper: x = 1..12, y = 2x + 1 + N(0, 0.5²), 1 decimal."""
    rng = np.random.default_rng(12)
    x = np.arange(1, 13, dtype=np.float64)
    y = 2.0 * x + 1.0 + rng.normal(0.0, 0.5, x.size)
    rows = list(zip((str(int(v)) for v in x), _fmt(y, 1), strict=True))
    return _write_csv(out_dir / "by_hand.csv", ("x", "y"), rows)


def outliers(out_dir: Path) -> Path:
    """60 points on y = 1.5x + 4 + N(0, 1), x in 0..10, then 6 gross outliers at large x.

    The outliers sit at x in 7.5..10 and y shifted up by 25..40, so they drag the mse line's
    slope well above 1.5 while mae and huber stay near the bulk of the points.
    """
    rng = np.random.default_rng(66)
    n, n_out = 60, 6
    x = rng.uniform(0.0, 10.0, n)
    y = 1.5 * x + 4.0 + rng.normal(0.0, 1.0, n)
    x_out = rng.uniform(7.5, 10.0, n_out)
    y_out = 1.5 * x_out + 4.0 + rng.uniform(25.0, 40.0, n_out)
    xs, ys = np.concatenate((x, x_out)), np.concatenate((y, y_out))
    rows = list(zip(_fmt(xs, 2), _fmt(ys, 2), strict=True))
    return _write_csv(out_dir / "outliers.csv", ("x", "y"), rows)


def house_prices(out_dir: Path) -> Path:
    """80 houses: area uniform 600..3500 sq ft, price = 50 + 0.15·area + N(0, 25²) thousand.

    Raw x of order 10³ makes the mse Hessian badly conditioned (κ ≈ 10⁷): the intercept barely
    moves at any stable learning rate until x is standardised.
    """
    rng = np.random.default_rng(3500)
    n = 80
    area = np.round(rng.uniform(600.0, 3500.0, n))
    price = 50.0 + 0.15 * area + rng.normal(0.0, 25.0, n)
    rows = list(zip(_fmt(area, 0), _fmt(price, 1), strict=True))
    return _write_csv(out_dir / "house_prices.csv", ("area_sqft", "price_k"), rows)


def main(out_dir: Path | None = None) -> list[Path]:
    """Write every sample CSV into `out_dir` (default: this script's folder); return the paths."""
    out_dir = HERE if out_dir is None else Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return [
        study_hours(out_dir),
        *anscombe(out_dir),
        by_hand(out_dir),
        outliers(out_dir),
        house_prices(out_dir),
    ]


if __name__ == "__main__":
    for written in main(Path(sys.argv[1]) if len(sys.argv) > 1 else None):
        print(written)
