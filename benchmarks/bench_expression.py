"""Benchmark: typed functions (gdviz.expression) against the built-in ones. Prints, never fails.

    python benchmarks/bench_expression.py            # about 5 seconds
    python benchmarks/bench_expression.py --quick    # a smoke run

Figures, side by side in one run: the parse time of a new formula (cold: both caches cleared)
and of a repeated one (cached), including the worst cases the limits allow and refusals of
hostile input; one `value_and_gradient` call (the engine's step) of a typed function against
the same built-in; a 200×200 grid; and a 1,000-step `engine.run`. Best of several repeats.
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

from gdviz import expression
from gdviz.engine import run
from gdviz.errors import GdvizError
from gdviz.expression import MAX_LENGTH, parse_function
from gdviz.objectives import test_function
from gdviz.optimizers import sgd

# (label, formula, the built-in it equals or None)
FORMULAS = [
    ("valley", "x**2 + x*y + y**2", "valley"),
    ("rosenbrock", "(1 - x)**2 + 100*(y - x**2)**2", "rosenbrock"),
    ("beale", "(1.5 - x + x*y)**2 + (2.25 - x + x*y**2)**2 + (2.625 - x + x*y**3)**2", "beale"),
    ("issue example", "sin(x)*cos(y) + 0.1*(x**2+y**2)", None),
]
WORST = [
    ("119 parts (limit 120)", "+".join(["(x*y+y*x)"] * 15)),
    ("60 levels (limit)", "-" * 59 + "x"),
    ("20 brackets (limit)", "(" * 19 + "sin(x)" + ")" * 19 + "*y"),
    ("200 chars (limit)", "+".join(["0.123456*x"] * 18) + "*25"),
]
HOSTILE = [
    ("10 kB of input", "x" * 10_240),
    ("9**9**9", "9**9**9"),
    ("400 brackets", "(" * 400 + "x" + ")" * 400),
    ("1,000 brackets", "(" * 1000 + "x" + ")" * 1000),
    ("__import__ call", "__import__(os).system(x)"),
]


def best_seconds(call: Callable[[], object], repeats: int, number: int = 1) -> float:
    """Best over `repeats` of the mean time of `number` calls."""
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(number):
            call()
        best = min(best, (time.perf_counter() - t0) / number)
    return best


def cold_parse(text: str) -> None:
    expression._parse_cached.cache_clear()
    expression._compiled.cache_clear()
    parse_function(text)


def refuse(text: str) -> None:
    try:
        parse_function(text)
    except GdvizError:
        return
    raise AssertionError(f"{text[:20]!r} was accepted")


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (
        f"{cpu}, nproc {cores}, Python {platform.python_version()}, numpy {np.__version__}, "
        f"{platform.system()} {platform.release()}"
    )


def us(seconds: float) -> str:
    return f"{seconds * 1e6:9.2f} µs"


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:9.3f} ms"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats: a smoke run")
    args = parser.parse_args(argv)
    repeats, calls, steps, grid_size = (3, 200, 100, 50) if args.quick else (7, 20_000, 1000, 200)

    print(f"gdviz typed-function benchmark, {datetime.now().isoformat(timespec='seconds')}")
    print(f"machine: {machine()}")
    print(f"(best of {repeats}; formulas up to {MAX_LENGTH} characters written out)\n")

    print("Parse + check + compile a formula")
    print(f"  {'formula':<22} {'cold':>12} {'cached':>12}  chars")
    for label, text in [(label, text) for label, text, _ in FORMULAS] + WORST:
        cold = best_seconds(lambda text=text: cold_parse(text), repeats, 20)
        warm = best_seconds(lambda text=text: parse_function(text), repeats, 200)
        print(f"  {label:<22} {us(cold)} {us(warm)}  {len(text)}")
    print("\nRefuse hostile input (GdvizError with its message)")
    for label, text in HOSTILE:
        print(f"  {label:<22} {us(best_seconds(lambda text=text: refuse(text), repeats, 20))}")

    point = np.array((0.7, -0.4))
    print(f"\nvalue_and_gradient, one call (the engine's step), mean of {calls:,} calls")
    print(f"  {'function':<22} {'typed':>12} {'built-in':>12}  typed/built-in")
    for label, text, name in FORMULAS:
        typed = parse_function(text)
        t_typed = best_seconds(lambda typed=typed: typed.value_and_gradient(point), repeats, calls)
        if name is None:
            print(f"  {label:<22} {us(t_typed)} {'—':>12}")
            continue
        built = test_function(name)
        t_built = best_seconds(lambda built=built: built.value_and_gradient(point), repeats, calls)
        print(f"  {label:<22} {us(t_typed)} {us(t_built)}  {t_typed / t_built:6.2f}×")

    xs = np.linspace(-3, 3, grid_size)
    p0, p1 = xs[None, :], xs[:, None]
    print(f"\ngrid {grid_size}×{grid_size}")
    print(f"  {'function':<22} {'typed':>12} {'built-in':>12}  typed/built-in")
    for label, text, name in FORMULAS:
        typed = parse_function(text)
        t_typed = best_seconds(lambda typed=typed: typed.grid(p0, p1), repeats)
        if name is None:
            print(f"  {label:<22} {ms(t_typed)} {'—':>12}")
            continue
        built = test_function(name)
        t_built = best_seconds(lambda built=built: built.grid(p0, p1), repeats)
        print(f"  {label:<22} {ms(t_typed)} {ms(t_built)}  {t_typed / t_built:6.2f}×")

    print(f"\nengine.run, {steps:,} steps of gd (lr 0.1 valley, 0.001 rosenbrock), tol 0")
    print(f"  {'function':<22} {'typed':>12} {'built-in':>12}  typed/built-in  same path")
    for label, text, name, lr in (
        ("valley", FORMULAS[0][1], "valley", 0.1),
        ("rosenbrock", FORMULAS[1][1], "rosenbrock", 0.001),
    ):
        built = test_function(name)
        typed = parse_function(text, start=built.start)
        optimizer = sgd(lr)
        t_typed = best_seconds(lambda t=typed, o=optimizer: run(t, o, t.start, steps=steps), 3)
        t_built = best_seconds(lambda b=built, o=optimizer: run(b, o, b.start, steps=steps), 3)
        a = run(typed, optimizer, typed.start, steps=steps)
        b = run(built, optimizer, built.start, steps=steps)
        same = np.allclose(a.params, b.params, rtol=1e-12, atol=1e-12)
        print(
            f"  {label:<22} {ms(t_typed)} {ms(t_built)}  {t_typed / t_built:6.2f}×"
            f"          {'yes' if same else 'NO'}"
        )


if __name__ == "__main__":
    main()
