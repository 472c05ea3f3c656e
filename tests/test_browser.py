"""The lesson in a real browser: at a projector's size the whole lesson is on the first screen;
Play moves every view and every number together from the shown step; the keyboard works;
pausing writes the step into the link; links, uploads and a divergence work.

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
READY = ".gdp[data-ready='1']"
FIRST_VIEW_MS = 60_000  # plotly.js is 4.8 MB: seconds on a quiet machine, more on a busy one
UPDATE_MS = 30_000
SCREENS = {"projector": (1280, 720), "laptop": (1440, 900)}

# What the charts draw now: the contour's current-step marker, the loss marker's step, and the
# 3-D marker (read from the player's own chart records: the order `views.linefit.motion` gives).
CHARTS = """() => {
  const p = document.querySelector('.gdp').parentElement.__gdvizPlayer;
  const [c2, c3] = p.charts;
  const at = (gd, move, key) => Array.from(gd.data[move.trace][key])[0];
  return {m2: at(c2.gd, c2.moving[3], "x"), b2: at(c2.gd, c2.moving[3], "y"),
          lossStep: at(c2.gd, c2.moving[1], "x"),
          m3: at(c3.gd, c3.moving[0], "x"), b3: at(c3.gd, c3.moving[0], "y")};
}"""

STATE = """() => { const r = document.querySelector('.gdp'); const read = {};
  r.querySelectorAll('.gdp-value').forEach((n) => { read[n.dataset.id] = n.textContent; });
  return {frame: +r.dataset.frame, step: +r.dataset.step, playing: r.dataset.playing === '1',
          read, stepText: r.querySelector('.gdp-step').textContent}; }"""


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
    page.on("requestfailed", lambda r: problems.errors.append(f"request failed: {r.url}"))
    return problems


def open_lesson(page: Page, path: str = "/") -> None:
    """Go to `path` and wait until the player has drawn both figures."""
    page.goto(path)
    page.wait_for_selector(READY, timeout=FIRST_VIEW_MS)


def state(page: Page) -> dict:
    return page.evaluate(STATE)


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))


@pytest.mark.parametrize("screen", list(SCREENS))
def test_the_whole_lesson_is_on_the_first_screen(page: Page, screen: str) -> None:
    width, height = SCREENS[screen]
    page.set_viewport_size({"width": width, "height": height})
    problems = watch(page)
    open_lesson(page)
    page.wait_for_timeout(800)  # late errors from the figures' first draw
    shot(page, f"lesson-{width}x{height}.png")
    for selector in (".gdp-figure >> nth=0", ".gdp-figure >> nth=1", ".gdp-bar", ".gdp-readouts"):
        box = page.locator(selector).bounding_box()
        assert box is not None, selector
        assert box["y"] >= 0 and box["y"] + box["height"] <= height, (selector, box)
        assert box["x"] + box["width"] <= width, (selector, box)
    assert page.locator(".gdp-figure >> nth=1").locator("canvas").count() >= 1  # 3-D drawn
    # The three 2-D views: points and lines, the loss curve, the contour's level lines.
    assert page.locator(".gdp-figure >> nth=0").locator(".scatterlayer .trace").count() >= 8
    expect(page.get_by_role("button", name="Play", exact=True)).to_be_visible()
    captions = page.locator("figcaption").all_text_contents()
    assert captions[0].startswith("Step 0: the fitted line over the points")
    assert problems.errors == []


SHARED = (
    "/?dataset=generate&n=40&slope=-1&intercept=2&noise=0.5&seed=3"
    "&optimizer=momentum&lr=0.01&steps=120&step=60&momentum=0.8"
)


def test_play_starts_from_the_shared_step_and_moves_everything_together(page: Page) -> None:
    problems = watch(page)
    open_lesson(page, SHARED)
    before = state(page)
    assert before["step"] == 60 and before["stepText"].startswith("step 60")
    start = page.evaluate(CHARTS)
    assert format(start["m2"], ".10g") == before["read"]["p0"] == format(start["m3"], ".10g")
    page.get_by_role("button", name="Play", exact=True).click()
    page.wait_for_timeout(2000)
    playing = state(page)
    moved = page.evaluate(CHARTS)
    assert playing["step"] > 60  # from the shown step on, not from 0
    assert moved["m3"] != start["m3"]  # the 3-D marker followed within 2 s
    assert playing["read"]["p0"] != before["read"]["p0"]  # the numbers move with Play
    shot(page, "playing.png")
    page.get_by_role("button", name="Pause", exact=True).click()
    page.wait_for_function(
        "() => { const r = document.querySelector('.gdp');"
        " return r.dataset.frame === r.dataset.frame3d; }",
        timeout=10_000,
    )
    paused = state(page)
    charts = page.evaluate(CHARTS)
    assert not paused["playing"]
    assert charts["lossStep"] == paused["step"]  # the loss marker sits on the shown step
    assert paused["read"]["p0"] == format(charts["m2"], ".10g") == format(charts["m3"], ".10g")
    assert paused["read"]["p1"] == format(charts["b2"], ".10g") == format(charts["b3"], ".10g")
    # Pausing hands the step to the server, which writes it into the link.
    page.wait_for_url(f"**step={paused['step']}**", timeout=UPDATE_MS)
    assert state(page)["step"] == paused["step"]  # the rerun did not move the player
    assert problems.errors == []


def test_space_arrows_home_and_end(page: Page) -> None:
    problems = watch(page)
    open_lesson(page, "/?dataset=by-hand&steps=50")
    page.locator("h1").first.click()  # focus on the page, not in the player
    page.keyboard.press("End")
    assert state(page)["step"] == 50
    page.keyboard.press("Home")
    assert state(page)["step"] == 0
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowLeft")
    assert state(page)["step"] == 2
    page.keyboard.press("Space")
    assert state(page)["playing"]
    page.keyboard.press("Space")
    assert not state(page)["playing"]
    assert problems.errors == []


def test_share_link_restores_the_state_and_the_url_follows_edits(page: Page) -> None:
    problems = watch(page)
    open_lesson(page, SHARED)
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
    page.wait_for_function(
        "() => document.querySelector('.gdp-step').textContent.startsWith('step 0 / 80')",
        timeout=UPDATE_MS,
    )  # a new run starts at its first step
    assert problems.errors == []


GOOD_CSV = b"hours,score\n1,50\n2,55\n3,61\n4,64\n5,71\n"
BAD_CSV = b"x,y\n1,abc\n"


def test_upload_a_csv_then_a_bad_one(page: Page) -> None:
    problems = watch(page)
    open_lesson(page)
    page.get_by_role("combobox", name="Data set").click()
    page.get_by_role("option", name="Upload a CSV file").click()
    dropzone = page.get_by_test_id("stFileUploaderDropzoneInput")
    dropzone.set_input_files(files=[{"name": "p.csv", "mimeType": "text/csv", "buffer": GOOD_CSV}])
    label = page.get_by_text("The data: 5 points (hours, score)")
    expect(label).to_be_visible(timeout=UPDATE_MS)
    page.wait_for_selector(READY, timeout=UPDATE_MS)
    expect(page.locator(".gdp-figure").first.locator(".xtitle").first).to_have_text("hours")
    shot(page, "upload.png")

    dropzone.set_input_files(files=[{"name": "bad.csv", "mimeType": "text/csv", "buffer": BAD_CSV}])
    error = page.get_by_test_id("stAlertContentError").filter(has_text="abc")
    expect(error).to_be_visible(timeout=UPDATE_MS)
    expect(error).to_contain_text("bad.csv")
    expect(label).to_be_visible()  # still the previous 5 points
    page.wait_for_selector(READY, timeout=UPDATE_MS)
    shot(page, "upload_error.png")
    assert problems.errors == []


def test_a_diverging_run_says_so_and_still_draws(page: Page) -> None:
    problems = watch(page)
    open_lesson(page, "/?lr=0.5")
    banner = page.get_by_test_id("stAlertContentError").filter(has_text="Diverged at step")
    expect(banner).to_be_visible()
    assert page.locator(".gdp-figure").count() == 2
    progress = page.locator(".gdp-value[data-id=progress]")
    page.keyboard.press("End")
    expect(progress).to_contain_text("moved away from the optimum")
    shot(page, "diverged.png")
    assert problems.errors == []
