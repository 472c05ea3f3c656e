"""The page in a real browser: it draws, Play animates both figures, links and uploads work.

Drives Debian's Chromium (pytest-playwright, fixtures in conftest.py) against `streamlit run
app.py`. Screenshots go to test-artifacts/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import ConsoleMessage, Error, Page, expect

pytestmark = pytest.mark.e2e

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
CHART = '[data-testid="stPlotlyChart"] .js-plotly-plot'
DESCENT = ".st-key-descent .js-plotly-plot"
SURFACE = ".st-key-surface .js-plotly-plot"
FIRST_CHART_MS = 60_000  # the Plotly chunk is 4.7 MB: ~10 s idle, far more on a busy machine
UPDATE_MS = 30_000

# Both figures drawn: the 2-D one has its SVG, the 3-D one its WebGL scene and canvas.
BOTH_DRAWN = """() => {
  const charts = document.querySelectorAll('[data-testid="stPlotlyChart"] .js-plotly-plot');
  const gds = Array.from(charts);
  const meta = (m) => gds.find((gd) => gd._fullLayout && gd.layout && gd.layout.meta === m);
  const d = meta("gdviz-descent"), s = meta("gdviz-surface");
  return Boolean(d && d.querySelector(".main-svg .scatterlayer .trace")
    && s && s._fullLayout.scene && s._fullLayout.scene._scene && s.querySelector("canvas"));
}"""

# The on-screen state of a 2-D trace found by name (the n-th of that name): the `d` of its line
# path and the transforms of its points, read from the SVG that Plotly drew.
DRAWN_TRACE = """([name, nth]) => {
  const groups = Array.from(document.querySelectorAll('.st-key-descent .scatterlayer .trace'))
    .filter((g) => g.__data__ && g.__data__[0] && g.__data__[0].trace.name === name);
  const g = groups[nth];
  if (!g) { return null; }
  const line = g.querySelector("path.js-line");
  return {
    d: line ? line.getAttribute("d") : null,
    points: Array.from(g.querySelectorAll(".point")).map((p) => p.getAttribute("transform")),
  };
}"""

# Contour pieces on screen: a contour trace's paths, or level lines drawn as scatter traces.
CONTOUR_DRAWN = """gd => gd.querySelectorAll(".contourlayer path").length
  + Array.from(gd.querySelectorAll(".scatterlayer .trace")).filter((g) => {
      const trace = g.__data__ && g.__data__[0] && g.__data__[0].trace;
      const line = g.querySelector("path.js-line");
      return trace && /contour/.test(trace.name || "") && line && line.getAttribute("d");
    }).length"""

PLOTLY_PAUSE_REJECTION = "pageerror: undefined"
SURFACE_MARKER = "gd => { const t = gd.data[gd.data.length - 1]; return [t.name, t.x, t.y, t.z]; }"


class Problems:
    """Console errors and uncaught page errors seen since `watch`."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def console(self, message: ConsoleMessage) -> None:
        # WebGL "GPU stall due to ReadPixels" driver notes are warnings, not errors.
        if message.type == "error" and "GPU stall" not in message.text:
            self.errors.append(f"console: {message.text}")

    def page_error(self, error: Error) -> None:
        self.errors.append(f"pageerror: {error}")


def watch(page: Page) -> Problems:
    problems = Problems()
    page.on("console", problems.console)
    page.on("pageerror", problems.page_error)
    return problems


def open_page(page: Page, path: str = "/") -> None:
    """Go to `path` and wait until both figures are drawn."""
    page.goto(path)
    page.locator(CHART).first.wait_for(timeout=FIRST_CHART_MS)
    page.wait_for_function(BOTH_DRAWN, timeout=FIRST_CHART_MS)


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))  # the viewport is 2000 px tall: all of it


def metric(page: Page, label: str):
    """The value element of the st.metric whose label is exactly `label`."""
    box = page.get_by_test_id("stMetric").filter(
        has=page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True)
    )
    return box.get_by_test_id("stMetricValue")


def test_default_page_draws_both_figures_cleanly(page: Page) -> None:
    problems = watch(page)
    open_page(page)
    descent, surface = page.locator(DESCENT), page.locator(SURFACE)
    assert descent.evaluate("gd => gd.layout.meta") == "gdviz-descent"
    assert surface.evaluate("gd => gd.layout.meta") == "gdviz-surface"
    assert descent.evaluate("gd => gd._transitionData._frames.length") > 1
    # The three 2-D views have their traces on screen: points, the loss curve, the contour.
    assert descent.locator(".scatterlayer .trace").count() >= 8
    assert descent.evaluate(CONTOUR_DRAWN) > 0
    assert surface.evaluate(SURFACE_MARKER)[0] == "current step"
    expect(page.locator(".updatemenu-button", has_text="Play")).to_be_visible()
    expect(metric(page, "Step")).to_contain_text("0 /")
    page.wait_for_timeout(1000)  # late errors from the figures' first draw
    shot(page, "default.png")
    assert problems.errors == []


def test_play_moves_the_2d_views_and_the_3d_marker(page: Page) -> None:
    problems = watch(page)
    open_page(page)
    descent, surface = page.locator(DESCENT), page.locator(SURFACE)
    line_before = page.evaluate(DRAWN_TRACE, ["fitted line", 0])
    marker_before = page.evaluate(DRAWN_TRACE, ["current step", 0])  # the loss panel's marker
    surface_before = surface.evaluate(SURFACE_MARKER)
    contour_before = descent.evaluate(CONTOUR_DRAWN)
    assert line_before["d"] and marker_before["points"] and contour_before > 0
    descent.evaluate(
        """gd => {
          window.__gdvizFrames = [];
          gd.on("plotly_animatingframe", (ev) =>
            window.__gdvizFrames.push([ev.name, performance.now()]));
        }"""
    )

    descent.locator(".updatemenu-button", has_text="Play").click()
    page.wait_for_function("() => window.__gdvizFrames.length >= 30", timeout=UPDATE_MS)
    shot(page, "playing.png")
    names = page.evaluate("() => window.__gdvizFrames.map((f) => f[0])")
    assert len(set(names)) >= 30, names  # distinct frames, in order of the run
    assert [int(n) for n in names] == sorted(int(n) for n in names)

    line_after = page.evaluate(DRAWN_TRACE, ["fitted line", 0])
    marker_after = page.evaluate(DRAWN_TRACE, ["current step", 0])
    assert line_after["d"] != line_before["d"], "the fitted line did not move on screen"
    assert marker_after["points"] != marker_before["points"], "the loss marker did not move"
    # plotly.js drops a contour trace's layer on every redraw=False frame (plotly.js#4491,
    # plotly.py#2151), which is why the level lines are scatter traces: keep it that way.
    assert descent.evaluate(CONTOUR_DRAWN) == contour_before, "the contour vanished on Play"

    # The sync script throttles 3-D redraws (software WebGL: one every ~2 s or more).
    page.wait_for_function(
        """before => {
          const gd = document.querySelector('.st-key-surface .js-plotly-plot');
          const t = gd.data[gd.data.length - 1];
          return JSON.stringify([t.x, t.y, t.z]) !== JSON.stringify(before);
        }""",
        arg=surface_before[1:],
        timeout=UPDATE_MS,
    )
    surface_after = surface.evaluate(SURFACE_MARKER)
    assert surface_after[0] == "current step"
    assert surface_after[1:] != surface_before[1:]

    assert problems.errors == []  # nothing went wrong while playing

    descent.locator(".updatemenu-button", has_text="Pause").click()
    page.wait_for_timeout(500)
    played = page.evaluate("() => window.__gdvizFrames.length")
    page.wait_for_timeout(1500)
    assert page.evaluate("() => window.__gdvizFrames.length") == played, "Pause did not stop"
    shot(page, "paused.png")
    # Pause interrupts Play's Plotly.animate, whose promise Plotly rejects with no reason, and
    # Plotly's own button handler does not catch it: Chromium reports "Uncaught (in promise)
    # undefined". That one rejection, after Pause only, is Plotly's, not the page's.
    assert [e for e in problems.errors if e != PLOTLY_PAUSE_REJECTION] == []


SHARED = (
    "/?dataset=generate&n=40&slope=-1&intercept=2&noise=0.5&seed=3"
    "&optimizer=momentum&lr=0.01&steps=120&step=60&momentum=0.8"
)


def test_share_link_restores_the_state_and_the_url_follows_edits(page: Page) -> None:
    problems = watch(page)
    open_page(page, SHARED)
    expect(metric(page, "Step")).to_have_text("60 / 120")
    expect(page.get_by_role("combobox", name="Optimizer")).to_have_value("Momentum")
    expect(page.get_by_role("combobox", name="Data set")).to_have_value("Generate points")
    page.wait_for_url("**steps=120**")
    query = {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}
    expected = {"dataset": "generate", "optimizer": "momentum", "n": 40, "seed": 3, "steps": 120}
    expected |= {"step": 60, "slope": -1, "intercept": 2, "noise": 0.5, "lr": 0.01}
    expected |= {"momentum": 0.8}
    for key, value in expected.items():
        got = query.get(key)
        assert got is not None, f"{key} missing from {page.url}"
        assert (got == value) if isinstance(value, str) else float(got) == value, (key, got)

    steps = page.get_by_label("Steps", exact=True)
    expect(steps).to_have_value("120")
    steps.fill("80")
    steps.press("Enter")
    page.wait_for_url("**steps=80**", timeout=UPDATE_MS)
    expect(metric(page, "Step")).to_have_text("0 / 80")  # a new run starts at its first step
    assert problems.errors == []


GOOD_CSV = b"hours,score\n1,50\n2,55\n3,61\n4,64\n5,71\n"
BAD_CSV = b"x,y\n1,abc\n"


def test_upload_a_csv_then_a_bad_one(page: Page) -> None:
    problems = watch(page)
    open_page(page)
    page.get_by_role("combobox", name="Data set").click()
    page.get_by_role("option", name="Upload a CSV file").click()
    dropzone = page.get_by_test_id("stFileUploaderDropzoneInput")
    dropzone.set_input_files(files=[{"name": "p.csv", "mimeType": "text/csv", "buffer": GOOD_CSV}])
    label = page.get_by_text("The data: 5 points (hours, score)")
    expect(label).to_be_visible(timeout=UPDATE_MS)
    page.wait_for_function(BOTH_DRAWN, timeout=UPDATE_MS)
    expect(page.locator(DESCENT).locator(".xtitle").first).to_have_text("hours")
    shot(page, "upload.png")

    dropzone.set_input_files(files=[{"name": "bad.csv", "mimeType": "text/csv", "buffer": BAD_CSV}])
    error = page.get_by_test_id("stAlertContentError").filter(has_text="abc")
    expect(error).to_be_visible(timeout=UPDATE_MS)
    expect(error).to_contain_text("bad.csv")
    expect(label).to_be_visible()  # still the previous 5 points
    page.wait_for_function(BOTH_DRAWN, timeout=UPDATE_MS)
    shot(page, "upload_error.png")
    assert problems.errors == []


def test_a_diverging_run_says_so_and_still_draws(page: Page) -> None:
    problems = watch(page)
    open_page(page, "/?lr=0.5")
    banner = page.get_by_test_id("stAlertContentError").filter(has_text="Diverged at step")
    expect(banner).to_be_visible()
    assert page.locator(CHART).count() == 2
    shot(page, "diverged.png")
    assert problems.errors == []
