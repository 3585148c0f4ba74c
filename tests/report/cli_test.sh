#!/usr/bin/env bash
# `tracediff diff` through the real binary: exit status, colour, pager,
# output files, closed pipes. The pager and colour cases need a terminal:
# script(1) gives the command a pseudo-terminal.
# Usage: cli_test.sh TRACEDIFF SOURCE_DIR
set -uo pipefail
td=$(realpath "$1")
src=$(realpath "$2")
command -v script >/dev/null || { echo "SKIP: script(1) is missing"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bash "$src/tests/report/make_logs.sh" "$work"
rc=$?
[ $rc = 0 ] || exit $rc
cd "$work"
fail=0
check() {  # check DESCRIPTION COMMAND...
  local what=$1
  shift
  if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fail=1; fi
}
has_esc() { grep -q $'\x1b\[' "$1"; }
# A file with text and no escapes (an empty file proves nothing).
no_esc() { [ -s "$1" ] && ! grep -q $'\x1b\[' "$1"; }
# The widest line of a file, in characters.
widest() { python3 -c 'import sys; print(max(len(l.rstrip("\n")) for l in open(sys.argv[1], encoding="utf-8")))' "$1"; }
cat > pager.sh <<PAGER
#!/bin/sh
echo ran >> "$work/pager-ran"
cat > "$work/paged.txt"
PAGER
chmod +x pager.sh
export PAGER="$work/pager.sh"
unset NO_COLOR COLUMNS LINES
# In a pseudo-terminal of 30 rows: runs "$@", transcript in tty.txt.
in_tty() {
  rm -f pager-ran paged.txt
  local cmd
  printf -v cmd '%q ' "$@"
  script -qec "stty rows 30 cols 120; $cmd" /dev/null > tty.txt 2>&1
}

# Exit status like diff(1), report on a pipe: no colour, no pager.
rm -f pager-ran
"$td" diff good.log bad.log > out.txt 2> err.txt
check "divergences exit 1" [ $? = 1 ]
check "pipe: no escapes" no_esc out.txt
check "pipe: no pager" [ ! -e pager-ran ]
check "pipe: the cause comes first" grep -q "Most likely cause (#1 result" out.txt
check "pipe: the cause names the missing file" grep -q '^  bad   openat(AT_FDCWD, ".*/app/config.json", O_RDONLY) = -1 ENOENT$' out.txt
check "nothing on stderr" [ ! -s err.txt ]
"$td" diff good.log good.log > same.txt
check "same trace exits 0" [ $? = 0 ]
check "same trace says so" grep -q "No significant divergence" same.txt
"$td" diff good.log missing.log > /dev/null 2> err.txt
check "missing file exits 2" [ $? = 2 ]
check "missing file: one line naming it" sh -c "[ \$(wc -l < err.txt) = 1 ] && grep -q missing.log err.txt"

# --color=always on a pipe; NO_COLOR does not override a flag.
"$td" diff good.log bad.log --color=always > color.txt
check "--color=always gives escapes" has_esc color.txt
NO_COLOR=1 "$td" diff good.log bad.log --color=always > color2.txt
check "--color=always beats NO_COLOR" has_esc color2.txt
"$td" diff good.log bad.log --color=never --width 80 > w80.txt
check "--width 80 is honoured" [ "$(widest w80.txt)" -le 80 ]
COLUMNS=70 "$td" diff good.log bad.log > w70.txt
check "COLUMNS=70 is honoured" [ "$(widest w70.txt)" -le 70 ]
check "width 120 by default off a terminal" [ "$(widest out.txt)" -gt 100 ] && [ "$(widest out.txt)" -le 120 ]

# A terminal: colour and the pager for a long report.
in_tty "$td" diff good.log bad.log
check "tty: pager ran" [ -e pager-ran ]
check "tty: paged report has colour" has_esc paged.txt
check "tty: paged report is the report" grep -q "Most likely cause" paged.txt
in_tty env NO_COLOR=1 "$td" diff good.log bad.log
check "tty + NO_COLOR: pager ran" [ -e pager-ran ]
check "tty + NO_COLOR: no escapes" no_esc paged.txt
in_tty "$td" diff good.log bad.log --no-pager
check "tty --no-pager: no pager" [ ! -e pager-ran ]
check "tty --no-pager: report on the terminal" grep -q "Most likely cause" tty.txt
check "tty --no-pager: colour" has_esc tty.txt
in_tty "$td" diff good.log bad.log --first
check "tty, short report: no pager" [ ! -e pager-ran ]
check "tty --first: the cause only" sh -c "grep -q 'Most likely cause' tty.txt && ! grep -q '^== ' tty.txt"
in_tty env PAGER= "$td" diff good.log bad.log
check "tty, empty PAGER: no pager" [ ! -e pager-ran ]
in_tty env PAGER=/nonexistent/pager "$td" diff good.log bad.log
check "tty, pager that cannot run: report printed anyway" grep -q "Most likely cause" tty.txt

# A closed pipe ends quietly, with the diff's status.
"$td" diff good.log bad.log --all -C 50 2> err.txt | head -1 > /dev/null
st=${PIPESTATUS[0]}
check "closed pipe: status 1" [ "$st" = 1 ]
check "closed pipe: nothing on stderr" [ ! -s err.txt ]

# Output files: written, never overwritten without --force.
"$td" diff good.log bad.log --format html -o report.html 2> err.txt
check "html -o: exit 1" [ $? = 1 ]
check "html -o: a page" grep -q '^<!DOCTYPE html>' report.html
check "html -o: says where" grep -q "report.html" err.txt
echo keep > report.txt
"$td" diff good.log bad.log -o report.txt 2> err.txt
check "existing -o: exit 2" [ $? = 2 ]
check "existing -o: kept" [ "$(cat report.txt)" = keep ]
check "existing -o: says --force" grep -q -- "--force" err.txt
"$td" diff good.log bad.log -o report.txt --force 2> err.txt
check "--force overwrites" grep -q "Most likely cause" report.txt
check "file output has no colour" no_esc report.txt
"$td" diff good.log bad.log --format json > d.json
check "json is JSON" sh -c "[ -s d.json ] && jq -e '.divergences | length > 0' d.json > /dev/null"
in_tty "$td" diff good.log bad.log --format html
check "html to a terminal: refused" grep -q -- "-o FILE" tty.txt
"$td" diff good.log bad.log --format json --first > /dev/null 2> err.txt
check "--first with json: exit 2" [ $? = 2 ]
"$td" diff --keep fds good.log bad.log --first > /dev/null 2>&1
check "--keep takes one rule, not the traces" [ $? = 1 ]
"$td" diff --keep no-such-rule good.log bad.log > /dev/null 2> err.txt
check "unknown rule: exit 2" [ $? = 2 ]
check "unknown rule: named" grep -q "no-such-rule" err.txt
{ head -4 bad.log; echo "this line is not strace output (("; tail -n +5 bad.log; } > garbled.log
"$td" diff good.log garbled.log --first > /dev/null 2> err.txt
check "a line that cannot be parsed: still a diff (exit 1)" [ $? = 1 ]
check "a line that cannot be parsed: warned with file and line" grep -q "warning: garbled.log:5:" err.txt
# A side that cannot be read is said at once, even when the other side is a
# pipe whose writer is still running (a recording streamed from another
# host): the error must not wait for the pipe to end. The writer holds the
# pipe open for 20 s; the check allows 5.
echo garbage > notatrace.txt
: > empty.log
mkfifo held
for args in "missing.log -" "- missing.log" "notatrace.txt -" "- empty.log" "good.log - --bad notatrace.txt"; do
  rm -f rc.txt
  sleep 20 > held &
  holder=$!
  start=$(date +%s)
  ( "$td" diff $args < held > /dev/null 2> err.txt; echo $? > rc.txt ) &
  while [ ! -s rc.txt ] && [ $(( $(date +%s) - start )) -lt 5 ]; do sleep 0.1; done
  took=$(( $(date +%s) - start ))
  check "diff $args, the other side a pipe still open: said within 5 s (took $took s)" [ -s rc.txt ]
  kill $holder 2>/dev/null
  wait
  check "diff $args: exit 2" [ "$(cat rc.txt)" = 2 ]
  check "diff $args: one line naming the file" sh -c "[ \$(wc -l < err.txt) = 1 ] && grep -Eq 'missing.log: no such file|notatrace.txt:1: neither|empty.log: empty file' err.txt"
done
# Byte counts are unsigned: "-1" must be refused, not wrap to "show everything".
for sub in show explain; do
  "$td" $sub -s -1 bad.log > /dev/null 2> err.txt
  check "$sub -s -1: exit 2" [ $? = 2 ]
  check "$sub -s -1: says why" grep -q "'-1' is not a number of bytes" err.txt
done
exit $fail
