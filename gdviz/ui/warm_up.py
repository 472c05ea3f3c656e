"""Run the app's script once in a fresh server, before any student arrives.

    python -m gdviz.ui.warm_up http://127.0.0.1:8501 [--timeout 120]

Why: Streamlit sees the `pages/` folder beside app.py and, until the first `st.navigation` call
in the process, treats the app as a folder of pages (its older multipage mode). So the very
first visitor of a fresh process who arrives by a link to another page (/gradient,
/learning_rate, /race, /Compare_optimizers) gets a "Page not found" dialog over the right page.
One run of the script at the root, as a browser would ask for it over the websocket, switches
the process to app.py's own navigation (and loads its imports and caches). deploy/serve.sh runs
this for every replica before nginx takes students, and the Kubernetes pods run it as they
start; with `streamlit run app.py` on a laptop the browser opens at the root, which does the
same.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import sys
import time
import urllib.request
from collections.abc import Callable

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg


async def _run_once(url: str, timeout: float) -> None:
    """Open a session, ask for the root page's run, and wait until it has finished."""
    rerun = BackMsg()
    rerun.rerun_script.query_string = ""
    stream = url.replace("http", "ws", 1) + "/_stcore/stream"
    async with websockets.connect(
        stream, subprotocols=["streamlit"], additional_headers={"Origin": url}, max_size=None
    ) as ws:
        await ws.send(rerun.SerializeToString())
        while True:
            message = ForwardMsg.FromString(await asyncio.wait_for(ws.recv(), timeout))
            if message.WhichOneof("type") == "script_finished":
                return


def wait_healthy(url: str, timeout: float, alive: Callable[[], bool] | None = None) -> None:
    """Wait until the server answers its health check (it may still be starting); `alive`,
    if given, says whether the server process still runs (fail at once when it stopped)."""
    deadline = time.monotonic() + timeout
    while True:
        if alive is not None and not alive():
            raise RuntimeError(f"the server for {url} stopped before it answered")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url} did not answer its health check in {timeout:g} s")
        time.sleep(0.2)


def warm_up(url: str, timeout: float = 120.0, alive: Callable[[], bool] | None = None) -> float:
    """Run the app once on the server at `url` once it is healthy (see `wait_healthy` for
    `alive`); return the seconds taken."""
    url = url.rstrip("/")
    start = time.monotonic()
    wait_healthy(url, timeout, alive)
    # In a thread of its own: the caller may be running an event loop already (a test
    # harness), and asyncio.run refuses to start inside one.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, _run_once(url, timeout)).result()
    return time.monotonic() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="the server's address, e.g. http://127.0.0.1:8501")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds (default 120)")
    args = parser.parse_args(argv)
    try:
        seconds = warm_up(args.url, args.timeout)
    except (OSError, TimeoutError, websockets.WebSocketException) as error:
        print(f"warm_up: {args.url}: {error}", file=sys.stderr)
        return 1
    print(f"warm_up: {args.url} ran the app once in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
