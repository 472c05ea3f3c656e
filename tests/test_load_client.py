"""The load client (benchmarks/load.py): its /proc readers, the recorded browser state it
replays, its bounds, and one short end-to-end run against a real server (needs Chromium)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import importlib.util
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import chromium_missing
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("gdviz_load", ROOT / "benchmarks" / "load.py")
load = importlib.util.module_from_spec(_spec)
sys.modules["gdviz_load"] = load  # dataclasses look their module up by name
_spec.loader.exec_module(load)

LR_ID = "$$ID-abc-lr"


def recorded(lr: float = 0.0139) -> BackMsg:
    msg = BackMsg()
    msg.rerun_script.query_string = "lr=0.0139&dataset=study-hours"
    widgets = msg.rerun_script.widget_states.widgets
    widgets.add(id="$$ID-def-dataset", string_value="Hours studied vs exam score")
    widgets.add(id=LR_ID, double_value=lr)
    widgets.add(id="$$ID-ghi-steps", int_value=1000)
    msg.rerun_script.cached_message_hashes.append("deadbeef")
    return msg


def test_cpu_seconds_grow_with_work_and_rss_matches_proc_status():
    before = load.cpu_seconds(os.getpid())
    end = time.process_time() + 0.3
    while time.process_time() < end:
        pass
    assert load.cpu_seconds(os.getpid()) - before >= 0.2
    status = Path("/proc/self/status").read_text()
    vm_rss_kb = int(next(ln for ln in status.splitlines() if ln.startswith("VmRSS")).split()[1])
    assert load.rss_mb(os.getpid()) == pytest.approx(vm_rss_kb * 1024 / 1e6, rel=0.1)


def test_descendants_finds_children_and_grandchildren():
    shell = subprocess.Popen(["bash", "-c", "(sleep 30 & wait) & sleep 30 & wait"])
    try:
        deadline = time.monotonic() + 5
        while len(found := load.descendants(shell.pid)) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        names = [Path(f"/proc/{p}/cmdline").read_bytes().split(b"\0")[0] for p in found]
        assert names.count(b"sleep") == 2  # one child, one grandchild (under a subshell)
        assert not any(load.is_streamlit(p) for p in found)
    finally:
        for pid in load.descendants(shell.pid):
            os.kill(pid, 15)
        shell.wait(timeout=5)


def test_change_sets_only_the_learning_rate_and_asks_for_every_message():
    rec = load.Recording(b"", recorded().SerializeToString(), LR_ID)
    changed = BackMsg.FromString(rec.change(0.0123))
    values = {w.id: w for w in changed.rerun_script.widget_states.widgets}
    assert values[LR_ID].double_value == 0.0123
    assert values["$$ID-ghi-steps"].int_value == 1000
    assert values["$$ID-def-dataset"].string_value == "Hours studied vs exam score"
    assert list(changed.rerun_script.cached_message_hashes) == []
    assert BackMsg.FromString(rec.opening("")).rerun_script.query_string == ""


def test_the_learning_rate_widget_is_the_one_holding_the_typed_value():
    assert load.lr_widget(recorded(), 0.0139) == LR_ID
    with pytest.raises(RuntimeError, match="expected one widget"):
        load.lr_widget(recorded(), 0.5)
    twice = recorded()
    twice.rerun_script.widget_states.widgets.add(id="$$ID-other", double_value=0.0139)
    with pytest.raises(RuntimeError, match="expected one widget"):
        load.lr_widget(twice, 0.0139)


def test_every_change_is_a_new_stable_learning_rate():
    rates = load.LearningRates()
    values = [rates.next() for _ in range(20_000)]
    assert len(set(values)) == len(values)
    assert all(0.01 < v <= 0.02 for v in values)


@pytest.mark.parametrize("q", [50, 95])
def test_percentiles_are_nearest_rank(q):
    values = [float(v) for v in range(100, 0, -1)]  # unsorted on purpose
    result = load.pct(values, q)
    below = sum(v < result for v in values) / len(values)
    at_most = sum(v <= result for v in values) / len(values)
    assert result in values and below <= q / 100 <= at_most + 1 / len(values)
    assert load.pct([3.0], q) == 3.0


@pytest.mark.parametrize(
    "argv",
    [
        ["--url", "http://10.1.2.3:8501", "--pid", "1"],  # another machine
        ["--url", "http://127.0.0.1:8501"],  # no process to measure
        ["--users", "0"],
        ["--users", "301"],
        ["--max-seconds", "0"],
        ["--soak", "3600"],
    ],
)
def test_runs_stay_on_loopback_and_bounded(argv):
    with pytest.raises(SystemExit):
        load.parse_args(argv)


class FakeSocket:
    def __init__(self, messages: list[ForwardMsg]) -> None:
        self._frames = [m.SerializeToString() for m in messages]

    async def recv(self) -> bytes:
        return self._frames.pop(0)


def element(kind: str) -> ForwardMsg:
    msg = ForwardMsg()
    getattr(msg.delta.new_element, kind).SetInParent()
    if kind == "exception":
        msg.delta.new_element.exception.type = "ValueError"
    return msg


def finished() -> ForwardMsg:
    msg = ForwardMsg()
    msg.script_finished = ForwardMsg.FINISHED_SUCCESSFULLY
    return msg


def in_a_thread(function, *args):
    """Run `function` in a thread of its own: pytest-playwright's sync API keeps an asyncio loop
    running on the main thread once a browser test has run, and asyncio.run refuses to nest."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(function, *args).result()


def read(messages: list[ForwardMsg]):
    return in_a_thread(asyncio.run, load.read_run(FakeSocket(messages), 5))


def test_a_run_counts_charts_and_reports_exceptions_and_missing_charts():
    ok = read([element("plotly_chart"), finished()])
    assert (ok.charts, ok.error) == (1, None)
    crash = [element("plotly_chart"), element("exception"), finished()]
    assert read(crash).error == "exception: ValueError"
    assert read([element("markdown"), finished()]).error == "no chart"


def free_port() -> int:
    for port in range(8699, 8680, -1):  # the top of this project's 8650-8699
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.skip("no free port in 8681-8699")


@pytest.mark.e2e
def test_a_short_load_run_against_a_real_server(capsys):
    reason = chromium_missing()
    if reason:
        pytest.skip(reason)
    argv = ["--setups", "1", "--users", "3", "--runs", "2", "--port", str(free_port())]
    code = in_a_thread(load.main, argv)
    out = capsys.readouterr().out
    assert code == 0, out
    assert "| errors | 0 |" in out and "| runs completed | 6 |" in out
    cpu = float(out.split("| server CPU per control-change run (s) | ")[1].split(" ")[0])
    assert 0 < cpu < 5
