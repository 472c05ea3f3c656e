"""The gradient page in a real browser at a projector's 1280×720: both charts on the first
screen, a main-page link restores the step, a click on a point puts it in focus, the console
stays clean. Screenshot: test-artifacts/gradient-1280x720.png."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHART = '[data-testid="stPlotlyChart"] .js-plotly-plot'


@pytest.fixture
def page(projector):
    return projector


def test_first_screen_link_and_click(base_url, page):
    page.goto(f"{base_url}/gradient?dataset=anscombe-3&lr=0.01&steps=40&step=7")
    charts = page.locator(CHART)
    charts.nth(1).wait_for(timeout=60_000)
    page.wait_for_timeout(1500)  # let the charts finish drawing and the fonts settle
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "gradient-1280x720.png"))

    # The link's step is shown, and both charts sit on the first 720 px screen.
    step = page.get_by_test_id("stNumberInputField").nth(1)
    assert step.input_value() == "7"
    for i in range(2):
        box = charts.nth(i).bounding_box()
        assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 720, box

    # A click on a point of the scatter puts it in focus: the URL, the input and the charts.
    scatter = charts.nth(0)
    dot = scatter.locator(".scatterlayer .trace").first.locator(".point").nth(2)
    dot.click(force=True)
    page.wait_for_url("**point=3**", timeout=30_000)
    point = page.get_by_test_id("stNumberInputField").nth(2)
    page.wait_for_function("() => true")
    assert point.input_value() == "3"
    assert scatter.locator(".legendtext", has_text="line at step 7").count() == 1
    page.screenshot(path=str(ARTIFACTS / "gradient-clicked-1280x720.png"))
