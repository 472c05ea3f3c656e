"""Tests for gdviz.samples and data/make_samples.py: the files, their published facts, the lrs."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest

from gdviz.errors import GdvizError
from gdviz.samples import DATA_DIR, SAMPLES, Sample, sample_path

REPO = Path(__file__).resolve().parents[1]
ANSCOMBE = [f"anscombe-{k}" for k in range(1, 5)]


def _load_make_samples() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_samples", DATA_DIR / "make_samples.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _xy(name: str) -> tuple[np.ndarray, np.ndarray]:
    sample = SAMPLES[name]
    frame = pd.read_csv(sample_path(name))
    return frame[sample.x].to_numpy(np.float64), frame[sample.y].to_numpy(np.float64)


def _mse_hessian_eigenvalues(x: np.ndarray) -> tuple[float, float]:
    """(λmin, λmax) of the mse Hessian 2[[mean(x²), mean(x)], [mean(x), 1]] of the line fit."""
    h = 2.0 * np.array(((np.mean(x * x), np.mean(x)), (np.mean(x), 1.0)))
    lam_min, lam_max = np.linalg.eigvalsh(h)
    return float(lam_min), float(lam_max)


def _lstsq(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    (m, b), *_ = np.linalg.lstsq(np.column_stack((x, np.ones_like(x))), y, rcond=None)
    return float(m), float(b)


def _theil_sen_slope(x: np.ndarray, y: np.ndarray) -> float:
    """Median of the slopes through every pair of points with distinct x."""
    i, j = np.triu_indices(x.size, k=1)
    keep = x[i] != x[j]
    return float(np.median((y[j][keep] - y[i][keep]) / (x[j][keep] - x[i][keep])))


# --- the registry ----------------------------------------------------------------------------


def test_registry_is_keyed_by_url_safe_names() -> None:
    assert list(SAMPLES) == [
        "study-hours",
        *ANSCOMBE,
        "by-hand",
        "outliers",
        "house-prices",
    ]
    for key, sample in SAMPLES.items():
        assert isinstance(sample, Sample)
        assert sample.name == key
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", key)
        assert sample.title and sample.description and "\n" not in sample.description
    assert len({s.filename for s in SAMPLES.values()}) == len(SAMPLES)


def test_data_dir_is_the_repos_data_folder() -> None:
    assert DATA_DIR == REPO / "data"
    assert sample_path("by-hand") == REPO / "data" / "by_hand.csv"


def test_unknown_name_raises_and_lists_the_choices() -> None:
    with pytest.raises(GdvizError, match="no sample called 'nope'") as info:
        sample_path("nope")
    for name in SAMPLES:
        assert name in str(info.value)


def test_samples_module_does_not_import_streamlit() -> None:
    code = "import sys, gdviz.samples; sys.exit('streamlit' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=REPO, check=False).returncode == 0


# --- the files -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(SAMPLES))
def test_file_exists_parses_and_is_finite(name: str) -> None:
    sample = SAMPLES[name]
    assert sample_path(name).is_file()
    frame = pd.read_csv(sample_path(name))
    assert list(frame.columns) == [sample.x, sample.y]
    assert len(frame) >= 11
    values = frame.to_numpy()
    assert values.dtype.kind in "if"
    assert np.isfinite(values).all()


def test_files_are_reproducible_byte_for_byte(tmp_path: Path) -> None:
    written = _load_make_samples().main(tmp_path)
    assert sorted(p.name for p in written) == sorted(s.filename for s in SAMPLES.values())
    for path in written:
        assert path.read_bytes() == (DATA_DIR / path.name).read_bytes(), path.name


def test_generated_sets_have_their_documented_shape() -> None:
    hours, score = _xy("study-hours")
    assert hours.size == 100 and hours.min() >= 0.5 and hours.max() <= 10.0
    assert score.min() >= 0.0 and score.max() <= 100.0
    x, _ = _xy("by-hand")
    np.testing.assert_array_equal(x, np.arange(1, 13))
    area, _ = _xy("house-prices")
    assert area.size == 80 and area.min() >= 600 and area.max() <= 3500


# --- Anscombe's quartet (Anscombe 1973): the published facts ---------------------------------


@pytest.mark.parametrize("name", ANSCOMBE)
def test_anscombe_summary_statistics(name: str) -> None:
    x, y = _xy(name)
    m, b = _lstsq(x, y)
    assert x.size == 11
    assert x.mean() == 9.0
    assert x.var(ddof=1) == 11.0
    assert round(float(y.mean()), 2) == 7.50
    assert round(float(y.var(ddof=1)), 2) in (4.12, 4.13)
    assert m == pytest.approx(0.500, abs=0.001)
    assert b == pytest.approx(3.00, abs=0.005)
    # The quoted 0.816 is truncated: set IV's r is 0.81652, which rounds to 0.817.
    assert float(np.corrcoef(x, y)[0, 1]) == pytest.approx(0.816, abs=0.001)


@pytest.mark.parametrize(
    ("name", "sum_y", "sum_y2"),
    # Fingerprints of the published table; a single mistyped digit changes them.
    [
        ("anscombe-1", 82.51, 660.1727),
        ("anscombe-2", 82.51, 660.1763),
        ("anscombe-3", 82.50, 659.9762),
        ("anscombe-4", 82.51, 660.1325),
    ],
)
def test_anscombe_values_are_the_published_ones(name: str, sum_y: float, sum_y2: float) -> None:
    _, y = _xy(name)
    assert y.sum() == pytest.approx(sum_y, abs=1e-9)
    assert (y * y).sum() == pytest.approx(sum_y2, abs=1e-9)


def test_anscombe_x_values() -> None:
    x1, x2, x3, x4 = (_xy(name)[0] for name in ANSCOMBE)
    np.testing.assert_array_equal(x1, [10, 8, 13, 9, 11, 14, 6, 4, 12, 7, 5])
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(x1, x3)
    np.testing.assert_array_equal(x4, [8, 8, 8, 8, 8, 8, 8, 19, 8, 8, 8])


# --- what each set is for ---------------------------------------------------------------------


def test_outliers_pull_least_squares_away_from_a_robust_fit() -> None:
    x, y = _xy("outliers")
    m_lstsq, _ = _lstsq(x, y)
    m_robust = _theil_sen_slope(x, y)
    assert m_robust == pytest.approx(1.5, abs=0.1)
    assert m_lstsq - m_robust > 0.5


def test_house_prices_is_badly_conditioned() -> None:
    x, _ = _xy("house-prices")
    lam_min, lam_max = _mse_hessian_eigenvalues(x)
    assert lam_max / lam_min > 1e6


@pytest.mark.parametrize("name", list(SAMPLES))
def test_lr_is_stable_and_not_needlessly_small(name: str) -> None:
    x, _ = _xy(name)
    _, lam_max = _mse_hessian_eigenvalues(x)
    limit = 2.0 / lam_max
    assert 0.25 * limit < SAMPLES[name].lr < limit


def _gd_on_mse(x: np.ndarray, y: np.ndarray, lr: float, steps: int) -> tuple[float, float]:
    """Plain gradient descent on mean((m x + b − y)²) from (m, b) = (0, 0)."""
    m = b = 0.0
    for _ in range(steps):
        r = m * x + b - y
        m, b = m - lr * 2.0 * np.mean(r * x), b - lr * 2.0 * np.mean(r)
    return m, b


@pytest.mark.parametrize("name", [n for n in SAMPLES if n != "house-prices"])
def test_lr_reaches_the_optimum(name: str) -> None:
    x, y = _xy(name)
    m, b = _gd_on_mse(x, y, SAMPLES[name].lr, 3000)
    m_star, b_star = _lstsq(x, y)
    loss, loss_star = np.mean((m * x + b - y) ** 2), np.mean((m_star * x + b_star - y) ** 2)
    assert loss == pytest.approx(loss_star, rel=1e-4)
    assert (m, b) == pytest.approx((m_star, b_star), abs=0.01)


def test_house_prices_lr_crawls_until_x_is_standardised() -> None:
    x, y = _xy("house-prices")
    m_star, b_star = _lstsq(x, y)
    _, b = _gd_on_mse(x, y, SAMPLES["house-prices"].lr, 1000)
    assert abs(b) < 0.01 * b_star  # stable, yet the intercept has hardly left 0
    z = (x - x.mean()) / x.std()
    m_z, b_z = _gd_on_mse(z, y, 0.1, 50)
    assert (m_z / x.std(), b_z - m_z * x.mean() / x.std()) == pytest.approx(
        (m_star, b_star), rel=1e-3
    )
