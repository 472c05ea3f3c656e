"""The benchmark script runs and prints every row with finite figures (never a time limit)."""

import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from gdviz import bench

ROOT = Path(__file__).resolve().parents[1]

NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?(?:e[-+]?\d+)?")


@pytest.mark.parametrize("extra", [[], ["--markdown"]], ids=["plain", "markdown"])
def test_quick_run_prints_every_row_with_finite_numbers(capsys, extra):
    assert bench.main(["--quick", *extra]) == 0
    out = capsys.readouterr().out
    lines = [line.lstrip("| ") for line in out.splitlines()]
    cfg = bench.config_from_args(["--quick"])
    sizes = len(cfg.sizes)
    for label in bench.row_labels(cfg.grid):
        row = next((line for line in lines if line.startswith(label)), None)
        assert row is not None, f"no row {label!r} in:\n{out}"
        numbers = [float(n.replace(",", "")) for n in NUMBER.findall(row[len(label) :])]
        assert len(numbers) >= sizes, row
        assert all(math.isfinite(v) for v in numbers), row
        if label.startswith("gdviz agrees"):
            assert row[len(label) :].count("yes") == sizes, row
    assert not re.search(r"\b(nan|inf)\b", out, re.IGNORECASE)
    assert "Targets" in out


@pytest.mark.parametrize("script", sorted((ROOT / "benchmarks").glob("*.py")), ids=lambda p: p.stem)
def test_every_benchmark_script_starts_from_any_directory(script, tmp_path):
    """`python benchmarks/X.py --help` from elsewhere: its imports (gdviz, the tests' browser
    setup) resolve, so the README's benchmark commands work as written."""
    done = subprocess.run(
        [sys.executable, str(script), "--help"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage:")
