"""Hosting a class: the Dockerfile, nginx template, Kubernetes manifests and deploy/serve.sh.

Static checks read the files (probes, ports, affinity, the same Streamlit settings as the app).
Live checks run deploy/serve.sh (real nginx + 2 replicas on loopback, ports 8650-8699): requests
of one browser all reach one replica, five browsers never see each other's data, the page draws.
They skip with the reason when nginx (apt-get install -y nginx) or Chromium is missing.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import gzip
import os
import re
import shlex
import signal
import socket
import subprocess
import time
import tomllib
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import VIEWPORT, chromium_missing
from playwright.sync_api import expect

from gdviz.plotly_bundle import GZIP_NAME, bundle_text
from gdviz.ui.player import plotly_route

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
DOCKERFILE = DEPLOY / "Dockerfile"
TEMPLATE = DEPLOY / "nginx.conf.template"
SERVE_SH = DEPLOY / "serve.sh"
K8S = DEPLOY / "k8s"
CONFIG = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
HEALTH = "/_stcore/health"
PORTS = range(8650, 8700)  # the only ports these tests may use
NGINX = next((p for p in ("/usr/sbin/nginx", "/usr/bin/nginx") if os.access(p, os.X_OK)), None)
CHART = ".js-plotly-plot"
PLOTLY_PATH = urlsplit(plotly_route()).path  # the player's plotly.js, sent by nginx from disk
FIRST_CHART_MS = 90_000  # the Plotly chunk is 4.7 MB and two replicas share two busy cores


def size_mb(text: str) -> float:
    """nginx/Kubernetes sizes ('21m', '21M', '20Mi', '1g') in MB."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([kKmMgG]i?)?", text.strip())
    assert match, f"not a size: {text!r}"
    unit = (match.group(2) or "").lower().rstrip("i")
    return float(match.group(1)) * {"": 1e-6, "k": 1e-3, "m": 1.0, "g": 1e3}[unit]


def seconds(text: str) -> float:
    match = re.fullmatch(r"(\d+)(s|m|h)?", text.strip())
    assert match, f"not a duration: {text!r}"
    return int(match.group(1)) * {None: 1, "s": 1, "m": 60, "h": 3600}[match.group(2)]


def config_options(argv: list[str]) -> dict[str, str]:
    """`--section.option=value` / `--section.option value` pairs from a command line."""
    out: dict[str, str] = {}
    for i, arg in enumerate(argv):
        if arg.startswith("--") and "." in arg.split("=")[0]:
            name, eq, value = arg[2:].partition("=")
            out[name] = value if eq else argv[i + 1]
    return out


def assert_same_config(options: dict[str, str], where: str) -> None:
    """No command-line option may contradict .streamlit/config.toml (the app's settings)."""
    for name, value in options.items():
        section, _, option = name.partition(".")
        if option in CONFIG.get(section, {}):
            expected = str(CONFIG[section][option]).lower()
            assert value.lower() == expected, f"{where} sets {name}={value}, config says {expected}"


# ---------------------------------------------------------------------------------------------
# Static: Dockerfile
# ---------------------------------------------------------------------------------------------


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    lines = [
        ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("#")
    ]
    return [(ln.split(None, 1)[0].upper(), ln.split(None, 1)[1]) for ln in lines]


def exec_form(args: str) -> list[str]:
    import json

    return json.loads(args) if args.startswith("[") else shlex.split(args)


def test_dockerfile_slim_python_311_base():
    base = next(a for i, a in dockerfile() if i == "FROM")
    assert re.fullmatch(r"python:3\.11[\w.-]*-slim[\w.-]*", base), base


def test_dockerfile_runs_as_a_non_root_user_from_then_on():
    steps = dockerfile()
    users = [i for i, (ins, _) in enumerate(steps) if ins == "USER"]
    assert users, "no USER: the container would run as root"
    user = steps[users[-1]][1].split(":")[0]
    assert user not in ("root", "0")
    cmd = max(i for i, (ins, _) in enumerate(steps) if ins in ("CMD", "ENTRYPOINT"))
    assert users[-1] < cmd


def test_dockerfile_serves_on_all_interfaces_on_the_exposed_port_with_its_health_check():
    steps = dict(dockerfile())
    argv = exec_form(steps["CMD"])
    options = config_options(argv)
    assert argv[argv.index("streamlit") + 1 : argv.index("streamlit") + 3] == ["run", "app.py"]
    assert options["server.address"] == "0.0.0.0"
    exposed = steps["EXPOSE"].split("/")[0]
    assert options["server.port"] == exposed
    health = steps["HEALTHCHECK"]
    assert f"127.0.0.1:{exposed}{HEALTH}" in health or f"localhost:{exposed}{HEALTH}" in health
    assert_same_config(options, "Dockerfile CMD")


def test_dockerfile_copies_the_repo_config_and_everything_the_app_needs():
    copied = {
        src.rstrip("/")
        for ins, args in dockerfile()
        if ins == "COPY"
        for src in exec_form(args)[:-1]
        if not src.startswith("--")
    }
    assert ".streamlit/config.toml" in copied or ".streamlit" in copied
    assert "requirements.txt" in copied and "app.py" in copied
    # Every top-level folder with app code or data (a new one must be added to the image too).
    not_served = {"tests", "benchmarks", "deploy", ".ci", ".git", ".streamlit", "test-artifacts"}
    needed = {
        p.name
        for p in ROOT.iterdir()
        if p.is_dir()
        and p.name not in not_served
        and not p.name.startswith(".")
        and any(q.suffix in (".py", ".csv") for q in p.rglob("*"))
    }
    assert needed - copied == set(), f"the image lacks {sorted(needed - copied)}"


# ---------------------------------------------------------------------------------------------
# Static: nginx template and serve.sh
# ---------------------------------------------------------------------------------------------


def nginx_text() -> str:
    return re.sub(r"#[^\n]*", "", TEMPLATE.read_text())  # directives only, not the comments


def test_nginx_routes_by_a_cookie_or_a_fresh_request_id_never_by_address():
    text = nginx_text()
    assert "ip_hash" not in text
    route = re.search(r"map\s+\$cookie_(\w+)\s+\$(\w+)\s*\{([^}]*)\}", text)
    assert route, "no map from the affinity cookie to a routing key"
    cookie, key, body = route.groups()
    assert re.search(r'""\s+\$request_id\s*;', body), "no cookie yet must route by $request_id"
    assert re.search(rf"default\s+\$cookie_{cookie}\s*;", body)
    assert re.search(rf"hash\s+\${key}\s+consistent\s*;", text)
    # The same fresh $request_id is sent back as the cookie, only when the browser has none.
    setter = re.search(rf"map\s+\$cookie_{cookie}\s+\$(\w+)\s*\{{([^}}]*)\}}", text[route.end() :])
    assert setter and re.search(rf'""\s+"{cookie}=\$request_id;[^"]*Path=/', setter.group(2))
    assert re.search(rf"add_header\s+Set-Cookie\s+\${setter.group(1)}\s+always;", text)


def test_nginx_passes_websockets_the_host_with_its_port_and_long_timeouts():
    text = nginx_text()
    assert re.search(r"proxy_http_version\s+1\.1;", text)
    assert re.search(r"proxy_set_header\s+Upgrade\s+\$http_upgrade;", text)
    assert re.search(r"proxy_set_header\s+Connection\s+\$connection_upgrade;", text)
    assert re.search(
        r"map\s+\$http_upgrade\s+\$connection_upgrade\s*\{[^}]*default\s+upgrade;", text
    )
    assert re.search(r"proxy_set_header\s+Host\s+\$http_host;", text), "$host drops the port: 403"
    for name in ("proxy_read_timeout", "proxy_send_timeout"):
        value = re.search(rf"{name}\s+(\w+);", text)
        assert value and seconds(value.group(1)) >= 600, f"{name} too short for a lesson"


def test_nginx_accepts_every_upload_streamlit_accepts():
    body = re.search(r"client_max_body_size\s+(\w+);", nginx_text())
    assert body, "nginx's default 1 MB would refuse uploads Streamlit allows"
    assert size_mb(body.group(1)) >= CONFIG["server"]["maxUploadSize"]


def test_serve_sh_gives_every_replica_one_cookie_secret_and_the_apps_config():
    text = SERVE_SH.read_text()
    secret_exports = re.findall(r"export STREAMLIT_SERVER_COOKIE_SECRET=", text)
    assert len(secret_exports) == 1, "one secret, set once, before the replicas start"
    assert text.index("export STREAMLIT_SERVER_COOKIE_SECRET") < text.index("-m streamlit run")
    assert "cookieSecret" not in text, "a secret on the command line shows in ps"
    launch = re.search(r"-m streamlit run app\.py(.*?)\)", text, re.S).group(1)
    options = config_options(shlex.split(launch.replace("\\\n", " "), posix=True))
    assert options["server.address"] == "127.0.0.1"
    assert_same_config(options, "serve.sh")
    assert re.search(r'cd "\$app_dir"', text), "replicas must start in the app dir (its config)"


def test_streamlit_settings_for_a_hosted_class():
    assert CONFIG["server"]["enableXsrfProtection"] is True
    assert CONFIG["server"]["runOnSave"] is False
    assert CONFIG["browser"]["gatherUsageStats"] is False
    assert CONFIG["runner"]["postScriptGC"] is False
    # The largest figure payload today is ~0.5 MB: the cap must fit it with room to spare and
    # stay below Streamlit's 200 MB default.
    assert 5 <= CONFIG["server"]["maxMessageSize"] < 200
    assert CONFIG["server"]["maxUploadSize"] <= CONFIG["server"]["maxMessageSize"]


# ---------------------------------------------------------------------------------------------
# Static: Kubernetes manifests
# ---------------------------------------------------------------------------------------------


def manifests() -> dict[str, dict]:
    yaml = pytest.importorskip(
        "yaml", reason="PyYAML not installed: add PyYAML==6.0.3 to requirements-dev.txt"
    )
    docs = [d for f in sorted(K8S.glob("*.yaml")) for d in yaml.safe_load_all(f.read_text()) if d]
    return {d["kind"]: d for d in docs}


def container() -> dict:
    (only,) = manifests()["Deployment"]["spec"]["template"]["spec"]["containers"]
    return only


def port_of(c: dict, ref) -> int:
    """A probe's or Service's port: a number, or a name of one of the container's ports."""
    return next(p["containerPort"] for p in c["ports"] if ref in (p["containerPort"], p["name"]))


def test_k8s_container_port_is_the_images_port():
    exposed = int(dict(dockerfile())["EXPOSE"].split("/")[0])
    assert [p["containerPort"] for p in container()["ports"]] == [exposed]


@pytest.mark.parametrize("probe", ["readinessProbe", "livenessProbe"])
def test_k8s_probes_ask_streamlit_health_on_the_served_port(probe):
    c = container()
    get = c[probe]["httpGet"]
    assert get["path"] == HEALTH
    assert port_of(c, get["port"]) == c["ports"][0]["containerPort"]


def test_k8s_pods_run_the_app_once_before_taking_students():
    c = container()
    command = c["lifecycle"]["postStart"]["exec"]["command"]
    assert command[:3] == ["python", "-m", "gdviz.ui.warm_up"]
    assert command[3] == f"http://127.0.0.1:{c['ports'][0]['containerPort']}"


def test_warm_up_says_in_words_when_no_server_answers(capsys):
    from gdviz.ui.warm_up import main

    port = free_ports(1)  # nothing listens there
    assert main([f"http://127.0.0.1:{port}", "--timeout", "1"]) == 1
    assert "did not answer its health check in 1 s" in capsys.readouterr().err


def test_k8s_one_core_per_pod_and_one_cookie_secret_for_all():
    c = container()
    cpu = str(c["resources"]["requests"]["cpu"])
    cores = float(cpu[:-1]) / 1000 if cpu.endswith("m") else float(cpu)
    assert 0.5 <= cores <= 1.0, "a Streamlit process runs its scripts on one core"
    env = {e["name"]: e for e in c.get("env", [])}
    ref = env["STREAMLIT_SERVER_COOKIE_SECRET"]["valueFrom"]["secretKeyRef"]
    assert ref["name"] and ref["key"], "the secret comes from one Secret, shared by every pod"
    security = manifests()["Deployment"]["spec"]["template"]["spec"]["securityContext"]
    assert security["runAsNonRoot"] is True
    assert_same_config(config_options(c.get("args", []) + c.get("command", [])), "Deployment")


def test_k8s_service_and_ingress_reach_the_pods():
    m = manifests()
    pod_labels = m["Deployment"]["spec"]["template"]["metadata"]["labels"]
    service = m["Service"]["spec"]
    assert service["selector"].items() <= pod_labels.items()
    (svc_port,) = service["ports"]
    assert port_of(container(), svc_port["targetPort"]) == container()["ports"][0]["containerPort"]
    backends = [
        p["backend"]["service"]
        for rule in m["Ingress"]["spec"]["rules"]
        for p in rule["http"]["paths"]
    ]
    assert backends and all(b["name"] == m["Service"]["metadata"]["name"] for b in backends)
    assert all(
        b["port"].get("name", b["port"].get("number")) in (svc_port["name"], svc_port["port"])
        for b in backends
    )


def test_k8s_ingress_cookie_affinity_long_websockets_and_upload_size():
    notes = manifests()["Ingress"]["metadata"]["annotations"]
    prefix = "nginx.ingress.kubernetes.io/"
    assert notes[prefix + "affinity"] == "cookie"
    assert notes[prefix + "session-cookie-name"]
    assert "upstream-hash-by" not in " ".join(notes), "hashing by address piles a NAT on one pod"
    for name in ("proxy-read-timeout", "proxy-send-timeout"):
        assert seconds(notes[prefix + name]) >= 600
    assert size_mb(notes[prefix + "proxy-body-size"]) >= CONFIG["server"]["maxUploadSize"]


# ---------------------------------------------------------------------------------------------
# Live: deploy/serve.sh with real nginx and two replicas on loopback
# ---------------------------------------------------------------------------------------------


def from_nginx(path: str) -> bool:
    """Files nginx sends itself: Streamlit's frontend and the player's plotly.js."""
    return path.startswith("/static/") or path == PLOTLY_PATH


@dataclass(frozen=True)
class Served:
    url: str
    access_log: Path
    proc: subprocess.Popen

    def log_lines(self) -> list[dict[str, str]]:
        """The access log: method, uri, status, cookie, route, upstream of each request."""
        out = []
        for line in self.access_log.read_text().splitlines():
            method, uri, status, *pairs = line.split()
            out.append(
                {"method": method, "uri": uri, "status": status}
                | dict(p.split("=", 1) for p in pairs)
            )
        return out


def port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except OSError:
        return False
    return True


def free_ports(count: int) -> int:
    """A first port P with P..P+count free, from 8670-8699 (8650-8669: the load benchmark)."""
    for start in range(8670, PORTS.stop - count):
        if all(port_free(p) for p in range(start, start + count + 1)):
            return start
    pytest.skip("no free block of ports in 8670-8699")


def process_tree(root: int) -> list[int]:
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat[stat.rindex(")") + 2 :].split()[1])
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        kids = [c for c, p in parents.items() if p == pid]
        found += kids
        todo += kids
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def get(url: str, cookie: str | None = None) -> tuple[str | None, str | None]:
    """(X-Gdviz-Replica, the Set-Cookie gdviz_replica value or None) of one GET."""
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()
        ours = [c for c in response.headers.get_all("Set-Cookie") or [] if "gdviz_replica=" in c]
        value = re.match(r"gdviz_replica=(\w+);", ours[0]) if ours else None
        return response.headers.get("X-Gdviz-Replica"), value.group(1) if value else None


@contextlib.contextmanager
def serve(replicas: int, workdir: Path) -> Iterator[Served]:
    """deploy/serve.sh on loopback, until its health check answers; SIGTERM afterwards."""
    if NGINX is None:
        pytest.skip("nginx is not installed (apt-get install -y nginx)")
    port = free_ports(replicas)
    log = workdir / "access.log"
    with (workdir / "serve.out").open("w") as out:
        proc = subprocess.Popen(
            ["bash", str(SERVE_SH), "--replicas", str(replicas), "--port", str(port),
             "--access-log", str(log)],
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, (workdir / "serve.out").read_text()
            with contextlib.suppress(OSError):
                get(url + HEALTH)
                break
            assert time.monotonic() < deadline, "serve.sh did not answer in 120 s"
            time.sleep(0.5)
        yield Served(url, log, proc)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[Served]:
    with serve(2, tmp_path_factory.mktemp("serve")) as s:
        yield s


def test_first_requests_spread_over_replicas_and_the_cookie_pins_one(served):
    first = [get(served.url + HEALTH) for _ in range(24)]
    cookies = [c for _, c in first]
    assert all(c and re.fullmatch(r"[0-9a-f]{32}", c) for c in cookies), cookies
    assert len(set(cookies)) == len(cookies), "each new browser gets its own key"
    by_replica = {replica: cookie for replica, cookie in first}
    assert len(by_replica) == 2, f"24 new browsers all went to {set(by_replica)} (ip_hash?)"
    for replica, cookie in by_replica.items():
        again = [get(served.url + path, f"gdviz_replica={cookie}") for path in ["/", HEALTH] * 5]
        assert again == [(replica, None)] * 10, "with its cookie a browser stays, no new cookie"


def test_frontend_files_come_from_nginx_gzipped_with_their_type(served):
    with urllib.request.urlopen(served.url + "/", timeout=30) as response:
        script = re.search(r'src="\.?/?(static/js/[^"]+\.js)"', response.read().decode()).group(1)
    request = urllib.request.Request(f"{served.url}/{script}", headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=30) as response:
        body = response.read()
        assert response.headers["Content-Type"].startswith("text/javascript")
        assert response.headers["Content-Encoding"] == "gzip" and body[:2] == b"\x1f\x8b"
        assert "immutable" in response.headers["Cache-Control"]
        assert response.headers.get("X-Gdviz-Replica") is None, "a replica served it"


def test_every_page_starts_plotly_js_first_in_its_head(served):
    tag = f'<head><script async id="gdviz-plotly" src="{plotly_route()}" onload='
    for path in ("/", "/gradient", "/learning_rate?lr=0.1", "/race", "/Compare_optimizers"):
        with urllib.request.urlopen(served.url + path, timeout=30) as response:
            html = response.read().decode()
        assert html.count("gdviz-plotly") == 1 and tag in html, path
        assert html.index(tag) < html.index('<script type="module"'), "not first in the head"


def test_plotly_js_comes_from_nginx_gzipped_and_is_what_the_replicas_serve(served):
    request = urllib.request.Request(
        served.url + plotly_route(), headers={"Accept-Encoding": "gzip"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        body = response.read()
        assert response.headers["Content-Type"].startswith("text/javascript")
        assert response.headers["Content-Encoding"] == "gzip"
        assert "immutable" in response.headers["Cache-Control"]  # the URL holds the version
        assert response.headers.get("X-Gdviz-Replica") is None, "a replica served it"
    assert gzip.decompress(body).decode() == bundle_text()
    # The player's own copy, if the page's early tag failed: the gzipped file, from disk too.
    with urllib.request.urlopen(served.url + plotly_route(GZIP_NAME), timeout=30) as response:
        assert response.headers.get("X-Gdviz-Replica") is None, "a replica served it"
        assert response.headers.get("Content-Encoding") is None
        assert gzip.decompress(response.read()).decode() == bundle_text()


def test_nginx_leaves_other_html_as_it_is():
    """Only the pages get the tag: the offline download (under /media/) and Streamlit's own
    routes keep their <head> untouched."""
    block = re.search(r"map \$uri \$gdviz_head \{(.*?)\}", nginx_text(), re.S).group(1)
    untouched = re.search(r'~\^/\(([^)]*)\)/\s+"<head>";', block)
    assert untouched, block
    assert {"_stcore", "media", "component", "static"} <= set(untouched.group(1).split("|"))
    assert re.search(r"default\s+'@PAGE_HEAD@';", block)
    assert re.search(r"sub_filter '<head>' \$gdviz_head;", nginx_text())


def test_a_browser_websocket_lands_on_its_cookies_replica_and_runs_the_page(served):
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    replica, cookie = get(served.url + "/")

    async def open_page() -> list[str]:
        rerun = BackMsg()
        rerun.rerun_script.query_string = ""
        headers = {"Cookie": f"gdviz_replica={cookie}", "Origin": served.url}  # as a browser
        ws_url = served.url.replace("http", "ws", 1) + "/_stcore/stream"
        async with websockets.connect(
            ws_url, subprotocols=["streamlit"], additional_headers=headers, max_size=None
        ) as ws:
            await ws.send(rerun.SerializeToString())
            kinds = []
            while "script_finished" not in kinds:
                msg = ForwardMsg.FromString(await asyncio.wait_for(ws.recv(), 90))
                kinds.append(msg.WhichOneof("type"))
                if kinds[-1] == "delta" and msg.delta.WhichOneof("type") == "new_element":
                    kinds.append(msg.delta.new_element.WhichOneof("type"))
            return kinds

    # In a thread: pytest-playwright may keep an asyncio loop running on the main thread.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        kinds = pool.submit(asyncio.run, open_page()).result()
    assert "exception" not in kinds
    assert {"plotly_chart", "bidi_component"} & set(kinds), "no chart element (Plotly or player)"
    deadline = time.monotonic() + 10  # nginx logs a websocket when it closes
    while not (streams := [r for r in served.log_lines() if r["uri"] == "/_stcore/stream"
                           and r["cookie"] == cookie]):  # fmt: skip
        assert time.monotonic() < deadline, "no websocket line in the access log"
        time.sleep(0.2)
    assert [(r["status"], r["upstream"]) for r in streams] == [("101", replica)]


@pytest.mark.e2e
def test_the_first_student_to_follow_a_link_to_a_page_finds_it(tmp_path, chromium):
    """serve.sh runs the app once per replica before nginx starts: a fresh process otherwise
    greets its first deep link with Streamlit's "Page not found" (gdviz/ui/warm_up.py)."""
    with serve(1, tmp_path) as s:
        context = chromium.new_context(base_url=s.url, viewport=VIEWPORT)
        try:
            page = context.new_page()
            page.goto("/learning_rate?lr=0.02")
            page.wait_for_selector(".gdp[data-ready='1']", timeout=FIRST_CHART_MS)
            expect(page.get_by_role("heading", level=1)).to_contain_text("learning rate")
            page.wait_for_timeout(500)
            assert page.get_by_text("Page not found").count() == 0
        finally:
            context.close()


def test_sigterm_stops_nginx_and_every_replica(tmp_path):
    with serve(2, tmp_path) as s:
        tree = process_tree(s.proc.pid)
        names = [Path(f"/proc/{p}/cmdline").read_bytes() for p in tree]
        assert sum(b"streamlit\0run" in n for n in names) == 2
        assert any(b"nginx" in n for n in names)
    assert s.proc.returncode is not None
    deadline = time.monotonic() + 10
    while [p for p in tree if alive(p)] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert [p for p in tree if alive(p)] == []
    assert not any(listening(int(urlsplit(s.url).port) + i) for i in range(3))


# ---------------------------------------------------------------------------------------------
# Live, in Chromium
# ---------------------------------------------------------------------------------------------

# Sample datasets and learning rates, one pair per browser (all different).
SESSIONS = [
    ("study-hours", "0.011"),
    ("anscombe-1", "0.012"),
    ("anscombe-2", "0.013"),
    ("anscombe-3", "0.014"),
    ("anscombe-4", "0.015"),
]
IDLE = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return app && app.getAttribute("data-test-script-state") === "notRunning";
}"""


@pytest.fixture
def chromium(browser):
    reason = chromium_missing()
    if reason:
        pytest.skip(reason)
    return browser


def settled(page) -> None:
    """Wait for a drawn chart and for the script to have finished its run."""
    page.locator(CHART).first.wait_for(timeout=FIRST_CHART_MS)
    page.wait_for_function(IDLE, timeout=FIRST_CHART_MS)


def steady_text(page) -> str:
    """The page's visible text once it stops changing (the player fills its read-outs last)."""
    last = None
    for _ in range(40):
        text = page.get_by_test_id("stApp").inner_text()
        if text == last:
            return text
        last = text
        page.wait_for_timeout(500)
    raise AssertionError("the page's text kept changing for 20 s")


def shown(page) -> tuple[str, str, str, str]:
    """What a student sees: the URL's dataset and lr, the exact-lr field, and all the page's
    text (data-dependent numbers: losses, gradients, stability limits, the number of points)."""
    query = parse_qs(urlsplit(page.url).query)
    lr = query["lr"][0]
    fields = page.get_by_test_id("stNumberInputField").all()
    field = next((f.input_value() for f in fields if f.input_value() == lr), "")
    return query["dataset"][0], lr, field, steady_text(page)


@pytest.mark.e2e
def test_page_draws_a_chart_through_serve_sh(served, chromium):
    context = chromium.new_context(base_url=served.url, viewport=VIEWPORT)
    errors = []
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto("/")
        settled(page)
        assert page.locator(f"{CHART} .main-svg").count() >= 1
        assert errors == []
    finally:
        context.close()


@pytest.mark.e2e
def test_the_hosted_lesson_parses_plotly_js_once_started_by_the_page(served, chromium):
    context = chromium.new_context(base_url=served.url, viewport=VIEWPORT)
    errors, fetched = [], []
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: fetched.append(urlsplit(r.url).path))
    try:
        page.goto("/")
        page.wait_for_selector(".gdp[data-ready='1']", timeout=FIRST_CHART_MS)
        early = page.evaluate(
            """() => { const s = document.getElementById('gdviz-plotly');
            return {inHead: s.parentElement === document.head, done: s.dataset.done,
                    scripts: document.querySelectorAll('script[src*="plotly.min.js"]').length,
                    plotly: typeof window.Plotly}; }"""
        )
        assert early == {"inHead": True, "done": "1", "scripts": 1, "plotly": "object"}
        assert fetched.count(PLOTLY_PATH) == 1  # the player waited for the page's copy
        assert errors == []
    finally:
        context.close()


@pytest.mark.e2e
def test_every_request_of_one_browser_reaches_one_replica(served, chromium):
    context = chromium.new_context(base_url=served.url, viewport=VIEWPORT)
    replicas = []
    page = context.new_page()
    page.on("response", lambda r: replicas.append((r.url, r.headers.get("x-gdviz-replica"))))
    try:
        page.goto("/?dataset=upload")
        page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
            files=[
                {"name": "p.csv", "mimeType": "text/csv", "buffer": b"x,y\n0,1\n1,3\n2,5\n3,7\n"}
            ]
        )
        page.get_by_text("p.csv").first.wait_for(timeout=FIRST_CHART_MS)
        settled(page)
        (cookie,) = [c["value"] for c in context.cookies() if c["name"] == "gdviz_replica"]
    finally:
        context.close()  # closes the websocket, which nginx then logs
    # Streamlit's frontend files and plotly.js come from nginx itself (no replica); everything
    # else from one.
    ours = [(urlsplit(u).path, r) for u, r in replicas if u.startswith(served.url)]
    assert {r for path, r in ours if from_nginx(path)} == {None}
    assert any(path == PLOTLY_PATH for path, _ in ours), "the player's plotly.js never came"
    from_replicas = {r for path, r in ours if not from_nginx(path)}
    assert len(from_replicas) == 1, ours
    (replica,) = from_replicas
    deadline = time.monotonic() + 10
    while True:
        mine = [r for r in served.log_lines() if r["route"] == cookie]
        if any(r["uri"] == "/_stcore/stream" for r in mine) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    static = [r for r in mine if from_nginx(r["uri"])]
    proxied = [r for r in mine if not from_nginx(r["uri"])]
    assert static and {r["upstream"] for r in static} == {"-"}
    assert {r["upstream"] for r in proxied} == {replica}
    # The page itself: its request had no cookie yet, so it was routed by the id it was given.
    assert any(r["uri"] == "/" and r["cookie"] == "-" for r in proxied)
    assert any(r["uri"] == "/_stcore/stream" and r["status"] == "101" for r in mine)
    assert any(
        r["uri"].startswith("/_stcore/upload_file/") and r["status"].startswith("2") for r in mine
    ), "the upload went through another replica, or not through nginx"


@pytest.mark.e2e
def test_five_browsers_never_see_each_others_data(served, chromium):
    contexts = [chromium.new_context(base_url=served.url, viewport=VIEWPORT) for _ in SESSIONS]
    try:
        pages = [c.new_page() for c in contexts]
        for page, (dataset, lr) in zip(pages, SESSIONS, strict=True):
            page.goto(f"/?dataset={dataset}&lr={lr}", wait_until="commit")
        for page in pages:
            settled(page)
        before = [shown(p) for p in pages]
        assert [(d, lr, f) for d, lr, f, _ in before] == [(d, lr, lr) for d, lr in SESSIONS]
        assert len({text for *_, text in before}) == len(SESSIONS), "different data, same page?"
        # Each student changes the learning rate while the others keep theirs.
        for i, page in enumerate(pages):
            new_lr = f"{0.021 + i / 1000:g}"
            box = next(f for f in page.get_by_test_id("stNumberInputField").all()
                       if f.input_value() == SESSIONS[i][1])  # fmt: skip
            box.fill(new_lr)
            box.press("Enter")
            page.wait_for_url(f"**lr={new_lr}**", timeout=FIRST_CHART_MS)
        for page in pages:
            settled(page)
        after = [shown(p) for p in pages]
        assert [(d, lr, f) for d, lr, f, _ in after] == [
            (d, f"{0.021 + i / 1000:g}", f"{0.021 + i / 1000:g}")
            for i, (d, _) in enumerate(SESSIONS)
        ]
        # A solo browser at the same address sees exactly what each of the five saw.
        for page, seen in zip(pages, after, strict=True):
            solo = chromium.new_context(base_url=served.url, viewport=VIEWPORT)
            try:
                alone = solo.new_page()
                alone.goto(page.url)
                settled(alone)
                assert shown(alone) == seen
            finally:
                solo.close()
    finally:
        for context in contexts:
            context.close()


# ---------------------------------------------------------------------------------------------
# gdviz.serving: the startup heap kept out of full collections
# ---------------------------------------------------------------------------------------------

FREEZE_PROBE = """
import gc, json, sys
from gdviz.serving import freeze_startup_heap
kept = [[i] for i in range(1000)]  # long-lived objects, alive at startup
first = freeze_startup_heap()
frozen = gc.get_freeze_count()
later = [[i] for i in range(1000)]  # made by the runs that follow
second = freeze_startup_heap()
frozen_after = gc.get_freeze_count()
class Node: pass
a, b = Node(), Node()
a.other, b.other = b, a  # a cycle made after the freeze: garbage that must still be freed
del a, b
print(json.dumps([first, second, frozen, frozen_after, gc.collect(), "streamlit" in sys.modules]))
"""


def test_freeze_startup_heap_freezes_once_and_later_garbage_is_still_collected():
    import json
    import sys

    run = subprocess.run(
        [sys.executable, "-c", FREEZE_PROBE], cwd=ROOT, capture_output=True, text=True, check=True
    )
    first, second, frozen, frozen_after, collected, imported_streamlit = json.loads(run.stdout)
    assert first >= 1000 and frozen >= 1000, "the objects alive at startup are frozen"
    assert second == 0 and frozen_after == frozen, "a second call freezes nothing more"
    assert collected >= 2, "cycles made after the freeze are still collected"
    assert not imported_streamlit, "gdviz stays free of streamlit"
