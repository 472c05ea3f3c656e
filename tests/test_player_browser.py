"""The player in a real browser: the demo page (tests/player_demo_app.py) and the offline file.

At a 1280×720 projector size: Play moves every chart and read-out together and starts from
the shown step; Space, arrows, Home and End work; pausing hands the step back to the server,
which writes it into the URL; the console stays clean; the offline file plays from disk with
no network. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import chromium_missing, streamlit_server

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
DEMO = ROOT / "tests" / "player_demo_app.py"
PROJECTOR = {"width": 1280, "height": 720}
READY = ".gdp[data-ready='1']"
FRAMES = 200


def demo_server(script: Path = DEMO, port: int | None = None):
    """The demo page (or `script`) served on `port` or a free one (see conftest)."""
    return streamlit_server(script, port)


@pytest.fixture(scope="module")
def demo_url() -> Iterator[str]:
    reason = chromium_missing()
    if reason:
        pytest.skip(reason)
    with demo_server() as url:
        yield url


@pytest.fixture
def page(projector):
    return projector


def state(page) -> dict:
    return page.evaluate(
        """() => { const r = document.querySelector('.gdp');
        const read = {}; r.querySelectorAll('.gdp-value').forEach((n) => {
          read[n.dataset.id] = n.textContent; });
        return {frame: +r.dataset.frame, frame3d: r.dataset.frame3d === undefined ? null
          : +r.dataset.frame3d, step: +r.dataset.step, playing: r.dataset.playing === '1',
          read, slider: +r.querySelector('.gdp-slider').value,
          stepText: r.querySelector('.gdp-step').textContent}; }"""
    )


# What each chart draws now: the 2-D chart's current-step marker on the contour and its
# fitted line, the 3-D chart's marker (each the last trace of its group in the demo).
CHARTS = """() => {
  const p = document.querySelector('.gdp').parentElement.__gdvizPlayer;
  const [c2, c3] = p.charts;
  const current = c2.moving[c2.moving.length - 1].trace;
  const lossMarker = c2.moving[1].trace;
  const marker3 = c3.moving[0].trace;
  const num = (v) => Array.from(v);
  return {m2: num(c2.gd.data[current].x)[0], b2: num(c2.gd.data[current].y)[0],
          lossStep: num(c2.gd.data[lossMarker].x)[0],
          m3: num(c3.gd.data[marker3].x)[0], b3: num(c3.gd.data[marker3].y)[0]};
}"""


def open_demo(page, url: str, query: str = "") -> None:
    page.goto(f"{url}/{query}")
    page.wait_for_selector(READY, timeout=60_000)


def test_first_screen_holds_the_charts_and_the_player(demo_url, page):
    open_demo(page, demo_url)
    ARTIFACTS.mkdir(exist_ok=True)
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTIFACTS / "player-1280x720.png"))
    for selector in (".gdp-figure >> nth=0", ".gdp-figure >> nth=1", ".gdp-bar", ".gdp-readouts"):
        box = page.locator(selector).bounding_box()
        assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 720, selector
        assert box["x"] + box["width"] <= 1280, selector
    assert page.locator(".gdp-figure >> nth=1").locator("canvas").count() >= 1  # 3-D drawn
    names = [page.locator(".gdp-button").nth(i).get_attribute("aria-label") for i in range(5)]
    assert names == ["First step", "Step back", "Play", "Step forward", "Last step"]
    captions = page.locator("figcaption").all_text_contents()
    assert captions[0].startswith("Step 0: the fitted line is y = ")
    assert "current point is m = " in captions[1]


def test_play_starts_from_the_shared_step_and_moves_everything_together(demo_url, page):
    open_demo(page, demo_url, "?step=40")
    before = state(page)
    assert (before["frame"], before["slider"], before["stepText"]) == (40, 40, "step 40 / 199")
    start = page.evaluate(CHARTS)
    assert format(start["m2"], ".6g") == before["read"]["m"] == format(start["m3"], ".6g")
    page.evaluate("() => { window.__gdvizTrace = []; }")
    page.get_by_role("button", name="Play").click()
    page.wait_for_timeout(400)
    first = page.evaluate("() => window.__gdvizTrace.find((e) => e.kind === '2d').frame")
    assert first == 41  # from the shown step, not from 0
    page.wait_for_timeout(1600)
    playing = state(page)
    moved = page.evaluate(CHARTS)
    assert playing["playing"] and playing["frame"] > 41
    assert moved["m3"] != start["m3"]  # the 3-D marker followed within 2 s
    page.keyboard.press("Space")  # pause (focus is still on the Play button)
    page.wait_for_function(
        "() => { const r = document.querySelector('.gdp');"
        " return r.dataset.frame === r.dataset.frame3d; }",
        timeout=5000,
    )
    paused = state(page)
    charts = page.evaluate(CHARTS)
    frame = paused["frame"]
    assert not paused["playing"]
    assert charts["lossStep"] == frame  # the loss marker sits on the shown step
    assert paused["read"]["m"] == format(charts["m2"], ".6g") == format(charts["m3"], ".6g")
    assert paused["read"]["b"] == format(charts["b2"], ".6g") == format(charts["b3"], ".6g")
    live = page.locator("[aria-live='polite']").text_content()
    assert live.startswith(f"Step {frame}.") and f"m {paused['read']['m']}." in live


def test_readouts_agree_with_the_charts_while_playing(demo_url, page):
    open_demo(page, demo_url)
    page.get_by_role("button", name="Play").click()
    seen = set()
    for _ in range(6):
        page.wait_for_timeout(250)
        both = page.evaluate(
            "() => [(" + CHARTS + ")(), document.querySelector('.gdp-value[data-id=m]')"
            ".textContent, +document.querySelector('.gdp').dataset.frame]"
        )
        charts, m_text, frame = both
        assert m_text == format(charts["m2"], ".6g")  # read in one task: never torn
        assert charts["lossStep"] == frame
        seen.add(frame)
    assert len(seen) >= 4  # it moved


def test_keyboard_space_arrows_home_end(demo_url, page):
    open_demo(page, demo_url)
    page.locator("h4").first.click()  # focus on the page, not in the player
    page.keyboard.press("End")
    assert state(page)["frame"] == FRAMES - 1
    page.keyboard.press("Home")
    assert state(page)["frame"] == 0
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowLeft")
    read = state(page)
    assert read["frame"] == 2 and read["stepText"] == "step 2 / 199"
    page.keyboard.press("Space")
    assert state(page)["playing"]
    page.keyboard.press("Space")
    assert not state(page)["playing"]
    # Space on a focused button plays or pauses; it does not also press that button.
    forward = page.get_by_role("button", name="Step forward")
    forward.focus()
    at = state(page)["frame"]
    page.keyboard.press("Space")
    page.wait_for_timeout(300)
    page.keyboard.press("Space")
    after = state(page)
    assert not after["playing"] and after["frame"] > at + 1
    # The slider moves with its own arrow keys.
    page.locator(".gdp-slider").focus()
    page.keyboard.press("Home")
    page.keyboard.press("ArrowRight")
    assert state(page)["frame"] == 1
    # Visible focus ring on a focused button.
    outline = forward.evaluate("b => { b.focus(); return getComputedStyle(b).outlineWidth; }")
    assert outline == "3px"


def test_pausing_writes_the_step_into_the_url(demo_url, page):
    open_demo(page, demo_url)
    page.get_by_role("button", name="Play").click()
    page.wait_for_timeout(1200)
    page.get_by_role("button", name="Pause").click()
    frame = state(page)["frame"]
    assert frame > 0
    page.wait_for_url(f"**step={frame}", timeout=10_000)
    page.get_by_text(f"Server sees step {frame}").wait_for(timeout=10_000)
    page.get_by_role("button", name="Step forward").click()
    page.wait_for_url(f"**step={frame + 1}", timeout=10_000)
    assert state(page)["frame"] == frame + 1  # the rerun did not move the player


def test_reduced_motion_starts_at_the_slowest_speed(demo_url, chromium):
    context = chromium.new_context(viewport=PROJECTOR, reduced_motion="reduce")
    page = context.new_page()
    try:
        open_demo(page, demo_url)
        pressed = page.locator(".gdp-speed[aria-pressed='true']").text_content()
        assert pressed == "slow"
    finally:
        context.close()


def when_2d_drawn(action: str) -> str:
    """An init script recording the player's trace (window.__gdvizTrace) that runs `action`
    (JavaScript) once the 2-D charts are drawn, before the 3-D scene."""
    return f"""window.__gdvizTrace = [];
const record = window.__gdvizTrace.push.bind(window.__gdvizTrace);
window.__gdvizTrace.push = (event) => {{
  const n = record(event);
  if (event.kind === 'drawn2d') {{ {action} }}
  return n;
}};"""


# A step asked for the moment the 2-D charts are up, while the 3-D scene is still to be drawn
# (in the same task, so the timing is certain: in a real browser a key pressed in that frame).
STEP_WHEN_2D_DRAWN = when_2d_drawn(
    "document.querySelector('.gdp').parentElement.__gdvizPlayer.stepTo(Infinity);"
)


def test_the_2d_charts_come_first_and_the_3d_catches_up_with_an_early_step(demo_url, chromium):
    context = chromium.new_context(viewport=PROJECTOR)
    context.add_init_script(STEP_WHEN_2D_DRAWN)
    page = context.new_page()
    try:
        open_demo(page, demo_url)
        page.wait_for_function(
            f"() => document.querySelector('.gdp').dataset.frame3d === '{FRAMES - 1}'",
            timeout=10_000,
        )
        events = page.evaluate("() => window.__gdvizTrace")
        charts = page.evaluate(CHARTS)
        shown = state(page)
    finally:
        context.close()
    kinds = [e["kind"] for e in events]
    gl_drawn = next(i for i, e in enumerate(events) if e["kind"] == "chart" and e["gl"])
    # 2-D drawn, the step taken, then the 3-D scene drawn (at the start), then brought up to it.
    assert kinds.index("drawn2d") < kinds.index("2d") < gl_drawn < kinds.index("drawn")
    assert kinds.index("drawn") < kinds.index("3d")
    # Everything shows the step asked for: not reset to the start when loading finished.
    assert shown["frame"] == FRAMES - 1 and shown["slider"] == FRAMES - 1
    assert shown["read"]["m"] == format(charts["m2"], ".6g") == format(charts["m3"], ".6g")
    assert charts["lossStep"] == FRAMES - 1


# Which trace types plotly.js still holds unloaded (gdviz.plotly_bundle), when the 2-D charts
# are drawn and at the end.
LAZY_AT_2D = when_2d_drawn("window.__lazyAt2d = Object.keys(window.Plotly.gdvizLazyTypes);")


def test_trace_types_load_when_first_drawn_the_3d_ones_after_the_2d_charts(demo_url, chromium):
    context = chromium.new_context(viewport=PROJECTOR)
    context.add_init_script(LAZY_AT_2D)
    page = context.new_page()
    try:
        open_demo(page, demo_url)
        page.wait_for_function("() => document.querySelector('.gdp').dataset.frame3d === '0'")
        found = page.evaluate(
            """() => ({at2d: window.__lazyAt2d, now: Object.keys(window.Plotly.gdvizLazyTypes),
            kinds: window.__gdvizTrace.map((e) => e.kind + (e.gl ? '-gl' : '')),
            scene: Boolean(document.querySelectorAll('.gdp .js-plotly-plot')[1]
              ._fullLayout.scene)})"""
        )
    finally:
        context.close()
    # The 2-D charts drew with plotly's core alone; the 3-D types came after them, just
    # before the scene; types no chart uses were never loaded.
    assert {"scatter3d", "surface", "bar", "contour"} <= set(found["at2d"])
    assert not {"scatter3d", "surface"} & set(found["now"])
    assert set(found["at2d"]) - set(found["now"]) == {"scatter3d", "surface"}
    kinds = found["kinds"]
    assert kinds.index("drawn2d") < kinds.index("registered3d") < kinds.index("chart-gl")
    assert found["scene"]


# What a host does (deploy/nginx.conf.template): a tag that starts plotly.js with the page.
EARLY_TAG = """(src) => document.addEventListener('DOMContentLoaded', () => {
  const s = document.createElement('script');
  s.async = true; s.id = 'gdviz-plotly'; s.src = src;
  s.setAttribute('onload', 'this.dataset.done=1');
  s.setAttribute('onerror', 'this.dataset.done=1');
  document.head.prepend(s); })"""


def open_with_early_tag(chromium, url: str, src: str) -> tuple[dict, list[str]]:
    """Open the demo with the host's early tag for `src`: what the page holds, and the
    plotly.js requests it made."""
    context = chromium.new_context(viewport=PROJECTOR)
    context.add_init_script(f"({EARLY_TAG})({json.dumps(src)})")
    page = context.new_page()
    requests = []
    page.on("request", lambda r: requests.append(r.url) if "plotly" in r.url else None)
    try:
        open_demo(page, url)
        found = page.evaluate(
            """() => ({done: document.getElementById('gdviz-plotly').dataset.done,
            plotly: typeof window.Plotly,
            charts: document.querySelectorAll('.gdp .js-plotly-plot').length})"""
        )
        return found, requests
    finally:
        context.close()


def test_the_player_waits_for_a_hosts_early_plotly_instead_of_loading_it_twice(demo_url, chromium):
    from gdviz.ui.player import plotly_route

    open_with_early_tag(chromium, demo_url, "/no-such-file.js")  # the server's route is up now
    found, requests = open_with_early_tag(chromium, demo_url, plotly_route())
    assert found == {"done": "1", "plotly": "object", "charts": 2}
    assert requests == [demo_url + plotly_route()]


def test_the_player_loads_its_own_plotly_when_the_hosts_early_tag_fails(demo_url, chromium):
    from gdviz.plotly_bundle import GZIP_NAME
    from gdviz.ui.player import plotly_route

    # Streamlit answers an unknown path with its page (HTML, status 200): the tag "loads" and
    # defines nothing. The player then fetches the gzipped copy and unzips it.
    found, requests = open_with_early_tag(chromium, demo_url, "/no-such/plotly.js")
    assert found == {"done": "1", "plotly": "object", "charts": 2}
    assert requests == [demo_url + "/no-such/plotly.js", demo_url + plotly_route(GZIP_NAME)]


def test_the_server_sends_the_gzipped_plotly_as_it_is_and_gzips_the_plain_one_again(demo_url):
    """Why the player fetches the .gz: Streamlit compresses a component's plain file on every
    request (level 9) and leaves a .gz file alone."""
    import gzip
    import urllib.request

    from gdviz.plotly_bundle import GZIP_NAME, bundle_text
    from gdviz.ui.player import plotly_route

    def get(route: str):
        request = urllib.request.Request(demo_url + route, headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.headers, response.read()

    headers, body = get(plotly_route(GZIP_NAME))
    assert headers["Content-Type"] == "application/gzip"
    assert headers.get("Content-Encoding") is None  # sent as stored, not compressed again
    assert gzip.decompress(body).decode("utf-8") == bundle_text()
    headers, body = get(plotly_route())
    assert headers["Content-Encoding"] == "gzip"  # what the .gz spares the server
    assert gzip.decompress(body).decode("utf-8") == bundle_text()


def test_without_decompression_streams_the_player_loads_the_plain_file(demo_url, chromium):
    from gdviz.ui.player import plotly_route

    context = chromium.new_context(viewport=PROJECTOR)
    context.add_init_script("delete window.DecompressionStream;")
    page = context.new_page()
    requests = []
    page.on("request", lambda r: requests.append(r.url) if "plotly" in r.url else None)
    try:
        open_demo(page, demo_url)
        charts = page.evaluate("() => document.querySelectorAll('.gdp .js-plotly-plot').length")
    finally:
        context.close()
    assert charts == 2
    assert requests == [demo_url + plotly_route()]


def _demo_data() -> dict:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(DEMO), default_timeout=60)
    at.run()
    data = json.loads(at.get("bidi_component")[0].proto.json)
    data.pop("plotly_src")
    data.pop("plotly_gzip")
    return data


def test_offline_file_plays_from_disk_with_no_network(chromium, tmp_path):
    from gdviz.views.offline import offline_html

    path = tmp_path / "player.html"
    path.write_text(offline_html(_demo_data(), "Offline <player>"), encoding="utf-8")
    context = chromium.new_context(viewport=PROJECTOR)
    requests: list[str] = []
    context.on("request", lambda r: requests.append(r.url))
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(path.as_uri())
        page.wait_for_selector(READY, timeout=60_000)
        assert page.locator("h1").text_content() == "Offline <player>"
        page.keyboard.press("End")
        page.keyboard.press("ArrowLeft")
        assert state(page)["frame"] == FRAMES - 2
        page.keyboard.press("Home")
        page.keyboard.press("Space")
        page.wait_for_timeout(1500)
        page.keyboard.press("Space")
        read = state(page)
        charts = page.evaluate(CHARTS)
        assert read["frame"] > 5 and not read["playing"]
        assert read["read"]["m"] == format(charts["m2"], ".6g")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "player-offline-1280x720.png"))
    finally:
        context.close()
    assert [u for u in requests if not u.startswith("file://")] == []
    assert errors == []
