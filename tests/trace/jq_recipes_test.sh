#!/usr/bin/env bash
# Runs every jq recipe of docs/trace-format.md (code blocks that start with
# "# recipe: NAME") on real traces, so the documentation cannot rot:
#  1. on a trace written through the library API (write_sample_trace), the
#     output must equal tests/trace/jq-recipes/NAME.expected;
#  2. on a trace imported from a strace log of real programs, recipes whose
#     answer strace's own text also gives must agree with that text.
#   jq_recipes_test.sh SOURCE_DIR WRITE_SAMPLE_TRACE TRACEDIFF
# TRACEDIFF_UPDATE_GOLDEN=1 rewrites the expected files. Exit 77 (skip)
# when strace cannot trace here.
set -euo pipefail
src=$1
writer=$2
tracediff=$3
doc=$src/docs/trace-format.md
expected_dir=$src/tests/trace/jq-recipes
command -v jq >/dev/null || { echo "jq is missing (scripts/deps.sh installs it)"; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$writer" "$work/app.trace"

# Split the recipes out of the document: one file per recipe.
mkdir "$work/recipes"
awk -v dir="$work/recipes" '
  /^```sh$/ { inblock = 1; name = ""; next }
  /^```$/   { inblock = 0; name = ""; next }
  inblock && name == "" && /^# recipe: / { name = $3; file = dir "/" name; printf "" > file; next }
  inblock && name != "" { print >> file }
' "$doc"
n=$(ls "$work/recipes" | wc -l)
if ((n < 5)); then
  echo "FAIL: found only $n recipes in $doc"
  exit 1
fi

fail=0
for r in "$work/recipes"/*; do
  name=$(basename "$r")
  if ! out=$(cd "$work" && bash -euo pipefail "$r" 2>&1); then
    echo "FAIL: recipe $name exits non-zero:"
    cat "$r"
    echo "$out"
    fail=1
    continue
  fi
  if [ -z "$out" ]; then
    echo "FAIL: recipe $name prints nothing"
    fail=1
  fi
  exp=$expected_dir/$name.expected
  if [ "${TRACEDIFF_UPDATE_GOLDEN:-}" = 1 ]; then
    printf '%s\n' "$out" > "$exp"
    echo "updated $exp"
  elif [ ! -f "$exp" ]; then
    echo "FAIL: no $exp (run with TRACEDIFF_UPDATE_GOLDEN=1 and review it)"
    fail=1
  elif ! diff -u "$exp" <(printf '%s\n' "$out"); then
    echo "FAIL: recipe $name output differs from $exp"
    fail=1
  else
    echo "ok: $name"
  fi
done
for exp in "$expected_dir"/*.expected; do
  name=$(basename "$exp" .expected)
  if [ ! -f "$work/recipes/$name" ]; then
    echo "FAIL: $exp has no recipe in $doc"
    fail=1
  fi
done

# ------------------------------------------------ 2. an imported strace log
if ! strace -f -o /dev/null true 2>/dev/null; then
  echo "SKIP: strace cannot trace here (no ptrace permission?)"
  exit 77
fi
real=$work/real
mkdir "$real"
env -i PATH=/usr/bin:/bin strace -f -o "$real/app.log" sh -c \
  'cat /nonexistent-a /etc/hostname >/dev/null 2>&1; cat /nonexistent-b 2>/dev/null; sh -c "exit 5"; exit 3' || true
"$tracediff" import "$real/app.log" -o "$real/app.trace" 2>/dev/null
# check NAME EXPECTED: runs recipe NAME on the imported trace.
check() {
  local out
  out=$(cd "$real" && bash -euo pipefail "$work/recipes/$1")
  if [ "$out" = "$2" ] && [ -n "$out" ]; then
    echo "ok: $1 on an imported strace log"
  else
    echo "FAIL: recipe $1 on an imported strace log:"
    diff -u <(printf '%s\n' "$2") <(printf '%s\n' "$out") || true
    fail=1
  fi
}
# What strace itself printed, read with sed from the log.
# A call may be split into "<unfinished ...>" and "<... openat resumed>"
# when another process prints in between (a loaded machine).
check failing-opens "$(awk 'match($0, /openat\([^,]*, "[^"]*"/) { s = substr($0, RSTART, RLENGTH); sub(/^[^"]*"/, "", s); path[$1] = substr(s, 1, length(s) - 1) }
                           /openat/ && match($0, / = -1 E[A-Z0-9]+ /) { print path[$1], substr($0, RSTART + 6, RLENGTH - 7) }' "$real/app.log")"
check exits "$(sed -nE 's/^([0-9]+) +\+\+\+ exited with ([0-9]+) \+\+\+$/\1 exit \2/p' "$real/app.log")"
# execve may be split into "<unfinished ...>" and "<... execve resumed>".
check execs "$(awk 'match($0, /execve\("[^"]*"/) { path[$1] = substr($0, RSTART + 8, RLENGTH - 9) }
                    /execve/ && / = 0$/ { print $1, path[$1] }' "$real/app.log")"
exit $fail
