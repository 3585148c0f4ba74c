#!/usr/bin/env bash
# The strace command the README recommends ("On a host with only strace")
# on real programs: a Python program with a thread, TCP over loopback, a
# child shell pipeline, a temp file and a failing connect; and the example
# foo. `tracediff import` must read every line (no unparsed event), and
# explain must find foo's missing configuration file in the log.
# The man page's EXAMPLES give the same flags.
#
# usage: strace_flags_test.sh TRACEDIFF FOO README MAN_PAGE
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
[ $# = 4 ] || fail "usage: strace_flags_test.sh TRACEDIFF FOO README MAN_PAGE"
td=$1 foo=$2 readme=$3 manpage=$4
command -v strace >/dev/null || skip "strace is not installed"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The recommended line: the first `strace ...` in the section's code.
cmd=$(sed -n '/^## On a host with only strace/,/^## /p' "$readme" | grep -m1 -E '^ *strace ' || true)
[ -n "$cmd" ] || fail "README has no 'strace ...' line under '## On a host with only strace'"
flags=$(sed -E 's/^ *strace //; s/ -o [^ ]+.*$//' <<<"$cmd")
echo "README: $cmd"
echo "flags: $flags"
grep -qF -- "strace $flags -o" "$manpage" || grep -qF -- "strace $(sed 's/-/\\-/g' <<<"$flags") \\-o" "$manpage" ||
  fail "the man page's EXAMPLES do not use the README's strace flags ($flags)"
if ! strace -f -o /dev/null true 2>"$work/err"; then skip "strace cannot trace here: $(cat "$work/err")"; fi

cat >"$work/prog.py" <<'PY'
import os, socket, subprocess, tempfile, threading
def worker():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
    c = socket.create_connection(s.getsockname()); a, _ = s.accept()
    c.sendall(b"ping"); a.recv(4); a.close(); c.close(); s.close()
t = threading.Thread(target=worker); t.start(); t.join()
subprocess.run(["sh", "-c", "ls -l / | wc -l >/dev/null; cat /nonexistent 2>/dev/null; exit 0"])
with tempfile.NamedTemporaryFile() as f:
    f.write(b"x" * 10000); f.flush()
u = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
try:
    u.connect("/nonexistent.sock")
except OSError:
    pass
PY
import_clean() {  # LOG: imports it, fails on any unparsed line
  "$td" import "$1" -o "$1.trace" 2>"$work/import.err" || fail "import $1: $(cat "$work/import.err")"
  ! grep -q "could not be parsed" "$work/import.err" || fail "import $1: $(cat "$work/import.err")"
  n=$(jq -c 'select(.type == "unparsed") | .raw' "$1.trace" | wc -l)
  [ "$n" = 0 ] || fail "$n unparsed lines in $1, first: $(jq -r 'select(.type == "unparsed") | .raw' "$1.trace" | head -3)"
  echo "  $(basename "$1"): $(wc -l <"$1") lines, $(($(wc -l <"$1.trace") - 1)) events, 0 unparsed"
}
# shellcheck disable=SC2086  # the flags are words
strace $flags -o "$work/py.log" -- python3 "$work/prog.py" || fail "strace of the Python program failed"
import_clean "$work/py.log"
grep -q 'TCP:\[' "$work/py.log" || fail "-yy did not annotate the TCP sockets (flags: $flags)"
[ "$(jq -r 'select(.type == "process" and .name == "spawn") | .tid' "$work/py.log.trace" | wc -l)" -ge 2 ] ||
  fail "the log has fewer than two spawns (thread and shell): -f missing?"

[ ! -e /etc/foo/config.json ] || skip "/etc/foo/config.json exists on this host: foo would not fail"
rc=0
strace $flags -o "$work/foo.log" -- "$foo" 2>/dev/null || rc=$?
[ "$rc" = 1 ] || fail "foo should fail without /etc/foo/config.json (status $rc)"
import_clean "$work/foo.log"
out=$("$td" explain "$work/foo.log") || fail "explain found no cause in foo's log: $out"
grep -qF "/etc/foo/config.json" <<<"$out" || fail "explain does not name /etc/foo/config.json: $out"
echo "PASS: the README's strace flags import with 0 unparsed lines"
