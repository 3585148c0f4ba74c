#!/usr/bin/env bash
# The diff (issue 14's "1M x 1M under 10 s and 1 GiB") of this build
# against another tracediff, interleaved: each mix's 1M good and bad logs
# of bench/scale.sh are imported once (by this build), then each round runs
# GNU diff of the logs (the yardstick), the old `tracediff diff --format
# json` and the new one, in a fresh random order, so that the load of a
# shared machine falls on all three alike. The first round also compares
# the two builds' JSON byte for byte: an optimisation must not change it.
# Prints per mix the median wall time and peak memory of each over the
# rounds, and the medians of the per-round ratios new/old of the wall time,
# the CPU time (user + system) and the peak.
#
#   bench/diff_ab.sh OLD_TRACEDIFF [BUILD_DIR]   (default build/)
#   ROUNDS=N (default 5); MIXES="one five short server"; SIZE=1000000; the
#   logs come from $BENCH_DIR (default build-bench/scale; run bench/scale.sh
#   once to record them).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/ab_lib.sh
ab_setup bench/diff_ab.sh "$@"
ROUNDS=${ROUNDS:-5}
MIXES=${MIXES:-one five short server}
SIZE=${SIZE:-1000000}

run() {  # OUT CMD...: prints wall s, CPU s (user + system), peak KiB; the exit status 1 of a diff is a finding
  local out=$1
  shift
  local rc=0
  /usr/bin/time -f '%e %U %S %M' -o "$tmp/time" "$@" >"$out" 2>"$tmp/err" || rc=$?
  if [ "$rc" -gt 1 ]; then
    echo "bench/diff_ab.sh: failed ($rc): $*" >&2
    cat "$tmp/err" >&2
    exit 1
  fi
  # time(1) writes "Command exited with non-zero status 1" first then.
  awk '$1 ~ /^[0-9.]+$/ { printf "%.4f %.4f %d\n", $1, $2 + $3, $4 }' "$tmp/time"
}

echo "| mix | GNU diff | old | new | new / old wall (median of rounds) | CPU new / old | peak new / old | JSON |"
echo "|---|---|---|---|---|---|---|---|"
for mix in $MIXES; do
  g=$W/$mix-$SIZE-good.log b=$W/$mix-$SIZE-bad.log
  for f in "$g" "$b"; do
    [ -s "$f" ] || { echo "bench/diff_ab.sh: no $f: run bench/scale.sh once to record the logs" >&2; exit 2; }
  done
  "$new" import "$g" -o "$tmp/good.trace" --force 2>/dev/null
  "$new" import "$b" -o "$tmp/bad.trace" --force 2>/dev/null
  for v in gnu old new; do : >"$tmp/$v.wall" && : >"$tmp/$v.peak"; done
  : >"$tmp/ratio" && : >"$tmp/cpu" && : >"$tmp/mem"
  same=unchecked
  for ((r = 0; r < ROUNDS; r++)); do
    declare -A t=() c=() m=()
    for v in $(printf '%s\n' gnu old new | shuf); do
      case $v in
        gnu) read -r t[$v] c[$v] m[$v] < <(run /dev/null diff "$g" "$b") ;;
        *) read -r t[$v] c[$v] m[$v] < <(run "$tmp/$v.json" "${!v}" diff --format json "$tmp/good.trace" "$tmp/bad.trace") ;;
      esac
      echo "${t[$v]}" >>"$tmp/$v.wall"
      echo "${m[$v]}" >>"$tmp/$v.peak"
    done
    if [ "$r" = 0 ]; then
      if cmp -s "$tmp/old.json" "$tmp/new.json"; then same=same; else same=DIFFERS; fi
    fi
    awk -v a="${t[new]}" -v b="${t[old]}" 'BEGIN { printf "%.4f\n", a / b }' >>"$tmp/ratio"
    awk -v a="${c[new]}" -v b="${c[old]}" 'BEGIN { printf "%.4f\n", a / b }' >>"$tmp/cpu"
    awk -v a="${m[new]}" -v b="${m[old]}" 'BEGIN { printf "%.4f\n", a / b }' >>"$tmp/mem"
    unset t c m
  done
  show() { awk -v w="$(median <"$tmp/$1.wall")" -v k="$(median <"$tmp/$1.peak")" 'BEGIN { printf "%.2f s, %.0f MiB", w, k / 1024 }'; }
  echo "| $mix | $(show gnu) | $(show old) | $(show new) | $(median <"$tmp/ratio") | $(median <"$tmp/cpu") | $(median <"$tmp/mem") | $same |"
  rm -f "$tmp/good.trace" "$tmp/bad.trace"
done
echo "events: $SIZE lines a side; rounds: $ROUNDS; load: $(cut -d' ' -f1-3 /proc/loadavg); $(date -u '+%F %H:%M UTC')"
echo "targets: diff of 1M x 1M < 10 s wall and < 1 GiB peak"
