#!/usr/bin/env bash
# Diff benchmark (issue 4): two real strace recordings of >= 1,000,000
# events each, the second with a few hundred injected differences, diffed
# end to end (load both traces, normalize, match, align, rank, write JSON),
# next to GNU diff on the same traces as text (`tracediff show` output).
#   bench/diff.sh [BUILD_DIR]      (default: build)
# Prints wall time and peak memory of each and the ratio. Targets: < 10 s
# and < 2 GiB for tracediff.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}
TD=$B/cli/tracediff
DT=$B/bench/diff_traces
[ -x "$TD" ] && [ -x "$DT" ] || { echo "build first: cmake --build $B --target tracediff diff_traces"; exit 2; }
W=${BENCH_DIR:-$(mktemp -d /tmp/tracediff-bench-XXXXXX)}
mkdir -p "$W"

# A workload of one big process: ls -lR over /usr twice is ~1.1M calls
# (lstat, getxattr, getdents, write ...), the shape of a real failing run.
record() {
  [ -s "$W/$1.log" ] || strace -f -o "$W/$1.log" ls -lR /usr /usr >/dev/null 2>&1 || true
}
record run1
record run2
# Inject differences into the second recording: every 4000th successful
# call fails with EACCES, every 5000th line disappears (a few hundred each).
awk 'NR % 4000 == 0 && / = 0$/ { sub(/ = 0$/, " = -1 EACCES (Permission denied)") }
     NR % 5000 == 1 && NR > 1 { next } { print }' "$W/run2.log" >"$W/bad.log"
"$TD" import "$W/run1.log" -o "$W/good.trace" --force 2>/dev/null
"$TD" import "$W/bad.log" -o "$W/bad.trace" --force 2>/dev/null
"$TD" show -s 0 "$W/good.trace" >"$W/good.txt"
"$TD" show -s 0 "$W/bad.trace" >"$W/bad.txt"
echo "events: good $(wc -l <"$W/good.txt")  bad $(wc -l <"$W/bad.txt")"

measure() {  # NAME CMD...: prints "wall_s peak_kib"
  local out=$W/$1.time
  shift
  /usr/bin/time -v "$@" >"$W/out.tmp" 2>"$out" || true
  local wall kib
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$out")
  kib=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$out")
  echo "$wall $kib"
}

read -r td_wall td_kib < <(measure tracediff "$DT" --summary "$W/good.trace" "$W/bad.trace")
summary=$(cat "$W/out.tmp")
read -r gd_wall gd_kib < <(measure gnudiff diff "$W/good.txt" "$W/bad.txt")
"$DT" "$W/good.trace" "$W/bad.trace" >"$W/diff.json" || true
echo "tracediff: $summary"
echo "tracediff diff (load+normalize+diff+rank): ${td_wall} s, peak $((td_kib / 1024)) MiB"
echo "GNU diff on the show text:                 ${gd_wall} s, peak $((gd_kib / 1024)) MiB"
awk -v a="$td_wall" -v b="$gd_wall" 'BEGIN { printf "ratio tracediff / GNU diff (wall): %.2f\n", (b > 0 ? a / b : 0) }'
awk -v a="$td_wall" -v k="$td_kib" 'BEGIN {
  printf "targets: wall < 10 s: %s, peak < 2 GiB: %s\n", (a < 10 ? "met" : "MISSED"), (k < 2097152 ? "met" : "MISSED") }'
echo "work files in $W"
