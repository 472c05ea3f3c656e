"""Load client for a hosted gdviz: K simulated students over Streamlit's `/_stcore/stream`.

Each simulated user does what a student's browser does, at the protocol level (no browser per
user): it fetches the page (getting the proxy's replica cookie, if any), opens the websocket,
sends the `rerun_script` BackMsg a fresh browser sends (the cached default page), then changes
the exact learning rate R times, each to a value never used before (a cache miss: a full engine
run and new figures). The browser's widget state is recorded at run time, never hard-coded: a
real Chromium session (Playwright) opens the page with a distinctive `?lr=`, types a new exact
learning rate and the BackMsg it sends is kept; the widget whose value is the typed number is
the learning rate. (Sending only that one widget is not enough: Streamlit then drops the state
of the widgets the message leaves out and the page fails, so the whole browser state is kept.)

Printed per setup (one process, or N replicas behind nginx via deploy/serve.sh):
  server CPU per run = Δ(utime+stime of every server process, /proc/<pid>/stat) ÷ runs,
  runs/s, p50/p95 of the first page (connect → script finished) and of a rerun, errors, RSS.
`--soak S` instead keeps K users connecting, changing and leaving for S seconds and prints the
servers' RSS over time (memory must level off).

    python benchmarks/load.py --setups 1,2 --users 60 --runs 4
    python benchmarks/load.py --setups 1 --users 20 --runs 10 --soak 100

Loopback only, bounded in users (≤ 300) and time (--max-seconds per setup, default 110).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import os
import platform
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import websockets
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

ROOT = Path(__file__).resolve().parents[1]
SERVE_SH = ROOT / "deploy" / "serve.sh"
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]  # gdviz and the tests' conftest, from any directory
from conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402  (one place for the browser's setup)

# Element types that draw a chart; a run without one is counted as an error.
CHART_TYPES = frozenset({"plotly_chart", "bidi_component", "vega_lite_chart", "echarts_chart"})
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
MAX_USERS = 300
# Distinctive learning rates for the recording (shown by the page's "%g" format as typed).
RECORD_LR_OPEN = 0.0137
RECORD_LR_TYPED = 0.0139
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


# ---------------------------------------------------------------------------------------------
# The server's processes, read from /proc
# ---------------------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all its threads), in seconds."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # fields 14 and 15 of stat(5)


def rss_mb(pid: int) -> float:
    """Resident set size in MB (statm's second field is in pages)."""
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_SIZE / 1e6


def descendants(root: int) -> list[int]:
    """Every process below `root` (children, grandchildren, ...), from /proc/*/stat."""
    parent: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                stat = (entry / "stat").read_text()
                parent[int(entry.name)] = int(stat[stat.rindex(")") + 2 :].split()[1])
    found, frontier = [], [root]
    while frontier:
        pid = frontier.pop()
        children = [c for c, p in parent.items() if p == pid]
        found += children
        frontier += children
    return found


def is_streamlit(pid: int) -> bool:
    with contextlib.suppress(OSError):
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        return b"streamlit" in argv and b"run" in argv
    return False


def total_cpu(pids: list[int]) -> float:
    return sum(cpu_seconds(p) for p in pids)


def total_rss(pids: list[int]) -> float:
    return sum(rss_mb(p) for p in pids)


# ---------------------------------------------------------------------------------------------
# Recording what a browser sends
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recording:
    """Two BackMsgs a real browser sent: on opening the page, and after typing a learning rate."""

    open_msg: bytes
    change_msg: bytes
    lr_widget_id: str

    def opening(self, query: str = "") -> bytes:
        """The page-load rerun request, for the page at `?query` (empty: the default page)."""
        msg = BackMsg.FromString(self.open_msg)
        msg.rerun_script.query_string = query
        return msg.SerializeToString()

    def change(self, lr: float) -> bytes:
        """The recorded rerun request with the exact learning rate set to `lr`."""
        msg = BackMsg.FromString(self.change_msg)
        state = msg.rerun_script
        del state.cached_message_hashes[:]  # the server sends everything, as to a new browser
        hits = [w for w in state.widget_states.widgets if w.id == self.lr_widget_id]
        if len(hits) != 1:
            raise RuntimeError(f"the recorded state has {len(hits)} learning-rate widgets, not 1")
        hits[0].double_value = lr
        return msg.SerializeToString()


def lr_widget(msg: BackMsg, lr: float) -> str:
    """The id of the one widget in a rerun request whose value is `lr`."""
    ids = [w.id for w in msg.rerun_script.widget_states.widgets if w.double_value == lr]
    if len(ids) != 1:
        raise RuntimeError(f"expected one widget with value {lr:g} in the browser state, got {ids}")
    return ids[0]


def record_with_chromium(url: str) -> Recording:
    """Open the page in Chromium, type a new exact learning rate, keep the BackMsgs it sent."""
    from playwright.sync_api import sync_playwright

    sent: list[bytes] = []

    def watch(ws) -> None:
        if ws.url.endswith("/_stcore/stream"):
            ws.on("framesent", lambda p: sent.append(p if isinstance(p, bytes) else p.encode()))

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 2000})
            page.on("websocket", watch)
            page.goto(f"{url}/?lr={RECORD_LR_OPEN:g}")
            box = None
            deadline = time.monotonic() + 60
            while box is None and time.monotonic() < deadline:
                page.wait_for_timeout(250)  # the page draws its widgets over several messages
                fields = page.get_by_test_id("stNumberInputField").all()
                box = next((f for f in fields if _shows(f, RECORD_LR_OPEN)), None)
            if box is None:
                raise RuntimeError(f"no number input showed lr={RECORD_LR_OPEN:g} in 60 s")
            box.fill(f"{RECORD_LR_TYPED:g}")
            box.press("Enter")
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                reruns = [m for m in map(BackMsg.FromString, sent) if m.HasField("rerun_script")]
                typed = [m for m in reruns if _has_value(m, RECORD_LR_TYPED)]
                if typed:
                    return Recording(
                        open_msg=reruns[0].SerializeToString(),
                        change_msg=typed[-1].SerializeToString(),
                        lr_widget_id=lr_widget(typed[-1], RECORD_LR_TYPED),
                    )
                page.wait_for_timeout(200)
            raise RuntimeError("the browser sent no rerun with the typed learning rate in 60 s")
        finally:
            browser.close()


def _shows(field, value: float) -> bool:
    """Whether a number input shows `value` (the exact learning rate shows the URL's lr)."""
    from playwright.sync_api import Error

    try:
        return float(field.input_value(timeout=1000)) == value
    except (ValueError, Error):  # not a number, or redrawn while read: look again
        return False


def _has_value(msg: BackMsg, lr: float) -> bool:
    return any(w.double_value == lr for w in msg.rerun_script.widget_states.widgets)


def record(url: str) -> Recording:
    """The browser's state, from Chromium (the page's widgets are never hard-coded here)."""
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        raise SystemExit(
            f"Chromium not found at {CHROMIUM} (set CHROMIUM_PATH or apt-get install -y chromium): "
            "the load client records a real browser's widget state with it"
        )
    return record_with_chromium(url)


# ---------------------------------------------------------------------------------------------
# One script run, read from the websocket
# ---------------------------------------------------------------------------------------------


@dataclass
class RunOutcome:
    seconds: float = 0.0
    charts: int = 0
    error: str | None = None


async def read_run(ws, timeout: float) -> RunOutcome:
    """Read ForwardMsgs until the script finishes; note charts, exceptions and error alerts."""
    out = RunOutcome()
    start = time.perf_counter()
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            out.error = "timeout"
            break
        msg = ForwardMsg.FromString(await asyncio.wait_for(ws.recv(), left))
        kind = msg.WhichOneof("type")
        if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            etype = element.WhichOneof("type")
            if etype in CHART_TYPES:
                out.charts += 1
            elif etype == "exception":
                out.error = out.error or f"exception: {element.exception.type}"
            elif etype == "alert" and element.alert.format == Alert.ERROR:
                out.error = out.error or "error alert"
        elif kind == "script_finished":
            break
    out.seconds = time.perf_counter() - start
    if out.error is None and out.charts == 0:
        out.error = "no chart"
    return out


def ws_url(url: str) -> str:
    return "ws" + url.removeprefix("http") + "/_stcore/stream"


def page_cookie(url: str) -> str | None:
    """GET the page like a browser; the proxy's affinity cookie, if it set one."""
    with urllib.request.urlopen(url + "/", timeout=30) as response:
        response.read()
        cookies = [h.split(";", 1)[0] for h in response.headers.get_all("Set-Cookie") or []]
    return "; ".join(cookies) or None


# ---------------------------------------------------------------------------------------------
# Simulated users
# ---------------------------------------------------------------------------------------------


@dataclass
class Tally:
    first: list[float] = field(default_factory=list)
    rerun: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)
    sessions: int = 0


class LearningRates:
    """Never the same exact learning rate twice in one benchmark: every change is a cache miss.
    All stay in (0.01, 0.02], stable for the default data (the page's default is 0.02)."""

    def __init__(self) -> None:
        self._n = 0

    def next(self) -> float:
        self._n += 1
        return 0.01 * (1 + (self._n % 99_991) / 100_000)


async def student(
    url: str,
    rec: Recording,
    runs: int,
    think: float,
    tally: Tally,
    rates: LearningRates,
    deadline: float,
    opened: asyncio.Barrier | None = None,
) -> None:
    """One browser session: open the default page, then `runs` learning-rate changes."""
    try:
        started = time.perf_counter()
        cookie = await asyncio.to_thread(page_cookie, url)
        headers = {"Cookie": cookie} if cookie else {}
        async with websockets.connect(
            ws_url(url),
            subprotocols=["streamlit"],
            additional_headers=headers,
            max_size=None,
            open_timeout=max(1.0, deadline - time.monotonic()),
            ping_interval=None,
        ) as ws:
            await ws.send(rec.opening())
            out = await read_run(ws, deadline - time.monotonic())
            tally.first.append(time.perf_counter() - started)
            tally.sessions += 1
            if out.error:
                tally.errors[f"first page: {out.error}"] += 1
            if opened is not None:
                await opened.wait()
            for _ in range(runs):
                if think:
                    await asyncio.sleep(think)
                await ws.send(rec.change(rates.next()))
                out = await read_run(ws, deadline - time.monotonic())
                if out.error:
                    tally.errors[f"rerun: {out.error}"] += 1
                    if out.error == "timeout":
                        return
                else:
                    tally.rerun.append(out.seconds)
    except (OSError, TimeoutError, websockets.WebSocketException) as exc:
        tally.errors[f"connection: {type(exc).__name__}"] += 1
        if opened is not None:
            await opened.abort()


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


@dataclass
class Figures:
    label: str
    cpu_open: float
    cpu_run: float
    runs_per_s: float
    first_p50: float
    first_p95: float
    rerun_p50: float
    rerun_p95: float
    errors: int
    missing: int
    error_kinds: str
    rss_mb: float
    runs: int
    wall: float


async def class_opens(
    url: str, rec: Recording, pids: list[int], users: int, runs: int, think: float, limit: float
) -> Figures:
    """All users open the page at once (a class opening the link), then each changes γ `runs`
    times. CPU is measured per phase: cached default pages, then control changes."""
    tally, rates = Tally(), LearningRates()
    deadline = time.monotonic() + limit
    opened = asyncio.Barrier(users + 1)
    cpu0, t0 = total_cpu(pids), time.perf_counter()
    tasks = [
        asyncio.create_task(student(url, rec, runs, think, tally, rates, deadline, opened))
        for _ in range(users)
    ]
    with contextlib.suppress(asyncio.BrokenBarrierError):
        await asyncio.wait_for(opened.wait(), max(0.1, deadline - time.monotonic()))
    cpu1, t1 = total_cpu(pids), time.perf_counter()
    await asyncio.wait(tasks, timeout=max(0.1, deadline - time.monotonic() + 5))
    for task in tasks:
        task.cancel()
    cpu2, t2 = total_cpu(pids), time.perf_counter()
    done = len(tally.rerun)
    return Figures(
        label="",
        cpu_open=(cpu1 - cpu0) / max(1, tally.sessions),
        cpu_run=(cpu2 - cpu1) / max(1, done),
        runs_per_s=done / (t2 - t1),
        first_p50=pct(tally.first, 50),
        first_p95=pct(tally.first, 95),
        rerun_p50=pct(tally.rerun, 50),
        rerun_p95=pct(tally.rerun, 95),
        errors=sum(tally.errors.values()),
        missing=users * runs - done,
        error_kinds=", ".join(f"{k} ×{n}" for k, n in tally.errors.items()) or "none",
        rss_mb=total_rss(pids),
        runs=done,
        wall=t2 - t0,
    )


async def soak(
    url: str, rec: Recording, pids: list[int], users: int, runs: int, seconds: float
) -> None:
    """Users keep arriving, changing γ `runs` times and leaving; print RSS as it goes."""
    tally, rates = Tally(), LearningRates()
    end = time.monotonic() + seconds

    async def churn() -> None:
        while time.monotonic() < end:
            await student(url, rec, runs, 0.0, tally, rates, end + 30)

    cpu0, t0 = total_cpu(pids), time.perf_counter()
    workers = [asyncio.create_task(churn()) for _ in range(users)]
    print(f"{'t (s)':>6} {'sessions':>9} {'runs':>6}  RSS per server process (MB)   total")
    samples: list[tuple[float, float]] = []
    while not all(w.done() for w in workers):
        await asyncio.sleep(5)
        per = [rss_mb(p) for p in pids]
        samples.append((len(tally.rerun), sum(per)))
        print(
            f"{time.perf_counter() - t0:6.0f} {tally.sessions:9d} {len(tally.rerun):6d}  "
            f"{' '.join(f'{r:7.0f}' for r in per):28s} {sum(per):7.0f}",
            flush=True,
        )
    cpu = total_cpu(pids) - cpu0
    done = len(tally.rerun)
    half = [r for n, r in samples if n >= done / 2]
    print(
        f"soak: {tally.sessions} sessions, {done} control-change runs in "
        f"{time.perf_counter() - t0:.0f} s; server CPU per run {cpu / max(1, done):.3f} s; "
        f"errors {sum(tally.errors.values())} ({dict(tally.errors) or 'none'})"
    )
    if samples:
        print(
            f"RSS: first sample {samples[0][1]:.0f} MB, peak {max(r for _, r in samples):.0f} MB, "
            f"last {samples[-1][1]:.0f} MB; over the second half of the runs "
            f"{min(half):.0f}–{max(half):.0f} MB"
        )


# ---------------------------------------------------------------------------------------------
# Servers: one process, or N replicas behind nginx (deploy/serve.sh)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Setup:
    url: str
    pids: list[int]
    replica_urls: list[str]


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}")
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(url + "/_stcore/health", timeout=2) as response,
        ):
            if response.status == 200:
                return
        time.sleep(0.3)
    raise RuntimeError(f"{url}/_stcore/health did not answer in {timeout:.0f} s")


@contextlib.contextmanager
def running(replicas: int, port: int, app_dir: Path, server_args: list[str]) -> Iterator[Setup]:
    """Start one `streamlit run` (replicas == 1) or deploy/serve.sh; stop it afterwards."""
    if replicas == 1:
        cmd = [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.headless=true",
            f"--server.port={port}",
            "--server.address=127.0.0.1",
            "--server.fileWatcherType=none",
            *server_args,
        ]
        cwd = app_dir
    else:
        cmd = ["bash", str(SERVE_SH), "--replicas", str(replicas), "--port", str(port)]
        cmd += ["--app-dir", str(app_dir), "--", *server_args]
        cwd = ROOT
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
        if replicas == 1:
            pids, replica_urls = [proc.pid], [url]
        else:
            pids = sorted(p for p in descendants(proc.pid) if is_streamlit(p))
            replica_urls = [f"http://127.0.0.1:{port + i}" for i in range(1, replicas + 1)]
            if len(pids) != replicas:
                raise RuntimeError(f"serve.sh runs {len(pids)} streamlit processes, not {replicas}")
        yield Setup(url, pids, replica_urls)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


async def warm_up(setup: Setup, rec: Recording) -> None:
    """One session per replica: imports done, default page cached, as after a first visitor."""
    for url in setup.replica_urls:
        tally = Tally()
        await student(url, rec, 1, 0.0, tally, LearningRates(), time.monotonic() + 60)
        if tally.errors:
            raise RuntimeError(f"warm-up on {url} failed: {dict(tally.errors)}")


# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------


def machine() -> str:
    model = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{dt.datetime.now():%Y-%m-%d %H:%M} · {platform.node()} · {os.cpu_count()} cores "
        f"({model}) · Python {platform.python_version()} · load average {load}"
    )


def print_table(results: list[Figures]) -> None:
    rows = [
        ("server CPU per cached default page (s)", "cpu_open", "{:.3f}"),
        ("server CPU per control-change run (s)", "cpu_run", "{:.3f}"),
        ("control-change runs/s", "runs_per_s", "{:.1f}"),
        ("first page p50 (s)", "first_p50", "{:.2f}"),
        ("first page p95 (s)", "first_p95", "{:.2f}"),
        ("rerun p50 (s)", "rerun_p50", "{:.2f}"),
        ("rerun p95 (s)", "rerun_p95", "{:.2f}"),
        ("errors", "errors", "{}"),
        ("runs not completed", "missing", "{}"),
        ("server RSS after, all processes (MB)", "rss_mb", "{:.0f}"),
        ("runs completed", "runs", "{}"),
        ("wall time (s)", "wall", "{:.1f}"),
    ]
    head = ["figure", *(r.label for r in results)]
    if len(results) > 1:
        head.append(f"{results[-1].label} ÷ {results[0].label}")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for title, attr, fmt in rows:
        cells = [fmt.format(getattr(r, attr)) for r in results]
        if len(results) > 1:
            a, b = getattr(results[0], attr), getattr(results[-1], attr)
            cells.append(f"{b / a:.2f}" if isinstance(a, float) and a else "")
        print(f"| {title} | " + " | ".join(cells) + " |")
    for r in results:
        if r.errors:
            print(f"errors ({r.label}): {r.error_kinds}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--setups", default="1,2", help="replica counts, e.g. 1,2 (1: one process)")
    ap.add_argument("--users", type=int, default=60, help=f"simulated users (1–{MAX_USERS})")
    ap.add_argument("--runs", type=int, default=4, help="learning-rate changes per user")
    ap.add_argument("--think", type=float, default=0.0, help="seconds between a user's changes")
    ap.add_argument("--max-seconds", type=float, default=110, help="time bound per setup")
    ap.add_argument("--soak", type=float, default=0, help="seconds of users arriving and leaving")
    ap.add_argument("--port", type=int, default=8650, help="first port (loopback)")
    ap.add_argument("--app-dir", type=Path, default=ROOT, help="the app to serve")
    ap.add_argument(
        "--server-arg",
        action="append",
        default=[],
        help="extra `streamlit run` option, e.g. --server-arg=--runner.postScriptGC=true",
    )
    ap.add_argument("--url", help="measure an already running server (loopback) instead")
    ap.add_argument("--pid", type=int, action="append", default=[], help="its process ids")
    args = ap.parse_args(argv)
    if not 1 <= args.users <= MAX_USERS:
        ap.error(f"--users must be between 1 and {MAX_USERS}")
    if not 0 <= args.runs <= 1000 or not 0 < args.max_seconds <= 600 or not 0 <= args.soak <= 600:
        ap.error("--runs ≤ 1000, --max-seconds in (0, 600] and --soak ≤ 600 keep a run bounded")
    if args.url:
        if urlsplit(args.url).hostname not in LOOPBACK:
            ap.error("--url must be a loopback address: this client never loads another machine")
        if not args.pid:
            ap.error("--url needs the server's --pid (for CPU and RSS)")
    return args


async def measure(setup: Setup, rec: Recording, args: argparse.Namespace, label: str) -> Figures:
    await warm_up(setup, rec)
    if args.soak:
        await soak(setup.url, rec, setup.pids, args.users, args.runs, args.soak)
    figures = await class_opens(
        setup.url, rec, setup.pids, args.users, args.runs, args.think, args.max_seconds
    )
    figures.label = label
    return figures


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    print(f"gdviz load: {machine()}")
    print(
        f"{args.users} users × {args.runs} learning-rate changes (think {args.think:g} s), "
        f"server args {args.server_arg or 'none'}, app {args.app_dir}"
    )
    results: list[Figures] = []
    if args.url:
        setup = Setup(args.url.rstrip("/"), args.pid, [args.url.rstrip("/")])
        rec = record(setup.url)
        print(f"browser state recorded; learning-rate widget {rec.lr_widget_id}")
        results.append(asyncio.run(measure(setup, rec, args, "given server")))
    else:
        needs_nginx = any(n > 1 for n in map(int, args.setups.split(",")))
        if needs_nginx and not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()):
            print("nginx is not installed (apt-get install -y nginx): replicas cannot run")
            return 2
        for n in map(int, args.setups.split(",")):
            label = "1 process" if n == 1 else f"{n} replicas + nginx"
            with running(n, args.port, args.app_dir.resolve(), args.server_arg) as setup:
                rec = record(setup.url)
                print(f"[{label}] browser state recorded; γ widget {rec.lr_widget_id}")
                results.append(asyncio.run(measure(setup, rec, args, label)))
                print(f"[{label}] done in {results[-1].wall:.1f} s", flush=True)
    print()
    print_table(results)
    print(f"targets: ≤ 0.07 s CPU per change, ≤ 0.02 s per cached page, 0 errors · {machine()}")
    return 0 if all(r.errors == 0 and r.missing == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
