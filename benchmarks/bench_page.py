"""Benchmark (a script, not a test): the server-side cost of the gdviz page, through AppTest.

    python benchmarks/bench_page.py

Each `AppTest.run()` executes app.py in-process (no server, no browser), so the times below are
what the Streamlit server spends per script run: engine, figures, caches, JSON, protobufs. They
leave out the network and the browser (plotly.js parsing and drawing the figures).

Every time is shown raw and minus a baseline: the median rerun of a one-line script, AppTest's
own fixed overhead. One AppTest overhead is *not* fixed: it builds a new ScriptCache on every
run, so it reads, rewrites (magic) and compiles app.py twice per `run()`, where a
`streamlit run` server compiles it once per process. The rows marked "[compile once]" repeat
the measurements with the compiled script kept across runs, as a server does; they are an
estimate of the server, the other rows are what AppTest measures.

Then the figure payload, the page's pieces timed directly (outside Streamlit; the "what-if"
rows send numpy arrays as Plotly typed arrays, as go.Figure.to_dict() would, instead of the
lists the page's PlainFigure specs become), and the targets, met / NOT met. Never fails; takes
1-2 minutes. The machine's load is printed: on a busy machine (load average above the CPU
count) the times are inflated and spread.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import json
import logging
import os
import pickle
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "pages" / "fit_a_line.py")  # the main page, run on its own
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import plotly  # noqa: E402
import plotly.io as pio  # noqa: E402
import streamlit  # noqa: E402
from _plotly_utils.optional_imports import get_module  # noqa: E402
from _plotly_utils.utils import convert_to_base64  # noqa: E402
from streamlit.runtime.scriptrunner.script_cache import ScriptCache  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from gdviz.data import generate_points, load_csv  # noqa: E402
from gdviz.linefit.run import run_line_fit  # noqa: E402
from gdviz.linefit.settings import LineFitSettings  # noqa: E402
from gdviz.samples import SAMPLES  # noqa: E402
from gdviz.timeline import frame_steps  # noqa: E402
from gdviz.views.linefit import descent_spec, surface_spec  # noqa: E402

TIMEOUT = 60
TRIVIAL = "import streamlit as st\nst.write('hello')\n"
FRESH_REPEATS = 3
CACHED_RERUNS = 20
CHANGES = 10
BIG_RERUNS = 5
PIECE_REPEATS = 10

TARGET_CONTROL = 0.100  # s, a rerun after a control change
TARGET_CACHED = 0.050  # s, the default page once cached
TARGET_FRESH = 1.5  # s, the first render of a fresh process
TARGET_PAYLOAD = 2_000_000  # bytes, both figures of a 10,000-step run

# One fresh process: import AppTest, create the page (a file, or source text), time its first run.
FRESH_CODE = """
import json, sys, time
t0 = time.perf_counter()
from streamlit.testing.v1 import AppTest
t1 = time.perf_counter()
if sys.argv[1] == "-":
    at = AppTest.from_string(sys.argv[2], default_timeout=60)
else:
    at = AppTest.from_file(sys.argv[1], default_timeout=60)
t2 = time.perf_counter()
at.run()
t3 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "first_run": t3 - t2, "errors": len(at.exception)}))
"""

# One fresh process: after importing AppTest, what the page's first run imports and compiles.
COLD_IMPORTS_CODE = """
import importlib, json, sys, time
from streamlit.testing.v1 import AppTest
out = {}
def clock(name, fn):
    t = time.perf_counter(); fn(); out[name] = time.perf_counter() - t
clock("import numpy", lambda: __import__("numpy"))
clock("import pandas", lambda: __import__("pandas"))
clock("import pyarrow (st.dataframe)", lambda: __import__("pyarrow"))
clock("plotly.graph_objects.Figure", lambda: importlib.import_module("plotly.graph_objects").Figure)
def gdviz_modules():
    for m in ("data", "errors", "linefit.run", "linefit.export", "views.linefit_player",
              "objectives", "optimizers", "samples", "linefit.settings"):
        __import__("gdviz." + m)
clock("import gdviz.* (the page's)", gdviz_modules)
from streamlit.runtime.scriptrunner.script_cache import ScriptCache
clock("compile app.py (magic + compile)", lambda: ScriptCache().get_bytecode(sys.argv[1]))
print(json.dumps(out))
"""


# --- helpers ----------------------------------------------------------------------------------


def p90(values: list[float]) -> float:
    return float(np.percentile(values, 90))


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f}"


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def new_page(**query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in query.items():
        at.query_params[key] = str(value)
    return at


def errors(at: AppTest) -> list[str]:
    return [e.message for e in at.exception]


def payload(at: AppTest) -> dict[str, int]:
    """Bytes of what the page sends for its charts: each Plotly figure's JSON spec, and the
    player's data (both figures, every frame's moving values and read-outs), by key."""
    sizes = {c.key: len(c.proto.spec) for c in at.get("plotly_chart")}
    return sizes | {
        f"player {i}": len(c.proto.json) for i, c in enumerate(at.get("bidi_component"))
    }


def in_fresh_process(code: str, *args: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min)"


@contextlib.contextmanager
def compile_once() -> Iterator[None]:
    """Keep app.py's compiled code across AppTest runs, as a server's one ScriptCache does."""
    original = ScriptCache.get_bytecode
    compiled: dict[str, object] = {}

    def get_bytecode(self: ScriptCache, script_path: str):
        path = os.path.abspath(script_path)
        if path not in compiled:
            compiled[path] = original(self, script_path)
        return compiled[path]

    ScriptCache.get_bytecode = get_bytecode  # type: ignore[method-assign]
    try:
        yield
    finally:
        ScriptCache.get_bytecode = original  # type: ignore[method-assign]


class Table:
    """Rows of (what, n, median, p90) in seconds, printed raw and minus the baseline."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, int, float, float | None, bool]] = []

    def add(
        self, what: str, times: list[float], *, single: bool = False, net: bool = True
    ) -> float:
        """`net=False`: not a script run, so subtracting AppTest's baseline means nothing."""
        med = statistics.median(times)
        self.rows.append((what, len(times), med, None if single else p90(times), net))
        return med

    def show(self, baseline: float) -> None:
        width = max(len(row[0]) for row in self.rows)
        head = (
            f"{'measurement':<{width}} {'n':>3} {'median':>8} {'p90':>8} {'-base':>8} {'p90-b':>8}"
        )
        print(head)
        print("-" * len(head))
        blank = f"{'':>8}"
        for what, n, med, q, net in self.rows:
            q_raw = ms(q) if q is not None else blank
            med_net = ms(med - baseline) if net else blank
            q_net = ms(q - baseline) if q is not None and net else blank
            print(f"{what:<{width}} {n:>3} {ms(med)} {q_raw} {med_net} {q_net}")
        print("(milliseconds; '-base' = minus the baseline, AppTest's rerun of a one-line script)")


# --- the measurements ---------------------------------------------------------------------------


def baseline(table: Table) -> float:
    at = AppTest.from_string(TRIVIAL, default_timeout=TIMEOUT)
    first = timed(at.run)
    reruns = [timed(at.run) for _ in range(CACHED_RERUNS)]
    table.add("baseline: one-line script, first run in this process", [first], single=True)
    return table.add("baseline: one-line script, rerun", reruns)


def cached_default(table: Table, problems: list[str], tag: str) -> tuple[float, dict[str, int]]:
    at = new_page()
    table.add(f"2. default page: first run (warm process){tag}", [timed(at.run)], single=True)
    problems.extend(f"default page: {e}" for e in errors(at))
    at.run()
    reruns = [timed(at.run) for _ in range(CACHED_RERUNS)]
    return table.add(f"2. default page: cached rerun, no change{tag}", reruns), payload(at)


# Learning rates the page never saw: each change below is a cache miss (engine and figures).
_FRESH_LRS = iter(0.0150 + 0.0001 * i for i in range(10_000))


def control_changes(
    table: Table, problems: list[str], tag: str, offset: int
) -> dict[str, list[float]]:
    """Each control on its own page: 10 changes to values never seen before (cache misses).

    The optimizer select has 6 values and the toggle 2, so before each of their timed changes
    the learning rate moves to a fresh value (untimed): the timed change is then a miss too.
    """
    out: dict[str, list[float]] = {}

    def measure(name, change, check, prepare=None) -> None:
        at = new_page()
        at.run()
        at.run()
        times = []
        for i in range(CHANGES):
            if prepare is not None:  # untimed
                prepare(at)
            value, apply = change(at, i)
            times.append(timed(apply))
            problems.extend(f"{name}: {e}" for e in errors(at))
            if check(at) != value:
                problems.append(f"{name}: set {value!r}, the page shows {check(at)!r}")
        out[name] = times
        table.add(f"3. control change, cache miss: {name}{tag}", times)

    def set_fresh_lr(at: AppTest) -> None:
        at.number_input(key="lr").set_value(next(_FRESH_LRS)).run()

    def lr(at: AppTest, i: int):
        v = next(_FRESH_LRS)
        return v, at.number_input(key="lr").set_value(v).run

    def steps(at: AppTest, i: int):
        v = 1003 + 10 * i + offset
        return v, at.number_input(key="steps").set_value(v).run

    shown = [int(k) for k in frame_steps(1000)]
    picks = [shown[j + offset] for j in np.linspace(10, len(shown) - 8, CHANGES).astype(int)]

    def step(at: AppTest, i: int):
        # What the player does when it stops on a step: hand it to the page, which reruns.
        at.session_state["step"] = picks[i]
        return picks[i], at.run

    names = ["momentum", "nesterov", "adagrad", "rmsprop", "adam", "gd"]  # each one a change

    def optimizer(at: AppTest, i: int):
        v = names[i % len(names)]
        return v, at.selectbox(key="optimizer").set_value(v).run

    def scale(at: AppTest, i: int):
        v = not at.toggle(key="scale").value
        return v, at.toggle(key="scale").set_value(v).run

    measure("lr", lr, lambda at: at.number_input(key="lr").value)
    measure("steps", steps, lambda at: at.number_input(key="steps").value)
    measure("step (player hands it back)", step, lambda at: at.session_state["step"])
    measure(
        "optimizer (selectbox)",
        optimizer,
        lambda at: at.selectbox(key="optimizer").value,
        prepare=set_fresh_lr,
    )
    measure("scale (toggle)", scale, lambda at: at.toggle(key="scale").value, prepare=set_fresh_lr)
    return out


def scenario(table: Table, name: str, problems: list[str], **query) -> dict[str, int]:
    at = new_page(**query)
    first = timed(at.run)
    problems.extend(f"{name}: {e}" for e in errors(at))
    reruns = [timed(at.run) for _ in range(BIG_RERUNS)]
    table.add(f"{name}: first run (warm process)", [first], single=True)
    table.add(f"{name}: cached rerun", reruns)
    return payload(at)


def median_time(fn: Callable[[], object]) -> float:
    return statistics.median(timed(fn) for _ in range(PIECE_REPEATS))


def time_pieces(points, settings: LineFitSettings) -> tuple[dict[str, float], dict[str, int]]:
    run = run_line_fit(points, settings)
    descent, surface = descent_spec(run, 0), surface_spec(run, 0)
    specs = (descent, surface)
    blob = pickle.dumps(specs)
    # What go.Figure.to_dict() would send: numpy arrays as {"dtype", "bdata"} typed arrays.
    typed = copy.deepcopy(specs)
    convert_to_base64(typed)
    times = {
        "run_line_fit (engine; cache miss)": median_time(lambda: run_line_fit(points, settings)),
        "descent_spec (cache miss)": median_time(lambda: descent_spec(run, 0)),
        "surface_spec (cache miss)": median_time(lambda: surface_spec(run, 0)),
        "pio.to_json(descent) (every run)": median_time(
            lambda: pio.to_json(descent, validate=False)
        ),
        "pio.to_json(surface) (every run)": median_time(
            lambda: pio.to_json(surface, validate=False)
        ),
        "pickle.dumps(specs) (cache_data store)": median_time(lambda: pickle.dumps(specs)),
        "pickle.loads(specs) (cache_data hit)": median_time(lambda: pickle.loads(blob)),
        "pickle round trip": median_time(lambda: pickle.loads(pickle.dumps(specs))),
        "what-if: to_json(descent), typed arrays": median_time(
            lambda: pio.to_json(typed[0], validate=False)
        ),
        "what-if: to_json(surface), typed arrays": median_time(
            lambda: pio.to_json(typed[1], validate=False)
        ),
    }
    sizes = {
        "descent JSON bytes": len(pio.to_json(descent, validate=False)),
        "surface JSON bytes": len(pio.to_json(surface, validate=False)),
        "pickle bytes (both specs)": len(blob),
        "what-if: both specs' JSON, typed arrays": sum(
            len(pio.to_json(spec, validate=False)) for spec in typed
        ),
    }
    return times, sizes


def pieces() -> None:
    """Where a rerun's time goes: the page's main pieces, timed directly, outside Streamlit."""
    sample = SAMPLES["study-hours"]
    study = load_csv(sample.path, x=sample.x, y=sample.y)
    big = generate_points(100_000, 2.0, 1.0, 1.0, 0.0, 10.0, 0)
    cases = {
        "default": (study, LineFitSettings()),
        "10,000 steps": (study, replace(LineFitSettings(), steps=10_000, tol=0.0)),
        "n=100,000": (big, replace(LineFitSettings(), dataset="generate", n=100_000)),
    }

    times: dict[str, dict[str, float]] = {}
    sizes: dict[str, dict[str, int]] = {}
    for label, (points, settings) in cases.items():
        times[label], sizes[label] = time_pieces(points, settings)
    labels = list(cases)
    print(f"{'piece (ms, median of 10)':<42}" + "".join(f"{lab:>14}" for lab in labels))
    for piece in times[labels[0]]:
        print(f"{piece:<42}" + "".join(f"{ms(times[lab][piece]):>14}" for lab in labels))
    for key in sizes[labels[0]]:
        print(f"{key:<42}" + "".join(f"{sizes[lab][key]:>14,}" for lab in labels))
    compile_time = median_time(lambda: ScriptCache().get_bytecode(APP))
    print(f"{'compile app.py (AppTest: twice per run)':<42}{ms(compile_time):>14}")
    engine = "orjson" if get_module("orjson", should_load=True) else "json (orjson not installed)"
    print(f"(Streamlit calls pio.to_json(figure, validate=False); plotly's JSON engine: {engine})")


def show_payload(name: str, sizes: dict[str, int]) -> int:
    total = sum(sizes.values())
    parts = ", ".join(f"{key} {n:,} B" for key, n in sizes.items())
    print(f"{name:<28} {parts}; total {total:,} B ({total / 1e6:.2f} MB)")
    return total


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()  # --help only
    # AppTest's bare mode logs "missing ScriptRunContext" on the main thread: harmless noise.
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(
        lambda record: "missing ScriptRunContext" not in record.getMessage()
    )
    start = time.perf_counter()
    print("gdviz page benchmark (server side, AppTest)")
    print(
        f"machine: {os.cpu_count()} CPUs, {platform.platform()}, python "
        f"{platform.python_version()}, streamlit {streamlit.__version__}, plotly "
        f"{plotly.__version__}, numpy {np.__version__}; at start: {load()}"
    )
    print()
    problems: list[str] = []
    table = Table()

    # 1. fresh processes: the page's first run, a one-line script's, and the page's cold imports
    fresh = [in_fresh_process(FRESH_CODE, APP) for _ in range(FRESH_REPEATS)]
    cold_trivial = [in_fresh_process(FRESH_CODE, "-", TRIVIAL) for _ in range(FRESH_REPEATS)]
    cold = [in_fresh_process(COLD_IMPORTS_CODE, APP) for _ in range(FRESH_REPEATS)]
    problems.extend(f"fresh process: {r['errors']} exception(s)" for r in fresh if r["errors"])
    fresh_import = statistics.median(r["import"] for r in fresh)
    fresh_first = statistics.median(r["first_run"] for r in fresh)
    cold_base = statistics.median(r["first_run"] for r in cold_trivial)

    base = baseline(table)
    table.add("1. fresh process: import AppTest", [r["import"] for r in fresh], net=False)
    table.add("1. fresh process: first at.run() of app.py", [r["first_run"] for r in fresh])
    table.add(
        "1. fresh process: first run of a one-line script", [r["first_run"] for r in cold_trivial]
    )
    for piece in cold[0]:
        table.add(f"1. fresh, after AppTest: {piece}", [r[piece] for r in cold], net=False)

    # 2. the default page once cached; 3. control changes (AppTest as it is)
    cached, default_payload = cached_default(table, problems, "")
    controls = control_changes(table, problems, "", offset=0)
    # 2. and 3. again, compiling app.py once (as a server does)
    with compile_once():
        cached_once, _ = cached_default(table, problems, " [compile once]")
        controls_once = control_changes(table, problems, " [compile once]", offset=3)

    # 4. and 5. big runs
    payload_10k = scenario(table, "4. 10,000 steps", problems, steps=10_000, tol=0)  # every step
    payload_100k = scenario(table, "5. n=100,000", problems, dataset="generate", n=100_000)

    table.show(base)
    print()
    print("Payload: bytes the page sends for its charts (the player's data)")
    show_payload("default page (1000 steps)", default_payload)
    total_10k = show_payload("10,000 steps", payload_10k)
    show_payload("generate, n=100,000", payload_100k)
    print()
    print("6. The pieces of a rerun, timed directly (outside Streamlit)")
    pieces()
    print()

    print("Targets (judged on AppTest's raw medians; minus the baseline in brackets)")

    def control_lines(times: dict[str, list[float]], tag: str) -> None:
        medians = {name: statistics.median(t) for name, t in times.items()}
        worst_name, worst = max(medians.items(), key=lambda kv: kv[1])
        print(
            f"- rerun after a control change <= {TARGET_CONTROL:.2f} s{tag}: slowest median "
            f"{worst:.3f} s [{worst - base:.3f} s] ({worst_name}) -> "
            f"{verdict(worst <= TARGET_CONTROL)}"
        )
        for name, med in medians.items():
            print(
                f"    {name:<22} median {med:.3f} s [{med - base:.3f} s], p90 "
                f"{p90(times[name]):.3f} s -> {verdict(med <= TARGET_CONTROL)}"
            )

    def cached_line(value: float, tag: str) -> None:
        print(
            f"- default page once cached <= {TARGET_CACHED:.2f} s{tag}: median {value:.3f} s "
            f"[{value - base:.3f} s] -> {verdict(value <= TARGET_CACHED)}"
        )

    control_lines(controls, "")
    cached_line(cached, "")
    print(
        f"- first render of a fresh process <= {TARGET_FRESH:.1f} s: first at.run() median "
        f"{fresh_first:.3f} s [{fresh_first - base:.3f} s] -> "
        f"{verdict(fresh_first <= TARGET_FRESH)}"
        f"\n    (a one-line script's first run in a fresh process: {cold_base:.3f} s; importing "
        f"AppTest, not counted: {fresh_import:.3f} s)"
    )
    print(
        f"- figure payload of a 10,000-step run <= {TARGET_PAYLOAD / 1e6:.0f} MB: "
        f"{total_10k:,} B -> {verdict(total_10k <= TARGET_PAYLOAD)}"
    )
    print("Estimate for a server (app.py compiled once per process, not twice per run):")
    control_lines(controls_once, " [compile once]")
    cached_line(cached_once, " [compile once]")
    if problems:
        print("\nProblems seen on the page (the times above include them):")
        for problem in problems:
            print(f"- {problem}")
    print(f"\n(benchmark took {time.perf_counter() - start:.0f} s; at the end: {load()})")


if __name__ == "__main__":
    main()
