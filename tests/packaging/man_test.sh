#!/usr/bin/env bash
# The man pages generated at build time (packaging/gen_docs.py) against the
# tracediff they were generated from:
#  - one page per subcommand, and tracediff(1); groff finds nothing to warn about;
#  - every option, its description, every footer sentence and example of
#    `tracediff SUB --help` is in the rendered page (they cannot drift);
#  - what EXIT STATUS says is what the commands do (run for real).
#
# usage: man_test.sh TRACEDIFF DOCS_DIR SOURCE_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
[ $# = 3 ] || fail "usage: man_test.sh TRACEDIFF DOCS_DIR SOURCE_DIR"
td=$1 man=$2/man src=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Plain text of a page at a width that never wraps: whitespace collapsed, so
# that reflowed paragraphs compare with the help's hard-wrapped lines.
render() {
  groff -man -Tascii -P-cbou -rLL=2000n -ww "$1" 2>"$work/groff.err"
  [ ! -s "$work/groff.err" ] || fail "groff warns about $1: $(cat "$work/groff.err")"
}
flat() { tr -s ' \n\t' '   ' | sed 's/^ //; s/ $//'; }

subs=$("$td" --describe-cli | jq -r '.subcommands[].name')
expected=$( (echo tracediff.1; for s in $subs; do echo "tracediff-$s.1"; done) | sort)
actual=$(cd "$man" && ls | sort)
[ "$expected" = "$actual" ] || fail "man pages: expected $(echo $expected), found $(echo $actual)"

checked=0
for s in $subs; do
  page=$(render "$man/tracediff-$s.1" | flat)
  help=$("$td" "$s" --help)
  # Options and positionals: "  NAMES TYPE  description", two spaces apart,
  # or the description alone on the next line when the names are long.
  pending=
  while IFS= read -r line; do
    if [[ $line =~ ^\ \ [^\ ] ]]; then
      rest=${line#  }
      names=${rest%% *}
      if [[ $rest == *"  "* ]]; then
        desc=${rest#*  }
      else
        pending=$names
        continue
      fi
    elif [ -n "$pending" ] && [[ $line =~ ^\ {4,}[^\ ] ]]; then
      names=$pending desc=$line
    else
      continue
    fi
    pending=
    desc=$(flat <<<"$desc")
    for n in ${names//,/ }; do
      grep -qF -- "$n" <<<"$page" || fail "tracediff-$s(1) lacks $n"
    done
    grep -qF -- "$desc" <<<"$page" || fail "tracediff-$s(1) lacks the description of $names: '$desc'"
    checked=$((checked + 1))
  done < <(sed -n '/^Options:\|^Positionals:/,/^$/p' <<<"$help")
  # The footer: its prose (reflowed) and each example line.
  footer=$(sed -n '/^Options:/,$p' <<<"$help" | sed '1,/^$/d')
  prose=$(sed '/^Examples\?:/,$d' <<<"$footer" | flat)
  [ -z "$prose" ] || grep -qF -- "$prose" <<<"$page" || fail "tracediff-$s(1) lacks the help's text: '$prose'"
  while IFS= read -r ex; do
    ex=$(sed -E 's/^Example: //' <<<"$ex" | flat)
    [ -n "$ex" ] || continue
    grep -qF -- "$ex" <<<"$page" || fail "tracediff-$s(1) lacks the example '$ex'"
    checked=$((checked + 1))
  done < <(sed -n '/^Examples:/,$p' <<<"$footer" | sed 1d; sed -n 's/^Example: //p' <<<"$footer")
  grep -q "EXIT STATUS" <<<"$page" || fail "tracediff-$s(1) has no EXIT STATUS"
  grep -q "SEE ALSO" <<<"$page" || fail "tracediff-$s(1) has no SEE ALSO"
done
main=$(render "$man/tracediff.1" | flat)
for s in $subs; do grep -qF "tracediff-$s(1)" <<<"$main" || fail "tracediff(1) does not point to tracediff-$s(1)"; done
grep -qF "EXAMPLES" <<<"$main" || fail "tracediff(1) has no EXAMPLES"
echo "checked $checked options and examples against --help"

# EXIT STATUS, page by page, against what the commands do.
exit_of() {  # PAGE: its EXIT STATUS section, flat
  render "$man/$1.1" | sed -n '/^EXIT STATUS/,/^[A-Z][A-Z ]*$/p' | sed '1d;$d' | flat
}
status() { rc=0; "$@" >/dev/null 2>"$work/err" || rc=$?; echo "$rc"; }
says() {  # PAGE TEXT
  grep -qF -- "$2" <<<"$(exit_of "$1")" || fail "$1(1) EXIT STATUS does not say '$2': $(exit_of "$1")"
}

# Two strace logs of foo (examples/missing-config), as `strace -f -o LOG foo`
# writes them where it works and where it does not.
log_a=$work/a.log log_b=$work/b.log
exec_line='execve("/usr/bin/foo", ["foo"], 0x7ffd5e3c1e40 /* 12 vars */) = 0'
printf '%s\n' "$exec_line" 'openat(AT_FDCWD, "/etc/foo/config.json", O_RDONLY) = 3' 'write(1, "ok\n", 3) = 3' \
  'exit_group(0) = ?' '+++ exited with 0 +++' | sed 's/^/4242 /' >"$log_a"
printf '%s\n' "$exec_line" 'openat(AT_FDCWD, "/etc/foo/config.json", O_RDONLY) = -1 ENOENT (No such file or directory)' \
  'write(2, "Error opening configuration file: No such file or directory\n", 60) = 60' \
  'exit_group(1) = ?' '+++ exited with 1 +++' | sed 's/^/4242 /' >"$log_b"
says tracediff-diff "0 no significant divergence, 1 divergences found, 2 trouble"
[ "$(status "$td" diff "$log_a" "$log_a")" = 0 ] || fail "diff of a log with itself is not 0"
[ "$(status "$td" diff "$log_a" "$log_b")" = 1 ] || fail "diff of different logs is not 1"
[ "$(status "$td" diff "$log_a" "$work/missing.log")" = 2 ] || fail "diff of a missing file is not 2"
says tracediff-explain "0 cause found, 1 none, 2 trouble"
[ "$(status "$td" explain "$log_b")" = 0 ] || fail "explain of the failing log is not 0"
[ "$(status "$td" explain "$log_a")" = 1 ] || fail "explain of a log without a failure is not 1"
[ "$(status "$td" explain "$work/missing.log")" = 2 ] || fail "explain of a missing file is not 2"
for s in import show normalize; do
  says "tracediff-$s" "0 when the command did its work; 2 on trouble"
done
[ "$(status "$td" import "$log_a" -o "$work/a.trace")" = 0 ] || fail "import is not 0"
[ "$(status "$td" import "$log_a" -o "$work/a.trace")" = 2 ] || fail "import over an existing output is not 2"
[ "$(status "$td" show "$work/a.trace")" = 0 ] || fail "show is not 0"
[ "$(status "$td" show "$work/missing.trace")" = 2 ] || fail "show of a missing file is not 2"
[ "$(status "$td" normalize "$work/a.trace" -o "$work/n.trace")" = 0 ] || fail "normalize is not 0"
[ "$(status "$td" normalize "$work/missing.trace")" = 2 ] || fail "normalize of a missing file is not 2"
[ "$(status "$td" show --no-such-flag)" = 2 ] || fail "a usage error is not 2"
says tracediff-record "the command's status (128+N when killed by signal N)"
rc=$(status "$td" record -o "$work/r.trace" -- sh -c 'exit 3')
if [ "$rc" = 2 ] && grep -q "ptrace\|Operation not permitted" "$work/err"; then
  skip "ptrace is not allowed here, so record's exit status cannot be checked: $(cat "$work/err")"
fi
[ "$rc" = 3 ] || fail "record of 'exit 3' exited $rc: $(cat "$work/err")"
rc=$(status "$td" record -o "$work/k.trace" -- sh -c 'kill -TERM $$')
[ "$rc" = 143 ] || fail "record of a command killed by SIGTERM exited $rc, not 128+15"
[ "$(status "$td" record -o "$work/r.trace" -- true)" = 2 ] || fail "record over an existing output is not 2"
echo "PASS: man pages match --help; EXIT STATUS matches the commands"
