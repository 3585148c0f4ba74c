#!/usr/bin/env bash
# Report (issue 5): renders a 1,000,000-event-per-side DiffResult as text
# and HTML and prints the times next to a yardstick from the same run
# (formatting every event of one side once, as `tracediff show` does).
# Usage: bench/report.sh [EVENTS [DIVERGE_EVERY]]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo} >/dev/null
cmake --build "$build" -j2 --target report_bench >/dev/null
/usr/bin/time -f "peak RSS               %M KB" "$build/tests/report/report_bench" "${1:-1000000}" "${2:-10000}"
