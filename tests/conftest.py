"""Shared fixtures for the browser tests (pytest-playwright against `streamlit run app.py`).

Nothing here is autouse: the server starts only when a test asks for `base_url`, so plain
pytest and AppTest runs are untouched. See /work/shared/TESTING.md for why these overrides.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from gdviz.ui.warm_up import warm_up

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORT = {"width": 1400, "height": 2000}


def chromium_missing() -> str | None:
    """Why browser tests cannot run here, or None when Chromium is present."""
    if Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK):
        return None
    return f"Chromium not found at {CHROMIUM}; install it with apt-get install -y chromium"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(
    script: Path | str = "app.py", port: int | None = None, timeout: float = 30.0
) -> Iterator[str]:
    """Run `streamlit run <script>` (default: the app) on `port` or a free one; yield its URL;
    stop it afterwards. Every browser test and benchmark starts its servers here."""
    port = port or free_port()
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(script),
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
    ]
    proc = subprocess.Popen(
        cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        # Healthy, then the app run once, as deploy/serve.sh does: a fresh process greets its
        # first deep link (/gradient, ...) with "Page not found" until then (gdviz/ui/warm_up.py).
        try:
            warm_up(url, timeout, alive=lambda: proc.poll() is None)
        except (RuntimeError, TimeoutError) as error:
            detail = proc.stderr.read() if proc.poll() is not None else ""
            raise RuntimeError(f"streamlit at {url}: {error} {detail}") from error
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture(scope="session")
def base_url() -> Iterator[str]:
    reason = chromium_missing()
    if reason:
        pytest.skip(reason)
    with streamlit_server() as url:
        yield url


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    reason = chromium_missing()
    if reason:
        pytest.skip(reason)
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": VIEWPORT}


PROJECTOR = {"width": 1280, "height": 720}


@pytest.fixture(scope="session")
def chromium(browser):
    """The system Chromium (pytest-playwright's browser, launched with the arguments above):
    one Playwright per test process, shared by every browser test."""
    return browser


# Opening a page's own address (/gradient, a shared link), Streamlit's frontend first asks
# whether "/gradient" is the server's base path: two 404s for its /_stcore probes and a
# "page not found" notice in the console, then it finds the root and runs the right page
# (the tests check that page). Those are Streamlit's, not gdviz's; any other error fails.
STREAMLIT_PROBES = ("/_stcore/health", "/_stcore/host-config")
PROBE_NOTICE = "The page that you have requested does not seem to exist"


@pytest.fixture
def projector(chromium):
    """A fresh tab at a classroom projector's 1280×720; the test fails if the console logged
    an error (WebGL's "GPU stall" notes are a driver's warnings, not errors)."""
    context = chromium.new_context(viewport=PROJECTOR)
    tab = context.new_page()
    errors: list[str] = []
    missing: list[str] = []
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: errors.append(str(e)))
    tab.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    yield tab
    context.close()
    probes = all(url.split("?")[0].endswith(STREAMLIT_PROBES) for url in missing)
    real = [
        e
        for e in errors
        if "GPU stall" not in e
        and not (probes and ("status of 404" in e or e.startswith(PROBE_NOTICE)))
    ]
    assert real == [], f"console errors: {errors}; 404s: {missing}"
