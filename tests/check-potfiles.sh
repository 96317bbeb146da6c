#!/usr/bin/env bash
# Every source file with translatable strings must be listed in po/POTFILES.in,
# and every listed file must exist.
set -euo pipefail
cd "$1"
status=0
listed=$(grep -v '^#' po/POTFILES.in | sed '/^$/d')
for f in $listed; do
  [ -f "$f" ] || { echo "listed but missing: $f"; status=1; }
done
for f in $(grep -rlE '(_|N_|C_|g_dngettext) ?\(|translatable="yes"' src data --include='*.c' --include='*.ui' --include='*.in' | sort); do
  grep -qx "$f" <<<"$listed" || { echo "not in po/POTFILES.in: $f"; status=1; }
done
exit $status
