# What bench/import_ab.sh and bench/diff_ab.sh share (sourced, not run):
# the old and new builds' checks, where their files go, and the median.

# ab_setup NAME OLD_TRACEDIFF [BUILD_DIR]: checks both tracediffs and sets
# `old`, `new`, `W` (the logs of bench/scale.sh: $BENCH_DIR, default
# build-bench/scale) and `tmp`, a directory removed on exit. It is in memory
# (/dev/shm) when that is there: on disk, the writeback of one run's 200 MB
# trace lands on the runs after it.
ab_setup() {
  local me=$1
  [ $# -ge 2 ] || { echo "usage: $me OLD_TRACEDIFF [BUILD_DIR]" >&2; exit 2; }
  old=$2
  [ -x "$old" ] || { echo "$me: $old is not executable" >&2; exit 2; }
  new=${3:-build}/cli/tracediff
  [ -x "$new" ] || { echo "$me: build first: cmake --build ${3:-build} --target tracediff" >&2; exit 2; }
  W=${BENCH_DIR:-build-bench/scale}
  tmp=$(mktemp -d -p "$( [ -d /dev/shm ] && [ -w /dev/shm ] && echo /dev/shm || echo "${TMPDIR:-/tmp}")")
  trap 'rm -rf "$tmp"' EXIT
  echo "old: $old ($("$old" --version | sed -n 's/^revision: //p'))  new: $new ($("$new" --version | sed -n 's/^revision: //p'))"
}

# The median of the numbers on stdin, one a line.
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
