#!/usr/bin/env bash
# explain's cost on a large trace, side by side with reading the same trace
# (`tracediff show` to /dev/null) in one hyperfine run: the ratio says how
# much the search adds to loading. The workload: bash running `ls -la
# /usr/lib` N times (default 300, ~150k events), then a cat that fails.
#
#   bench/explain.sh [BUILD_DIR] [N]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
n=${2:-300}
td=$build/cli/tracediff
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
strace -f -s 256 -o "$work/big.log" bash -c "for i in \$(seq $n); do ls -la /usr/lib >/dev/null; done; cat /nonexistent/config" 2>/dev/null || true
"$td" import "$work/big.log" -o "$work/big.trace" 2>/dev/null
echo "events: $(grep -c . "$work/big.trace")"
hyperfine -N --warmup 1 --runs 10 \
  -n "show (load + print)" "$td show $work/big.trace -s 0" \
  -n "explain" "$td explain $work/big.trace" \
  -n "explain (strace log, imported on the fly)" "$td explain $work/big.log" 2>&1 | grep -v "^ *$"
echo "max RSS (KiB), explain on the trace: $( { /usr/bin/time -f %M "$td" explain "$work/big.trace" >/dev/null; } 2>&1 | tail -1)"
echo "max RSS (KiB), show on the trace:    $( { /usr/bin/time -f %M "$td" show "$work/big.trace" >/dev/null; } 2>&1 | tail -1)"
