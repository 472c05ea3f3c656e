"""The learning-rate page in a real browser, at a 1280×720 projector size.

Its own `streamlit run pages/the_learning_rate.py` on a port of 8820–8839: the sweep chart
and the player are both on the first screen; Play moves the four replays together; the
picked rate travels in the URL and a link restores it; the console stays clean. Screenshots
go to test-artifacts/ (look at them).
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from helpers import ROOT

pytestmark = pytest.mark.e2e

PAGE = ROOT / "pages" / "the_learning_rate.py"
ARTIFACTS = ROOT / "test-artifacts"
READY = ".gdp[data-ready='1']"
SWEEP = '[data-testid="stPlotlyChart"] .js-plotly-plot'


@pytest.fixture
def page_url(base_url) -> str:
    return f"{base_url}/learning_rate"


@pytest.fixture
def page(projector):
    return projector


def _open(page, url: str) -> None:
    page.goto(url)
    page.locator(SWEEP).first.wait_for(timeout=90_000)
    page.locator(READY).wait_for(timeout=90_000)


def _box(page, selector: str) -> dict:
    return page.locator(selector).first.bounding_box()


def test_sweep_and_player_share_the_first_screen_and_play_together(page, page_url):
    _open(page, page_url)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "sweep-1280x720.png"))
    sweep, figure = _box(page, SWEEP), _box(page, ".gdp .gdp-figure")
    play = page.locator(".gdp button", has_text="Play").first.bounding_box()
    for name, box in (("sweep chart", sweep), ("replays", figure), ("Play", play)):
        assert box["y"] >= 0 and box["y"] + box["height"] <= 720 + 1, (name, box)
    # Bands and limits are on the drawn chart, in words.
    texts = page.locator(SWEEP).first.locator(".annotation-text").all_text_contents()
    assert "2/λmax" in texts and "diverging" in texts
    before = page.locator(".gdp-value[data-id='loss1']").text_content()
    page.keyboard.press("End")
    page.wait_for_function(
        "() => document.querySelector('.gdp').dataset.frame !== '0'", timeout=20_000
    )
    after = {c: page.locator(f".gdp-value[data-id='loss{c}']").text_content() for c in range(4)}
    assert after[1] != before
    assert "diverged at step" in after[2]  # "too big" says what happened, not a number


def test_the_pick_travels_in_the_link(page, page_url):
    _open(page, page_url)
    page.wait_for_url("**pick=**", timeout=30_000)
    query = parse_qs(urlparse(page.url).query)
    pick = float(query["pick"][0])
    slider = page.get_by_test_id("stSlider").filter(has_text="Learning rate to replay")
    assert slider.count() == 1
    page.goto(f"{page_url}?optimizer=momentum&pick={pick / 30}")
    page.locator(READY).wait_for(timeout=90_000)
    page.wait_for_url("**optimizer=momentum**", timeout=30_000)
    restored = float(parse_qs(urlparse(page.url).query)["pick"][0])
    assert restored != pick  # the link's pick, snapped to the momentum sweep
    title = page.locator(".gdp").get_by_text("your pick", exact=False).first
    assert title.count() == 1
