#!/usr/bin/env bash
# Serve gdviz to a class from one machine: N Streamlit replicas behind nginx, on loopback.
#
#   deploy/serve.sh --replicas N --port P [--address A] [--app-dir DIR] [--access-log FILE] \
#                   [-- extra `streamlit run` options]
#
# Replicas listen on 127.0.0.1:P+1 .. P+N, nginx on A:P (A defaults to 127.0.0.1; give 0.0.0.0
# to let a class reach it). Runs in the foreground; Ctrl-C or SIGTERM stops nginx and every
# replica. One replica per core: Streamlit runs scripts on one core (the GIL), and on 2 cores a
# third replica only added memory. All replicas share one cookie secret (GDVIZ_COOKIE_SECRET,
# or a fresh random one), as Streamlit requires behind a load balancer.
set -euo pipefail

replicas=""
port=""
address="127.0.0.1"
app_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
access_log="off"
extra=()

usage() {
  sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}
fail() {
  echo "serve.sh: $*" >&2
  exit 2
}

while [[ $# -gt 0 ]]; do
  case "$1" in
    --replicas) replicas="${2:-}"; shift 2 ;;
    --port) port="${2:-}"; shift 2 ;;
    --address) address="${2:-}"; shift 2 ;;
    --app-dir) app_dir="$(cd "${2:-}" && pwd)"; shift 2 ;;
    --access-log) access_log="${2:-}"; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) usage ;;
    *) fail "unknown option '$1' (see --help)" ;;
  esac
done

[[ "$replicas" =~ ^[1-9][0-9]*$ ]] || fail "--replicas needs a whole number ≥ 1, got '${replicas}'"
[[ "$port" =~ ^[0-9]+$ ]] && ((port >= 1024 && port + replicas <= 65535)) ||
  fail "--port needs a port from 1024 with room for ${replicas} replicas above it, got '${port}'"
[[ -f "$app_dir/app.py" ]] || fail "no app.py in $app_dir"
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"
[[ -x "$nginx_bin" ]] || fail "nginx is not installed (Debian: apt-get install -y nginx)"
python="${PYTHON:-python3}"
cores="$(nproc)"
if ((replicas > cores)); then
  echo "serve.sh: warning: ${replicas} replicas on ${cores} cores; more than one per core only adds memory" >&2
fi

run_dir="$(mktemp -d -t gdviz-serve.XXXXXX)"
chmod 711 "$run_dir"  # nginx's workers (user nobody when started as root) reach their temp dirs
pids=()

stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$run_dir"
}
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM
trap stop EXIT

# Streamlit's frontend files, for nginx to send itself (gzipped once here; see the template).
mkdir -p "$run_dir/www"
cp -r "$("$python" -c 'import os, streamlit; print(os.path.join(os.path.dirname(streamlit.__file__), "static", "static"))')" "$run_dir/www/static"
find "$run_dir/www/static" -type f \( -name '*.js' -o -name '*.css' -o -name '*.json' -o -name '*.svg' \) \
  -size +1k -exec gzip -k -6 {} +

# plotly.js for the lesson's player (the file the replicas serve: gdviz.plotly_bundle), at the
# path the player asks for, so nginx sends it from disk, gzipped, and every page's HTML can
# start it (see the template).
plotly_src="$(cd "$app_dir" && "$python" -c 'from gdviz.ui.player import plotly_route
print(plotly_route())')" || fail "could not import gdviz.ui.player from $app_dir"
plotly_path="${plotly_src%%\?*}"
mkdir -p "$run_dir/www$(dirname "$plotly_path")"
(cd "$app_dir" && "$python" -m gdviz.plotly_bundle "$run_dir/www${plotly_path}") \
  || fail "could not write plotly.js for nginx"
gzip -k -6 "$run_dir/www${plotly_path}"
# The pages' <head>, starting plotly.js with the page (GDVIZ_EARLY_PLOTLY=0 leaves it as it is:
# for measuring a page without the player, as benchmarks/bench_player.py does).
page_head="<head><script async id=\"gdviz-plotly\" src=\"${plotly_src}\" onload=\"this.dataset.done=1\" onerror=\"this.dataset.done=1\"></script>"
[[ "${GDVIZ_EARLY_PLOTLY:-1}" == 1 ]] || page_head="<head>"

export STREAMLIT_SERVER_COOKIE_SECRET="${GDVIZ_COOKIE_SECRET:-$("$python" -c 'import secrets; print(secrets.token_hex(32))')}"

upstreams=""
for ((i = 1; i <= replicas; i++)); do
  rport=$((port + i))
  (cd "$app_dir" && exec "$python" -m streamlit run app.py \
    --server.headless=true --server.address=127.0.0.1 --server.port="$rport" \
    --server.fileWatcherType=none --browser.gatherUsageStats=false "${extra[@]}") &
  pids+=("$!")
  upstreams+="        server 127.0.0.1:${rport} max_fails=0;"$'\n'
done

# nginx starts only once every replica answers its health check and has run the app once: in a
# fresh process Streamlit treats the app as a folder of pages until app.py's st.navigation has
# run, so the first student who follows a link to another page would see "Page not found"
# (gdviz/ui/warm_up.py).
for ((i = 1; i <= replicas; i++)); do
  rport=$((port + i))
  for ((t = 0; ; t++)); do
    if "$python" -c "import urllib.request as u; u.urlopen('http://127.0.0.1:${rport}/_stcore/health', timeout=2)" 2>/dev/null; then
      break
    fi
    kill -0 "${pids[$((i - 1))]}" 2>/dev/null || fail "replica on port ${rport} exited"
    ((t < 120)) || fail "replica on port ${rport} not healthy after 60 s"
    sleep 0.5
  done
  (cd "$app_dir" && "$python" -m gdviz.ui.warm_up "http://127.0.0.1:${rport}" >/dev/null) ||
    fail "replica on port ${rport} could not run the app once"
done

template="$(dirname "${BASH_SOURCE[0]}")/nginx.conf.template"
log_value="off"
[[ "$access_log" == "off" ]] || log_value="${access_log} gdviz"
sed -e "s|@LISTEN@|${address}:${port}|" -e "s|@RUN_DIR@|${run_dir}|g" \
  -e "s|@ACCESS_LOG@|${log_value}|" -e "s|@PLOTLY_DIR@|$(dirname "$plotly_path")/|" \
  -e "s|@PAGE_HEAD@|${page_head}|" "$template" |
  awk -v up="$upstreams" '{ if ($0 == "@UPSTREAMS@") printf "%s", up; else print }' \
    >"$run_dir/nginx.conf"
"$nginx_bin" -t -q -c "$run_dir/nginx.conf" -p "$run_dir" -g 'daemon off;' ||
  fail "nginx rejected the configuration in $run_dir/nginx.conf"
"$nginx_bin" -c "$run_dir/nginx.conf" -p "$run_dir" -g 'daemon off;' &
pids+=("$!")
echo "serve.sh: gdviz on http://${address}:${port} (${replicas} replicas, ports $((port + 1))-$((port + replicas)))"

# Foreground until any process ends (or a signal arrives); then stop the rest.
wait -n "${pids[@]}" || true
echo "serve.sh: a process exited; stopping" >&2
exit 1
