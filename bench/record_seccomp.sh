#!/usr/bin/env bash
# What a program's own seccomp filter costs the recorder (issue 18). Each
# workload of bench/record.sh runs under tests/record/programs/seccomp_deny,
# which installs a libseccomp filter (it denies only swapoff) and execs the
# workload: from its first call on, every task is under a filter of its
# own, so the recorder stops it at every call (PTRACE_SYSCALL) and, for the
# calls its own filter selects, at a seccomp stop as well. Side by side in
# one hyperfine run per workload:
#   untraced | rawptrace (the floor) | strace -f | tracediff record --all
#   | tracediff record (filtered program) | tracediff record (the same
#   workload without the sandbox: the usual default mode)
# and the ratios: what the sandbox costs the default mode, and how far the
# filtered default mode is from --all and from strace -f on the same program.
# Then the deterministic side (timings on a shared machine swing): how many
# stops each recording takes (the recorder's wait4 calls, counted with
# strace -c on the recorder alone).
#
# Usage: bench/record_seccomp.sh [BUILD_DIR] (default build/); RUNS=N.
# Needs the test programs built (cmake --build BUILD_DIR --target rec_seccomp_deny).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-10}
command -v hyperfine >/dev/null || { echo "bench/record_seccomp.sh: hyperfine not installed" >&2; exit 2; }
BENCH_NAME=bench/record_seccomp.sh
source bench/record-setup.sh "${1:-build}"
wrap="$PWD/${1:-build}/tests/record/programs/seccomp_deny"
[ -x "$wrap" ] || { echo "$BENCH_NAME: build the test programs first ($wrap)" >&2; exit 2; }
sandbox="$wrap allow swapoff --exec"

echo "tracediff record under a program's own seccomp filter: $(date -u +%FT%TZ), $(nproc) cpus, kernel $(uname -r), $runs runs"
for w in "${order[@]}"; do
  cmd=${workloads[$w]}
  hyperfine -N --warmup 2 --runs "$runs" --style none --export-json "$out/$w.json" \
    -n untraced "$sandbox $cmd" \
    -n rawptrace "$raw $sandbox $cmd" \
    -n strace "strace -f -o /dev/null $sandbox $cmd" \
    -n record-all "$td record --all --force -o $out/t.trace -- $sandbox $cmd" \
    -n record-filtered "$td record --force -o $out/t.trace -- $sandbox $cmd" \
    -n record-plain "$td record --force -o $out/t.trace -- $cmd" >/dev/null 2>"$out/$w.err" || {
      cat "$out/$w.err" >&2
      exit 1
    }
  # The filtered recording did switch (a check, not a figure).
  "$td" record --force -o "$out/check.trace" -- $sandbox sh -c true 2>/dev/null
  head -1 "$out/check.trace" | grep -q '"seccomp.installed":"1"' || {
    echo "$BENCH_NAME: the sandboxed program was not noticed installing its filter" >&2
    exit 1
  }
  python3 - "$w" "$out/$w.json" <<'PY'
import json, statistics, sys
name, path = sys.argv[1], sys.argv[2]
results = json.load(open(path))["results"]
med = {r["command"]: statistics.median(r["times"]) for r in results}
cpu = {r["command"]: r["user"] + r["system"] for r in results}
keys = ("untraced", "rawptrace", "strace", "record-all", "record-filtered", "record-plain")
print(f"\n== {name}: median wall (s): " + " ".join(f"{k} {med[k]:.4f}" for k in keys))
print(f"   mean cpu (s):        " + " ".join(f"{k} {cpu[k]:.4f}" for k in keys))
for label, a, b in (("record filtered / record plain ", "record-filtered", "record-plain"),
                    ("record filtered / record --all", "record-filtered", "record-all"),
                    ("record filtered / strace -f   ", "record-filtered", "strace"),
                    ("record filtered / rawptrace   ", "record-filtered", "rawptrace")):
    print(f"  {label} = {med[a] / med[b]:5.2f}x wall, {cpu[a] / cpu[b]:5.2f}x cpu")
PY
done

echo
echo "stops (wait4 calls of the recorder, strace -c on it), $(date -u +%FT%TZ)"
for w in "${order[@]}"; do
  cmd=${workloads[$w]}
  declare -A runs_of=(
    [record-all]="$td record --all --force -o $out/t.trace -- $sandbox $cmd"
    [record-filtered]="$td record --force -o $out/t.trace -- $sandbox $cmd"
    [record-plain]="$td record --force -o $out/t.trace -- $cmd"
  )
  for t in record-all record-filtered record-plain; do
    eval "strace -c -o $out/$w-$t.txt ${runs_of[$t]}" >/dev/null 2>"$out/err" || { cat "$out/err" >&2; exit 1; }
  done
  python3 - "$w" "$out" <<'PY'
import sys
w, d = sys.argv[1], sys.argv[2]
def wait4(t):
    for line in open(f"{d}/{w}-{t}.txt"):
        f = line.split()
        if len(f) >= 5 and f[-1] == "wait4":
            return int(f[3])
    return 0
n = {t: wait4(t) for t in ("record-all", "record-filtered", "record-plain")}
print(f"== {w}: stops: " + " ".join(f"{t} {v}" for t, v in n.items()) +
      f"; filtered / plain {n['record-filtered'] / n['record-plain']:.2f}x, filtered / --all {n['record-filtered'] / n['record-all']:.2f}x")
PY
done
