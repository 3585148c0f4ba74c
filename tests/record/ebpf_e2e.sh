#!/usr/bin/env bash
# End-to-end tests of `tracediff record --backend ebpf` against the ptrace
# backend, on real programs (no mocks):
#   ebpf_e2e.sh TRACEDIFF REC_PROGRAMS DIFF_PROGRAMS CASE
# Cases:
#   equivalence   every recorder test program, recorded with both backends
#                 (default set and --all): diff finds nothing significant,
#                 and the eBPF header says nothing was lost or left uncaptured
#   config-missing, child-permission
#                 a failing deployment (good and bad "hosts" are private mount
#                 namespaces, as in tests/diff/e2e.sh): rank 1 of the diff is
#                 the same culprit whichever backend recorded the two runs
#   losses        a ring buffer of one page: the drops are counted in the
#                 header, shown by show and noted by diff
#   own-filter    a program whose own seccomp filter denies statx (EPERM,
#                 ENOSYS): the call never enters, yet is recorded with its
#                 errno, and a good/bad pair ranks it first
#   refusals      an existing output is kept without --force, no file is left
#                 by a failed start, -p follows a running process
# Exit 0 pass, 1 fail, 77 skip (not root, or no BPF here: the reason is printed).
set -euo pipefail
TD=$1
RP=$2
DP=$3
CASE=$4
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (or CAP_BPF and CAP_PERFMON)"; exit 77; }
command -v jq >/dev/null || { echo "SKIP: jq not installed"; exit 77; }
S=$(mktemp -d /tmp/tracediff-ebpf-XXXXXX)
trap 'rm -rf "$S"' EXIT
chmod 755 "$S"
probe=$("$TD" record --backend ebpf -o "$S/probe.trace" -- true 2>&1 >/dev/null) || {
  case $probe in *"--backend ebpf:"*) echo "SKIP: ${probe#tracediff: }"; exit 77 ;; esac
  echo "FAIL: probe: $probe"; exit 1
}
rm -f "$S/probe.trace"

fail() { echo "FAIL: $*"; exit 1; }
opt() { head -n 1 "$1" | jq -r ".options.$2 // \"absent\""; }

# Nothing lost, nothing left uncaptured: the counts the header carries.
clean() {
  for k in lost_events unreadable not_captured; do
    [ "$(opt "$1" $k)" = 0 ] || fail "$1: $k = $(opt "$1" $k)"
  done
}

case $CASE in
  equivalence)
    for mode in default --all; do
      m=(); [ "$mode" = default ] || m=("$mode")
      for p in fileops fdops netops procops creds threads exec_thread spawn; do
        for be in ptrace ebpf; do
          rm -rf "$S/work"; mkdir "$S/work"; chmod 755 "$S/work"
          "$TD" record "${m[@]}" --backend $be --force -o "$S/$p.$be.trace" -- "$RP/$p" "$S/work" \
            >"$S/$p.$be.out" 2>"$S/$p.$be.err" || true
        done
        [ "$(head -n 1 "$S/$p.ebpf.trace" | jq -r .source)" = ebpf ] || fail "$p: source is not ebpf"
        clean "$S/$p.ebpf.trace"
        n=$(grep -c '"type":"syscall"' "$S/$p.ebpf.trace")
        [ "$n" -gt 10 ] || fail "$p $mode: only $n calls recorded"
        rc=0
        "$TD" diff --format json "$S/$p.ptrace.trace" "$S/$p.ebpf.trace" >"$S/d.json" || rc=$?
        [ $rc = 0 ] || {
          jq -c '.divergences[:3][]' "$S/d.json" || true
          fail "$p $mode: ptrace and ebpf recordings differ (diff exit $rc)"
        }
        echo "ok: $p $mode: $n calls, same as ptrace"
      done
    done
    ;;
  config-missing | child-permission)
    # host NAME BACKEND SETUP COMMAND...: runs COMMAND recorded in a private
    # mount namespace after the shell snippet SETUP.
    host() {
      local name=$1 be=$2 setup=$3
      shift 3
      unshare -m --propagation private bash -c "set -e; $setup
        exec '$TD' record --backend $be --force -o '$S/$name.$be.trace' -- \"\$@\"" host "$@" \
        >"$S/$name.$be.out" 2>"$S/$name.$be.err" || true
    }
    unshare -m --propagation private true 2>/dev/null || { echo "SKIP: unshare -m not permitted"; exit 77; }
    if [ "$CASE" = config-missing ]; then
      mkdir -p "$S/etc" "$S/good-etc" "$S/bad-etc"
      echo "key=value" >"$S/good-etc/app.conf"
      good=("mount --bind '$S/good-etc' '$S/etc'" "$DP/config_app" "$S/etc/app.conf")
      bad=("mount --bind '$S/bad-etc' '$S/etc'" "$DP/config_app" "$S/etc/app.conf")
      want_errno=ENOENT want_path=$S/etc/app.conf
    else
      # The server's second worker cannot read its item: on the bad host the
      # file is root's and private, and the server runs as nobody.
      mkdir -p "$S/data" "$S/data-good" "$S/data-bad"
      for i in a b c; do echo $i >"$S/data-good/$i"; echo $i >"$S/data-bad/$i"; done
      chmod 644 "$S"/data-good/* "$S"/data-bad/*
      chmod 600 "$S/data-bad/b"
      run=(setpriv --reuid=65534 --regid=65534 --clear-groups "$DP/forking_server" "$S/data" a b c)
      good=("mount --bind '$S/data-good' '$S/data'" "${run[@]}")
      bad=("mount --bind '$S/data-bad' '$S/data'" "${run[@]}")
      want_errno=EACCES want_path=$S/data/b
    fi
    for be in ptrace ebpf; do
      host good $be "${good[@]}"
      host bad $be "${bad[@]}"
      [ $be = ptrace ] || { clean "$S/good.ebpf.trace"; clean "$S/bad.ebpf.trace"; }
      "$TD" diff --format json "$S/good.$be.trace" "$S/bad.$be.trace" >"$S/$be.json" || [ $? = 1 ] ||
        fail "$be: diff trouble"
      jq -c '.divergences[0] | {kind, syscall, process, path: .bad.path, errno: .bad.errno, good_errno: .good.errno}' \
        "$S/$be.json" >"$S/$be.top"
    done
    [ "$(jq -r .errno "$S/ptrace.top")" = "$want_errno" ] || fail "ptrace rank 1: $(cat "$S/ptrace.top")"
    [ "$(jq -r .path "$S/ptrace.top")" = "$want_path" ] || fail "ptrace rank 1: $(cat "$S/ptrace.top")"
    cmp -s "$S/ptrace.top" "$S/ebpf.top" ||
      fail "rank 1 differs: ptrace $(cat "$S/ptrace.top"), ebpf $(cat "$S/ebpf.top")"
    echo "ok: $CASE: rank 1 from either backend is $(cat "$S/ebpf.top")"
    ;;
  losses)
    # One page of ring buffer for thousands of calls: drops must happen,
    # be counted, and be said by show and diff.
    TRACEDIFF_EBPF_RINGBUF_KB=4 "$TD" record --backend ebpf -o "$S/l.trace" -- find /usr/include -name '*.h' \
      >/dev/null 2>"$S/l.err" || fail "record: $(cat "$S/l.err")"
    lost=$(opt "$S/l.trace" lost_events)
    [ "$lost" -gt 0 ] 2>/dev/null || fail "no loss counted with a 4 KiB ring buffer (lost_events=$lost)"
    grep -q "$lost events lost" "$S/l.err" || fail "record did not say it lost $lost events: $(cat "$S/l.err")"
    "$TD" show "$S/l.trace" >/dev/null 2>"$S/show.err"
    grep -q "$lost events lost" "$S/show.err" || fail "show does not say it: $(cat "$S/show.err")"
    "$TD" record --backend ebpf -o "$S/ok.trace" -- find /usr/include -name '*.h' >/dev/null 2>&1
    "$TD" diff --color=never --no-pager "$S/ok.trace" "$S/l.trace" >"$S/d.txt" || true
    grep -q "note: $S/l.trace: $lost events lost" "$S/d.txt" || fail "diff does not note the losses: $(head -20 "$S/d.txt")"
    grep -q "note: $S/ok.trace" "$S/d.txt" && fail "diff notes losses in the clean recording"
    echo "ok: losses: $lost drops counted, shown and noted"
    ;;
  own-filter)
    for action in eperm enosys; do
      err=$(echo $action | tr a-z A-Z)
      rc=0; "$TD" record --backend ebpf -o "$S/$action.trace" -- "$RP/seccomp_deny" $action statx /etc/hostname \
        2>/dev/null >/dev/null || rc=$?
      [ $rc = 1 ] || fail "$action: exit $rc"
      jq -s -e --arg e "$err" 'map(select(.name == "statx" and .errno == $e and (tostring | contains("/etc/hostname")))) | length == 1' \
        "$S/$action.trace" >/dev/null || fail "$action: no statx = -1 $err in the trace"
    done
    "$TD" record --backend ebpf -o "$S/allow.trace" -- "$RP/seccomp_deny" allow statx /etc/hostname >/dev/null 2>&1 ||
      fail "allow: exit $?"
    rc=0; "$TD" diff --format json "$S/allow.trace" "$S/eperm.trace" >"$S/d.json" || rc=$?
    [ $rc = 1 ] || fail "diff: exit $rc"
    jq -e '.divergences[0] | (.syscall == "statx" or .syscall == "newfstatat") and .bad.errno == "EPERM" and .bad.path == "/etc/hostname"' \
      "$S/d.json" >/dev/null || fail "rank 1 is not the denied statx: $(jq -c '.divergences[0]' "$S/d.json")"
    echo "ok: own-filter: denied calls recorded with their errno, ranked first"
    ;;
  refusals)
    echo keep >"$S/exists.trace"
    rc=0; "$TD" record --backend ebpf -o "$S/exists.trace" -- true 2>"$S/e.err" || rc=$?
    [ $rc = 2 ] && [ "$(cat "$S/exists.trace")" = keep ] || fail "existing output: exit $rc, $(cat "$S/e.err")"
    grep -q "file exists" "$S/e.err" || fail "no refusal message: $(cat "$S/e.err")"
    rc=0; "$TD" record --backend ebpf -o "$S/none.trace" -- /nonexistent/cmd 2>"$S/n.err" || rc=$?
    [ $rc = 127 ] || fail "a missing program: exit $rc, wanted 127 ($(cat "$S/n.err"))"
    jq -s -e 'map(select(.name == "execve" and .errno == "ENOENT")) | length == 1' "$S/none.trace" >/dev/null ||
      fail "failed execve not recorded"
    rc=0; "$TD" record --backend ebpf -o "$S/nf.trace" -- no-such-command-xyz 2>/dev/null || rc=$?
    [ $rc = 2 ] && [ ! -e "$S/nf.trace" ] || fail "command not found: exit $rc, file left: $(ls "$S")"
    # Without the capabilities: one line naming them, exit 2, no file; auto
    # falls back to ptrace and says so.
    if command -v setpriv >/dev/null; then
      rc=0; setpriv --bounding-set=-bpf,-perfmon,-sys_admin "$TD" record --backend ebpf -o "$S/nc.trace" -- true \
        2>"$S/nc.err" || rc=$?
      [ $rc = 2 ] && [ ! -e "$S/nc.trace" ] && [ "$(wc -l <"$S/nc.err")" = 1 ] || fail "no caps: exit $rc, $(cat "$S/nc.err")"
      grep -q "needs CAP_BPF and CAP_PERFMON.*--backend ptrace works" "$S/nc.err" || fail "no caps: $(cat "$S/nc.err")"
      setpriv --bounding-set=-bpf,-perfmon,-sys_admin "$TD" record --backend auto -o "$S/auto.trace" -- true \
        2>"$S/auto.err" || fail "auto without caps: $(cat "$S/auto.err")"
      grep -q "backend ptrace (eBPF: needs CAP_BPF" "$S/auto.err" || fail "auto did not say which: $(cat "$S/auto.err")"
      [ "$(head -n 1 "$S/auto.trace" | jq -r .source)" = ptrace ] || fail "auto without caps did not record with ptrace"
    fi
    rc=0; "$TD" record --backend bogus -o "$S/b.trace" -- true 2>/dev/null || rc=$?
    [ $rc = 2 ] || fail "--backend bogus: exit $rc"
    # -p: a running multithreaded process: every thread is followed.
    "$RP/busy_threads" >"$S/busy.out" &
    bp=$!
    for _ in $(seq 100); do grep -q ready "$S/busy.out" && break; sleep 0.05; done
    "$TD" record --backend ebpf -o "$S/p.trace" -p $bp 2>"$S/p.err" &
    rp=$!
    # In place once the attached events are in the file; then a few requests.
    for _ in $(seq 200); do grep -qs '"name":"attached"' "$S/p.trace" && break; sleep 0.05; done
    sleep 0.5
    kill -INT $rp
    wait $rp || fail "record -p: $(cat "$S/p.err")"
    kill $bp; wait $bp 2>/dev/null || true
    n=$(jq -r 'select(.name == "openat" and ((.args[1].str // "") == "/etc/hostname")) | .tid' "$S/p.trace" | sort -u | wc -l)
    [ "$n" -ge 3 ] || fail "-p: openat of /etc/hostname from $n threads, wanted 3"
    [ "$(jq -r 'select(.name == "attached") | .tid' "$S/p.trace" | wc -l)" -ge 4 ] || fail "-p: attached events"
    [ "$(jq -r 'select(.name == "detached") | .tid' "$S/p.trace" | wc -l)" -ge 4 ] || fail "-p: detached events"
    clean "$S/p.trace"
    echo "ok: refusals and -p"
    ;;
  *) echo "unknown case $CASE"; exit 2 ;;
esac
