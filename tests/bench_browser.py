"""Benchmark of the page in headless Chromium: load time, payload, animation frame rate.

Run as a script (pytest does not collect it): `python tests/bench_browser.py`. It starts
`streamlit run app.py` itself (the helper in conftest.py), prints a table and compares it with
the targets: the 2-D views at >= 20 frames per second in headless Chromium, and a page
payload of at most 2 MB for a 10,000-step run. It prints figures; it never fails on a time.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # gdviz
sys.path.insert(0, str(Path(__file__).resolve().parent))  # conftest's server helpers

from conftest import CHROMIUM, CHROMIUM_ARGS, VIEWPORT, chromium_missing, streamlit_server
from playwright.sync_api import Browser, Page, sync_playwright

from gdviz.views.player import SPEEDS

CHART = '[data-testid="stPlotlyChart"] .js-plotly-plot'
DESCENT = ".st-key-descent .js-plotly-plot"
SURFACE = ".st-key-surface .js-plotly-plot"
WINDOW_S = 5.0
REPEAT = 2
TARGET_FPS = 20.0
TARGET_BYTES = 2_000_000
SPEED_BUTTONS = {"normal": "Play", "fast": "fast"}  # ▶ Play plays at the normal speed

ANY_DRAWN = f"""() => Array.from(document.querySelectorAll('{CHART}'))
  .some((gd) => gd._fullLayout && gd.querySelector('.main-svg'))"""
BOTH_DRAWN = """() => {
  const gd2 = document.querySelector('.st-key-descent .js-plotly-plot');
  const gd3 = document.querySelector('.st-key-surface .js-plotly-plot');
  return Boolean(gd2 && gd2._fullLayout && gd2.querySelector('.scatterlayer .trace')
    && gd3 && gd3._fullLayout && gd3._fullLayout.scene && gd3._fullLayout.scene._scene
    && gd3.querySelector('canvas'));
}"""
# Back to the first frame, then count the frames of both figures from now on.
ARM = """() => {
  const gd2 = document.querySelector('.st-key-descent .js-plotly-plot');
  const gd3 = document.querySelector('.st-key-surface .js-plotly-plot');
  const first = gd2._transitionData._frames[0].name;
  window.__bench = {frames2: [], frames3: [], ended: null};
  if (!gd2.__benchHooked) {
    gd2.__benchHooked = true;
    gd2.on('plotly_animatingframe', (e) => window.__bench.frames2.push(performance.now()));
    gd2.on('plotly_animated', () => { window.__bench.ended = performance.now(); });
  }
  if (gd3 && gd3.layout && !gd3.__benchHooked) {
    gd3.__benchHooked = true;
    gd3.on('plotly_animatingframe', (e) => window.__bench.frames3.push(performance.now()));
  }
  return window.Plotly.animate(gd2, [first], {mode: 'immediate',
    frame: {duration: 0, redraw: false}, transition: {duration: 0}})
    .catch(() => {});
}"""
# What one 2-D frame costs with no waiting: jump through 20 frames, time each jump.
FRAME_COST = """async () => {
  const gd2 = document.querySelector('.st-key-descent .js-plotly-plot');
  const names = gd2._transitionData._frames.map((f) => f.name);
  const costs = [];
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    await window.Plotly.animate(gd2, [names[Math.floor(i * (names.length - 1) / 19)]], {
      mode: 'immediate', frame: {duration: 0, redraw: false}, transition: {duration: 0}});
    costs.push(performance.now() - t);
  }
  return costs;
}"""
# What one 3-D redraw costs: move the surface marker to a few frames and time each.
REDRAW_COST = """async () => {
  const gd3 = document.querySelector('.st-key-surface .js-plotly-plot');
  const names = gd3._transitionData._frames.map((f) => f.name);
  const costs = [];
  for (const name of [names[names.length - 1], names[0], names[names.length >> 1]]) {
    const t = performance.now();
    await window.Plotly.animate(gd3, [name], {mode: 'immediate',
      frame: {duration: 0, redraw: true}, transition: {duration: 0}});
    costs.push(performance.now() - t);
  }
  return costs;
}"""


@dataclass
class Load:
    first_chart_s: float
    both_charts_s: float
    ws_bytes: int
    descent_msg_bytes: int
    surface_msg_bytes: int
    frames: int


@dataclass
class Play:
    label: str
    fps: list[float] = field(default_factory=list)  # one per repeat
    frames: list[int] = field(default_factory=list)
    updates_3d: list[int] = field(default_factory=list)

    @property
    def median_fps(self) -> float:
        return statistics.median(self.fps)


def load(browser: Browser, url: str) -> tuple[Page, Load]:
    """Open `url` in a fresh context (cold cache) and time the first and both charts."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    received: list[bytes] = []

    def on_websocket(ws) -> None:
        ws.on(
            "framereceived",
            lambda payload: received.append(
                payload if isinstance(payload, bytes) else payload.encode()
            ),
        )

    page.on("websocket", on_websocket)
    start = time.perf_counter()
    page.goto(url)
    page.wait_for_function(ANY_DRAWN, timeout=120_000, polling=50)
    first = time.perf_counter() - start
    page.wait_for_function(BOTH_DRAWN, timeout=120_000, polling=50)
    both = time.perf_counter() - start
    page.wait_for_timeout(1500)  # the rest of the script's messages
    descent = sum(len(m) for m in received if b"gdviz-descent" in m)
    surface = sum(len(m) for m in received if b"gdviz-surface" in m and b"gdviz-descent" not in m)
    frames = page.locator(DESCENT).evaluate("gd => gd._transitionData._frames.length")
    return page, Load(first, both, sum(map(len, received)), descent, surface, frames)


def play(page: Page, speed: str, label: str) -> Play:
    """Play from the first frame at `speed` for WINDOW_S seconds, REPEAT times.

    Frames per second from the 2-D figure's own frame timestamps: (n - 1) / (t_last - t_first).
    """
    result = Play(label)
    descent = page.locator(DESCENT)
    for _ in range(REPEAT):
        page.evaluate(ARM)
        page.wait_for_timeout(1500)  # the 3-D view follows the jump back; let it settle
        page.evaluate("() => { window.__bench = {frames2: [], frames3: [], ended: null}; }")
        descent.locator(".updatemenu-button", has_text=SPEED_BUTTONS[speed]).click()
        deadline = time.perf_counter() + WINDOW_S
        while time.perf_counter() < deadline:
            if page.evaluate("() => window.__bench.ended !== null"):
                break
            page.wait_for_timeout(100)
        bench = page.evaluate("() => window.__bench")
        descent.locator(".updatemenu-button", has_text="Pause").click()
        page.wait_for_timeout(2500)  # let the 3-D view catch up before the next run
        t = bench["frames2"]
        seconds = (t[-1] - t[0]) / 1000 if len(t) > 1 else 0.0
        result.fps.append((len(t) - 1) / seconds if seconds > 0 else 0.0)
        result.frames.append(len(t))
        result.updates_3d.append(len(bench["frames3"]))
    return result


def redraw_cost_ms(page: Page) -> float:
    return statistics.median(page.evaluate(REDRAW_COST))


def frame_cost_ms(page: Page) -> float:
    return statistics.median(page.evaluate(FRAME_COST))


def purge_surface(page: Page) -> None:
    page.locator(SURFACE).evaluate("gd => window.Plotly.purge(gd)")


def mb(n: int) -> str:
    return f"{n / 1e6:.2f} MB"


def main() -> int:
    reason = chromium_missing()
    if reason:
        print(f"skipped: {reason}")
        return 0
    print(f"gdviz browser benchmark · Chromium {CHROMIUM} · headless, software WebGL")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    plays: list[Play] = []
    with streamlit_server() as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        # Warm the server's caches (first engine run, imports) so the timings are the page's.
        warm, cold = load(browser, url + "/")
        warm.context.close()

        page, default = load(browser, url + "/")
        plays.append(play(page, "normal", f"default, ▶ Play (normal, {SPEEDS['normal']} ms/frame)"))
        plays.append(play(page, "fast", f"default, ▶ fast ({SPEEDS['fast']} ms/frame)"))
        cost = redraw_cost_ms(page)
        purge_surface(page)
        frame_cost = {"/": frame_cost_ms(page)}
        plays.append(play(page, "normal", "default, 3-D purged, normal"))
        plays.append(play(page, "fast", "default, 3-D purged, fast"))
        page.context.close()

        page, big = load(browser, url + "/?steps=10000&tol=0")
        plays.append(play(page, "normal", "steps=10000, ▶ Play (normal)"))
        plays.append(play(page, "fast", "steps=10000, ▶ fast"))
        purge_surface(page)
        frame_cost["/?steps=10000&tol=0"] = frame_cost_ms(page)
        page.context.close()
        browser.close()

    print()
    print("Page load (each in a fresh browser context; the first also with a cold server)")
    print(
        f"{'page':<16}{'1st chart':>11}{'both':>9}{'websocket':>12}{'2-D msg':>11}"
        f"{'3-D msg':>11}{'frames':>8}"
    )
    for name, ld in (("/ (cold server)", cold), ("/", default), ("/?steps=10000&tol=0", big)):
        print(
            f"{name:<16}{ld.first_chart_s:>10.1f}s{ld.both_charts_s:>8.1f}s{mb(ld.ws_bytes):>12}"
            f"{mb(ld.descent_msg_bytes):>11}{mb(ld.surface_msg_bytes):>11}{ld.frames:>8}"
        )
    print()
    print(f"Animation: {REPEAT} runs of {WINDOW_S:.0f} s each from the first frame (or to the end)")
    print(f"{'run':<40}{'2-D fps median':>15}{'each run':>14}{'frames':>10}{'3-D updates':>13}")
    for r in plays:
        each = "/".join(f"{f:.1f}" for f in r.fps)
        frames = "/".join(str(n) for n in r.frames)
        updates = "/".join(str(n) for n in r.updates_3d)
        print(f"{r.label:<40}{r.median_fps:>15.1f}{each:>14}{frames:>10}{updates:>13}")
    print()
    print(f"One 3-D redraw (marker move, software WebGL), median of 3: {cost:.0f} ms")
    for name, ms in frame_cost.items():
        print(f"One 2-D frame, no waiting (3-D purged), median of 20, {name}: {ms:.0f} ms")
    print(
        "(Plotly advances frames on requestAnimationFrame once the frame duration has passed: at"
        f" 60 Hz a {SPEEDS['normal']} ms frame lasts a whole number of 16.7 ms refreshes.)"
    )
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print()
    with_3d = [r for r in plays if "purged" not in r.label]
    worst = min(with_3d, key=lambda r: r.median_fps)
    fps_ok = "MET" if worst.median_fps >= TARGET_FPS else "NOT MET"
    bytes_ok = "MET" if big.ws_bytes <= TARGET_BYTES else "NOT MET"
    print(
        f"Targets: 2-D views >= {TARGET_FPS:.0f} fps: {fps_ok} (slowest with the 3-D view: "
        f"{worst.median_fps:.1f} fps, {worst.label}); payload <= {mb(TARGET_BYTES)} for a "
        f"10,000-step run: {bytes_ok} ({mb(big.ws_bytes)} over the websocket)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
