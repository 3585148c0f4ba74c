#!/usr/bin/env bash
# This build's recorder against another tracediff (an older commit's), run
# interleaved: each round runs every variant once, in a fresh random order,
# so that the load of a shared machine falls on both sides alike (hyperfine
# runs all of one command, then all of the next). Workloads as
# bench/record.sh; prints the median ratios new/old of wall and CPU time
# (user+system of the recorder and the command) for record --all and the
# default record. 1.00 = no change.
#
# Usage: bench/record_ab.sh OLD_TRACEDIFF [BUILD_DIR] (default build/); ROUNDS=N (default 20);
# ONLY=WORKLOAD to run one of them (find, forkexec, python).
# An old binary: git worktree add /tmp/old COMMIT && cmake -S /tmp/old -B /tmp/old/build
#   -DCMAKE_BUILD_TYPE=RelWithDebInfo && cmake --build /tmp/old/build --target tracediff
set -euo pipefail
cd "$(dirname "$0")/.."
old=${1:?usage: bench/record_ab.sh OLD_TRACEDIFF [BUILD_DIR]}
[ -x "$old" ] || { echo "bench/record_ab.sh: $old is not executable" >&2; exit 2; }
old=$(realpath "$old")
BENCH_NAME=bench/record_ab.sh
source bench/record-setup.sh "${2:-build}"
echo "record A/B: $td against $old, $(date -u +%FT%TZ), $(nproc) cpus, kernel $(uname -r), ${ROUNDS:-20} rounds"
for w in "${order[@]}"; do
  [ -n "${ONLY:-}" ] && [ "$w" != "$ONLY" ] && continue
  python3 - "$w" "${workloads[$w]}" "$old" "$td" "$out" "${ROUNDS:-20}" <<'PY'
import os, random, resource, shlex, statistics, subprocess, sys, time
name, cmd, old, new, out, rounds = sys.argv[1], shlex.split(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6])
variants = {f"{side}{mode}": [binary, "record", "--force", "-o", f"{out}/ab.trace"] + extra + ["--"] + cmd
            for side, binary in (("old", old), ("new", new))
            for mode, extra in (("-all", ["--all"]), ("", []))}
wall = {k: [] for k in variants}
cpu = {k: [] for k in variants}
def run(argv):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    w = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return w, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
for k in variants:  # warm-up
    run(variants[k])
for _ in range(rounds):
    order = list(variants)
    random.shuffle(order)
    for k in order:
        w, c = run(variants[k])
        wall[k].append(w)
        cpu[k].append(c)
med = lambda xs: statistics.median(xs)
print(f"\n== {name}: median wall (s): " + " ".join(f"{k} {med(wall[k]):.4f}" for k in variants))
print(f"   median cpu (s):       " + " ".join(f"{k} {med(cpu[k]):.4f}" for k in variants))
for mode, label in (("-all", "record --all"), ("", "record      ")):
    print(f"  {label} new / old = {med(wall['new' + mode]) / med(wall['old' + mode]):5.2f}x wall, "
          f"{med(cpu['new' + mode]) / med(cpu['old' + mode]):5.2f}x cpu")
PY
done
