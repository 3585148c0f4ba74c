#!/usr/bin/env bash
# The test command: installs what it needs, builds, runs every test.
#  1. the release build, scripts/package.sh (the static binary and the .deb
#     in dist/), and all the tests (unit, golden, end-to-end with ptrace, the
#     scenario suite of real deployment failures, and the packaging tests of
#     dist/: an empty root, an install of the .deb);
#  2. the examples (examples/run-all): each one's report and explain chain;
#  3. a second build with -fsanitize=address,undefined: its unit tests, and
#     the end-to-end tests and examples again with the instrumented tracediff
#     recording, importing and diffing the (uninstrumented) programs; any
#     sanitizer report fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh

echo "== build (release)"
# With the scenario suite (tests/scenarios): real programs failing on
# simulated bad hosts, the culprit ranked first (a few minutes).
BUILD_DIR=build bash scripts/build.sh -DTRACEDIFF_SCENARIOS=ON
echo "== package (scripts/package.sh: static build, .deb)"
bash scripts/package.sh
echo "== tests (release)"
# --timeout: a test without a TIMEOUT of its own that hangs fails after 15
# minutes, naming itself, rather than running into CI's limit (the slowest
# takes under a minute under the sanitizers). examples/run-all bounds each
# example the same way (EXAMPLE_TIMEOUT).
# dist/ was just made: its tests must run, not be skipped for want of it.
(cd build && TRACEDIFF_REQUIRE_DIST=1 ctest --output-on-failure -j2 --timeout 900)
echo "== examples"
BUILD_DIR=build bash examples/run-all || { rc=$?; [ "$rc" = 77 ] || exit "$rc"; }  # 77: skipped (not root), said why

echo "== build (address,undefined sanitizers)"
BUILD_DIR=build-asan BUILD_TYPE=Debug bash scripts/build.sh -DTRACEDIFF_SANITIZE=ON
echo "== tests (sanitizers)"
# verify_asan_link_order=0: one case runs tracediff with an LD_PRELOAD shim
# (for the program it launches), which ASan would otherwise refuse.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:halt_on_error=1:verify_asan_link_order=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
(cd build-asan && ctest --output-on-failure -j2 --timeout 900 -L unit)
(cd build-asan && ctest --output-on-failure -j2 --timeout 900 -L e2e)
echo "== examples (sanitizers)"
BUILD_DIR=build-asan bash examples/run-all || { rc=$?; [ "$rc" = 77 ] || exit "$rc"; }
