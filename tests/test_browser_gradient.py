"""The gradient page in a real browser at a projector's 1280×720: both charts on the first
screen, a main-page link restores the step, a click on a point puts it in focus, the console
stays clean. Screenshot: test-artifacts/gradient-1280x720.png."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import CHROMIUM, CHROMIUM_ARGS, chromium_missing

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "pages" / "how_the_gradient_is_computed.py"
ARTIFACTS = ROOT / "test-artifacts"
PORTS = range(8800, 8820)  # this page's share
PROJECTOR = {"width": 1280, "height": 720}
CHART = '[data-testid="stPlotlyChart"] .js-plotly-plot'
# The page as app.py serves it: wide layout and the shared compact chrome around the file itself.
WRAPPER = """
import streamlit as st
from gdviz.ui.page import compact_chrome
st.set_page_config(page_title="gdviz", layout="wide")
compact_chrome()
st.navigation([st.Page({page!r}, title="How the gradient is computed", url_path="gradient")],
              position="hidden").run()
"""


def _port() -> int:
    for port in PORTS:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {PORTS}")


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    reason = chromium_missing()
    if reason:
        pytest.skip(reason)
    script = tmp_path_factory.mktemp("gradient") / "serve_gradient.py"
    script.write_text(WRAPPER.format(page=str(PAGE)))
    port = _port()
    cmd = [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
           "--server.port", str(port), "--server.address", "127.0.0.1",
           "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with {proc.returncode}")
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response,
            ):
                if response.status == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("streamlit did not start in 30 s")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture
def page(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=PROJECTOR)
        tab = context.new_page()
        errors: list[str] = []
        tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        tab.on("pageerror", lambda e: errors.append(str(e)))
        tab.errors = errors
        try:
            yield tab
        finally:
            browser.close()


def test_first_screen_link_and_click(server, page):
    page.goto(f"{server}/?dataset=anscombe-3&lr=0.01&steps=40&step=7")
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
    assert not [e for e in page.errors if "GPU" not in e], page.errors
