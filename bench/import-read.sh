#!/usr/bin/env bash
# Import and read throughput (issue 2), side by side with yardsticks on the
# same file in the same run:
#   1. makes a strace log of at least LINES lines (default 1,000,000) from
#      real programs (strace -f -tt -T -y of a shell loop running ls, cat,
#      find), cached in build-bench/;
#   2. times `wc -l` and `gzip -1` on it (yardsticks),
#      `tracediff import LOG -o TRACE` (and -o TRACE.zst),
#      and reading TRACE / TRACE.zst into memory (bench_read_trace, which
#      calls read_trace()), with peak memory from /usr/bin/time;
#   3. prints throughput, bytes and memory per event, ratios and the
#      targets (import >= 100 MB/s, read 1M events < 1.5 s, < 1 KiB/event).
# Each command runs RUNS times (default 3) and the fastest run is kept:
# the machine is shared, and the minimum is the least disturbed figure.
# Wall time is what a user waits; CPU (user+sys) is shown next to it
# because on a loaded machine wall time also counts waiting for a core.
#   bench/import-read.sh [LINES]
set -euo pipefail
cd "$(dirname "$0")/.."
lines=${1:-1000000}
runs=${RUNS:-3}

bash scripts/deps.sh time   # /usr/bin/time: peak memory (max RSS)
build=build-bench
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j2 --target tracediff bench_read_trace write_sample_trace >/dev/null
td=$build/cli/tracediff
reader=$build/bench/bench_read_trace

# ---------------------------------------------------------------- the log
log=$build/strace-$lines.log
workload() {
  # Real programs doing ordinary work: directory listings (getdents, stat,
  # the locale and nss files), file reads, a tree walk. A clean environment
  # so that nothing of the caller's ends up in the log.
  env -i PATH=/usr/bin:/bin HOME=/root LANG=C.UTF-8 \
    strace -f -tt -T -y -o "$2" sh -c "i=0; while [ \$i -lt $1 ]; do i=\$((i+1));
      ls -la /usr/bin /etc >/dev/null; cat /etc/passwd /etc/services /etc/os-release >/dev/null;
      find /usr/share/doc -maxdepth 2 >/dev/null; done"
}
if [ ! -s "$log" ] || [ "$(wc -l <"$log")" -lt "$lines" ]; then
  echo "making a strace log of >= $lines lines in $log (cached for later runs)"
  workload 5 "$log.tmp"
  per=$(( $(wc -l <"$log.tmp") / 5 ))
  iters=$(( lines / per + lines / per / 20 + 1 ))
  workload "$iters" "$log.tmp"
  while [ "$(wc -l <"$log.tmp")" -lt "$lines" ]; do
    iters=$(( iters * 5 / 4 + 1 ))
    workload "$iters" "$log.tmp"
  done
  mv "$log.tmp" "$log"
fi
log_lines=$(wc -l <"$log")
log_bytes=$(stat -c %s "$log")

# ---------------------------------------------------------------- measuring
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# measure NAME CMD...: fastest of $runs runs; sets W (wall s), C (cpu s),
# M (max RSS KiB) and leaves the command's stdout in $tmp/NAME.out.
measure() {
  local name=$1
  shift
  W=; C=; M=
  for ((r = 0; r < runs; r++)); do
    /usr/bin/time -f '%e %U %S %M' -o "$tmp/time" "$@" >"$tmp/$name.out"
    read -r w u s m <"$tmp/time"
    if [ -z "$W" ] || awk -v a="$w" -v b="$W" 'BEGIN { exit !(a < b) }'; then
      W=$w
      C=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')
      M=$m
    fi
  done
}
mbs() { awk -v b="$1" -v s="$2" 'BEGIN { if (s <= 0) s = 0.01; printf "%.1f", b / 1e6 / s }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b <= 0) b = 0.01; printf "%.2f", a / b }'; }

printf '\nstrace log: %s, %d lines, %.1f MB (strace -f -tt -T -y)\n' "$log" "$log_lines" "$(awk -v b="$log_bytes" 'BEGIN{print b/1e6}')"
printf 'fastest of %d runs each; %s\n\n' "$runs" "$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-34s %8s %8s %10s %10s\n' "command" "wall s" "cpu s" "MB/s" "max RSS"

measure wc wc -l "$log"
wc_w=$W
printf '%-34s %8s %8s %10s %8s M\n' "wc -l LOG" "$W" "$C" "$(mbs "$log_bytes" "$W")" "$((M / 1024))"
measure gzip sh -c "gzip -1 -c '$log' >/dev/null"
gzip_w=$W
printf '%-34s %8s %8s %10s %8s M\n' "gzip -1 LOG" "$W" "$C" "$(mbs "$log_bytes" "$W")" "$((M / 1024))"

trace=$build/bench.trace
import_ok=1
if measure import "$td" import "$log" -o "$trace" --force 2>"$tmp/import.err"; then
  import_w=$W import_c=$C import_m=$M
  printf '%-34s %8s %8s %10s %8s M\n' "tracediff import LOG -o T" "$W" "$C" "$(mbs "$log_bytes" "$W")" "$((M / 1024))"
  measure importz "$td" import "$log" -o "$trace.zst" --force 2>/dev/null
  printf '%-34s %8s %8s %10s %8s M\n' "tracediff import LOG -o T.zst" "$W" "$C" "$(mbs "$log_bytes" "$W")" "$((M / 1024))"
else
  import_ok=0
  echo "tracediff import failed: $(head -1 "$tmp/import.err")"
  echo "(reading a trace of the same size written through the library instead)"
  "$build/tests/trace/write_sample_trace" "$trace" $(( (log_lines + 19) / 20 ))
  rm -f "$trace.zst"
  "$build/tests/trace/write_sample_trace" "$trace.zst" $(( (log_lines + 19) / 20 ))
fi
trace_bytes=$(stat -c %s "$trace")
measure read "$reader" "$trace"
events=$(awk '{ print $2 }' "$tmp/read.out")
read_w=$W read_c=$C read_m=$M
printf '%-34s %8s %8s %10s %8s M\n' "read T into memory" "$W" "$C" "$(mbs "$trace_bytes" "$W")" "$((M / 1024))"
measure readz "$reader" "$trace.zst"
printf '%-34s %8s %8s %10s %8s M\n' "read T.zst into memory" "$W" "$C" "-" "$((M / 1024))"

echo
printf 'events: %d (%.2f per log line); trace %.1f MB = %d bytes/event; T.zst %.1f MB = %d bytes/event\n' \
  "$events" "$(ratio "$events" "$log_lines")" "$(awk -v b="$trace_bytes" 'BEGIN{print b/1e6}')" \
  $((trace_bytes / events)) "$(awk -v b="$(stat -c %s "$trace.zst")" 'BEGIN{print b/1e6}')" \
  $(($(stat -c %s "$trace.zst") / events))
printf 'read peak memory: %d bytes/event\n' $((read_m * 1024 / events))
if ((import_ok)); then
  printf 'import peak memory: %d bytes/event\n' $((import_m * 1024 / events))
  printf 'ratios: import takes %sx the time of gzip -1, %sx of wc -l; read takes %sx of wc -l\n' \
    "$(ratio "$import_w" "$gzip_w")" "$(ratio "$import_w" "$wc_w")" "$(ratio "$read_w" "$wc_w")"
else
  printf 'ratios: read takes %sx the time of gzip -1, %sx of wc -l\n' "$(ratio "$read_w" "$gzip_w")" "$(ratio "$read_w" "$wc_w")"
fi

echo
verdict() { if awk "BEGIN { exit !($2) }"; then echo "  met:    $1"; else echo "  MISSED: $1"; fi; }
echo "targets (issue 2):"
if ((import_ok)); then
  verdict "import >= 100 MB/s (wall: $(mbs "$log_bytes" "$import_w") MB/s, cpu: $(mbs "$log_bytes" "$import_c") MB/s)" \
    "$(mbs "$log_bytes" "$import_w") >= 100"
else
  echo "  not measured: import (no importer in this build)"
fi
per_million=$(awk -v w="$read_w" -v e="$events" 'BEGIN { printf "%.2f", w * 1e6 / e }')
verdict "read a 1M-event trace < 1.5 s (wall: $per_million s per 1M events, cpu: $(awk -v c="$read_c" -v e="$events" 'BEGIN { printf "%.2f", c * 1e6 / e }') s)" \
  "$per_million < 1.5"
verdict "read peak memory < 1 KiB/event ($((read_m * 1024 / events)) bytes)" "$((read_m * 1024 / events)) < 1024"
if ((import_ok)); then
  verdict "import peak memory < 1 KiB/event ($((import_m * 1024 / events)) bytes)" "$((import_m * 1024 / events)) < 1024"
fi
