#!/bin/sh
# Builds the libFuzzer targets in _build-fuzz (clang, ASan+UBSan) and runs
# each for a while.
#
#   tests/fuzz/run.sh [SECONDS] [TARGET…]
#
# SECONDS defaults to 60 per target; TARGET is url-list, filename or
# html-extractor (default: all).  New inputs go to _build-fuzz/corpus/TARGET
# (the seeds in tests/fuzz/corpus/TARGET are read, never written); a crash
# leaves _build-fuzz/artifacts/TARGET-crash-… and makes the script fail.
# Reproduce one with: _build-fuzz/tests/fuzz/fuzz-TARGET FILE
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -eu

seconds=${1:-60}
[ $# -gt 0 ] && shift
targets=${*:-url-list filename html-extractor}

src=$(cd "$(dirname "$0")/../.." && pwd)
build="$src/_build-fuzz"

if [ ! -f "$build/build.ninja" ]; then
  CC=${CC:-clang} meson setup "$build" "$src" -Dfuzzing=true -Dbuildtype=debugoptimized
fi
if ! meson introspect "$build" --buildoptions | grep -q '"name": "fuzzing", "value": true'; then
  meson configure "$build" -Dfuzzing=true >/dev/null
fi
for t in $targets; do
  meson compile -C "$build" "tests/fuzz/fuzz-$t"
done

mkdir -p "$build/artifacts"
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:allocator_may_return_null=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}"
export G_SLICE=always-malloc

status=0
for t in $targets; do
  mkdir -p "$build/corpus/$t"
  case $t in
    html-extractor) max_len=65536 ;;
    url-list) max_len=16384 ;;
    *) max_len=4096 ;;
  esac
  echo "== fuzz-$t for ${seconds}s"
  if ! "$build/tests/fuzz/fuzz-$t" \
      -max_total_time="$seconds" \
      -max_len="$max_len" \
      -timeout=20 \
      -rss_limit_mb=2048 \
      -print_final_stats=1 \
      -dict="$src/tests/fuzz/$t.dict" \
      -artifact_prefix="$build/artifacts/$t-" \
      "$build/corpus/$t" "$src/tests/fuzz/corpus/$t"; then
    echo "fuzz-$t found a problem: see $build/artifacts/" >&2
    status=1
  fi
done
exit $status
