#!/usr/bin/env bash
# Several good runs (issue 13): what each extra good run costs. Records one
# program of about 200,000 events (ls -lR over /usr/share, under strace)
# five times as good runs and once as a bad run with a few hundred injected
# failures, then times `tracediff diff` with 1, 3 and 5 good runs side by
# side (wall time and peak memory) and prints each against the 1-good run.
#   bench/multi.sh [BUILD_DIR]      (default: build)
# The bound to meet: each extra good run costs at most about one trace's
# memory (diff_runs reads the other runs one at a time, so peak memory
# should stay near two diffs' whatever the number of runs).
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}
TD=$B/cli/tracediff
[ -x "$TD" ] || { echo "build first: cmake --build $B --target tracediff"; exit 2; }
command -v strace >/dev/null || { echo "SKIP: strace not installed"; exit 77; }
W=${BENCH_DIR:-$(mktemp -d /tmp/tracediff-bench-multi-XXXXXX)}
mkdir -p "$W"

# ~200k calls: lstat, getxattr, getdents, write for every file of /usr/share.
for i in 1 2 3 4 5 6; do
  [ -s "$W/run$i.log" ] || strace -f -o "$W/run$i.log" ls -lR /usr/share >/dev/null 2>&1 || true
done
# The bad run: every 2000th successful call fails with EACCES.
awk 'NR % 2000 == 0 && / = 0$/ { sub(/ = 0$/, " = -1 EACCES (Permission denied)") } { print }' "$W/run6.log" >"$W/bad.log"
for i in 1 2 3 4 5; do "$TD" import "$W/run$i.log" -o "$W/good.$i.trace" --force 2>/dev/null; done
"$TD" import "$W/bad.log" -o "$W/bad.trace" --force 2>/dev/null
echo "events per run: $(wc -l <"$W/run1.log") (good.1), $(wc -l <"$W/bad.log") (bad)"

measure() {  # NAME CMD...: prints "wall_s peak_kib"
  local out=$W/$1.time
  shift
  /usr/bin/time -v "$@" >"$W/out.tmp" 2>"$out" || true
  local wall kib
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$out")
  kib=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$out")
  echo "$wall $kib"
}

goods() { local n=$1 i; for ((i = 1; i <= n; i++)); do echo "$W/good.$i.trace"; done; }
printf '%-8s %10s %12s %12s %12s\n' "good" "wall s" "peak MiB" "wall ratio" "peak ratio"
base_wall= base_kib=
for n in 1 3 5; do
  mapfile -t gs < <(goods "$n")
  read -r wall kib < <(measure "good$n" "$TD" diff "${gs[@]}" "$W/bad.trace" --format json -o "$W/diff.$n.json" --force)
  [ -n "$base_wall" ] || { base_wall=$wall; base_kib=$kib; }
  awk -v n="$n" -v w="$wall" -v k="$kib" -v bw="$base_wall" -v bk="$base_kib" 'BEGIN {
    printf "%-8s %10.2f %12d %12.2f %12.2f\n", n, w, k / 1024, (bw > 0 ? w / bw : 0), (bk > 0 ? k / bk : 0) }'
done
echo "trace size: $(du -k "$W/good.1.trace" | cut -f1) KiB on disk; work files in $W"
