#!/usr/bin/env bash
# The deterministic side of bench/record.sh: how many system calls each
# tracer makes to trace the same workload (counted with strace -c on the
# tracer alone; -f would make strace the tracee's tracer). Timings on a
# shared machine swing by 2-3x; these counts do not.
#   rawptrace (the floor) | strace -f | strace --seccomp-bpf (same set) |
#   tracediff record --all | tracediff record
#
# Usage: bench/record_syscalls.sh [BUILD_DIR] (default build/)
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH_NAME=bench/record_syscalls.sh
source bench/record-setup.sh "${1:-build}"

declare -A tracers=(
  [rawptrace]="$raw"
  [strace]="strace -f -o /dev/null"
  [strace-seccomp]="strace -f --seccomp-bpf -e trace=!$excluded -o /dev/null"
  [record-all]="$td record --all --force -o $out/t.trace --"
  [record]="$td record --force -o $out/t.trace --"
)
echo "tracer system calls (strace -c on the tracer), $(date -u +%FT%TZ)"
for w in "${order[@]}"; do
  for t in rawptrace strace strace-seccomp record-all record; do
    eval "strace -c -o $out/$w-$t.txt ${tracers[$t]} ${workloads[$w]}" >/dev/null 2>"$out/err" || {
      cat "$out/err" >&2
      exit 1
    }
  done
  python3 - "$w" "$out" <<'PY'
import sys
w, d = sys.argv[1], sys.argv[2]
def count(t):
    c = {}
    for line in open(f"{d}/{w}-{t}.txt"):
        f = line.split()
        if len(f) >= 5 and f[0][0].isdigit() and f[-1] != "total":
            c[f[-1]] = int(f[3])
    return c
n = {t: count(t) for t in ("rawptrace", "strace", "strace-seccomp", "record-all", "record")}
tot = {t: sum(c.values()) for t, c in n.items()}
print(f"\n== {w}: " + " ".join(f"{t} {tot[t]}" for t in tot))
for t in ("record-all", "record"):
    print(f"   {t:10}: " + " ".join(f"{k} {n[t].get(k, 0)}" for k in ("wait4", "ptrace", "process_vm_readv", "write")))
print(f"  record --all / rawptrace      = {tot['record-all'] / tot['rawptrace']:5.2f}x calls")
print(f"  record --all / strace -f      = {tot['record-all'] / tot['strace']:5.2f}x calls")
print(f"  record / strace --seccomp-bpf = {tot['record'] / tot['strace-seccomp']:5.2f}x calls")
PY
done
