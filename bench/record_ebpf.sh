#!/usr/bin/env bash
# The eBPF recorder's cost, side by side with ptrace and the untraced run,
# in one run (ratios, not seconds: the machine is shared):
#   1. call-heavy commands, one hyperfine run each: untraced | record
#      --backend ebpf | record (ptrace, default set). Targets (issue 16):
#      ebpf <= 1.3x untraced; ptrace costs what it costs.
#   2. a server under a local request loop (bench/pingpong.c: a process per
#      connection, 64-byte requests on the loopback): requests per second
#      untraced, launched under record --backend ebpf, and under ptrace.
#      Target: ebpf >= 90% of untraced.
# Usage: bench/record_ebpf.sh [BUILD_DIR]; RUNS=N, SECS=N (request loop).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
runs=${RUNS:-5}
secs=${SECS:-3}
td="$PWD/$build/cli/tracediff"
pp="$PWD/$build/bench/pingpong"
[ -x "$td" ] && [ -x "$pp" ] || { echo "bench/record_ebpf.sh: build tracediff and bench/pingpong first" >&2; exit 2; }
command -v hyperfine >/dev/null || { echo "bench/record_ebpf.sh: hyperfine not installed" >&2; exit 2; }
why=$("$td" record --backend ebpf -o /dev/null -- true 2>&1 >/dev/null | grep -- '--backend ebpf:' || true)
[ -z "$why" ] || { echo "bench/record_ebpf.sh: $why" >&2; exit 2; }
out=$(mktemp -d)
trap 'rm -rf "$out"; [ -z "${srv:-}" ] || kill "$srv" 2>/dev/null || true' EXIT

echo "eBPF recorder benchmark: $(date -u +%FT%TZ), $(nproc) cpus, kernel $(uname -r), $runs runs"
declare -A workloads=(
  [dd]="dd if=/dev/zero of=/dev/null bs=1 count=200000"
  [find]="find /usr -name '*.h'"
)
for w in dd find; do
  cmd=${workloads[$w]}
  hyperfine -N --warmup 1 --runs "$runs" --style none --export-json "$out/$w.json" \
    -n untraced "$cmd" \
    -n ebpf "$td record --backend ebpf --force -o $out/t.trace -- $cmd" \
    -n ptrace "$td record --force -o $out/t.trace -- $cmd" >/dev/null 2>"$out/$w.err" || { cat "$out/$w.err" >&2; exit 1; }
  python3 - "$w" "$cmd" "$out/$w.json" <<'PY'
import json, statistics, sys
name, cmd, path = sys.argv[1:4]
res = {r["command"]: r for r in json.load(open(path))["results"]}
med = {k: statistics.median(r["times"]) for k, r in res.items()}
cpu = {k: r["user"] + r["system"] for k, r in res.items()}
r = med["ebpf"] / med["untraced"]
print(f"\n== {name} ({cmd}): median wall (s): " + " ".join(f"{k} {med[k]:.3f}" for k in ("untraced", "ebpf", "ptrace")))
print(f"   mean cpu (s, recorder + command): " + " ".join(f"{k} {cpu[k]:.3f}" for k in ("untraced", "ebpf", "ptrace")))
print(f"  ebpf / untraced   = {r:5.2f}x wall  (target <= 1.30) {'ok' if r <= 1.3 else 'MISSED'}")
print(f"  ptrace / untraced = {med['ptrace'] / med['untraced']:5.2f}x wall")
PY
done

# The request loop: the client is never traced; the server is launched
# untraced, or under each recorder, and answers on a fresh port each time.
port=$((20000 + RANDOM % 20000))
serve() {  # serve NAME CMD...: requests/s of a server started by CMD
  local name=$1
  shift
  port=$((port + 1))
  "$@" "$pp" server $port >/dev/null 2>"$out/$name.srv.err" &
  srv=$!
  local rps
  rps=$("$pp" client $port "$secs")
  kill -INT $srv 2>/dev/null || true
  sleep 0.2
  kill $srv 2>/dev/null || true
  wait $srv 2>/dev/null || true
  srv=
  echo "$rps"
}
declare -A rps
for round in 1 2 3; do
  for name in untraced ebpf ptrace; do
    case $name in
      untraced) r=$(serve $name env) ;;
      ebpf) r=$(serve $name "$td" record --backend ebpf --force -o "$out/s.trace" --) ;;
      ptrace) r=$(serve $name "$td" record --force -o "$out/s.trace" --) ;;
    esac
    rps[$name]="${rps[$name]:-} $r"
  done
done
python3 - "${rps[untraced]}" "${rps[ebpf]}" "${rps[ptrace]}" "$secs" <<'PY'
import statistics, sys
u, e, p = (statistics.median(float(x) for x in s.split()) for s in sys.argv[1:4])
print(f"\n== request loop (pingpong, {sys.argv[4]} s x 3 rounds): median requests/s: untraced {u:.0f} ebpf {e:.0f} ptrace {p:.0f}")
print(f"  ebpf / untraced   = {e / u * 100:5.1f}% throughput (target >= 90%) {'ok' if e / u >= 0.9 else 'MISSED'}")
print(f"  ptrace / untraced = {p / u * 100:5.1f}% throughput")
PY
