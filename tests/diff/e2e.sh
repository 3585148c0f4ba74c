#!/usr/bin/env bash
# End-to-end diff tests on real strace recordings. Each "host" is a private
# mount namespace (unshare -m) in which bind mounts and tmpfs make one file
# system differ; nothing outside the test changes.
#   e2e.sh DIFF_TRACES PROGRAM_DIR CASE [TRACEDIFF]
# Without TRACEDIFF the runs are recorded with `strace -f -o` and imported;
# with it, with `tracediff record` (ptrace, header with env and host).
# Exit 0 pass, 1 fail, 77 skip (no root, no strace, no unshare).
set -euo pipefail
DIFF=$1
PROGS=$2
CASE=$3
RECORDER=${4:-}
EXT=log
[ -z "$RECORDER" ] || EXT=trace
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root for mount namespaces"; exit 77; }
command -v strace >/dev/null || { echo "SKIP: strace not installed"; exit 77; }
command -v jq >/dev/null || { echo "SKIP: jq not installed"; exit 77; }
unshare -m --propagation private true 2>/dev/null || { echo "SKIP: unshare -m not permitted"; exit 77; }

S=$(mktemp -d /tmp/tracediff-e2e-XXXXXX)
trap 'rm -rf "$S"' EXIT
chmod 755 "$S"

# host NAME SETUP COMMAND...: runs COMMAND under strace in a namespace after
# the shell snippet SETUP; the log goes to $S/NAME.log.
host() {
  local name=$1 setup=$2
  shift 2
  local tracer="strace -f -o '$S/$name.log'"
  [ -z "$RECORDER" ] || tracer="'$RECORDER' record --force -o '$S/$name.trace' --"
  unshare -m --propagation private bash -c "set -e; $setup
    exec $tracer \"\$@\"" host "$@" >"$S/$name.out" 2>"$S/$name.err" || true
}

fail() { echo "FAIL: $*"; echo "--- top divergences:"; jq -c '.divergences[:3][]' "$S/diff.json" || true; exit 1; }

diff_json() { "$DIFF" "$S/$1.$EXT" "$S/$2.$EXT" >"$S/diff.json" || [ $? = 1 ] || { echo "FAIL: diff_traces trouble"; exit 1; }; }

# Same program, same host, twice: nothing significant.
noise() {
  host one "$1" "${@:2}"
  host two "$1" "${@:2}"
  diff_json one two
  local n
  n=$(jq '[.divergences[] | select(.significant)] | length' "$S/diff.json")
  [ "$n" = 0 ] || fail "$CASE: $n significant divergence(s) between two runs on one host"
  echo "ok: $CASE: zero significant divergences ($(jq '.divergences | length' "$S/diff.json") noise)"
}

top() { jq -r ".divergences[0]$1" "$S/diff.json"; }

case $CASE in
  config-missing)
    mkdir -p "$S/etc" "$S/good-etc" "$S/bad-etc"
    echo "key=value" >"$S/good-etc/app.conf"
    host good "mount --bind '$S/good-etc' '$S/etc'" "$PROGS/config_app" "$S/etc/app.conf"
    host bad "mount --bind '$S/bad-etc' '$S/etc'" "$PROGS/config_app" "$S/etc/app.conf"
    diff_json good bad
    [ "$(top .kind)" = result ] || fail "rank 1 is $(top .kind), not result"
    [ "$(top .bad.path)" = "$S/etc/app.conf" ] || fail "rank 1 path $(top .bad.path)"
    [ "$(top .bad.errno)" = ENOENT ] || fail "rank 1 errno $(top .bad.errno)"
    [ "$(top .good.errno)" = null ] || fail "good side failed too"
    # Calls are shown as recorded: the real path (not its normalized
    # temp-name form) and the fd number (not the fd rule's "fd").
    top .good.call | grep -qE "\"$S/etc/app.conf\".* = [0-9]+" || fail "good call shown as $(top .good.call)"
    if [ -n "${TRACEDIFF_CLI:-}" ]; then
      "$TRACEDIFF_CLI" diff --color=never --no-pager "$S/good.$EXT" "$S/bad.$EXT" >"$S/report.txt" || true
      grep -qE "^  good  openat\(AT_FDCWD[^,]*, \"$S/etc/app.conf\", O_RDONLY.*\) = [0-9]+" "$S/report.txt" ||
        { sed -n '1,20p' "$S/report.txt"; fail "the report's cause does not show the call as recorded"; }
    fi
    ;;
  tmpdir-not-writable)
    mkdir -p "$S/tmp"
    chmod 1777 "$S/tmp"
    # The bad host's temp directory belongs to root and is not world-writable.
    host good "true" setpriv --reuid=65534 --regid=65534 --clear-groups "$PROGS/tmpdir_app" "$S/tmp"
    host bad "mount -t tmpfs -o mode=0755 none '$S/tmp'" \
      setpriv --reuid=65534 --regid=65534 --clear-groups "$PROGS/tmpdir_app" "$S/tmp"
    diff_json good bad
    [ "$(top .kind)" = result ] || fail "rank 1 is $(top .kind)"
    [ "$(top .syscall)" = openat ] || fail "rank 1 syscall $(top .syscall)"
    [ "$(top .bad.errno)" = EACCES ] || fail "rank 1 errno $(top .bad.errno)"
    case "$(top .bad.path)" in "$S/tmp/scratch-"*) ;; *) fail "rank 1 path $(top .bad.path)" ;; esac
    ;;
  mkdtemp-no-inodes)
    # mktemp -d makes a job directory as mkdtemp does (mkdir, mode 0700, in
    # a temp directory) and the job writes its state file in it; the bad
    # host's temp directory is a tmpfs with no inode left for the file.
    # Each side's directory has its own random name: the file's two opens
    # pair only because the run made the directory (one such name in 180
    # is all lowercase, which its shape does not mark as generated).
    mkdir -p "$S/tmp"
    chmod 1777 "$S/tmp"
    job='d=$(mktemp -d -p "$1" job-XXXXXX) && echo ready >"$d/state" && cat "$d/state" && rm -r "$d"'
    host good "true" sh -c "$job" job "$S/tmp"
    host bad "mount -t tmpfs -o nr_inodes=2,mode=1777 none '$S/tmp'" sh -c "$job" job "$S/tmp"
    grep -q ready "$S/good.out" || { echo "FAIL: the good side did not write its state"; exit 1; }
    diff_json good bad
    [ "$(top .kind)" = result ] || fail "rank 1 is $(top .kind)"
    [ "$(top .syscall)" = openat ] || fail "rank 1 syscall $(top .syscall)"
    [ "$(top .bad.errno)" = ENOSPC ] || fail "rank 1 errno $(top .bad.errno)"
    case "$(top .good.path)" in "$S/tmp/job-"??????/state) ;; *) fail "rank 1 good path $(top .good.path)" ;; esac
    case "$(top .bad.path)" in "$S/tmp/job-"??????/state) ;; *) fail "rank 1 bad path $(top .bad.path)" ;; esac
    [ "$(top .good.path)" != "$(top .bad.path)" ] || fail "both sides show one name: not each side's own"
    top .why | grep -q "no inodes" || fail "the reason does not say inodes may be out: $(top .why)"
    ;;
  wrapper-on-path)
    mkdir -p "$S/wrap" "$S/wrap-good" "$S/real"
    cp "$PROGS/wrapped_app" "$S/real/tdapp-run"
    printf '#!/bin/sh\nTDAPP_MODE=production exec %s/real/tdapp-run "$@"\n' "$S" >"$S/wrap-good/tdapp-run"
    chmod 755 "$S/wrap-good/tdapp-run"
    host good "mount --bind '$S/wrap-good' '$S/wrap'" env PATH="$S/wrap:$S/real:/usr/bin:/bin" "$PROGS/launcher"
    host bad "mount -t tmpfs none '$S/wrap'" env PATH="$S/wrap:$S/real:/usr/bin:/bin" "$PROGS/launcher"
    grep -q "production" "$S/good.out" || { echo "FAIL: good side did not run through the wrapper"; exit 1; }
    diff_json good bad
    [ "$(top .syscall)" = execve ] || fail "rank 1 syscall $(top .syscall)"
    [ "$(top .good.path)" = "$S/wrap/tdapp-run" ] || fail "rank 1 good path $(top .good.path)"
    [ "$(top .bad.path)" = "$S/real/tdapp-run" ] || fail "rank 1 bad path $(top .bad.path)"
    top .explanation | grep -q "$S/wrap/tdapp-run" || fail "explanation does not name the candidates"
    ;;
  forking-server-child)
    mkdir -p "$S/data" "$S/data-good" "$S/data-bad"
    for i in a b c; do echo "$i" >"$S/data-good/$i"; done
    for i in a c; do echo "$i" >"$S/data-bad/$i"; done
    host good "mount --bind '$S/data-good' '$S/data'" "$PROGS/forking_server" "$S/data" a b c
    host bad "mount --bind '$S/data-bad' '$S/data'" "$PROGS/forking_server" "$S/data" a b c
    diff_json good bad
    [ "$(top .kind)" = result ] || fail "rank 1 is $(top .kind)"
    [ "$(top .bad.path)" = "$S/data/b" ] || fail "rank 1 path $(top .bad.path)"
    [ "$(top .process)" = "root/2:forking_server" ] || fail "rank 1 process $(top .process)"
    ;;
  several-runs)
    # One good host run three times (record --runs 3 when recording with
    # tracediff); two bad hosts that share one fault (no app.conf) and
    # differ in another way (the first has no extra.conf, which the
    # wrapper looks at first). The shared fault must rank first, "in 2 of 2
    # bad runs"; a good run of another command is refused, naming the file.
    [ -n "${TRACEDIFF_CLI:-}" ] || { echo "SKIP: needs TRACEDIFF_CLI"; exit 77; }
    mkdir -p "$S/etc" "$S/good-etc" "$S/bad1-etc" "$S/bad2-etc"
    echo "key=value" >"$S/good-etc/app.conf"
    echo "x" >"$S/good-etc/extra.conf"
    echo "x" >"$S/bad2-etc/extra.conf"
    run=(sh -c '[ -r "$1/extra.conf" ] || echo "no extra" >&2; exec "$0" "$1/app.conf"' "$PROGS/config_app" "$S/etc")
    goods=()
    if [ -n "$RECORDER" ]; then
      unshare -m --propagation private bash -c "mount --bind '$S/good-etc' '$S/etc'
        exec '$RECORDER' record --runs 3 -o '$S/good.trace' -- \"\$@\"" host "${run[@]}" >"$S/good.out" 2>"$S/good.err" ||
        { cat "$S/good.err"; fail "record --runs 3 failed"; }
      for i in 1 2 3; do [ -s "$S/good.$i.trace" ] || fail "record --runs 3 wrote no good.$i.trace"; goods+=("$S/good.$i.trace"); done
      # The files exist now: a second --runs refuses before running anything.
      "$RECORDER" record --runs 2 -o "$S/good.trace" -- true 2>"$S/again.err" && fail "record --runs overwrote good.1.trace"
      grep -q "good.1.trace" "$S/again.err" || fail "refusal does not name the file: $(cat "$S/again.err")"
    else
      for i in 1 2 3; do host "good$i" "mount --bind '$S/good-etc' '$S/etc'" "${run[@]}"; goods+=("$S/good$i.$EXT"); done
    fi
    host bad1 "mount --bind '$S/bad1-etc' '$S/etc'" "${run[@]}"
    host bad2 "mount --bind '$S/bad2-etc' '$S/etc'" "${run[@]}"
    host other "true" ls /
    "$TRACEDIFF_CLI" diff "${goods[@]}" "$S/bad1.$EXT" --bad "$S/bad2.$EXT" --format json >"$S/diff.json" ||
      [ $? = 1 ] || fail "diff of several runs: trouble"
    [ "$(top .bad.path)" = "$S/etc/app.conf" ] || fail "rank 1 path $(top .bad.path), not the shared fault"
    [ "$(top .bad.errno)" = ENOENT ] || fail "rank 1 errno $(top .bad.errno)"
    [ "$(top .seen)" = "in 2 of 2 bad runs, 0 of 3 good" ] || fail "rank 1 seen: $(top .seen)"
    [ "$(jq '.runs.good | length' "$S/diff.json")" = 3 ] || fail "runs.good is not the 3 good runs"
    jq -e --arg p "$S/etc/extra.conf" '[.divergences[] | select(.significant and .follows == null
        and ((.bad.path // .good.path // "") == $p) and .seen == "in 1 of 2 bad runs, 0 of 3 good")] | length > 0' \
      "$S/diff.json" >/dev/null || fail "the first bad host's own fault is not listed on its own, in 1 of 2 bad runs"
    "$TRACEDIFF_CLI" diff --color=never --no-pager "${goods[@]}" "$S/bad1.$EXT" --bad "$S/bad2.$EXT" >"$S/report.txt" || true
    grep -q "runs: 3 good, 2 bad" "$S/report.txt" || { head -20 "$S/report.txt"; fail "the report does not say how many runs"; }
    grep -q "in 2 of 2 bad runs, 0 of 3 good" "$S/report.txt" || fail "the report does not say the cause is in every bad run"
    local_rc=0
    "$TRACEDIFF_CLI" diff "${goods[0]}" "$S/other.$EXT" "$S/bad1.$EXT" >/dev/null 2>"$S/other.err" || local_rc=$?
    [ "$local_rc" = 2 ] || fail "a good run of another command was not refused (exit $local_rc)"
    grep -q "other.$EXT.*commands differ" "$S/other.err" || fail "refusal does not name the file: $(cat "$S/other.err")"
    ;;
  noise-ls) noise true ls -l /etc ;;
  noise-python) noise true python3 -c 'import json' ;;
  noise-pipeline) noise true sh -c 'ls /etc | sort | wc -l' ;;
  noise-threads) noise true "$PROGS/threads" ;;
  noise-server)
    mkdir -p "$S/data"
    for i in a b c; do echo "$i" >"$S/data/$i"; done
    noise true "$PROGS/forking_server" "$S/data" a b c
    ;;
  *) echo "unknown case $CASE"; exit 2 ;;
esac
echo "ok: $CASE: rank 1 is $(top .kind) $(top .syscall) $(top .bad.path // .good.path)"
