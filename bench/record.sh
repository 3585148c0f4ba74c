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
build=${1:-build}
runs=${RUNS:-10}
td="$PWD/$build/cli/tracediff"
[ -x "$td" ] || { echo "bench/record.sh: build tracediff first ($td)" >&2; exit 2; }
command -v hyperfine >/dev/null || { echo "bench/record.sh: hyperfine not installed" >&2; exit 2; }

# rawptrace.c lives in the shared folder next to the clone (CI: <clone>/../shared/bench).
raw_src=""
for c in ../shared/bench/rawptrace.c /work/shared/bench/rawptrace.c; do
  [ -f "$c" ] && raw_src=$c && break
done
[ -n "$raw_src" ] || { echo "bench/record.sh: rawptrace.c not found" >&2; exit 2; }
mkdir -p build-bench
cc -O2 -o build-bench/rawptrace "$raw_src"
raw="$PWD/build-bench/rawptrace"

excluded=$("$td" record --list-default-excluded)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

declare -A workloads=(
  [find]="find /usr/include -name '*.h'"
  [forkexec]="sh -c 'for i in \$(seq 300); do /bin/true; done'"
  [python]="python3 -c 'import json, email'"
)
order=(find forkexec python)

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
res = {r["command"]: statistics.median(r["times"]) for r in json.load(open(path))["results"]}
u, raw, st, sts, ra, rd = (res[k] for k in ("untraced", "rawptrace", "strace", "strace-seccomp", "record-all", "record"))
def ok(b): return "ok" if b else "MISSED"
print(f"\n== {name}: medians (s) untraced {u:.4f} rawptrace {raw:.4f} strace {st:.4f} "
      f"strace-seccomp {sts:.4f} record-all {ra:.4f} record {rd:.4f}")
print(f"  record --all / rawptrace      = {ra / raw:5.2f}x  (target <= 1.10) {ok(ra / raw <= 1.10)}")
print(f"  record --all / strace -f      = {ra / st:5.2f}x  (target <= 1.00) {ok(ra <= st)}")
print(f"  record / strace --seccomp-bpf = {rd / sts:5.2f}x  (target <= 1.00) {ok(rd <= sts)}")
print(f"  record / untraced             = {rd / u:5.2f}x")
PY
done
