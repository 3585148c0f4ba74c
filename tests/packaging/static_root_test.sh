#!/usr/bin/env bash
# The static tracediff in an empty root: a private mount namespace whose root
# is a tmpfs holding only the executable, a small static program and /proc
# (no libraries, no /etc, no /usr/share, no /dev, no locale files). There it
# records, shows, diffs and explains the article's first story, also with
# the recorder's fallbacks for older kernels forced on (registers instead of
# PTRACE_GET_SYSCALL_INFO, PEEKDATA instead of process_vm_readv), and
# finds the user's name from /etc/passwd without NSS once there is one.
#
# usage: static_root_test.sh DIST PROGRAM BUILT_TRACEDIFF
#   DIST     dist/ written by scripts/package.sh
#   PROGRAM  the static test program (tests/packaging/programs/config_reader.c)
#   BUILT_TRACEDIFF  this build's tracediff (only to say whether dist/ is stale)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

if [ "${1:-}" != --inside ]; then
  [ $# = 3 ] || fail "usage: static_root_test.sh DIST PROGRAM BUILT_TRACEDIFF"
  need_root "a private mount namespace, a tmpfs root and chroot"
  find_dist "$1"
  check_fresh "$3"
  file -L "$2" | grep -q "statically linked" || fail "$2 is not a static program"
  exec unshare --mount --propagation private bash "$0" --inside "$dist_bin" "$2"
fi

bin=$2 prog=$3
chroot=$(command -v chroot) || fail "no chroot command"
root=$(mktemp -d /tmp/tracediff-emptyroot.XXXXXX)
trap 'umount -R "$root" 2>/dev/null; rmdir "$root"' EXIT
mount -t tmpfs -o mode=0755,size=64m tracediff-root "$root"
cp "$bin" "$root/tracediff"
cp "$prog" "$root/prog"
mkdir "$root/proc"
mount -t proc proc "$root/proc"

listing=$(cd "$root" && ls -A | tr '\n' ' ')
[ "$listing" = "proc prog tracediff " ] || fail "the root holds more than it should: $listing"

# Runs tracediff inside the root with a bare environment; "$out" and "$err"
# hold what it printed, "$rc" its status.
run() {
  rc=0
  out=$(env -i PATH=/ LANG=C.UTF-8 LC_ALL=C.UTF-8 "$chroot" "$root" /tracediff "$@" 2>"$root.err") || rc=$?
  err=$(cat "$root.err")
  rm -f "$root.err"
}
expect_rc() {  # STATUS WHAT
  [ "$rc" = "$1" ] || fail "$2: status $rc, expected $1; stdout: $out; stderr: $err"
}
contains() {  # TEXT WHAT
  grep -qF -- "$1" <<<"$out$err" || fail "$2: no '$1' in: $out $err"
}
header() {  # TRACE JQ-FILTER: from the trace's first line (its header)
  head -1 "$root/$1" | jq -r "$2"
}

run --version
expect_rc 0 "--version"
contains "build: static" "--version says static"
contains "tcmalloc (gperftools)" "--version names the allocator scripts/package.sh links in"
echo "$out" | sed 's/^/  /'

# Bad: no /etc at all, let alone /etc/tdpkg.conf.
run record -o /bad.trace -- /prog
expect_rc 1 "record of the failing program (its status)"
contains "Error opening configuration file: No such file or directory" "the program's message"
[ "$(header bad.trace '.host.user // "none"')" = none ] ||
  fail "with no /etc/passwd the header should have no user, has $(header bad.trace .host.user)"

run show /bad.trace --failed
expect_rc 0 "show --failed"
grep -E 'open(at)?\(.*"/etc/tdpkg\.conf".*ENOENT' <<<"$out" >/dev/null ||
  fail "show --failed does not show the failing open of /etc/tdpkg.conf: $out"

run explain /bad.trace
expect_rc 0 "explain (cause found)"
contains "/etc/tdpkg.conf" "explain names the missing file"

# Good: the configuration file exists (and now /etc/passwd, for the name).
mkdir "$root/etc"
echo "verbose = 1" >"$root/etc/tdpkg.conf"
echo "root:x:0:0:root:/root:/bin/sh" >"$root/etc/passwd"
run record -o /good.trace -- /prog
expect_rc 0 "record of the working program"
[ "$(header good.trace .host.user)" = root ] || fail "user from /etc/passwd: $(header good.trace .host.user)"
[ "$(header good.trace .host.home)" = /root ] || fail "home from /etc/passwd: $(header good.trace .host.home)"
run record -o /good2.trace -- /prog
expect_rc 0 "second record of the working program"

run diff /good.trace /bad.trace --no-pager --color never --width 120
expect_rc 1 "diff good bad (different)"
contains "/etc/tdpkg.conf" "diff names the file"
first=$(grep -m1 -n "tdpkg.conf" <<<"$out" | cut -d: -f1)
echo "  diff: /etc/tdpkg.conf first appears on line $first of the report"

run diff /good.trace /good2.trace --no-pager --color never
expect_rc 0 "diff of two recordings of the same run (same)"

# What an older kernel gets: no PTRACE_GET_SYSCALL_INFO (before 5.3), no
# process_vm_readv (before 3.2, or refused). The same run gives the same
# trace: the only divergences are the two variables themselves, which the
# program inherits.
rc=0
out=$(env -i PATH=/ LANG=C.UTF-8 LC_ALL=C.UTF-8 TRACEDIFF_NO_SYSCALL_INFO=1 TRACEDIFF_NO_VM_READV=1 \
  "$chroot" "$root" /tracediff record -o /good-old.trace -- /prog 2>&1) || rc=$?
expect_rc 0 "record with the fallbacks"
[ "$(header good-old.trace .options.syscall_info)" = registers ] ||
  fail "the fallback was not used: options.syscall_info = $(header good-old.trace .options.syscall_info)"
run diff /good.trace /good-old.trace --format json
expect_rc 1 "diff of the same run recorded with and without the fallbacks (their variables differ)"
divergences=$(jq -r '.divergences[] | select(.significant) | "\(.kind) \(.explanation)"' <<<"$out")
[ "$(wc -l <<<"$divergences")" = 2 ] && ! grep -vqE '^env .*TRACEDIFF_NO_(SYSCALL_INFO|VM_READV)' <<<"$divergences" ||
  fail "with the fallbacks the trace differs beyond their two variables: $divergences"
run diff /good-old.trace /bad.trace --no-pager --color never
expect_rc 1 "diff good (fallbacks) bad"
contains "/etc/tdpkg.conf" "diff with the fallbacks names the file"

# A usage error in the empty root is still one clear line.
run show /missing.trace
expect_rc 2 "show of a missing file"
[ "$(wc -l <<<"$err")" = 1 ] || fail "more than one line for a missing file: $err"
echo "PASS: record, show, explain and diff in an empty root (tmpfs: tracediff, prog, proc)"
