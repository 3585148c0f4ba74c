#!/usr/bin/env bash
# At the process limit (RLIMIT_NPROC, or a cgroup's pids.max, reached: a
# fork bomb, a leaking service) no thread can be started. That is a host
# somebody is debugging, so tracediff must still work there: import,
# reading traces and diff parse on worker threads, and without them do the
# same work on the calling thread, with the same output (import, diff of
# logs and of traces, explain).
#   process_limit_test.sh SOURCE_DIR TRACEDIFF
# Root is not held to RLIMIT_NPROC: as root the commands run as nobody.
# Exit 77 (skip) when the limit cannot be put in force here.
set -euo pipefail
src=$1
td=$2
log=$src/tests/trace/data/local-6.1.strace

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 0777 "$work"
# Two logs of real programs that differ: the recorded one, and the same with
# cat's open of /etc/debian_version failing.
cp "$log" "$work/good.log"
sed 's|"debian_version", O_RDONLY) = 3</etc/debian_version>|"debian_version", O_RDONLY) = -1 EACCES (Permission denied)|' \
  "$log" >"$work/bad.log"
cmp -s "$work/good.log" "$work/bad.log" && { echo "FAIL: $log has no open of debian_version to fail"; exit 1; }
chmod 0644 "$work"/*.log

# LeakSanitizer (the sanitizer build) checks for leaks from a thread of
# its own at exit, which the limit refuses: it is off for these runs.
asan=ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
limited=(env "$asan" prlimit --nproc=1 --)
if [ "$(id -u)" = 0 ]; then
  command -v setpriv >/dev/null || { echo "skip: setpriv (util-linux) is missing"; exit 77; }
  limited=(env "$asan" setpriv --reuid=65534 --regid=65534 --clear-groups prlimit --nproc=1 --)
fi
command -v prlimit >/dev/null || { echo "skip: prlimit (util-linux) is missing"; exit 77; }
"${limited[@]}" test -x "$td" || { echo "skip: $td cannot be run as an unprivileged user (a private build directory)"; exit 77; }
# The limit must really refuse a new task, or this test proves nothing.
if "${limited[@]}" sh -c 'true & wait' 2>/dev/null; then
  echo "skip: a process limit of 1 does not refuse a fork here"
  exit 77
fi

fail=0
check() {  # NAME FILE-UNLIMITED FILE-LIMITED
  if cmp -s "$2" "$3"; then echo "ok: $1"; else echo "FAIL: $1: output differs at the process limit"; diff "$2" "$3" | head -5 || true; fail=1; fi
}
run_limited() {  # OUT MAX_STATUS CMD... (in $work); diff exits 1 when the sides differ
  local out=$1 max=$2 rc=0
  shift 2
  (cd "$work" && "${limited[@]}" "$@" >"$out" 2>"$out.err") || rc=$?
  if [ "$rc" -gt "$max" ]; then
    echo "FAIL: at the process limit: $* exited $rc: $(head -c 300 "$out.err")"
    fail=1
  fi
}
events() { tail -n +2 "$1"; }  # a trace without its header (creation time, key id)

# import: parse workers and the writer thread
(cd "$work" && "$td" import good.log -o full.trace --no-redact 2>/dev/null)
run_limited "$work/import.out" 0 "$td" import good.log -o limited.trace --no-redact
check "import" <(events "$work/full.trace") <(events "$work/limited.trace")

# diff of two strace logs: both sides at once, each with its parse workers
(cd "$work" && "$td" import bad.log -o bad.trace --no-redact 2>/dev/null)
chmod 0644 "$work"/*.trace  # traces are written 0600
(cd "$work" && "$td" diff --format json good.log bad.log >full-logs.json 2>/dev/null) || true
run_limited "$work/limited-logs.json" 1 "$td" diff --format json good.log bad.log
check "diff of logs" "$work/full-logs.json" "$work/limited-logs.json"

# diff of two traces: the trace reader's workers
(cd "$work" && "$td" diff --format json full.trace bad.trace >full-traces.json 2>/dev/null) || true
run_limited "$work/limited-traces.json" 1 "$td" diff --format json full.trace bad.trace
check "diff of traces" "$work/full-traces.json" "$work/limited-traces.json"
grep -q 'EACCES' "$work/full-traces.json" || { echo "FAIL: the diff does not show the failed open"; fail=1; }

# explain of a trace
(cd "$work" && "$td" explain --format json full.trace >full-explain.json 2>/dev/null) || true
run_limited "$work/limited-explain.json" 1 "$td" explain --format json full.trace
check "explain" "$work/full-explain.json" "$work/limited-explain.json"
grep -q 'nonexistent' "$work/full-explain.json" || { echo "FAIL: explain does not find ls's message"; fail=1; }

exit $fail
