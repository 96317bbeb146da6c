#!/usr/bin/env bash
# tests/bench/run-window.sh — does the window keep drawing under load?
#
# Serves COUNT files of SIZE bytes from a private nginx on 127.0.0.1 (tmpfs),
# then, ROUNDS times each: `sluice --headless -j JOBS` and the real window
# (tests/bench/bench-window, under Xvfb) doing the same downloads.  Prints
# the headless and window wall times (median), their ratio (target ≤ 1.15),
# the window's longest main-loop stall and longest gap between frames
# (target: no stall over 50 ms) and its peak RSS (target ≤ 150 MB), and
# how long a 10,000-line list takes to go in (it goes in slices).  Then,
# against a server that accepts connections and never answers, what
# showing the list costs the window alone (CPU until it is in and painted,
# no transfer running): the part of the window's overhead that is GTK's.
#
# Environment: COUNT=10000 SIZE=65536 JOBS=16 ROUNDS=3 BUILD=_build-bench
#              WORK=/dev/shm/sluice-window-bench
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SCRIPT_DIR/../.." && pwd)
COUNT=${COUNT:-10000}
SIZE=${SIZE:-65536}
JOBS=${JOBS:-16}
ROUNDS=${ROUNDS:-3}
BUILD=${BUILD:-$REPO/_build-bench}
WORK=${WORK:-/dev/shm/sluice-window-bench}

need=()
command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || need+=(nginx-light)
command -v xvfb-run >/dev/null || need+=(xvfb xauth)
command -v dbus-run-session >/dev/null || need+=(dbus)
[[ -x /usr/bin/time ]] || need+=(time)
if ((${#need[@]})); then
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}"
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

if [[ ! -x $BUILD/tests/bench/bench-window ]]; then
  [[ -f $BUILD/build.ninja ]] || meson setup "$BUILD" "$REPO" -Dbuildtype=release >/dev/null
  meson compile -C "$BUILD" >/dev/null
fi

rm -rf "$WORK"; mkdir -p "$WORK/www" "$WORK/nginx" "$WORK/out"
trap 'kill $(cat "$WORK/nginx/nginx.pid" 2>/dev/null) $SILENT_PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
SILENT_PID=
head -c "$SIZE" /dev/urandom > "$WORK/www/0"
for i in $(seq 1 $((COUNT - 1))); do ln "$WORK/www/0" "$WORK/www/$i"; done

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$WORK/nginx/nginx.conf" <<CONF
daemon off;
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
events { worker_connections 4096; }
http {
  access_log off; sendfile on; keepalive_requests 100000;
  client_body_temp_path $WORK/nginx; proxy_temp_path $WORK/nginx;
  fastcgi_temp_path $WORK/nginx; uwsgi_temp_path $WORK/nginx; scgi_temp_path $WORK/nginx;
  server { listen 127.0.0.1:$PORT; root $WORK/www; }
}
CONF
"$NGINX" -e "$WORK/nginx/error.log" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" &
for _ in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/0" 2>/dev/null && break; sleep 0.1; done
seq 0 $((COUNT - 1)) | sed "s|^|http://127.0.0.1:$PORT/|" > "$WORK/urls.txt"

# The silent server: the kernel completes connections to a listening socket
# nobody accepts on, so the first tasks wait on their headers and the rest
# stay queued while the list goes in.
python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(64)
print(s.getsockname()[1], flush=True); time.sleep(1e6)' > "$WORK/silent-port" &
SILENT_PID=$!
for _ in $(seq 50); do [[ -s $WORK/silent-port ]] && break; sleep 0.1; done
seq 0 $((COUNT - 1)) | sed "s|^|http://127.0.0.1:$(cat "$WORK/silent-port")/|" > "$WORK/silent-urls.txt"

run_window() {
  rm -rf "$WORK/xdg"; mkdir -p "$WORK/xdg"
  XDG_DATA_HOME="$WORK/xdg" GTK_A11Y=none GDK_BACKEND=x11 GSK_RENDERER=${GSK_RENDERER:-cairo} GSETTINGS_BACKEND=memory \
    GSETTINGS_SCHEMA_DIR="$BUILD/data" \
    dbus-run-session -- xvfb-run -a -s "-screen 0 1280x1024x24" \
    "$BUILD/tests/bench/bench-window" "$1" "$WORK/out" "$JOBS" 2>/dev/null | tail -1
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
headless=(); headless_cpu=(); window=(); lines=(); shows=()
for round in $(seq "$ROUNDS"); do
  rm -rf "$WORK/out"; mkdir "$WORK/out"
  start=$(date +%s%N)
  /usr/bin/time -f %U+%S -o "$WORK/cpu" "$BUILD/src/app/sluice" --headless -j "$JOBS" --per-host "$JOBS" -o "$WORK/out" -i "$WORK/urls.txt" >/dev/null 2>&1
  headless+=("$(awk -v ns=$(( $(date +%s%N) - start )) 'BEGIN { printf "%.3f", ns / 1e9 }')")
  headless_cpu+=("$(python3 -c "print(round($(tail -1 "$WORK/cpu"), 3))")")
  [[ $(ls "$WORK/out" | wc -l) == "$COUNT" ]] || { echo "headless round $round: wrong file count"; exit 1; }

  rm -rf "$WORK/out"; mkdir "$WORK/out"
  line=$(run_window "$WORK/urls.txt")
  [[ $(ls "$WORK/out" | wc -l) == "$COUNT" ]] || { echo "window round $round: wrong file count"; exit 1; }
  lines+=("$line")
  window+=("$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["wall_s"])' "$line")")
  echo "round $round: headless ${headless[-1]} s (CPU ${headless_cpu[-1]} s), window $line"

  rm -rf "$WORK/out"; mkdir "$WORK/out"
  show=$(BENCH_QUIT_AFTER_ADD_MS=1000 run_window "$WORK/silent-urls.txt")
  shows+=("$show")
  echo "round $round: showing the list alone $show"
done

h=$(printf '%s\n' "${headless[@]}" | median)
w=$(printf '%s\n' "${window[@]}" | median)
hc=$(printf '%s\n' "${headless_cpu[@]}" | median)
python3 - "$h" "$w" "$hc" "${shows[*]}" "${lines[@]}" <<'PY'
import json, statistics, sys
h, w, hc = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
shows = [json.loads(l) for l in sys.argv[4].replace("} {", "}\n{").splitlines()]
runs = [json.loads(l) for l in sys.argv[5:]]
wc = statistics.median(r["cpu_s"] for r in runs)
stall = max(r["max_stall_ms"] for r in runs)
stall_cpu = max(runs, key=lambda r: r["max_stall_ms"])["max_stall_cpu_ms"]
busy = max(r["max_busy_stall_ms"] for r in runs)
gap = max(r["max_frame_gap_ms"] for r in runs)
over = sum(r["stalls_over_50ms"] for r in runs)
rss = max(r["peak_rss_mb"] for r in runs)
rss_empty = max(r["rss_before_add_mb"] for r in runs)
all_in = max(r["all_in_ms"] for r in runs)
first = max(r["add_ms"] for r in runs)
print()
print("| measure | value | target |")
print("|---|---|---|")
print(f"| headless wall (median) | {h:.2f} s | |")
print(f"| window wall (median) | {w:.2f} s | |")
print(f"| window / headless | {w / h:.2f}× | ≤ 1.15× {'✓' if w / h <= 1.15 else '✗'} |")
print(f"| CPU time, headless / window (medians) | {hc:.2f} s / {wc:.2f} s ({wc / hc:.2f}×) | |")
print(f"| longest main-loop stall | {stall:.1f} ms ({over} over 50 ms), the main thread running {stall_cpu:.1f} ms of it | ≤ 50 ms {'✓' if stall <= 50 else '✗'} |")
print(f"| longest stall the main thread spent running | {busy:.1f} ms | |")
print(f"| longest gap between frames | {gap:.1f} ms | |")
print(f"| first rows in / all {runs[0]['tasks']} in | {first:.1f} ms / {all_in:.0f} ms | |")
print(f"| peak RSS, {runs[0]['tasks']} tasks | {rss:.1f} MB | ≤ 150 MB {'✓' if rss <= 150 else '✗'} |")
print(f"| RSS of the empty window | {rss_empty:.1f} MB | |")
show_cpu = statistics.median(r["cpu_s"] for r in shows)
show_in = statistics.median(r["all_in_ms"] for r in shows)
print(f"| showing the list alone (no transfers): CPU until in and painted + 1 s / all in (medians) | {show_cpu:.2f} s / {show_in:.0f} ms | |")
PY
