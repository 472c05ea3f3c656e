"""Benchmark: the learning-rate sweep (gdviz.sweep) against one engine.run per rate. Prints,
never fails.

    python benchmarks/bench_sweep.py            # N = 10⁶, 50 rates × 1,000 steps; ~15 s
    python benchmarks/bench_sweep.py --quick    # a smoke run in a few seconds

Side by side in one run: the data's one O(N) pass (`LineFit`, the sufficient statistics); the
sweep of 50 log-spaced rates (10⁻³·L to 3·L around the stability limit L) × 1,000 mse steps
(tol 0: every run that does not diverge takes every step), best of several repeats; the same
50 runs as separate `engine.run` calls, checked equal; then the same figures per registered
optimizer, and for a per-point loss (huber) and a 2-D function, which the sweep evaluates row
by row. Target: the mse gd sweep within 50 ms after the O(N) pass.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # gdviz, from any directory

import numpy as np

from gdviz.bench import cpu_model
from gdviz.engine import run
from gdviz.objectives import LineFit, Objective, test_function
from gdviz.optimizers import OPTIMIZERS, optimizer_spec
from gdviz.sweep import sweep

TARGET_SECONDS = 0.050
SEED = 0


def best_of(fn: Callable, repeats: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def single_runs(objective: Objective, name: str, sw, start) -> tuple[float, float]:
    """Seconds for one engine.run per rate, and the largest relative difference of final loss."""
    spec = optimizer_spec(name)
    t = time.perf_counter()
    trajs = [run(objective, spec.build(lr), start, steps=sw.steps) for lr in sw.lrs.tolist()]
    seconds = time.perf_counter() - t
    diff = max(
        abs(tr.final_loss - r.final_loss) / max(abs(tr.final_loss), 1e-300)
        + (tr.status != r.status)
        for tr, r in zip(trajs, sw.results, strict=True)
    )
    return seconds, diff


def ms(s: float) -> str:
    return f"{s * 1e3:9.1f} ms"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python benchmarks/bench_sweep.py")
    parser.add_argument("--quick", action="store_true", help="N = 10⁴, 100 steps: a smoke run")
    args = parser.parse_args(argv)
    n, steps, count, repeats = (10_000, 100, 50, 2) if args.quick else (1_000_000, 1000, 50, 5)

    print(f"bench_sweep  {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}")
    print(f"machine: {os.cpu_count()} logical CPUs ({cpu_model()}, {platform.machine()})")
    print(f"python {platform.python_version()}, numpy {np.__version__}, {platform.system()}")
    rng = np.random.default_rng(SEED)
    x = rng.uniform(0.0, 10.0, n)
    y = 2.0 * x + 1.0 + rng.normal(0.0, 1.0, n)
    print(f"data: N = {n:,} (x uniform on [0, 10], y = 2x + 1 + N(0, 1)); start (0, 0)")
    print(f"sweep: {count} log-spaced learning rates × {steps:,} steps, tol 0\n")

    pass_s, fit = best_of(lambda: LineFit(x, y), 1)
    print(f"{'the data’s one O(N) pass (LineFit)':44s}{ms(pass_s)}")

    header = f"{'optimizer (mse)':18s}{'sweep':>13s}{'50 engine.run':>16s}{'ratio':>9s}"
    print(f"\n{header}   {'statuses':40s}agreement")
    gd_seconds = None
    for name in OPTIMIZERS:
        sweep_s, sw = best_of(lambda name=name: sweep(fit, name, steps=steps, count=count), repeats)
        single_s, diff = single_runs(fit, name, sw, (0.0, 0.0))
        gd_seconds = sweep_s if name == "gd" else gd_seconds
        counts = ", ".join(
            f"{sw.status.count(s)} {s}" for s in ("converged", "max_steps", "diverged")
        )
        agree = "equal" if diff == 0 else f"max rel diff {diff:.1e}"
        print(
            f"{name:18s}{ms(sweep_s):>13s}{ms(single_s):>16s}{single_s / sweep_s:8.0f}×"
            f"   {counts:40s}{agree}"
        )

    print("\nevaluated row by row (per-point loss, 2-D function):")
    small = LineFit(x[:1000], y[:1000], "huber")
    rosen = test_function("rosenbrock")
    for label, objective, start in (
        ("huber, N = 1,000, gd", small, (0.0, 0.0)),
        ("rosenbrock, gd", rosen, rosen.start),
    ):
        sweep_s, sw = best_of(lambda o=objective, s=start: sweep(o, "gd", s, steps=steps), 1)
        single_s, diff = single_runs(objective, "gd", sw, start)
        agree = "equal" if diff == 0 else f"max rel diff {diff:.1e}"
        print(
            f"{label:22s}{ms(sweep_s)} sweep {ms(single_s)} for {sw.lrs.size} engine.run "
            f"({single_s / sweep_s:.1f}×)  {agree}"
        )

    verdict = "met" if gd_seconds <= TARGET_SECONDS else "NOT met"
    print(
        f"\ntarget: {count} rates × {steps:,} mse steps (gd) within {TARGET_SECONDS * 1e3:.0f} ms "
        f"after the O(N) pass: {gd_seconds * 1e3:.1f} ms — {verdict}"
        + (" (quick run: smaller than the target's size)" if args.quick else "")
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
