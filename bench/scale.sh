#!/usr/bin/env bash
# Scale benchmark (issue 14): import and diff a million events of four
# process mixes, recorded with strace -f from real programs on this machine,
# next to yardsticks in the same run (gzip -1 of the log, GNU diff of the
# logs). The import and gzip -1 are the median of three runs.
#
#   bench/scale.sh [BUILD_DIR]         default build; needs tracediff,
#                                      diff_traces and bench_read_trace
#   SIZES="250000 500000 1000000"      event counts (the log's first N lines)
#   MIXES="one five short server"      which mixes
#   REF=DIR                            compare each diff's JSON with DIR/MIX-N.json
#                                      (SAVE=DIR writes them there instead)
#
# Mixes (good side; the bad side is a second recording for `five`, where it
# runs one extra `ls -R /etc`, and for the others the good log with a few
# hundred injected failures and removed lines, so both sides are real
# programs' calls with known differences):
#   one     one long process: find /usr four times over in one process
#   five    a shell running find /usr four times (5 processes; bad: 6)
#   short   560 short processes: a shell loop of ls -l /etc /usr/sbin /etc
#           (560 runs: the first 1M lines of its log)
#   server  a forking server (bench/fork_server.py): one child per request
#
# Logs are cached in $BENCH_DIR (default build-bench/scale): recording them
# takes minutes. Each size is the first N lines of the 1M+ log, so the
# three sizes are the same workload cut shorter. A cache made before the
# short loop ran 560 times holds a 0.9M-line short log: remove
# $BENCH_DIR/short-good.log to record it again.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}
TD=$B/cli/tracediff
DT=$B/bench/diff_traces
RT=$B/bench/bench_read_trace
for x in "$TD" "$DT" "$RT"; do
  [ -x "$x" ] || { echo "build first: cmake --build $B --target tracediff diff_traces bench_read_trace"; exit 2; }
done
W=${BENCH_DIR:-build-bench/scale}
mkdir -p "$W"
SIZES=${SIZES:-250000 500000 1000000}
MIXES=${MIXES:-one five short server}
max=0
for n in $SIZES; do [ "$n" -gt "$max" ] && max=$n; done
PY=/usr/bin/python3

# ------------------------------------------------------------ recording
strace_of() {  # OUT CMD...
  local out=$1
  shift
  env -i PATH=/usr/bin:/bin HOME=/root LANG=C.UTF-8 strace -f -o "$out" "$@" >/dev/null 2>&1 || true
}
record() {  # MIX SIDE OUT
  case $1-$2 in
    one-*) strace_of "$3" find /usr /usr /usr /usr ;;
    five-good) strace_of "$3" sh -c 'for i in 1 2 3 4; do find /usr; done' ;;
    five-bad) strace_of "$3" sh -c 'for i in 1 2 3 4; do find /usr; done; ls -R /etc' ;;
    short-*) strace_of "$3" sh -c 'i=0; while [ $i -lt 560 ]; do i=$((i+1)); ls -l /etc /usr/sbin /etc; done' ;;
    server-*)
      rm -f "$W/port"
      strace_of "$3" $PY bench/fork_server.py "$W/port" 800 &
      local srv=$!
      while [ ! -s "$W/port" ]; do sleep 0.1; done
      $PY bench/fork_server.py --client "$(cat "$W/port")" 800 /usr/bin
      wait "$srv"
      ;;
  esac
}
# Every 4000th successful call fails with EACCES, every 5000th line goes.
inject() { awk 'NR % 4000 == 0 && / = 0$/ { sub(/ = 0$/, " = -1 EACCES (Permission denied)") }
                NR % 5000 == 1 && NR > 1 { next } { print }' "$1" >"$2"; }

for mix in $MIXES; do
  [ -s "$W/$mix-good.log" ] || { echo "recording $mix (good)"; record "$mix" good "$W/$mix-good.log"; }
  if [ "$mix" = five ]; then
    [ -s "$W/$mix-bad.log" ] || { echo "recording $mix (bad)"; record "$mix" bad "$W/$mix-bad.log"; }
  fi
done

# ------------------------------------------------------------ measuring
# measure NAME CMD...: sets T (wall s), C (cpu s), M (peak MiB); stdout in $W/NAME.out
measure() {
  local name=$1
  shift
  /usr/bin/time -f '%e %U %S %M' -o "$W/$name.time" "$@" >"$W/$name.out" 2>"$W/$name.err" || true
  read -r T u s k < <(tail -n 1 "$W/$name.time")
  C=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')
  M=$((k / 1024))
}
# median3 NAME CMD...: measure three times, keep the run of the median wall
# time (the import and its yardstick last a second or less: one run says
# more about the machine's neighbours than about the code).
median3() {
  local name=$1 runs=() k
  shift
  for k in 1 2 3; do
    measure "$name" "$@"
    runs+=("$T $C $M")
  done
  read -r T C M < <(printf '%s\n' "${runs[@]}" | sort -n | sed -n 2p)
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", (b > 0 ? a / b : 0) }'; }
mbs() { awk -v b="$1" -v t="$2" 'BEGIN { printf "%.0f", (t > 0 ? b / t / 1e6 : 0) }'; }

rows=()
json_diffs=0
for mix in $MIXES; do
  for n in $SIZES; do
    g=$W/$mix-$n-good.log
    b=$W/$mix-$n-bad.log
    head -n "$n" "$W/$mix-good.log" >"$g"
    if [ "$mix" = five ]; then head -n "$n" "$W/$mix-bad.log" >"$b"; else inject "$g" "$b"; fi
    bytes=$(stat -c %s "$g")
    median3 gzip gzip -1 -c "$g"
    gz_t=$T
    median3 import "$TD" import "$g" -o "$W/good.trace" --force
    im_t=$T im_c=$C im_m=$M
    "$TD" import "$b" -o "$W/bad.trace" --force 2>/dev/null
    measure read "$RT" "$W/good.trace"
    rd_t=$T rd_m=$M
    tbytes=$(stat -c %s "$W/good.trace")
    measure gnudiff diff "$g" "$b"
    gd_t=$T
    measure diff "$DT" "$W/good.trace" "$W/bad.trace"
    df_t=$T df_c=$C df_m=$M
    ev=$(wc -l <"$g")
    if [ -n "${SAVE:-}" ]; then
      mkdir -p "$SAVE"
      cp "$W/diff.out" "$SAVE/$mix-$n.json"
      same=saved
    elif [ -n "${REF:-}" ]; then
      if cmp -s "$W/diff.out" "$REF/$mix-$n.json"; then same=same; else same=DIFFERENT; json_diffs=1; fi
    else
      same=-
    fi
    rows+=("| $mix | $ev | $im_t s ($(mbs "$bytes" "$im_t") MB/s, $im_m MiB) | $(ratio "$im_t" "$gz_t") | $rd_t s ($(mbs "$tbytes" "$rd_t") MB/s, $rd_m MiB) | $df_t s / $df_c s cpu, $df_m MiB | $(ratio "$df_t" "$gd_t") | $same |")
    echo "${rows[-1]}"
  done
done

echo
# The build measured, not the checkout: SAVE= runs an older build from here.
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)  $(date -u '+%F %H:%M UTC')  build $("$TD" --version | sed -n 's/^revision: //p')"
echo "| mix | log lines | import, median of 3 (wall, log MB/s, peak) | import / gzip -1 (median of 3) | read trace (wall, MB/s, peak) | diff --format json (wall / cpu, peak) | diff / GNU diff | JSON vs REF |"
echo "|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo "targets: import >= 100 MB/s and <= 2x gzip -1; read at least as fast; diff of 1M x 1M < 10 s and < 1024 MiB"
exit $json_diffs
