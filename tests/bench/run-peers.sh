#!/usr/bin/env bash
# tests/bench/run-peers.sh — Sluice against curl -Z and aria2c on loopback nginx.
#
# Workloads (served by a private nginx on 127.0.0.1, files on tmpfs):
#   W2  10,000 files x 10 KiB   (per-request overhead)
#   W3   1,000 files x 1 MiB    (mixed)
#   W1       1 file  x 1 GiB    (raw throughput)
# Each tool runs ROUNDS times per workload at 16 transfers at once; every run
# is verified (sha256 of every file; for Sluice also its JSONL records) and a
# run that fails verification is reported as FAILED, not timed.
#
# Source files AND downloads live on tmpfs (/dev/shm by default): the ext4
# root here is mounted with "discard", so deleting a GiB of output between
# runs would make the disk, not the client, the thing measured.
#
# Environment (all optional):
#   ROUNDS=5            rounds per workload and tool (QUICK=1: 1)
#   QUICK=1             CI smoke: W2 1,000 x 10 KiB, W3 50 x 1 MiB, W1 64 MiB
#   JOBS=16             transfers at once for every tool
#   WORKLOADS="W2 W3 W1" which workloads, in this order
#   TOOLS="sluice curl aria2c"
#   SLUICE=path         default: _build-bench/src/app/sluice (configured if
#                       needed and rebuilt first); a given binary is used as is
#   WORK=dir            default: /dev/shm/sluice-bench (must be tmpfs to be fair)
#   NGINX_WORKERS=1     nginx worker processes
#   PAUSE=1             seconds to sleep between runs
#   QUIET_IDLE=90       before each run wait until the CPUs are this % idle,
#   QUIET_WAIT=60       for at most this many seconds (the machine is shared)
#   INSTRUCTIONS=auto   1: also count instructions (perf stat; needs CPU
#                       counters, which most VMs, ours included, do not expose)
#   RUN_TIMEOUT=600     seconds before a single run is killed (counts as FAILED)
#   RESULTS=file        Markdown table (default tests/bench/results.md; with
#                       QUICK=1 $WORK/results-quick.md so a smoke run does not
#                       overwrite the recorded results)
#   UPDATE_README=1     also paste the table into tests/bench/README.md
#                       (default 1 for full runs, 0 with QUICK=1)
#   STRICT=1            exit 3 when a target is missed (default: report only)
#   KEEP_DATA=1         keep the generated workloads in $WORK for the next run
#                       (default 1; they are regenerated when missing)
# Exit status: 0 every run verified; 1 some run FAILED; 2 setup error;
# 3 (STRICT=1) a target missed.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SCRIPT_DIR/../.." && pwd)

QUICK=${QUICK:-0}
if [[ $QUICK == 1 ]]; then
  ROUNDS=${ROUNDS:-1}
  W2_COUNT=1000;  W2_SIZE=10240
  W3_COUNT=50;    W3_SIZE=1048576
  W1_SIZE=$((64 * 1048576))
  DEFAULT_RESULTS=
  UPDATE_README=${UPDATE_README:-0}
else
  ROUNDS=${ROUNDS:-5}
  W2_COUNT=10000; W2_SIZE=10240
  W3_COUNT=1000;  W3_SIZE=1048576
  W1_SIZE=$((1024 * 1048576))
  DEFAULT_RESULTS=$SCRIPT_DIR/results.md
  UPDATE_README=${UPDATE_README:-1}
fi
JOBS=${JOBS:-16}
WORKLOADS=${WORKLOADS:-W2 W3 W1}
TOOLS=${TOOLS:-sluice curl aria2c}
WORK=${WORK:-/dev/shm/sluice-bench}
NGINX_WORKERS=${NGINX_WORKERS:-1}
PAUSE=${PAUSE:-1}
RUN_TIMEOUT=${RUN_TIMEOUT:-600}
STRICT=${STRICT:-0}
KEEP_DATA=${KEEP_DATA:-1}
INSTRUCTIONS=${INSTRUCTIONS:-}
QUIET_IDLE=${QUIET_IDLE:-90}
QUIET_WAIT=${QUIET_WAIT:-60}
SLUICE_GIVEN=${SLUICE:-}
SLUICE=${SLUICE:-$REPO/_build-bench/src/app/sluice}
if [[ -z $DEFAULT_RESULTS ]]; then DEFAULT_RESULTS=$WORK/results-quick.md; fi
RESULTS=${RESULTS:-$DEFAULT_RESULTS}

log() { printf '[bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "error: $*"; exit 2; }

# ---------------------------------------------------------------- tools ----

ensure_tools() {
  local missing=()
  command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || missing+=(nginx-light)
  command -v curl >/dev/null || missing+=(curl)
  command -v aria2c >/dev/null || missing+=(aria2)
  [[ -x /usr/bin/time ]] || missing+=(time)
  command -v jq >/dev/null || missing+=(jq)
  command -v sha256sum >/dev/null || missing+=(coreutils)
  command -v timeout >/dev/null || missing+=(coreutils)
  command -v setpriv >/dev/null || missing+=(util-linux)
  if ((${#missing[@]})); then
    if [[ $EUID -ne 0 ]]; then
      die "missing ${missing[*]}: run as root (sudo $0) or apt-get install -y ${missing[*]}"
    fi
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  NGINX=$(command -v nginx || echo /usr/sbin/nginx)
}

ensure_sluice() {
  if [[ -n $SLUICE_GIVEN ]]; then
    [[ -x $SLUICE ]] || die "no Sluice binary at $SLUICE"
    SLUICE_REV="binary $SLUICE"
    return
  fi
  # The default binary is (re)built so it is never older than the tree.
  if [[ ! -f $REPO/_build-bench/build.ninja ]]; then
    log "configuring _build-bench (release)"
    (cd "$REPO" && meson setup _build-bench -Dbuildtype=release >/dev/null) ||
      die "meson setup failed (build dependencies: ./build-aux/dev installs them)"
  fi
  log "building Sluice in _build-bench"
  meson compile -C "$REPO/_build-bench" sluice >/dev/null || die "meson compile failed"
  [[ -x $SLUICE ]] || die "no Sluice binary at $SLUICE"
  SLUICE_REV="$(cd "$REPO" && git rev-parse --short HEAD 2>/dev/null || echo '?')$( (cd "$REPO" && git diff --quiet HEAD -- src 2>/dev/null) || echo ' + uncommitted changes in src/')"
}

# CPU idle fraction (percent) over 0.5 s, from /proc/stat.
idle_percent() {
  local a b
  a=($(head -1 /proc/stat)); sleep 0.5; b=($(head -1 /proc/stat))
  local i total=0 idle
  for ((i = 1; i < ${#a[@]}; i++)); do total=$((total + b[i] - a[i])); done
  idle=$(((b[4] - a[4]) + (b[5] - a[5])))
  if ((total <= 0)); then echo 100; else echo $((100 * idle / total)); fi
}

# Other work on this machine skews every figure: wait (at most QUIET_WAIT s)
# until the CPUs are at least QUIET_IDLE % idle.  Counts the runs that had
# to start on a busy machine.
wait_for_quiet() {
  local deadline=$((SECONDS + QUIET_WAIT)) idle
  while true; do
    idle=$(idle_percent)
    ((idle >= QUIET_IDLE)) && return
    if ((SECONDS >= deadline)); then
      echo x >>"$RUNDIR/busy-runs"
      log "  machine busy (${idle}% idle) after ${QUIET_WAIT}s; running anyway"
      return
    fi
    sleep 1
  done
}

# ------------------------------------------------------------ workloads ----

if [[ $QUICK == 1 ]]; then WWW=$WORK/www-quick; else WWW=$WORK/www; fi
OUT=$WORK/out
RUNDIR=$WORK/run

# make_set NAME COUNT SIZE: COUNT files of SIZE random bytes in $WWW/NAME,
# with NAME.sha256 (sha256sum format, bare names) beside it.  Reused when
# the stamp says the same count and size.
make_set() {
  local name=$1 count=$2 size=$3 dir=$WWW/$1
  local stamp="$count $size"
  if [[ -f $WWW/$name.stamp && $(cat "$WWW/$name.stamp") == "$stamp" && -f $WWW/$name.sha256 ]]; then
    log "$name: reusing $count x $size B"
    return
  fi
  log "$name: generating $count x $size B of random data"
  rm -rf "$dir" "$WWW/$name.stamp" "$WWW/$name.sha256"
  mkdir -p "$dir"
  if ((count == 1)); then
    head -c "$size" /dev/urandom >"$dir/f000000.bin"
  else
    # One random stream cut into equal files: f000000.bin, f000001.bin, ...
    head -c $((count * size)) /dev/urandom |
      (cd "$dir" && split -b "$size" -d -a 6 --additional-suffix=.bin - f)
  fi
  local got
  got=$(find "$dir" -type f | wc -l)
  ((got == count)) || die "$name: generated $got files, wanted $count"
  (cd "$dir" && find . -type f -name '*.bin' -printf '%f\n' | sort | xargs -n 500 sha256sum) >"$WWW/$name.sha256.tmp"
  mv "$WWW/$name.sha256.tmp" "$WWW/$name.sha256"
  echo "$stamp" >"$WWW/$name.stamp"
  chmod -R a+rX "$dir"
}

workload_params() { # sets W_COUNT W_SIZE for $1
  case $1 in
    W1) W_COUNT=1;         W_SIZE=$W1_SIZE ;;
    W2) W_COUNT=$W2_COUNT; W_SIZE=$W2_SIZE ;;
    W3) W_COUNT=$W3_COUNT; W_SIZE=$W3_SIZE ;;
    *) die "unknown workload $1" ;;
  esac
}

describe_workload() {
  local count=$1 size=$2
  if ((size % 1073741824 == 0)); then printf '%d x %d GiB' "$count" $((size / 1073741824))
  elif ((size % 1048576 == 0)); then printf '%d x %d MiB' "$count" $((size / 1048576))
  else printf '%d x %d KiB' "$count" $((size / 1024)); fi
}

# Per workload: urls.txt (Sluice, one URL a line), curl.cfg (url/output
# pairs), aria2.list (same URLs).
make_lists() {
  local name=$1 lists=$RUNDIR/$1
  mkdir -p "$lists"
  local base="http://127.0.0.1:$PORT/$name"
  awk -v base="$base" '{print base "/" $2}' "$WWW/$name.sha256" >"$lists/urls.txt"
  cp "$lists/urls.txt" "$lists/aria2.list"
  awk -v base="$base" -v out="$OUT" \
    '{printf "url = \"%s/%s\"\noutput = \"%s/%s\"\n", base, $2, out, $2}' \
    "$WWW/$name.sha256" >"$lists/curl.cfg"
}

# ---------------------------------------------------------------- nginx ----

NGINX_PID=
cleanup() {
  if [[ -n $NGINX_PID ]] && kill -0 "$NGINX_PID" 2>/dev/null; then
    kill -QUIT "$NGINX_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$NGINX_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$NGINX_PID" 2>/dev/null || true
  fi
  rm -rf "$OUT"
  if [[ $KEEP_DATA != 1 ]]; then rm -rf "$WWW"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_in_use() { ss -Htln "sport = :$1" 2>/dev/null | grep -q .; }

start_nginx() {
  local ngx=$WORK/nginx
  rm -rf "$ngx"
  mkdir -p "$ngx/tmp"
  local run_as=()
  if [[ $EUID -eq 0 ]]; then
    # Unprivileged: the whole server, master included, runs as nobody.
    chown -R nobody:nogroup "$ngx"
    run_as=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
    chmod a+rx "$WORK" "$WWW"
  fi
  local temps="" t
  for t in client_body proxy fastcgi uwsgi scgi; do
    if ! "$NGINX" -V 2>&1 | grep -q -- "--without-http_${t}_module"; then
      temps+="    ${t}_temp_path $ngx/tmp/$t;"$'\n'
    fi
  done
  local attempt
  for attempt in $(seq 20); do
    PORT=$((20000 + RANDOM % 40000))
    port_in_use "$PORT" && continue
    cat >"$ngx/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes $NGINX_WORKERS;
pid $ngx/nginx.pid;
error_log $ngx/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    keepalive_timeout 120s;
    default_type application/octet-stream;
    etag off;
$temps    server {
        listen 127.0.0.1:$PORT;
        root $WWW;
        location / { }
    }
}
EOF
    [[ $EUID -eq 0 ]] && chown nobody:nogroup "$ngx/nginx.conf"
    "${run_as[@]}" "$NGINX" -e "$ngx/error.log" -p "$ngx" -c "$ngx/nginx.conf" \
      >>"$ngx/stdout.log" 2>&1 &
    NGINX_PID=$!
    local i
    for i in $(seq 50); do
      if ! kill -0 "$NGINX_PID" 2>/dev/null; then break; fi
      if curl -sf -o /dev/null "http://127.0.0.1:$PORT/W2.stamp" 2>/dev/null ||
         curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/" 2>/dev/null | grep -q '^[2-4]'; then
        log "nginx (pid $NGINX_PID, $NGINX_WORKERS worker(s)) on 127.0.0.1:$PORT, root $WWW"
        return
      fi
      sleep 0.1
    done
    kill "$NGINX_PID" 2>/dev/null || true
    wait "$NGINX_PID" 2>/dev/null || true
    NGINX_PID=
    log "nginx did not start on port $PORT (attempt $attempt), retrying"
  done
  tail -5 "$ngx/error.log" >&2 || true
  die "could not start nginx"
}

# ----------------------------------------------------------------- runs ----

# verify_files NAME: the output dir holds exactly the expected files with the
# expected contents.
verify_files() {
  local name=$1 got
  got=$(cd "$OUT" && find . -mindepth 1 -printf '%f\n' | sort | xargs -r -n 500 sha256sum 2>&1) || true
  if [[ $got != "$(cat "$WWW/$name.sha256")" ]]; then
    local want_n got_n
    want_n=$(wc -l <"$WWW/$name.sha256")
    got_n=$(find "$OUT" -mindepth 1 | wc -l)
    echo "files differ from the manifest ($got_n entries in output, $want_n expected)"
    return 1
  fi
}

# verify_sluice_jsonl NAME JSONL: one record per URL, all "done", each with
# the expected sha256, bytes and path.
verify_sluice_jsonl() {
  local name=$1 jsonl=$2 base="http://127.0.0.1:$PORT/$name/"
  local bad
  bad=$(jq -rs --arg base "$base" --arg out "$OUT" --rawfile manifest "$WWW/$name.sha256" '
      ($manifest | split("\n") | map(select(length > 0) | split("  ") | {key: .[1], value: .[0]}) | from_entries) as $want
      | (if length != ($want | length) then ["\(length) records for \($want | length) URLs"] else [] end)
      + [ .[] | (.url | ltrimstr($base)) as $f
          | if .state != "done" then "\($f): state \(.state) \(.error // "")"
            elif $want[$f] == null then "\($f): unexpected URL \(.url)"
            elif .sha256 != $want[$f] then "\($f): sha256 \(.sha256) != \($want[$f])"
            elif .path != ($out + "/" + $f) then "\($f): path \(.path)"
            else empty end ]
      + ([ .[] | .url ] | group_by(.) | map(select(length > 1) | "\(.[0]): \(length) records"))
      | .[:5][]' "$jsonl" 2>&1) || bad="unreadable JSONL: $bad"
  if [[ -n $bad ]]; then echo "$bad"; return 1; fi
  local sizes
  sizes=$(jq -r '.bytes' "$jsonl" | sort -u)
  workload_params "$name"
  if [[ $sizes != "$W_SIZE" ]]; then echo "bytes fields: $(echo "$sizes" | head -3 | tr '\n' ' ')"; return 1; fi
}

# run_one NAME TOOL ROUND: prints "wall user sys maxrss_kb" or "FAILED reason".
run_one() {
  local name=$1 tool=$2 round=$3 lists=$RUNDIR/$1
  local logdir=$RUNDIR/logs/$name-$tool-$round
  rm -rf "$OUT" "$logdir"
  mkdir -p "$OUT" "$logdir"
  sync
  sleep "$PAUSE"
  wait_for_quiet
  local cmd=()
  case $tool in
    sluice) cmd=("$SLUICE" --headless -j "$JOBS" --per-host "$JOBS" -o "$OUT" -i "$lists/urls.txt") ;;
    curl)   cmd=(curl -s -Z --parallel-max "$JOBS" -K "$lists/curl.cfg") ;;
    aria2c) cmd=(aria2c -q -Z -j "$JOBS" -x 1 --file-allocation=none --allow-overwrite=true
                 -d "$OUT" -i "$lists/aria2.list") ;;
    *) die "unknown tool $tool" ;;
  esac
  local wrap=()
  if [[ $INSTRUCTIONS == 1 ]]; then
    wrap=(perf stat -x, -e instructions -o "$logdir/perf" --)
  fi
  local rc=0 t0 t1
  # GNU time gives CPU and peak RSS; its %e has only 10 ms resolution, so
  # wall time comes from the shell clock (adds ~2 ms of fork/exec).
  t0=$EPOCHREALTIME
  timeout -k 5 "$RUN_TIMEOUT" /usr/bin/time -f '%e %U %S %M' -o "$logdir/time" \
    "${wrap[@]}" "${cmd[@]}" >"$logdir/stdout" 2>"$logdir/stderr" </dev/null || rc=$?
  t1=$EPOCHREALTIME
  local why=""
  if ((rc != 0)); then
    why="exit status $rc"
  elif ! why=$(verify_files "$name"); then
    :
  elif [[ $tool == sluice ]] && ! why=$(verify_sluice_jsonl "$name" "$logdir/stdout"); then
    :
  else
    why=""
  fi
  if [[ -n $why ]]; then
    echo "FAILED ${why//$'\n'/; }"
    return
  fi
  local user sys rss instr=-
  read -r _ user sys rss < <(tail -1 "$logdir/time")
  if [[ $INSTRUCTIONS == 1 ]]; then
    instr=$(awk -F, '$3 ~ /^instructions/ && $1 ~ /^[0-9]+$/ {print $1}' "$logdir/perf")
    instr=${instr:--}
  fi
  awk -v a="$t0" -v b="$t1" -v u="$user" -v s="$sys" -v m="$rss" -v i="$instr" \
    'BEGIN { printf "%.4f %s %s %s %s\n", b - a, u, s, m, i }'
  rm -rf "$logdir"
}

median() { # numbers on stdin -> median
  sort -g | awk '{a[NR]=$1} END {if (NR == 0) exit 1; if (NR % 2) print a[(NR+1)/2]; else printf "%.6g\n", (a[NR/2] + a[NR/2+1]) / 2}'
}

# ----------------------------------------------------------------- main ----

[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer"
ensure_tools
if [[ -z $INSTRUCTIONS ]]; then
  # Only where the CPU's counters are visible (not in most VMs).
  if command -v perf >/dev/null &&
     perf stat -x, -e instructions -- true 2>&1 >/dev/null | grep -q '^[0-9][0-9]*,'; then
    INSTRUCTIONS=1
  else
    INSTRUCTIONS=0
  fi
fi
ensure_sluice
mkdir -p "$WORK" "$WWW" "$RUNDIR"
fstype=$(stat -f -c %T "$WORK")
[[ $fstype == tmpfs ]] || log "warning: $WORK is on $fstype, not tmpfs: the disk will be part of what is measured"

for w in $WORKLOADS; do
  workload_params "$w"
  make_set "$w" "$W_COUNT" "$W_SIZE"
done
start_nginx
for w in $WORKLOADS; do make_lists "$w"; done
rm -rf "$RUNDIR/logs" "$RUNDIR/busy-runs"
RAW=$RUNDIR/raw.tsv
: >"$RAW"

read -r -a tool_list <<<"$TOOLS"
ntools=${#tool_list[@]}
any_failed=0
for w in $WORKLOADS; do
  workload_params "$w"
  log "$w ($(describe_workload "$W_COUNT" "$W_SIZE")): $ROUNDS round(s) x ${tool_list[*]}, -j $JOBS"
  for ((r = 1; r <= ROUNDS; r++)); do
    # Rotate the order each round so no tool always goes first.
    for ((k = 0; k < ntools; k++)); do
      t=${tool_list[$(((k + r - 1) % ntools))]}
      res=$(run_one "$w" "$t" "$r")
      if [[ $res == FAILED* ]]; then
        any_failed=1
        log "  $w $t round $r: $res (logs in $RUNDIR/logs/$w-$t-$r)"
      else
        read -r wall user sys rss instr <<<"$res"
        log "  $w $t round $r: ${wall}s wall, $(awk -v u="$user" -v s="$sys" 'BEGIN{print u+s}')s CPU, $((rss / 1024)) MiB$([[ $instr == - ]] || echo ", $instr instructions")"
      fi
      printf '%s\t%s\t%s\t%s\n' "$w" "$t" "$r" "$res" >>"$RAW"
    done
  done
done
rm -rf "$OUT"

# ---------------------------------------------------------------- table ----

declare -A MED_WALL MED_CPU MED_RSS OKRUNS MAX_WALL MED_INSTR
for w in $WORKLOADS; do
  for t in "${tool_list[@]}"; do
    ok=$(awk -F'\t' -v w="$w" -v t="$t" '$1 == w && $2 == t && $4 !~ /^FAILED/' "$RAW")
    OKRUNS[$w.$t]=$(printf '%s' "$ok" | grep -c . || true)
    if [[ -z $ok ]]; then continue; fi
    MED_WALL[$w.$t]=$(awk -F'\t' '{split($4, a, " "); print a[1]}' <<<"$ok" | median)
    MED_CPU[$w.$t]=$(awk -F'\t' '{split($4, a, " "); print a[2] + a[3]}' <<<"$ok" | median)
    MED_RSS[$w.$t]=$(awk -F'\t' '{split($4, a, " "); print a[4]}' <<<"$ok" | median)
    MAX_WALL[$w.$t]=$(awk -F'\t' '{split($4, a, " "); print a[1]}' <<<"$ok" | sort -g | tail -1)
    MED_INSTR[$w.$t]=$(awk -F'\t' '{split($4, a, " "); if (a[5] ~ /^[0-9]+$/) print a[5] / 1e9}' <<<"$ok" | median || true)
  done
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

TABLE=$RUNDIR/table.md
TARGETS=$RUNDIR/targets.md
{
  if [[ $INSTRUCTIONS == 1 ]]; then
    icol=" Instructions ×10⁹ (median) |"; isep="---:|"
  else
    icol=""; isep=""
  fi
  echo "| Workload | Tool | OK runs | Wall s (median) | Wall s (max) | CPU s (median) |$icol Peak RSS MiB (median) | Throughput MB/s | Sluice/curl |"
  echo "|---|---|---:|---:|---:|---:|$isep---:|---:|---|"
  for w in $WORKLOADS; do
    workload_params "$w"
    total=$((W_COUNT * W_SIZE))
    for t in "${tool_list[@]}"; do
      okn=${OKRUNS[$w.$t]:-0}
      if [[ -z ${MED_WALL[$w.$t]:-} ]]; then
        echo "| $w $(describe_workload "$W_COUNT" "$W_SIZE") | $t | $okn/$ROUNDS | FAILED | | |${icol:+ |} | | |"
        continue
      fi
      wall=${MED_WALL[$w.$t]}
      cmp=""
      if [[ $t == sluice && -n ${MED_WALL[$w.curl]:-} ]]; then
        if [[ $w == W1 ]]; then
          cmp="wall $(ratio "$wall" "${MED_WALL[$w.curl]}")×, throughput $(ratio "${MED_WALL[$w.curl]}" "$wall")×"
        else
          cmp="wall $(ratio "$wall" "${MED_WALL[$w.curl]}")×"
        fi
      fi
      instr=""
      if [[ $INSTRUCTIONS == 1 ]]; then
        instr=" ${MED_INSTR[$w.$t]:-n/a} |"
        [[ -n ${MED_INSTR[$w.$t]:-} ]] && instr=" $(printf '%.2f' "${MED_INSTR[$w.$t]}") |"
      fi
      printf '| %s %s | %s | %s/%s | %.3f | %.3f | %.3f |%s %.1f | %.0f | %s |\n' \
        "$w" "$(describe_workload "$W_COUNT" "$W_SIZE")" "$t" "$okn" "$ROUNDS" \
        "$wall" "${MAX_WALL[$w.$t]}" "${MED_CPU[$w.$t]}" "$instr" "$(awk -v k="${MED_RSS[$w.$t]}" 'BEGIN{print k/1024}')" \
        "$(awk -v b="$total" -v s="$wall" 'BEGIN{print (s > 0 ? b / s / 1e6 : 0)}')" "$cmp"
    done
  done
} >"$TABLE"

missed=0
{
  echo "| Target | Measured | Met |"
  echo "|---|---|---|"
  for w in $WORKLOADS; do
    s=${MED_WALL[$w.sluice]:-}; c=${MED_WALL[$w.curl]:-}
    case $w in
      W2) goal="W2: Sluice wall ≤ 0.80 × curl"; lim=0.80 ;;
      W3) goal="W3: Sluice wall ≤ 1.00 × curl"; lim=1.00 ;;
      W1) goal="W1: Sluice throughput ≥ 0.95 × curl"; lim=0.95 ;;
    esac
    if [[ -z $s || -z $c ]]; then
      echo "| $goal | n/a (a tool failed or was not run) | no |"; missed=1; continue
    fi
    if [[ $w == W1 ]]; then
      val=$(ratio "$c" "$s"); met=$(awk -v v="$val" -v l="$lim" 'BEGIN{print (v >= l) ? "yes" : "no"}')
      echo "| $goal | ${val}× | $met |"
    else
      val=$(ratio "$s" "$c"); met=$(awk -v v="$val" -v l="$lim" 'BEGIN{print (v <= l) ? "yes" : "no"}')
      echo "| $goal | ${val}× | $met |"
    fi
    [[ $met == yes ]] || missed=1
  done
} >"$TARGETS"

cpu_model=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
HEADER=$RUNDIR/header.md
{
  echo "Run $(date -u '+%Y-%m-%d %H:%M UTC') on $(nproc) × ${cpu_model:-unknown CPU}, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM, $(uname -sr)."
  echo "Sluice $SLUICE_REV (as built when the run started),"
  echo "$(curl --version | head -1 | cut -d' ' -f1-2), aria2c $(aria2c --version | head -1 | awk '{print $3}'), nginx $("$NGINX" -v 2>&1 | sed 's|.*/||') ($NGINX_WORKERS worker),"
  echo "-j $JOBS, $ROUNDS round(s)$([[ $QUICK == 1 ]] && echo ', QUICK=1 (smoke sizes)' || true); files served from and written to tmpfs. MB = 10⁶ bytes."
  if [[ $INSTRUCTIONS == 1 ]]; then
    echo "Instructions (user+kernel, \`perf stat\`) hardly move with other load on the machine: compare those when wall and CPU times are noisy."
  fi
  busy=$(wc -l <"$RUNDIR/busy-runs" 2>/dev/null || echo 0)
  if ((busy > 0)); then
    echo "**$busy run(s) started while the machine was busy with other work (< ${QUIET_IDLE}% idle after ${QUIET_WAIT} s): treat the figures with care.**"
  fi
} >"$HEADER"

{ echo; cat "$HEADER"; echo; cat "$TABLE"; echo; cat "$TARGETS"; echo; } >&2

mkdir -p "$(dirname "$RESULTS")"
{
  echo "# Sluice vs curl vs aria2c (tests/bench/run-peers.sh)"
  echo
  cat "$HEADER"
  echo
  cat "$TABLE"
  echo
  cat "$TARGETS"
} >"$RESULTS"
log "wrote $RESULTS"

README=$SCRIPT_DIR/README.md
if [[ $UPDATE_README == 1 && -f $README ]] && grep -q '<!-- results:begin -->' "$README"; then
  block=$RUNDIR/readme-block.md
  { echo '<!-- results:begin -->'; cat "$HEADER"; echo; cat "$TABLE"; echo; cat "$TARGETS"; echo '<!-- results:end -->'; } >"$block"
  awk -v blockfile="$block" '
    /<!-- results:begin -->/ { while ((getline line < blockfile) > 0) print line; skip = 1; next }
    /<!-- results:end -->/ { skip = 0; next }
    !skip { print }' "$README" >"$README.tmp" && mv "$README.tmp" "$README"
  log "updated the results in $README"
fi

if ((any_failed)); then exit 1; fi
if [[ $STRICT == 1 ]] && ((missed)); then exit 3; fi
exit 0
