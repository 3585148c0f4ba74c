# Sourced by bench/record.sh and bench/record_syscalls.sh, so that both
# measure the same workloads against the same floor. Expects BENCH_NAME and
# the build directory as $1; sets td, raw, excluded, out (removed on exit),
# workloads and order.
build=${1:-build}
td="$PWD/$build/cli/tracediff"
[ -x "$td" ] || { echo "$BENCH_NAME: build tracediff first ($td)" >&2; exit 2; }

# rawptrace.c lives in the shared folder next to the clone (CI: <clone>/../shared/bench).
raw_src=""
for c in ../shared/bench/rawptrace.c /work/shared/bench/rawptrace.c; do
  [ -f "$c" ] && raw_src=$c && break
done
[ -n "$raw_src" ] || { echo "$BENCH_NAME: rawptrace.c not found" >&2; exit 2; }
mkdir -p build-bench
cc -O2 -o build-bench/rawptrace "$raw_src"
raw="$PWD/build-bench/rawptrace"

excluded=$("$td" record --list-default-excluded)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

declare -A workloads=(
  [find]="find /usr/include -name '*.h'"
  [forkexec]="sh -c 'for i in \$(seq 300); do /bin/true; done'"
  # The system interpreter by its path: on a machine with pyenv or a venv,
  # "python3" on PATH can be a shell shim that starts hundreds of processes
  # first, which would make this a second fork/exec workload.
  [python]="$(command -v /usr/bin/python3 || command -v python3) -c 'import json, email'"
)
order=(find forkexec python)
