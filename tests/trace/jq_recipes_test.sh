#!/usr/bin/env bash
# Runs every jq recipe of docs/trace-format.md (code blocks that start with
# "# recipe: NAME") on real traces and compares the output with
# tests/trace/jq-recipes/NAME.expected, so the documentation cannot rot.
#   jq_recipes_test.sh SOURCE_DIR WRITE_SAMPLE_TRACE
# TRACEDIFF_UPDATE_GOLDEN=1 rewrites the expected files.
set -euo pipefail
src=$1
writer=$2
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
exit $fail
