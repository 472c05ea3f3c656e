"""The benchmark script runs and prints every row with finite figures (never a time limit)."""

import math
import re

import pytest

from gdviz import bench

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
