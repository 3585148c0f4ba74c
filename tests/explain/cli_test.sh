#!/usr/bin/env bash
# `tracediff explain` as a command: exit status (0 cause, 1 none, 2
# trouble), both formats, --message, and a -ff file set.
#   cli_test.sh TRACEDIFF SOURCE_DIR
set -uo pipefail
td=$1
golden=$2/tests/explain/golden
fail=0
expect_status() {  # WANT CMD...
  local want=$1
  shift
  "$@" >/tmp/explain-cli.$$ 2>&1
  local got=$?
  if [ "$got" != "$want" ]; then
    echo "FAIL: '$*' exited $got, want $want"
    cat /tmp/explain-cli.$$
    fail=1
  fi
}
expect_status 0 "$td" explain "$golden/article-foo/input.log"
expect_status 1 "$td" explain "$golden/article-bcrontab/input.log"
expect_status 0 "$td" explain "$golden/article-bcron-both/input.log" --format json
expect_status 2 "$td" explain /nonexistent/trace
expect_status 2 "$td" explain "$golden/article-foo/input.log" --format yaml
# --message picks the worker's reply instead of the last stderr line.
expect_status 0 "$td" explain "$golden/article-bcron-spool/input.log" --message "32:ZCould not create"
out=$("$td" explain --format json "$golden/article-bcron-both/input.log")
[ "$(jq -r '[.chain[].kind]|join(",")' <<<"$out")" = message,received,sent,cause ] || { echo "FAIL: chain: $out"; fail=1; }
[ "$(jq -r '.chain[-1].path' <<<"$out")" = /var/spool/cron/tmp/spool.21470.1573692319.854640 ] || { echo "FAIL: path: $out"; fail=1; }
# A -ff set: one file per process.
work=$(mktemp -d)
trap 'rm -rf "$work" /tmp/explain-cli.$$' EXIT
grep '^20629 ' "$golden/article-bcron-both/input.log" | cut -d' ' -f2- >"$work/log.20629"
grep '^21470 ' "$golden/article-bcron-both/input.log" | cut -d' ' -f2- >"$work/log.21470"
expect_status 0 "$td" explain "$work/log.20629" "$work/log.21470"
exit $fail
