#!/usr/bin/env bash
# The import (issue 14's "100 MB/s, within 2x of gzip -1") of this build
# against another tracediff, interleaved: each round runs gzip -1, the old
# import and the new one on the same log, in a fresh random order, so that
# the load of a shared machine falls on all three alike (scale.sh runs one
# build's whole table, then the other's, minutes apart). Prints per log the
# median wall time of each over the rounds, the new import's MB/s and its
# ratio to gzip -1, and the median of the per-round ratios new/old, of the
# wall time and of the CPU time (user + system: the import runs at the CPU
# floor of two cores, so its CPU time is the work done, which a loaded
# machine's scheduling disturbs less than the wall time).
#
#   bench/import_ab.sh OLD_TRACEDIFF [BUILD_DIR]   (default build/)
#   ROUNDS=N (default 9); LOGS="one five short server": the logs of
#   bench/scale.sh, from $BENCH_DIR (default build-bench/scale; run
#   bench/scale.sh once to record them).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/ab_lib.sh
ab_setup bench/import_ab.sh "$@"
ROUNDS=${ROUNDS:-9}
LOGS=${LOGS:-one five short server}

wall() {  # CMD...: prints the wall time and the CPU time (user + system) in seconds
  /usr/bin/time -f '%e %U %S' -o "$tmp/time" "$@" >/dev/null 2>&1 || { echo "bench/import_ab.sh: failed: $*" >&2; exit 1; }
  awk '{ printf "%.4f %.4f\n", $1, $2 + $3 }' "$tmp/time"
}

echo "| log | MB | gzip -1 | import old | import new | new MB/s | new / gzip -1 | new / old (median of rounds) | CPU new / old (median of rounds) |"
echo "|---|---|---|---|---|---|---|---|---|"
for log in $LOGS; do
  f=$W/$log-good.log
  [ -s "$f" ] || { echo "bench/import_ab.sh: no $f: run bench/scale.sh once to record the logs" >&2; exit 2; }
  : >"$tmp/gzip" && : >"$tmp/old" && : >"$tmp/new" && : >"$tmp/ratio" && : >"$tmp/cpu"
  for ((r = 0; r < ROUNDS; r++)); do
    declare -A t=() c=()
    for v in $(printf '%s\n' gzip old new | shuf); do
      rm -f "$tmp/out.trace"
      case $v in
        gzip) read -r t[$v] c[$v] < <(wall gzip -1 -c "$f") ;;
        old) read -r t[$v] c[$v] < <(wall "$old" import "$f" -o "$tmp/out.trace") ;;
        new) read -r t[$v] c[$v] < <(wall "$new" import "$f" -o "$tmp/out.trace") ;;
      esac
      echo "${t[$v]}" >>"$tmp/$v"
    done
    awk -v a="${t[new]}" -v b="${t[old]}" 'BEGIN { printf "%.4f\n", a / b }' >>"$tmp/ratio"
    awk -v a="${c[new]}" -v b="${c[old]}" 'BEGIN { printf "%.4f\n", a / b }' >>"$tmp/cpu"
    unset t c
  done
  bytes=$(stat -c %s "$f")
  g=$(median <"$tmp/gzip") o=$(median <"$tmp/old") n=$(median <"$tmp/new") q=$(median <"$tmp/ratio") k=$(median <"$tmp/cpu")
  awk -v l="$log" -v b="$bytes" -v g="$g" -v o="$o" -v n="$n" -v q="$q" -v k="$k" \
    'BEGIN { printf "| %s | %.0f | %.3f s | %.3f s | %.3f s | %.0f | %.2fx | %.2f | %.2f |\n", l, b / 1e6, g, o, n, b / n / 1e6, n / g, q, k }'
done
echo "rounds: $ROUNDS; load: $(cut -d' ' -f1-3 /proc/loadavg); $(date -u '+%F %H:%M UTC')"
echo "targets: import >= 100 MB/s and <= 2x gzip -1"
