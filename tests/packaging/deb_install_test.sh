#!/usr/bin/env bash
# Installs dist/tracediff_*.deb with apt-get, as on a real host, but into a
# copy-on-write view of this one: a private mount namespace with an overlay
# whose lower layer is / and whose upper layer is a tmpfs, chrooted into.
# Everything apt, dpkg and man-db write lands in the tmpfs and is gone when
# the namespace ends; the host's package set is compared before and after.
#
# There it checks what a user gets: `tracediff --version`, `man -w
# tracediff` (and every subcommand's page, rendered), the bash completion
# found by bash-completion's own loader and answering queries, the zsh
# completion registered by compinit; then removes the package and checks that
# nothing of it is left.
#
# usage: deb_install_test.sh DIST BUILT_TRACEDIFF
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

if [ "${1:-}" != --inside ]; then
  [ $# = 2 ] || fail "usage: deb_install_test.sh DIST BUILT_TRACEDIFF"
  need_root "a private mount namespace, an overlay over / and chroot"
  find_dist "$1"
  check_fresh "$2"
  packages() { dpkg-query -W -f='${Package} ${Version} ${db:Status-Abbrev}\n' | sort; }
  before=$(packages)
  had_bin=$([ -e /usr/bin/tracediff ] && echo yes || echo no)
  rc=0
  unshare --mount --propagation private bash "$0" --inside "$dist_deb" || rc=$?
  after=$(packages)
  [ "$before" = "$after" ] || fail "the host's installed packages changed: $(diff <(echo "$before") <(echo "$after"))"
  [ "$had_bin" = yes ] || [ ! -e /usr/bin/tracediff ] || fail "/usr/bin/tracediff appeared on the host"
  exit "$rc"
fi

deb=$2
t=$(mktemp -d /tmp/tracediff-debroot.XXXXXX)
trap 'umount -R "$t" 2>/dev/null; rmdir "$t"' EXIT
mount -t tmpfs -o mode=0755 tracediff-deb "$t"
mkdir "$t/upper" "$t/work" "$t/root"
if ! mount -t overlay overlay -o "lowerdir=/,upperdir=$t/upper,workdir=$t/work" "$t/root" 2>"$t/err"; then
  skip "cannot mount an overlay over / here: $(cat "$t/err")"
fi
r=$t/root
mount -t proc proc "$r/proc"
mount --rbind /dev "$r/dev"
mount -t tmpfs tmpfs "$r/tmp"
mount -t tmpfs tmpfs "$r/run"
cp "$deb" "$r/tmp/"
name=$(basename "$deb")

inside() { chroot "$r" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 TERM=dumb "$@"; }

[ ! -e "$r/usr/bin/tracediff" ] || skip "tracediff is already installed on this host (/usr/bin/tracediff)"

echo "== apt-get install ./$name"
# A package without Depends needs nothing from a mirror.
inside apt-get install -y -q "/tmp/$name" >"$t/apt.log" 2>&1 ||
  { cat "$t/apt.log" >&2; fail "apt-get install ./$name failed"; }
inside dpkg-query -W -f='${db:Status-Abbrev}' tracediff | grep -q '^ii' || fail "tracediff is not installed after apt-get"
deps=$(inside dpkg-query -W -f='${Depends}${Pre-Depends}' tracediff)
[ -z "$deps" ] || fail "the static package should depend on nothing, has: $deps"

echo "== tracediff --version"
inside tracediff --version | tee "$t/version"
grep -q "^tracediff " "$t/version" || fail "--version has no version line"
grep -q "^build: static" "$t/version" || fail "the packaged tracediff is not the static build"

echo "== man -w"
page=$(inside man -w tracediff) || fail "man -w tracediff found no page"
[ "$page" = /usr/share/man/man1/tracediff.1.gz ] || fail "man -w tracediff: $page"
for sub in $(inside tracediff --describe-cli | jq -r '.subcommands[].name'); do
  inside man -w "tracediff-$sub" >/dev/null || fail "no man page tracediff-$sub"
  inside env MANWIDTH=80 MAN_KEEP_FORMATTING= man "tracediff-$sub" 2>"$t/man.err" >"$t/man.txt" ||
    fail "man tracediff-$sub: $(cat "$t/man.err")"
  for section in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" "SEE ALSO"; do
    grep -q "^$section" "$t/man.txt" || fail "man tracediff-$sub has no $section"
  done
  echo "  tracediff-$sub(1): $(wc -l <"$t/man.txt") lines"
done
inside env MANWIDTH=80 man tracediff >"$t/man.txt" 2>/dev/null
grep -q "^EXAMPLES" "$t/man.txt" || fail "tracediff(1) has no EXAMPLES"
grep -q "strace -f -tt -T -yy -v -s 4096" "$t/man.txt" || fail "tracediff(1) EXAMPLES lacks the strace command"

echo "== bash completion"
# bash-completion's loader finds the file by the command's name, as in an
# interactive shell; then one query: the subcommands after "tracediff re"
# (record and redact: both, in order).
spec=$(inside bash -c '. /usr/share/bash-completion/bash_completion; _completion_loader tracediff; complete -p tracediff')
echo "  $spec"
[ "$spec" = "complete -F _tracediff tracediff" ] || fail "complete -p tracediff: $spec"
spec=$(inside bash -c '. /usr/share/bash-completion/completions/tracediff; complete -p tracediff')
[ "$spec" = "complete -F _tracediff tracediff" ] || fail "sourcing the file: complete -p tracediff: $spec"
words=$(inside bash -c '. /usr/share/bash-completion/completions/tracediff
  COMP_WORDS=(tracediff re); COMP_CWORD=1; _tracediff; echo "${COMPREPLY[*]}"')
[ "$words" = "record redact" ] || fail "completing 'tracediff re': '$words' (wanted 'record redact')"

echo "== zsh completion"
if inside sh -c 'command -v zsh' >/dev/null; then
  comp=$(inside zsh -f -c 'autoload -Uz compinit; compinit -u -d /tmp/zcompdump; print -r -- ${_comps[tracediff]}')
  [ "$comp" = _tracediff ] || fail "zsh compinit does not know tracediff: '$comp'"
  echo "  compinit: tracediff -> $comp"
else
  fail "zsh is not installed (scripts/deps.sh installs it)"
fi

echo "== apt-get remove tracediff"
inside apt-get remove -y -q tracediff >"$t/apt.log" 2>&1 || { cat "$t/apt.log" >&2; fail "apt-get remove failed"; }
if inside dpkg-query -W -f='${db:Status-Abbrev}' tracediff 2>/dev/null | grep -q '^ii'; then fail "still installed"; fi
for f in /usr/bin/tracediff /usr/share/man/man1/tracediff.1.gz /usr/share/bash-completion/completions/tracediff \
         /usr/share/zsh/vendor-completions/_tracediff /usr/share/doc/tracediff; do
  [ ! -e "$r$f" ] || fail "$f is left after removing the package"
done
if inside man -w tracediff >/dev/null 2>&1; then fail "man -w tracediff still finds a page"; fi
echo "PASS: the .deb installs, works, and removes cleanly"
