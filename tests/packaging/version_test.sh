#!/usr/bin/env bash
# `tracediff --version` and where its revision comes from
# (cmake/build_info.cmake): the git revision of this checkout, "-dirty" with
# uncommitted changes, and "unknown" outside a git checkout, including a
# tarball unpacked inside some other repository.
#
# The allocator it names is the one it runs with (cmake/allocator.cmake):
# with tcmalloc configured, an executable that fell back to glibc's malloc
# would import at half the speed with every test still passing.
#
# usage: version_test.sh TRACEDIFF PROJECT_VERSION SOURCE_DIR ALLOCATOR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
[ $# = 4 ] || fail "usage: version_test.sh TRACEDIFF PROJECT_VERSION SOURCE_DIR ALLOCATOR"
td=$1 version=$2 src=$3 allocator=$4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

out=$("$td" --version)
echo "$out"
[ "$(head -1 <<<"$out")" = "tracediff $version" ] || fail "first line is not 'tracediff $version'"
grep -qE '^build: (static|dynamic) x86_64, glibc [0-9.]+' <<<"$out" || fail "no build line"
parts=$(sed -n 's/^parts: //p' <<<"$out")
for p in "zstd " "simdjson " "fmt " "CLI11 " "seccomp-bpf"; do
  grep -qF "$p" <<<"$parts" || fail "parts line lacks $p: $parts"
done
case $allocator in
  tcmalloc)
    grep -qF "tcmalloc (gperftools)" <<<"$parts" || fail "built with tcmalloc, --version says: $parts"
    # Linked in: the shared library, or its code inside a static executable.
    # (ldd's output is kept first: with pipefail, grep -q leaving early
    # makes ldd die of SIGPIPE and the test take the other branch.)
    libs=$(ldd "$td" 2>/dev/null || true)
    if grep -q "=>" <<<"$libs"; then
      grep -q libtcmalloc_minimal <<<"$libs" || fail "$td is not linked with libtcmalloc_minimal: $libs"
    else
      grep -qa TCMALLOC_LARGE_ALLOC_REPORT_THRESHOLD "$td" || fail "the static $td holds no tcmalloc"
    fi
    ;;
  system)
    grep -qF "glibc malloc" <<<"$parts" || fail "built with the system allocator, --version says: $parts"
    ! grep -q libtcmalloc <<<"$(ldd "$td" 2>/dev/null || true)" || fail "$td links tcmalloc, configured without it"
    ;;
  *) fail "unknown allocator '$allocator'" ;;
esac
zstd_version=$(dpkg-query -W -f='${Version}' libzstd-dev 2>/dev/null | sed 's/+.*//; s/-.*//')
[ -z "$zstd_version" ] || grep -qF "zstd $zstd_version" <<<"$parts" || fail "zstd is $zstd_version, --version says: $parts"
revision=$(sed -n 's/^revision: //p' <<<"$out")
if git -C "$src" rev-parse --show-toplevel >/dev/null 2>&1; then
  now=$(git -C "$src" describe --tags --always --dirty --abbrev=12)
  [ "$revision" = "$now" ] || fail "--version says revision $revision, the checkout is $now (rebuild?)"
else
  [ "$revision" = unknown ] || fail "outside git the revision should be unknown: $revision"
fi

# The script itself, on trees made here.
rev_of() {  # DIR: what build_info.cmake writes for it
  rm -f "$work/out.h"
  cmake -DSOURCE_DIR="$1" -DOUTPUT="$work/out.h" -P "$src/cmake/build_info.cmake"
  sed -n 's/^#define TRACEDIFF_REVISION "\(.*\)"$/\1/p' "$work/out.h"
}
mkdir "$work/plain"
[ "$(rev_of "$work/plain")" = unknown ] || fail "a directory outside git: $(rev_of "$work/plain")"
git init -q "$work/repo"
git -C "$work/repo" -c user.name=t -c user.email=t@t commit -q --allow-empty -m one
mkdir -p "$work/repo/unpacked"
[ "$(rev_of "$work/repo/unpacked")" = unknown ] || fail "a tree inside another repository: $(rev_of "$work/repo/unpacked")"
head=$(git -C "$work/repo" rev-parse --short=12 HEAD)
[ "$(rev_of "$work/repo")" = "$head" ] || fail "a checkout: $(rev_of "$work/repo"), expected $head"
echo x >"$work/repo/f" && git -C "$work/repo" add f
[ "$(rev_of "$work/repo")" = "$head-dirty" ] || fail "a changed checkout: $(rev_of "$work/repo")"
git -C "$work/repo" -c user.name=t -c user.email=t@t commit -q -m two
git -C "$work/repo" tag v9.9.9
[ "$(rev_of "$work/repo")" = v9.9.9 ] || fail "a tagged checkout: $(rev_of "$work/repo")"
# Rewritten only when it changed: a rebuild with nothing new recompiles nothing.
rev_of "$work/repo" >/dev/null
touch -d '2000-01-01' "$work/out.h"
cmake -DSOURCE_DIR="$work/repo" -DOUTPUT="$work/out.h" -P "$src/cmake/build_info.cmake"
[ "$(date -r "$work/out.h" +%Y)" = 2000 ] || fail "build_info.cmake rewrote an unchanged header"
echo "PASS: --version"
