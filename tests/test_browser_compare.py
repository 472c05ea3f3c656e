"""The compare page and the line-fit race in a real browser at 1280×720 (a projector): the
chart draws first on screen, the table's telling column is visible, a typed function is
accepted and a hostile one refused in words; the player (the main page's) moves the markers
and the read-outs with Play, Space and the arrow keys; screenshots for a person to look at in
test-artifacts/."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHART = ".gdp[data-ready='1']"  # the player, its chart drawn
# Each marker's x and every read-out, from the player's own chart.
MARKERS = """() => { const p = document.querySelector('.gdp').parentElement.__gdvizPlayer;
  const gd = p.charts[0].gd;
  return {x: gd.data.filter((t) => t.mode === 'markers' && t.x.length === 1).map((t) => t.x[0]),
          read: [...document.querySelectorAll('.gdp .gdp-value')].map((n) => n.textContent),
          frame: +document.querySelector('.gdp').dataset.frame}; }"""


@pytest.fixture
def compare_url(base_url) -> str:
    return f"{base_url}/Compare_optimizers"


@pytest.fixture
def race_url(base_url) -> str:
    return f"{base_url}/race"


@pytest.fixture
def page(projector):
    return projector


@pytest.fixture
def reruns(page) -> list[str]:
    """The reruns the page asks the server for (BackMsg rerun_script over the websocket)."""
    from streamlit.proto.BackMsg_pb2 import BackMsg

    asked: list[str] = []

    def sent(payload) -> None:
        if isinstance(payload, bytes) and BackMsg.FromString(payload).WhichOneof("type") == (
            "rerun_script"
        ):
            asked.append("rerun")

    page.on("websocket", lambda ws: ws.on("framesent", sent))
    return asked


def _in_view(page, selector: str) -> dict:
    """The element's box relative to the viewport."""
    return page.locator(selector).first.evaluate(
        "e => { const r = e.getBoundingClientRect(); "
        "return {top: r.top, bottom: r.bottom, left: r.left, right: r.right}; }"
    )


def _table_fits(page) -> None:
    """The results table shows every column: no sideways scrolling inside it (the grid draws
    its headers on a canvas, so its scroller's widths are what can be checked)."""
    table = page.locator('[data-testid="stDataFrame"]').first
    table.scroll_into_view_if_needed()
    box = table.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 1280
    widths = table.locator(".dvn-scroller").first.evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert widths[0] <= widths[1] + 1, widths


def _settle(page) -> None:
    page.wait_for_selector(CHART, timeout=90_000)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000
    )
    page.wait_for_timeout(1500)


def _play_moves_the_markers(page, reruns: list[str]) -> None:
    before = page.evaluate(MARKERS)
    reruns.clear()
    page.get_by_role("button", name="Play", exact=True).click()
    page.wait_for_timeout(2500)
    page.get_by_role("button", name="Pause", exact=True).click()
    after = page.evaluate(MARKERS)
    assert before["x"] != after["x"] and before["read"] != after["read"]
    page.wait_for_timeout(1000)  # the main page hands its step back 0.3 s after a pause
    assert reruns == []  # these pages do not use the step: no rerun per pause
    # The keys work as on the main page: End, Home, and ← → one step.
    page.locator("h1").first.click()  # the focus on the page, not in a field
    page.keyboard.press("Home")
    assert page.evaluate(MARKERS) == before
    page.keyboard.press("ArrowRight")
    assert page.evaluate(MARKERS)["frame"] == 1


def test_compare_page_at_1280x720(page, compare_url, reruns):
    page.goto(compare_url)
    _settle(page)
    chart = _in_view(page, CHART)
    assert chart["top"] < 160 and chart["bottom"] <= 720 + 5  # whole chart
    page.screenshot(path=str(ARTIFACTS / "compare-1280x720.png"))
    _table_fits(page)  # its most telling column is second, and on screen
    page.screenshot(path=str(ARTIFACTS / "compare-table-1280x720.png"))
    _play_moves_the_markers(page, reruns)


def test_compare_page_typed_function_accepted_and_refused(page, compare_url):
    page.goto(f"{compare_url}?function=custom&fn=sin(x)*cos(y)%2B0.1*(x**2%2By**2)")
    _settle(page)
    box = page.get_by_test_id("stTextInputRootElement").locator("input").first
    assert box.input_value() == "sin(x)*cos(y) + 0.1*(x**2 + y**2)"
    box.fill("__import__('os').system('ls')")
    box.press("Enter")
    page.wait_for_selector('[data-testid="stAlert"]:has-text("Your function was not used")')
    alert = page.locator('[data-testid="stAlert"]:has-text("Your function was not used")')
    text = alert.inner_text()
    assert "Text in quotes at column 12" in text and "Traceback" not in text
    assert "__import__('os')" not in page.url  # the link keeps the last good function
    page.wait_for_selector(CHART)
    page.screenshot(path=str(ARTIFACTS / "compare-refused-1280x720.png"))


def test_race_page_at_1280x720(page, race_url, reruns):
    page.goto(race_url)
    _settle(page)
    chart = _in_view(page, CHART)
    assert chart["top"] < 160 and chart["bottom"] <= 720 + 5
    page.screenshot(path=str(ARTIFACTS / "race-1280x720.png"))
    # A 2-D page: plotly.js never loaded its 3-D (WebGL) trace types (gdviz.plotly_bundle).
    lazy = page.evaluate("() => Object.keys(window.Plotly.gdvizLazyTypes)")
    assert {"scatter3d", "surface", "bar"} <= set(lazy)
    _table_fits(page)
    page.screenshot(path=str(ARTIFACTS / "race-table-1280x720.png"))
    _play_moves_the_markers(page, reruns)
