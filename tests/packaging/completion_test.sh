#!/usr/bin/env bash
# The generated shell completion (packaging/gen_docs.py), queried as the
# shells query it: bash by calling the completion function with COMP_WORDS
# set, zsh through a pseudo-terminal (zpty) pressing Tab.
#
# usage: completion_test.sh TRACEDIFF DOCS_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
[ $# = 2 ] || fail "usage: completion_test.sh TRACEDIFF DOCS_DIR"
td=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
comp=$2/completion
work=$(mktemp -d)
sleeper=
trap '[ -z "$sleeper" ] || kill "$sleeper" 2>/dev/null; rm -rf "$work"' EXIT
cd "$work"
touch a.trace b.trace.zst c.log d.txt
mkdir sub

# Completions of the command line "$@" (the last word is the one completed),
# sorted, one line.
complete_bash() {
  bash --norc -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; _tracediff; printf "%s\n" "${COMPREPLY[@]}"' \
    _ "$comp/tracediff.bash" "$@" | sort | tr '\n' ' ' | sed 's/ $//'
}
expect() {  # WHAT EXPECTED ACTUAL
  [ "$2" = "$3" ] || fail "bash: $1: expected '$2', got '$3'"
  echo "ok bash: $1: $3"
}

subs=$("$td" --describe-cli | jq -r '.subcommands[].name' | sort | tr '\n' ' ' | sed 's/ $//')
expect "subcommands" "$(echo "$subs --help --version -h" | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ $//')" \
  "$(complete_bash "$td" "")"
expect "a subcommand by prefix" "record" "$(complete_bash "$td" rec)"
expect "a flag by prefix" "--force --format" "$(complete_bash "$td" diff --fo)"
expect "--format values" "html json text" "$(complete_bash "$td" diff --format "")"
expect "--format=VALUE" "json" "$(complete_bash "$td" diff --format=j)"
expect "--color values" "always auto never" "$(complete_bash "$td" diff good.trace --color "")"
expect "traces and logs, not other files" "a.trace b.trace.zst c.log sub" "$(complete_bash "$td" show "")"
expect "any file when no trace matches" "d.txt" "$(complete_bash "$td" show d)"
expect "diff's second trace" "a.trace b.trace.zst c.log sub" "$(complete_bash "$td" diff a.trace "")"
expect "after an option's value, the trace again" "a.trace b.trace.zst c.log sub" \
  "$(complete_bash "$td" diff -C 5 "")"
expect "import's log: any file" "a.trace b.trace.zst c.log d.txt sub" "$(complete_bash "$td" import "")"
expect "-o: any file" "d.txt" "$(complete_bash "$td" record -o d)"
expect "-e trace=SET" "trace=%fd trace=%file" "$(complete_bash "$td" record -e trace=%f)"
rules=$("$td" normalize --list-rules | cut -d' ' -f1 | sort | tr '\n' ' ' | sed 's/ $//')
[ -n "$rules" ] || fail "normalize --list-rules printed nothing"
expect "--keep: the normalization rules" "$rules" "$(complete_bash "$td" normalize --keep "")"
expect "record: -- before the command" "--" "$(complete_bash "$td" record -o x.trace "")"
cmds=$(complete_bash "$td" record -o x.trace -- trued)
[ "$cmds" = "" ] || fail "bash: no command starts with 'trued', got '$cmds'"
cmds=$(complete_bash "$td" record -o x.trace -- tru)
grep -qw true <<<"$cmds" || fail "bash: 'record -- tru' does not offer the command true: '$cmds'"
echo "ok bash: record -- COMMAND: $cmds"
expect "the command's own arguments: files" "d.txt" "$(complete_bash "$td" record -- cat d)"
sleep 300 &
sleeper=$!
pids=$(complete_bash "$td" record -p "")
grep -qw "$sleeper" <<<"$pids" || fail "bash: record -p does not offer the running pid $sleeper"
for p in $pids; do [[ $p =~ ^[0-9]+$ ]] || fail "bash: record -p offers '$p', not a pid"; done
expect "record -p by prefix" "$(cd /proc && ls -d "$sleeper"* | sort | tr '\n' ' ' | sed 's/ $//')" \
  "$(complete_bash "$td" record -p "$sleeper")"

# zsh: a real interactive zsh in a pseudo-terminal, Tab pressed after the
# words; the completion list is what it prints.
command -v zsh >/dev/null || fail "zsh is not installed (scripts/deps.sh installs it)"
zsh -n "$comp/_tracediff" || fail "zsh: _tracediff does not parse"
complete_zsh() {  # WORDS...: what zsh lists for them, escapes removed
  # The list is read a while after Tab; on a busy machine, longer.
  local wait out
  for wait in 1 3 8; do
    out=$(ZSH_WAIT=$wait timeout 30 zsh -f "$here/zsh_complete.zsh" "$comp" "$td" "$@" 2>/dev/null | tr '\r' '\n' |
      sed 's/\x1b\[[0-9;?]*[A-Za-z]//g')
    # Beyond the echo of the line, the prompt's redraw and the marker, something was listed.
    [ "$(grep -cvE 'DONE|^ *$|^#|^t?tracediff|print -r' <<<"$out")" -gt 0 ] && break
  done
  echo "$out"
}
out=$(complete_zsh tracediff "")
for s in $subs; do grep -q "$s" <<<"$out" || fail "zsh: 'tracediff <Tab>' does not list $s: $out"; done
echo "ok zsh: subcommands"
out=$(complete_zsh tracediff diff --format "")
for f in text json html; do grep -qw "$f" <<<"$out" || fail "zsh: '--format <Tab>' does not list $f: $out"; done
echo "ok zsh: diff --format values"
out=$(complete_zsh tracediff show "")
grep -q "a.trace" <<<"$out" && grep -q "c.log" <<<"$out" || fail "zsh: 'show <Tab>' does not list traces: $out"
! grep -q "d.txt" <<<"$out" || fail "zsh: 'show <Tab>' lists d.txt: $out"
echo "ok zsh: show's traces"
out=$(complete_zsh tracediff normalize --keep "")
for r in $rules; do grep -qw "$r" <<<"$out" || fail "zsh: '--keep <Tab>' does not list the rule $r: $out"; done
echo "ok zsh: --keep rules"
out=$(complete_zsh tracediff record -p "")
grep -qw "$sleeper" <<<"$out" || fail "zsh: 'record -p <Tab>' does not list the running pid $sleeper: $out"
echo "ok zsh: record -p pids"
echo "PASS: bash and zsh completion"
