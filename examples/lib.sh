# Shared by the examples' run.sh scripts (sourced, not run).
#
# Environment:
#   BUILD_DIR   the build directory (default: build/ at the top of the repository)
#   TRACEDIFF   the tracediff binary (default: $BUILD_DIR/cli/tracediff)
#   RECORD      how to record: "tracediff" (tracediff record) or "strace"
#               (strace -f -o, imported on the fly by every tracediff command);
#               default: tracediff when this build has `record`, else strace
#   OUT         where the traces go (default: a new temporary directory, kept)

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$top/build}
BUILD_DIR=$(cd "$BUILD_DIR" && pwd)
TRACEDIFF=${TRACEDIFF:-$BUILD_DIR/cli/tracediff}
BIN=$BUILD_DIR/examples
export BUILD_DIR TRACEDIFF BIN

# True when this tracediff has the subcommand $1.
has_command() { "$TRACEDIFF" --help 2>/dev/null | grep -qE "^  $1 "; }

if [ -z "${RECORD:-}" ]; then
  if has_command record; then RECORD=tracediff; else RECORD=strace; fi
fi
case $RECORD in
  tracediff | strace) ;;
  *) echo "RECORD must be tracediff or strace, not '$RECORD'" >&2; exit 2 ;;
esac
export RECORD

[ -x "$TRACEDIFF" ] || { echo "no tracediff at $TRACEDIFF: build first (cmake --build build)" >&2; exit 2; }
[ -d "$BIN" ] || { echo "no example programs in $BIN: build first" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "the examples need root (private mount namespaces)" >&2; exit 2; }

# The trace file for a base name: what the recording method writes.
trace_of() {
  if [ "$RECORD" = strace ]; then echo "$1.log"; else echo "$1.trace"; fi
}

# Prints a step the way a user would type it.
step() { printf '\n$ %s\n' "$*"; }

# record BASE CMD...: runs CMD under the recorder; CMD's exit status is
# ignored (a failure is what we came to see).
record() {
  local base=$1
  shift
  if [ "$RECORD" = strace ]; then
    # -s 256: strace's default 32 bytes would cut the messages short.
    strace -f -s 256 -o "$(trace_of "$base")" -- "$@" || true
  else
    "$TRACEDIFF" record --force -o "$(trace_of "$base")" -- "$@" || true
  fi
}

# record_attach BASE PID: attaches to a running PID (and its future
# children) in the background; returns once the tracer is attached. The
# tracer's pid is left in $tracer_pid; it ends when PID exits.
record_attach() {
  local base=$1 pid=$2 log
  log=$(trace_of "$base")
  if [ "$RECORD" = strace ]; then
    strace -f -s 256 -o "$log" -p "$pid" 2>"$base.attach" &
    tracer_pid=$!
    # strace says "Process N attached" on stderr once it holds the process.
    for _ in $(seq 100); do grep -q attached "$base.attach" 2>/dev/null && return 0; sleep 0.05; done
  else
    "$TRACEDIFF" record --force -o "$log" -p "$pid" 2>"$base.attach" &
    tracer_pid=$!
    for _ in $(seq 100); do [ -s "$log" ] && return 0; sleep 0.05; done
  fi
  echo "the tracer did not attach to $pid:" >&2
  cat "$base.attach" >&2
  return 1
}

# wait_for_socket PATH: until a server listens on PATH. Bound is not
# enough: a client that connects between the server's bind and its listen
# is refused, and a server that serves one client then waits for ever (a
# recorder under the sanitizers widens that gap). /proc/net/unix marks a
# listening socket with the flag __SO_ACCEPTCON (00010000); read here with
# the shell alone, so that a recording of this loop holds no new process.
wait_for_socket() {
  local _ num ref proto flags rest
  for _ in $(seq 400); do
    if [ -S "$1" ]; then
      while read -r num ref proto flags rest; do
        [ "$flags" = 00010000 ] && [ "${rest##* }" = "$1" ] && return 0
      done </proc/net/unix
    fi
    sleep 0.025
  done
  echo "nothing listens on $1" >&2
  return 1
}

# The report between two recordings, when this build has `diff`.
show_report() {
  step "tracediff diff $(basename "$1") $(basename "$2")"
  if has_command diff; then
    "$TRACEDIFF" diff "$1" "$2" || true
  else
    echo "(this build has no 'tracediff diff' yet: the two recordings are in $(dirname "$1"))"
  fi
}

show_explain() {
  step "tracediff explain $(basename "$1")"
  "$TRACEDIFF" explain "$1" || true
}

# A fresh output directory unless OUT is set.
out_dir() {
  if [ -n "${OUT:-}" ]; then mkdir -p "$OUT" && (cd "$OUT" && pwd); else mktemp -d /tmp/tracediff-example.XXXXXX; fi
}

# The command line record BASE CMD... runs, as a user would type it.
record_line() {
  local base
  base=$(basename "$(trace_of "$1")")
  shift
  if [ "$RECORD" = strace ]; then echo "strace -f -s 256 -o $base $*"; else echo "tracediff record -o $base -- $*"; fi
}
