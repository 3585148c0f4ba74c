#!/usr/bin/env bash
# Recorder speed, side by side in one hyperfine run per workload:
#   untraced | rawptrace (the ptrace floor) | strace -f | strace -f --seccomp-bpf
#   (same call set as tracediff's default) | tracediff record --all | tracediff record
# Prints median ratios. Targets (issue 3): record --all <= 1.10x rawptrace and
# <= strace -f; record (default) <= strace --seccomp-bpf with the same set.
#
# Usage: bench/record.sh [BUILD_DIR] (default build/); RUNS=N to change runs.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-10}
command -v hyperfine >/dev/null || { echo "bench/record.sh: hyperfine not installed" >&2; exit 2; }
BENCH_NAME=bench/record.sh
source bench/record-setup.sh "${1:-build}"

echo "tracediff record benchmark: $(date -u +%FT%TZ), $(nproc) cpus, kernel $(uname -r), $runs runs"
for w in "${order[@]}"; do
  cmd=${workloads[$w]}
  hyperfine -N --warmup 2 --runs "$runs" --style none --export-json "$out/$w.json" \
    -n untraced "$cmd" \
    -n rawptrace "$raw $cmd" \
    -n strace "strace -f -o /dev/null $cmd" \
    -n strace-seccomp "strace -f --seccomp-bpf -e trace=!$excluded -o /dev/null $cmd" \
    -n record-all "$td record --all --force -o $out/t.trace -- $cmd" \
    -n record "$td record --force -o $out/t.trace -- $cmd" >/dev/null 2>"$out/$w.err" || {
      cat "$out/$w.err" >&2
      exit 1
    }
  python3 - "$w" "$out/$w.json" <<'PY'
import json, statistics, sys
name, path = sys.argv[1], sys.argv[2]
results = json.load(open(path))["results"]
med = {r["command"]: statistics.median(r["times"]) for r in results}
# CPU time (user+system of the tracer and the traced, hyperfine's means) is
# steadier than wall time on a shared machine: printed alongside.
cpu = {r["command"]: r["user"] + r["system"] for r in results}
keys = ("untraced", "rawptrace", "strace", "strace-seccomp", "record-all", "record")
def ok(b): return "ok" if b else "MISSED"
print(f"\n== {name}: median wall (s): " + " ".join(f"{k} {med[k]:.4f}" for k in keys))
print(f"   mean cpu (s):        " + " ".join(f"{k} {cpu[k]:.4f}" for k in keys))
for label, a, b, target in (("record --all / rawptrace     ", "record-all", "rawptrace", 1.10),
                            ("record --all / strace -f     ", "record-all", "strace", 1.00),
                            ("record / strace --seccomp-bpf", "record", "strace-seccomp", 1.00)):
    r = med[a] / med[b]
    print(f"  {label} = {r:5.2f}x wall, {cpu[a] / cpu[b]:5.2f}x cpu  (target <= {target:.2f}) {ok(r <= target)}")
print(f"  record / untraced             = {med['record'] / med['untraced']:5.2f}x wall")
PY
done
