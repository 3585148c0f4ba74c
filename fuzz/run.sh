#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (-fsanitize=fuzzer,address,undefined)
# in build-fuzz/ and runs each for SECONDS (default 600), one after the
# other: 2 shared cores, so never two fuzzers at once. Usage:
#   fuzz/run.sh [SECONDS] [TARGET...]     TARGET: read_trace, import_strace
# The working corpus grows in build-fuzz/corpus/TARGET (seeded from
# fuzz/seeds/TARGET); crashes land in build-fuzz/artifacts/. Exits 1 if a
# target found a crash. Record the summary lines in docs/fuzzing.md.
# FUZZ_KEEP_GOING=1: do not stop at the first crash (libFuzzer's -fork=1
# -ignore_crashes=1, still one process at a time), to collect every
# distinct crash of a run.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
shift || true
targets=("$@")
((${#targets[@]})) || targets=(read_trace import_strace)

bash scripts/deps.sh
build=build-fuzz
san="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_C_FLAGS="$san" -DCMAKE_CXX_FLAGS="$san" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
  -DTRACEDIFF_FUZZ=ON -DTRACEDIFF_TESTS=OFF >/dev/null
cmake --build "$build" -j2 --target $(printf 'fuzz_%s ' "${targets[@]}")

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
status=0
for t in "${targets[@]}"; do
  corpus=$build/corpus/$t
  mkdir -p "$corpus" "$build/artifacts"
  cp -n fuzz/seeds/"$t"/* "$corpus"/ 2>/dev/null || true
  log=$build/fuzz-$t.log
  echo "== fuzz_$t for ${seconds}s (log: $log)"
  # -jobs=1: one process in the background of libFuzzer's supervisor, whose
  # output goes to fuzz-0.log; we run it in the build dir and keep the log.
  start=$(date +%s)
  rc=0
  if [ "${FUZZ_KEEP_GOING:-0}" = 1 ]; then
    mode=(-fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1)
  else
    mode=(-jobs=1 -workers=1)
  fi
  (cd "$build" && ./fuzz/fuzz_"$t" "${mode[@]}" -max_total_time="$seconds" \
      -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
      -dict="$PWD/../fuzz/$t.dict" -artifact_prefix="artifacts/$t-" "corpus/$t" \
      >"fuzz-$t.fork.log" 2>&1) || rc=$?
  if [ -f "$build/fuzz-0.log" ]; then
    mv "$build/fuzz-0.log" "$log"
  else
    mv "$build/fuzz-$t.fork.log" "$log"
  fi
  rm -f "$build/fuzz-$t.fork.log"
  end=$(date +%s)
  grep -E '^#[0-9]+' "$log" | tail -1 || true
  grep -E '^stat::' "$log" || true
  echo "fuzz_$t: $((end - start)) s, corpus $(ls "$corpus" | wc -l) files, exit $rc"
  if ((rc)) || ls "$build/artifacts/$t-"* >/dev/null 2>&1 ||
      grep -qE 'ERROR: (libFuzzer|AddressSanitizer)|runtime error:' "$log"; then
    echo "fuzz_$t: FOUND A CRASH: see $log and $build/artifacts/" >&2
    status=1
  fi
done
exit $status
