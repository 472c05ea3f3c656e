"""Benchmark: gdviz's line fit against the teaching scripts' loops. Prints figures, never fails.

    python -m gdviz.bench                  # N = 10², 10⁴, 10⁶; 1000 steps; 200×200 grid
    python -m gdviz.bench --quick          # a smoke run in about a second
    python -m gdviz.bench --markdown       # the same figures as a Markdown table (README)

For each N (x uniform on [0, 10], y = 2x + 1 + N(0, 1), seeded) it times `steps` updates of
plain gradient descent on mse (lr 0.01, start (0, 0)), each recording the loss at every step:

* python loop    — the teaching scripts' per-point loop over Python lists;
* numpy per step — numpy over the points, once per step (the teaching scripts' numpy form);
* gdviz          — `LineFit` (one O(N) pass for the sufficient statistics), timed apart from
  `run` (O(1) per step), checked against the numpy loop to a relative 1e-9.

Then a G×G `loss_grid` over the window framing the path and the least-squares optimum, and the
tracemalloc peak of LineFit + run + grid for the largest N. Loops too slow for the budget are
timed over the steps that fit and extrapolated linearly (marked "~").
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import platform
import sys
import textwrap
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from gdviz.engine import MAX_STEPS, Trajectory, run
from gdviz.objectives import LineFit
from gdviz.optimizers import OPTIMIZERS, Optimizer
from gdviz.surface import MAX_GRID, frame_window, loss_grid

LR = 0.01
START = (0.0, 0.0)
SEED = 0
AGREE_RTOL = 1e-9

TARGET_N = 1_000_000
TARGET_STEPS = 1000
TARGET_GRID = 200
TARGET_SPEEDUP = 1000.0
TARGET_GRID_SECONDS = 0.050
TARGET_MEMORY_MULTIPLE = 3.0

# A full run shorter than this is repeated and the best time kept; longer ones run once.
REPEAT_BELOW_SECONDS = 1.0


@dataclass(frozen=True)
class Config:
    sizes: tuple[int, ...]
    steps: int
    grid: int
    python_budget: float  # seconds of python-loop steps before extrapolating
    numpy_budget: float  # the same for numpy per step (math.inf: always every step)
    repeats: int  # best of this many, for the fast parts
    grid_repeats: int
    markdown: bool = False


def config_from_args(argv: Sequence[str] | None = None) -> Config:
    parser = argparse.ArgumentParser(
        prog="python -m gdviz.bench",
        description="Time gdviz's line fit against per-point Python and per-step numpy loops.",
    )
    parser.add_argument(
        "--sizes", type=_sizes, help="numbers of points (default 100,10000,1000000)"
    )
    parser.add_argument("--steps", type=int, help="gradient-descent steps (default 1000)")
    parser.add_argument("--grid", type=int, help="loss grid size G for G×G cells (default 200)")
    parser.add_argument("--quick", action="store_true", help="small sizes, few steps: a smoke run")
    parser.add_argument("--markdown", action="store_true", help="print Markdown (for the README)")
    args = parser.parse_args(argv)
    if args.quick:
        defaults = ((100, 1000), 50, 50)
        budgets, repeats, grid_repeats = (0.05, 0.05), 2, 3
    else:
        defaults = ((100, 10_000, 1_000_000), TARGET_STEPS, TARGET_GRID)
        budgets, repeats, grid_repeats = (2.0, math.inf), 5, 7
    sizes = args.sizes or defaults[0]
    steps = defaults[1] if args.steps is None else args.steps
    grid = defaults[2] if args.grid is None else args.grid
    if not 1 <= steps <= MAX_STEPS:
        parser.error(f"--steps must be from 1 to {MAX_STEPS:,}, not {steps}")
    if not 2 <= grid <= MAX_GRID:
        parser.error(f"--grid must be from 2 to {MAX_GRID}, not {grid}")
    return Config(sizes, steps, grid, *budgets, repeats, grid_repeats, args.markdown)


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(float(part)) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"sizes must be whole numbers, not {text!r}") from None
    if not sizes or min(sizes) < 2:
        raise argparse.ArgumentTypeError("give one or more sizes, each at least 2")
    return sizes


def make_data(n: int, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """x uniform on [0, 10], y = 2x + 1 + N(0, 1), from a seeded generator."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.0, 10.0, n)
    return x, 2.0 * x + 1.0 + rng.normal(0.0, 1.0, n)


# --------------------------------------------------------------------------------------------
# The three implementations
# --------------------------------------------------------------------------------------------

Params = tuple[float, float]


def python_step(xs: list[float], ys: list[float], losses: list[float]) -> Callable:
    """One step of the teaching scripts' loop over points (Python lists), recording the loss."""
    n = len(xs)

    def step(params: Params) -> Params:
        m, b = params
        b_grad = m_grad = total_error = 0.0
        for i in range(n):
            x = xs[i]
            y = ys[i]
            total_error += (y - (m * x + b)) ** 2
            b_grad += -(2 / n) * (y - (m * x + b))
            m_grad += -(2 / n) * x * (y - (m * x + b))
        losses.append(total_error / n)
        return m - LR * m_grad, b - LR * b_grad

    return step


def numpy_step(x: np.ndarray, y: np.ndarray, losses: list[float]) -> Callable:
    """One step of the teaching scripts' numpy form: vectorised over points, once per step."""
    n = x.size

    def step(params: Params) -> Params:
        m, b = params
        y_pred = m * x + b
        error = y - y_pred
        losses.append(np.mean(error**2))
        m_grad = -(2 / n) * np.sum(x * error)
        b_grad = -(2 / n) * np.sum(error)
        return m - LR * m_grad, b - LR * b_grad

    return step


@dataclass(frozen=True)
class Timed:
    """A loop's time for all `steps`, extrapolated linearly when only `steps_run` were run."""

    seconds: float
    steps_run: int
    steps: int
    params: Params  # after steps_run updates

    @property
    def extrapolated(self) -> bool:
        return self.steps_run < self.steps


def time_loop(make_step: Callable, steps: int, budget: float) -> Timed:
    """Time up to `steps` calls of a fresh step function, stopping after `budget` seconds."""
    step = make_step()
    params: Params = START
    done = 0
    gc.collect()
    start = time.perf_counter()
    while done < steps:
        params = step(params)
        done += 1
        if time.perf_counter() - start >= budget:
            break
    elapsed = time.perf_counter() - start
    return Timed(elapsed * steps / done, done, steps, (float(params[0]), float(params[1])))


def best_loop(make_step: Callable, steps: int, budget: float, repeats: int) -> Timed:
    best = time_loop(make_step, steps, budget)
    for _ in range(repeats - 1):
        if best.extrapolated or best.seconds > REPEAT_BELOW_SECONDS:
            break
        best = min(best, time_loop(make_step, steps, budget), key=lambda t: t.seconds)
    return best


def best_of(fn: Callable, repeats: int) -> tuple[float, Any]:
    """(the shortest time of `repeats` calls, the last call's result)."""
    best, result = math.inf, None
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def gradient_descent() -> Optimizer:
    return OPTIMIZERS["gd"].build(LR)


def grid_window(fit: LineFit, traj: Trajectory):
    """The window framing the descent path and the least-squares optimum."""
    s = fit.stats
    optimum = (s.slope, s.y_mean - s.slope * s.x_mean)
    return frame_window(np.vstack((traj.params, optimum)))


def relative_difference(a: Sequence[float], b: Sequence[float]) -> float:
    """The largest |aᵢ − bᵢ| / max(|aᵢ|, |bᵢ|) over the pairs (0 when both are 0)."""
    worst = 0.0
    for u, v in zip(a, b, strict=True):
        scale = max(abs(u), abs(v))
        worst = max(worst, abs(u - v) / scale if scale else 0.0)
    return worst


# --------------------------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SizeResult:
    n: int
    python: Timed
    numpy: Timed
    setup: float  # LineFit construction
    steps: float  # run(...) alone
    numpy_difference: float  # gdviz vs numpy: (m, b, loss) at numpy's last step
    python_difference: float  # gdviz vs python loop: (m, b) at its last step
    grid: float

    @property
    def total(self) -> float:
        return self.setup + self.steps


def time_python_loop(x: np.ndarray, y: np.ndarray, cfg: Config) -> Timed:
    xs, ys = x.tolist(), y.tolist()  # freed on return: 64 bytes a point as Python floats
    return best_loop(lambda: python_step(xs, ys, []), cfg.steps, cfg.python_budget, cfg.repeats)


def measure_size(n: int, cfg: Config) -> SizeResult:
    x, y = make_data(n)
    python = time_python_loop(x, y, cfg)
    numpy = best_loop(lambda: numpy_step(x, y, []), cfg.steps, cfg.numpy_budget, cfg.repeats)
    m, b = numpy.params
    numpy_final = (m, b, float(np.mean((y - (m * x + b)) ** 2)))

    gd = gradient_descent()
    setup, fit = best_of(lambda: LineFit(x, y, "mse"), cfg.repeats)
    steps, traj = best_of(lambda: run(fit, gd, START, steps=cfg.steps), cfg.repeats)
    k = numpy.steps_run
    gdviz_at_k = (*traj.params[k].tolist(), float(traj.loss[k]))
    window = grid_window(fit, traj)
    grid, _ = best_of(lambda: loss_grid(fit, window, cfg.grid), cfg.grid_repeats)
    return SizeResult(
        n,
        python,
        numpy,
        setup,
        steps,
        relative_difference(gdviz_at_k, numpy_final),
        relative_difference(traj.params[python.steps_run].tolist(), python.params),
        grid,
    )


def peak_memory(n: int, cfg: Config) -> tuple[int, int]:
    """(tracemalloc peak of LineFit + run + grid in bytes, the bytes of x and y themselves).

    The data exist before tracing starts, so the peak is what gdviz adds on top of them.
    """
    x, y = make_data(n)
    gd = gradient_descent()
    gc.collect()
    tracemalloc.start()
    try:
        fit = LineFit(x, y, "mse")
        traj = run(fit, gd, START, steps=cfg.steps)
        grid = loss_grid(fit, grid_window(fit, traj), cfg.grid)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del fit, traj, grid
    return peak, x.nbytes + y.nbytes


# --------------------------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------------------------


def row_labels(grid: int) -> tuple[str, ...]:
    """The table's rows, in order (the test checks each one is printed)."""
    return (
        "python loop",
        "numpy per step",
        "gdviz setup (LineFit)",
        "gdviz steps (run)",
        "gdviz setup + steps",
        "gdviz agrees with numpy",
        "gdviz agrees with python loop",
        "speed-up: numpy / gdviz steps",
        "speed-up: numpy / gdviz setup + steps",
        f"loss grid {grid}×{grid}",
    )


def format_seconds(s: float) -> str:
    if s >= 1.0:
        return f"{s:.2f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.2f} ms"
    return f"{s * 1e6:.1f} µs"


def format_bytes(n: float) -> str:
    return f"{n / 1e6:.3f} MB" if n >= 1e5 else f"{n / 1e3:.1f} kB"


def format_ratio(r: float) -> str:
    return f"{r:,.0f}×" if r >= 100 else f"{r:.1f}×"


def _approx(text: str, extrapolated: bool) -> str:
    return f"~{text}" if extrapolated else text


def _agreement(difference: float, at_step: int, steps: int) -> str:
    word = "yes" if difference <= AGREE_RTOL else "NO"
    where = "" if at_step == steps else f" @ step {at_step}"
    return f"{word} ({difference:.1e}){where}"


def table_rows(results: Sequence[SizeResult], cfg: Config) -> list[tuple[str, list[str]]]:
    cells: list[list[str]] = [[] for _ in row_labels(cfg.grid)]
    for r in results:
        column = (
            _approx(format_seconds(r.python.seconds), r.python.extrapolated),
            _approx(format_seconds(r.numpy.seconds), r.numpy.extrapolated),
            format_seconds(r.setup),
            format_seconds(r.steps),
            format_seconds(r.total),
            _agreement(r.numpy_difference, r.numpy.steps_run, cfg.steps),
            _agreement(r.python_difference, r.python.steps_run, cfg.steps),
            _approx(format_ratio(r.numpy.seconds / r.steps), r.numpy.extrapolated),
            _approx(format_ratio(r.numpy.seconds / r.total), r.numpy.extrapolated),
            format_seconds(r.grid),
        )
        for row, cell in zip(cells, column, strict=True):
            row.append(cell)
    return list(zip(row_labels(cfg.grid), cells, strict=True))


def render_table(
    header: Sequence[str], rows: Sequence[Sequence[str]], markdown: bool, *, numeric: bool = True
) -> str:
    """A table whose first column is a label; the others right-aligned when `numeric`."""
    if markdown:

        def md_line(cols):
            # "~" would be strikethrough on GitHub; "\~" shows the tilde itself.
            return "| " + " | ".join(c.replace("~", r"\~") for c in cols) + " |"

        align = "---:" if numeric else ":---"
        rule = "|" + "|".join([":---", *(align for _ in header[1:])]) + "|"
        return "\n".join([md_line(header), rule, *(md_line(r) for r in rows)])
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]

    def line(cols):
        first = cols[0].ljust(widths[0])
        rest = (
            c.rjust(w) if numeric else c.ljust(w) for c, w in zip(cols[1:], widths[1:], strict=True)
        )
        return "  ".join((first, *rest)).rstrip()

    return "\n".join([line(header), "  ".join("-" * w for w in widths), *map(line, rows)])


def machine_lines() -> list[str]:
    lines = [
        f"cpu: {os.cpu_count()} logical ({cpu_model()}, {platform.machine()})",
        f"python {platform.python_version()}, numpy {np.__version__}, {platform.system()}",
    ]
    if "OPENBLAS_CORETYPE" in os.environ:
        lines.append(f"OPENBLAS_CORETYPE={os.environ['OPENBLAS_CORETYPE']}")
    return lines


def cpu_model() -> str:
    """The processor's model name, for the benchmarks' machine line."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for text in f:
                if text.startswith("model name"):
                    return text.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown model"


def _verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def target_rows(
    results: Sequence[SizeResult], memory: tuple[int, int, int], cfg: Config
) -> list[list[str]]:
    at = {r.n: r for r in results}
    r = at.get(TARGET_N)
    comparable = r is not None and cfg.steps == TARGET_STEPS and cfg.grid == TARGET_GRID
    need = f"n/a (needs N = {TARGET_N:,}, {TARGET_STEPS} steps, {TARGET_GRID}×{TARGET_GRID})"
    rows = []
    speed = f"gdviz {TARGET_STEPS} mse steps on 10⁶ points ≥ {TARGET_SPEEDUP:,.0f}× numpy"
    with_setup = "same, counting LineFit setup (for reference)"
    grid = f"{TARGET_GRID}×{TARGET_GRID} grid on 10⁶ points ≤ {TARGET_GRID_SECONDS * 1e3:.0f} ms"
    if comparable:
        for label, ratio in (
            (speed, r.numpy.seconds / r.steps),
            (with_setup, r.numpy.seconds / r.total),
        ):
            value = _approx(format_ratio(ratio), r.numpy.extrapolated)
            rows.append([label, value, _verdict(ratio >= TARGET_SPEEDUP)])
        rows.append([grid, format_seconds(r.grid), _verdict(r.grid <= TARGET_GRID_SECONDS)])
    else:
        rows += [[speed, need, "n/a"], [with_setup, need, "n/a"], [grid, need, "n/a"]]
    n, peak, data = memory
    multiple = peak / data
    label = f"peak memory (LineFit + run + grid) ≤ {TARGET_MEMORY_MULTIPLE:g}× data"
    value = f"{format_bytes(peak)} = {multiple:.4f}× {format_bytes(data)} (N = {n:,})"
    rows.append(
        [label, value, _verdict(multiple <= TARGET_MEMORY_MULTIPLE) if n == TARGET_N else "n/a"]
    )
    return rows


def _notes(results: Sequence[SizeResult], cfg: Config) -> list[str]:
    notes = []
    for name, attr in (("python loop", "python"), ("numpy per step", "numpy")):
        parts = [
            f"N = {r.n:,} from {getattr(r, attr).steps_run} steps"
            for r in results
            if getattr(r, attr).extrapolated
        ]
        if parts:
            notes.append(f"{name} at " + ", ".join(parts))
    out = []
    if notes:
        out.append(
            f"~ extrapolated linearly to {cfg.steps} steps from the steps timed: "
            + "; ".join(notes)
            + "."
        )
    out.append(
        "agrees: the largest relative difference of gdviz's m, b and loss from the loop's (for the "
        f"python loop m and b only) after the same number of steps; yes when ≤ {AGREE_RTOL:g}."
    )
    out.append(
        "Peak memory: the tracemalloc peak while building LineFit, running and gridding, with x "
        "and y allocated beforehand, so it counts what gdviz adds on top of the data."
    )
    return out


def report(results: Sequence[SizeResult], memory: tuple[int, int, int], cfg: Config) -> str:
    md = cfg.markdown

    def paragraph(text: str) -> str:
        return text if md else textwrap.fill(text, width=100)

    intro = (
        f"{cfg.steps} steps of plain gradient descent on mse (lr {LR:g}, start (0, 0)), the loss "
        f"recorded at every step; data x ~ U(0, 10), y = 2x + 1 + N(0, 1), seed {SEED}. Best "
        f"of up to {cfg.repeats} runs for anything under {REPEAT_BELOW_SECONDS:g} s; "
        f"grid best of {cfg.grid_repeats}."
    )
    header = ["", *(f"N = {r.n:,}" for r in results)]
    rows = [[label, *cells] for label, cells in table_rows(results, cfg)]
    targets = target_rows(results, memory, cfg)
    out = ["## gdviz benchmark" if md else "gdviz benchmark", ""]
    out += [f"- {t}" for t in machine_lines()] if md else machine_lines()
    out += ["", paragraph(intro.replace("~", r"\~") if md else intro), ""]
    out += [render_table(header, rows, md), ""]
    for note in _notes(results, cfg):
        out += [paragraph(note.replace("~", r"\~", 1) if md else note), ""]
    out += ["### Targets" if md else "Targets", ""]
    out.append(render_table(["target", "result", "verdict"], targets, md, numeric=False))
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    cfg = config_from_args(argv)
    results = [measure_size(n, cfg) for n in cfg.sizes]
    n = max(cfg.sizes)
    memory = (n, *peak_memory(n, cfg))
    print(report(results, memory, cfg))
    return 0


if __name__ == "__main__":
    sys.exit(main())
