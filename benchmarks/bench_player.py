"""Benchmark of the in-browser player against a bare one-chart Streamlit page, side by side.

Run: `python benchmarks/bench_player.py [--loads 3] [--play 5]`. It starts three servers on
ports 8740-8742 (a bare page with one small st.plotly_chart, written to a temporary file,
gdviz itself (`app.py`, its default lesson), and tests/player_demo_app.py: a 2-D figure of
100 points, a 200-frame loss curve and contour lines of a 150×150 grid, plus a 60×60 3-D
surface) and, when nginx is installed, the bare page and gdviz as a class gets them:
deploy/serve.sh, nginx in front of one replica (ports 8744-8747; gdviz's pages start
plotly.js with their HTML there). It drives headless Chromium (software WebGL) at 1280×720.
Loads alternate between the pages, each in a fresh browser context (empty cache); each page
is compared with the bare page served the same way.

It prints, with the date and the machine: navigation → charts drawn (median of the loads)
and its ratio to the bare page, where the time goes (plotly.js fetched, parsed, the first
render, the 3-D scene), bytes over the websocket, the 2-D frame rate at normal speed, the
3-D marker's lag behind the 2-D charts and the cost of a 3-D redraw. The same page with
plotly.js sent inline over the websocket (`?plotly=inline`) is measured for comparison.
Figures only; it never fails on a time.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]  # gdviz and the tests' conftest, from any directory

from conftest import CHROMIUM, CHROMIUM_ARGS, chromium_missing  # noqa: E402
from playwright.sync_api import Browser, sync_playwright  # noqa: E402
from test_player_browser import demo_server  # noqa: E402

PROJECTOR = {"width": 1280, "height": 720}
BARE_PORT, DEMO_PORT, APP_PORT = 8740, 8741, 8742
# deploy/serve.sh with one replica: nginx on the port, the replica on the port + 1.
HOSTED_BARE_PORT, HOSTED_APP_PORT = 8744, 8746
BARE_APP = """
import plotly.graph_objects as go
import streamlit as st

st.title("Bare page")
st.plotly_chart(go.Figure(go.Scatter(x=[1, 2, 3], y=[3, 1, 2])), key="chart")
"""
BARE_DRAWN = """() => { const gd = document.querySelector(
  '[data-testid="stPlotlyChart"] .js-plotly-plot');
  return gd && gd._fullLayout && gd.querySelector('.scatterlayer .trace')
  ? performance.now() : false; }"""
DEMO_DRAWN = """() => { const r = document.querySelector('.gdp[data-ready="1"]');
  return r && r.querySelector('canvas') ? performance.now() : false; }"""
TITLE = """(sel) => document.querySelector(sel) ? performance.now() : false"""
RESOURCE = """(part) => { const all = performance.getEntriesByType('resource')
  .filter((r) => r.name.includes(part)).sort((a, b) => b.transferSize - a.transferSize);
  const e = all[0];
  return e ? {start: e.startTime, end: e.responseEnd, bytes: e.transferSize, count: all.length}
    : null; }"""


@contextlib.contextmanager
def hosted(app_dir: Path, port: int, *, early_plotly: bool) -> Iterator[str]:
    """deploy/serve.sh (nginx + one replica) serving `app_dir`'s app.py; yields its URL."""
    env = os.environ | {"PYTHONPATH": str(ROOT), "GDVIZ_EARLY_PLOTLY": "1" if early_plotly else "0"}
    proc = subprocess.Popen(
        ["bash", str(ROOT / "deploy" / "serve.sh"), "--replicas", "1", "--port", str(port),
         "--app-dir", str(app_dir)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            with contextlib.suppress(OSError):
                urllib.request.urlopen(url + "/_stcore/health", timeout=2).close()
                break
            if proc.poll() is not None:
                sys.exit(f"deploy/serve.sh exited ({proc.returncode}) for {app_dir}")
            time.sleep(0.5)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else float("nan")


def load_once(browser: Browser, url: str, drawn: str, title: str, resource: str) -> dict:
    """One fresh load: times in ms from navigation start, and websocket bytes received."""
    context = browser.new_context(viewport=PROJECTOR)
    context.add_init_script("window.__gdvizTrace = [];")
    page = context.new_page()
    received = [0]

    def on_socket(ws):
        ws.on("framereceived", lambda payload: received.__setitem__(0, received[0] + len(payload)))

    page.on("websocket", on_socket)
    try:
        page.goto(url)
        title_at = page.wait_for_function(title, arg="h1, h4", polling="raf", timeout=90_000)
        drawn_at = page.wait_for_function(drawn, polling="raf", timeout=90_000)
        out = {"title": title_at.json_value(), "drawn": drawn_at.json_value()}
        out["resource"] = page.evaluate(RESOURCE, resource)
        out["trace"] = page.evaluate("() => window.__gdvizTrace")
        page.wait_for_timeout(300)
        out["ws_bytes"] = received[0]
        return out
    finally:
        context.close()


def play_once(browser: Browser, url: str, seconds: float) -> dict:
    """Play at normal speed for `seconds`: 2-D frame rate, 3-D lag and redraw cost."""
    context = browser.new_context(viewport=PROJECTOR)
    page = context.new_page()
    received = [0]
    page.on(
        "websocket",
        lambda ws: ws.on("framereceived", lambda p: received.__setitem__(0, received[0] + len(p))),
    )
    try:
        page.goto(url)
        page.wait_for_function(DEMO_DRAWN, polling="raf", timeout=90_000)
        page.wait_for_timeout(1000)
        page.evaluate("() => { window.__gdvizTrace = []; }")
        page.get_by_role("button", name="Play", exact=True).click()
        page.wait_for_timeout(seconds * 1000)
        before_pause = received[0]
        page.get_by_role("button", name="Pause", exact=True).click()
        page.wait_for_timeout(1500)  # the step handed back, the rerun it causes
        events = page.evaluate("() => window.__gdvizTrace")
    finally:
        context.close()
    frames2 = [e for e in events if e["kind"] == "2d"]
    frames3 = [e for e in events if e["kind"] == "3d"]
    playing = [e for e in frames2 if e["t"] <= frames2[0]["t"] + seconds * 1000]
    fps = (len(playing) - 1) / ((playing[-1]["t"] - playing[0]["t"]) / 1000)
    # Lag: from a 2-D frame being drawn to the 3-D marker showing that frame or a later one.
    lags = []
    for e in playing:
        later = [x["t"] for x in frames3 if x["frame"] >= e["frame"] and x["t"] >= e["t"]]
        if later:
            lags.append(later[0] - e["t"])
    lags.sort()
    return {
        "fps": fps,
        "lag_median": median(lags),
        "lag_p95": lags[int(0.95 * (len(lags) - 1))] if lags else float("nan"),
        "lag_max": lags[-1] if lags else float("nan"),
        "cost3d": median([e["cost"] for e in frames3]),
        "updates3d": len(frames3),
        "rerun_bytes": received[0] - before_pause,
    }


def stage_times(trace: list[dict]) -> dict:
    at = {e["kind"]: e["t"] for e in reversed(trace)}  # the first of each kind
    return {k: at.get(k) for k in ("mount", "plotly", "drawn2d", "drawn")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=3, help="fresh loads per page (>= 3)")
    parser.add_argument("--play", type=float, default=5.0, help="seconds of play per run")
    args = parser.parse_args()
    reason = chromium_missing()
    if reason:
        sys.exit(reason)
    nginx = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/bin/nginx") if os.access(p, os.X_OK)), None
    )
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        bare_dir = Path(tmp)
        bare_app = bare_dir / "app.py"
        bare_app.write_text(textwrap.dedent(BARE_APP), encoding="utf-8")
        bare_url = stack.enter_context(demo_server(bare_app, BARE_PORT))
        demo_url = stack.enter_context(demo_server(port=DEMO_PORT))
        app_url = stack.enter_context(demo_server(ROOT / "app.py", APP_PORT))
        pages = {
            "bare": (bare_url, BARE_DRAWN, "/static/js/"),
            "gdviz main page": (app_url, DEMO_DRAWN, "plotly.min.js"),
            "player": (demo_url, DEMO_DRAWN, "plotly.min.js"),
            "player, plotly.js inline": (f"{demo_url}/?plotly=inline", DEMO_DRAWN, "plotly.min.js"),
        }
        if nginx:  # hosted as a class gets it: deploy/serve.sh, nginx in front
            hosted_bare = stack.enter_context(
                hosted(bare_dir, HOSTED_BARE_PORT, early_plotly=False)
            )
            hosted_app = stack.enter_context(hosted(ROOT, HOSTED_APP_PORT, early_plotly=True))
            pages["bare, hosted"] = (hosted_bare, BARE_DRAWN, "/static/js/")
            pages["gdviz main page, hosted"] = (hosted_app, DEMO_DRAWN, "plotly.min.js")
        else:
            print("nginx is not installed: the hosted rows are left out", file=sys.stderr)
        p = stack.enter_context(sync_playwright())
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        # Warm every server (first-run imports, caches) before measuring.
        for url, drawn, part in pages.values():
            load_once(browser, url, drawn, TITLE, part)
        loads: dict[str, list[dict]] = {name: [] for name in pages}
        for _ in range(max(3, args.loads)):
            for name, (url, drawn, part) in pages.items():
                loads[name].append(load_once(browser, url, drawn, TITLE, part))
        play = [play_once(browser, url, args.play) for url in (app_url, app_url, demo_url)]
        browser.close()
    report(loads, play, args)


def report(loads: dict, play: list[dict], args) -> None:
    bare = median([r["drawn"] for r in loads["bare"]])
    print(f"# Player benchmark, {datetime.datetime.now():%Y-%m-%d %H:%M}")
    load = os.getloadavg()
    print(
        f"machine: {platform.node()} · {platform.system()} {platform.machine()} · "
        f"{os.cpu_count()} cores · load {load[0]:.1f} {load[1]:.1f} · Chromium {CHROMIUM} "
        f"(software WebGL) · 1280×720 · median of {len(loads['bare'])} fresh loads"
    )
    print()
    print(
        "| page | title (s) | 2-D charts drawn (s) | vs bare | all charts drawn, 3-D too (s) "
        "| vs bare | websocket bytes |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, runs in loads.items():
        drawn = median([r["drawn"] for r in runs])
        flat = median([stage_times(r["trace"])["drawn2d"] for r in runs])
        # Each page against the bare page served the same way (streamlit run, or nginx).
        baseline = median([r["drawn"] for r in loads["bare, hosted"]]) if "hosted" in name else bare
        flat_cells = "— | —" if flat != flat else f"{flat / 1000:.2f} | {flat / baseline:.2f}×"
        print(
            f"| {name} | {median([r['title'] for r in runs]) / 1000:.2f} | {flat_cells} "
            f"| {drawn / 1000:.2f} | {drawn / baseline:.2f}× "
            f"| {median([r['ws_bytes'] for r in runs]):,.0f} |"
        )
    print()
    print("Where the player's first view goes (median ms from navigation start):")
    named = ("gdviz main page", "gdviz main page, hosted", "player", "player, plotly.js inline")
    for name in [n for n in named if n in loads]:
        stages = [stage_times(r["trace"]) for r in loads[name]]
        mount, ready, flat, drawn = (
            median([s[k] for s in stages]) for k in ("mount", "plotly", "drawn2d", "drawn")
        )
        res = [r["resource"] for r in loads[name] if r["resource"]]
        fetched = (
            f"plotly.min.js fetched {median([r['start'] for r in res]):.0f}→"
            f"{median([r['end'] for r in res]):.0f} ({median([r['bytes'] for r in res]):,.0f} B, "
            f"fetched {max(r['count'] for r in res)}× at most)"
            if res
            else "plotly.js inside the component's JS"
        )
        print(
            f"- {name}: component mounted {mount:.0f}; {fetched}; Plotly ready {ready:.0f} "
            f"(fetch + parse {ready - mount:.0f}); 2-D charts drawn {flat:.0f} "
            f"(+{flat - ready:.0f}); the 3-D scene drawn {drawn:.0f} (+{drawn - flat:.0f})"
        )
    bare_res = [r["resource"] for r in loads["bare"] if r["resource"]]
    if bare_res:
        print(
            f"- bare: largest Streamlit chunk (plotly) fetched by "
            f"{median([r['end'] for r in bare_res]):.0f}; chart drawn {bare:.0f}"
        )
    print()
    print(f"Playing at normal speed (30 fps asked), {args.play:.0f} s: gdviz main page twice, "
          "then the demo page:")  # fmt: skip
    print("| run | 2-D fps | 3-D lag median (ms) | p95 | max | 3-D redraw (ms) | 3-D updates "
          "| bytes after Pause |")  # fmt: skip
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for i, r in enumerate(play, 1):
        print(
            f"| {i} | {r['fps']:.1f} | {r['lag_median']:.0f} | {r['lag_p95']:.0f} "
            f"| {r['lag_max']:.0f} | {r['cost3d']:.0f} | {r['updates3d']} "
            f"| {r['rerun_bytes']:,} |"
        )
    print("\ntargets: charts drawn ≤ 1.3× bare; 2-D ≥ 20 fps; 3-D lag ≤ 500 ms")


if __name__ == "__main__":
    start = time.monotonic()
    main()
    print(f"(benchmark took {time.monotonic() - start:.0f} s)")
