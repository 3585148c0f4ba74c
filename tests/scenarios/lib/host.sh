#!/usr/bin/env bash
# One run of a scenario's program on one simulated host. run.sh starts it as
# PID 1 of private mount, network, UTS and PID namespaces:
#   unshare -m -n -u -p -f --kill-child --propagation private --mount-proc \
#     host.sh SCENARIO_DIR HOST RECORDER OUT_DIR WORK_DIR
# HOST is good1..good3, bad or bad2; RECORDER is ptrace (tracediff record),
# strace, or none (the program alone, to prove its behaviour without a tracer).
# The scenario's host() builds the host: mounts over its own namespace, edits
# private copies of /etc files, starts services. When this shell exits the
# kernel ends every process of the PID namespace and drops every mount, so
# nothing outlives the run, even on failure.
set -euo pipefail
SCEN_DIR=$1 HOST=$2 RECORDER=$3 OUT_DIR=$4 S=$5
HERE=$(cd "$(dirname "$0")" && pwd)
RUN=$S/run.$HOST.$RECORDER
mkdir -p "$RUN"
export S RUN HOST
# shellcheck source=common.sh
source "$HERE/common.sh"

CMD=() WRAP=() ENV=() DAEMON=0
ready() { true; }
stop() { echo "scenario has DAEMON=1 but no stop()" >&2; return 1; }
# shellcheck disable=SC1091
source "$SCEN_DIR/scenario.sh"

trap stop_services EXIT
ip link set lo up
# A real host's pids are not those of the previous run: start each run's
# pids at a different place, as on a machine that has been up for a while.
echo $((300 + RANDOM % 30000)) >/proc/sys/kernel/ns_last_pid
case $HOST in
  good*) hostname web-good ;;  # good1..3: one good host, run three times
  *) hostname "web-$HOST" ;;   # web-bad, web-bad2: other machines
esac

host "$HOST"

# The recorders. strace: -f follows children and threads (failures often sit
# in a child); -yy names each fd's file or both socket ends, which is how a
# read is tied to the file it reads and a connect to its address; -s 4096
# keeps enough of each buffer to show a config line, a DNS packet or the
# error message; -v prints whole stat structures (st_uid: git's dubious
# ownership is only in the owner) and the environment of each execve
# (LD_LIBRARY_PATH, TMPDIR). tracediff record needs no flags for any of it.
base=$OUT_DIR/$HOST
case $RECORDER in
  ptrace) tracer=("$TRACEDIFF" record --force -o "$base.trace" --) ;;
  strace) tracer=(strace -f -v -yy -s 4096 -o "$base.log" --) ;;
  none) tracer=() ;;
esac
out=$OUT_DIR/$HOST.$RECORDER
# The program writes to the same two files on every host ($S/io/stdout and
# stderr; each run binds its own directory there): a path in the trace that
# named the run (good1.out, bad.out) would be a difference of the harness's.
mkdir -p "$S/io"
mount --bind "$RUN" "$S/io"
# A clean, fixed environment (a login's, not the test runner's), plus what the
# scenario's host sets: the same on every machine that runs the suite.
env=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 TERM=dumb)

# Started from /, as a service manager or cron starts a job (not from the
# directory the suite was started in, which differs between machines).
cd /
if [ "$DAEMON" = 1 ]; then
  # A daemon: started, probed until it serves (or exits), then stopped.
  env -i "${env[@]}" "${ENV[@]}" "${WRAP[@]}" "${tracer[@]}" "${CMD[@]}" >"$S/io/stdout" 2>"$S/io/stderr" </dev/null &
  dpid=$!
  served=0
  for _ in $(seq 200); do
    kill -0 "$dpid" 2>/dev/null || break
    if ready >>"$out.probe" 2>&1; then served=1; break; fi
    sleep 0.05
  done
  echo "$served" >"$out.served"
  # Served: stopped as its service manager would. Neither served nor exited
  # in 10 s: stopped all the same (good_ok then fails on SERVED=0).
  if kill -0 "$dpid" 2>/dev/null; then
    stop || kill -TERM "$dpid" || true
    wait_until 10 eval '! kill -0 "$dpid" 2>/dev/null' ||
      { echo "still running 10 s after stop: killed" >>"$out.probe"; kill -KILL "$dpid"; }
  fi
  rc=0
  wait "$dpid" || rc=$?
else
  rc=0
  env -i "${env[@]}" "${ENV[@]}" "${WRAP[@]}" "${tracer[@]}" "${CMD[@]}" >"$S/io/stdout" 2>"$S/io/stderr" </dev/null || rc=$?
fi
cp "$S/io/stdout" "$out.out"
cp "$S/io/stderr" "$out.err"
echo "$rc" >"$out.rc"
