#!/usr/bin/env bash
# The scenario suite's harness (tests/scenarios/README.md).
#
#   run.sh list                          the scenarios, one a line
#   run.sh record NAME DIR               record NAME's hosts into DIR
#   run.sh check NAME DIR VIEW RECORDER  judge DIR's traces; VIEW is single
#                                        (good1 vs bad), noise (good1 vs good2)
#                                        or multi (good1 good2 good3 vs bad);
#                                        RECORDER ptrace or strace
#   run.sh [NAME...]                     record and check (all when no NAME),
#                                        in a temporary directory removed after
#
# record: each host (good1, good2, good3, bad, and bad2 where the scenario has
# one) runs in its own private mount, network, UTS and PID namespaces
# (lib/host.sh), once with `tracediff record`, once under strace, and (good1,
# bad, bad2) once with no tracer; after each run the scenario's good_ok or
# bad_fails asserts what the program did (exit status, output), so a scenario
# whose good host does not work or whose bad host does not fail for its reason
# fails here, before any diff.
# check: runs `tracediff diff ... --format json` and judges it with
# lib/evaluate.jq against NAME/expect.json; the verdict goes to stdout and, as
# JSON, to DIR/result.VIEW.RECORDER.json.
#
# TRACEDIFF: the binary (default: build/cli/tracediff of this checkout);
# SCENARIO_PROGRAMS: where programs/ was built (build/tests/scenarios/programs).
# Exit status: 0 pass, 1 fail, 77 skipped (the reason is printed).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
TRACEDIFF=${TRACEDIFF:-$TOP/build/cli/tracediff}
# The suite's own small programs (programs/CMakeLists.txt), in the build tree.
SCENARIO_PROGRAMS=${SCENARIO_PROGRAMS:-$TOP/build/tests/scenarios/programs}
export TRACEDIFF SCENARIO_PROGRAMS
SKIP=77

die() { echo "run.sh: $*" >&2; exit 2; }
skip() { echo "SKIP: $*"; exit $SKIP; }

scenarios() {
  local d
  for d in "$HERE"/*/scenario.sh; do basename "$(dirname "$d")"; done
}

# The hosts a scenario defines (HOSTS in its scenario.sh).
hosts_of() { (HOSTS=(good1 good2 good3 bad); source "$HERE/$1/scenario.sh"; echo "${HOSTS[@]}"); }

# Why this machine cannot run scenario $1, or nothing.
missing_for() {
  local name=$1 p
  [ "$(id -u)" = 0 ] || { echo "needs root (mount, network and PID namespaces)"; return; }
  command -v jq >/dev/null || { echo "jq not installed"; return; }
  command -v strace >/dev/null || { echo "strace not installed"; return; }
  [ -x "$TRACEDIFF" ] || { echo "no tracediff at $TRACEDIFF (build it first)"; return; }
  unshare -m -n -u -p -f --kill-child --propagation private --mount-proc true 2>/dev/null ||
    { echo "unshare -m -n -u -p not permitted here"; return; }
  for p in $(NEEDS=(); source "$HERE/$name/scenario.sh"; echo "${NEEDS[@]}"); do
    if [[ $p == */* ]]; then
      [ -e "$p" ] || { echo "$p missing (build the scenario programs, or scripts/deps.sh)"; return; }
    else
      command -v "$p" >/dev/null || { echo "$p not installed (scripts/deps.sh installs it)"; return; }
    fi
  done
}

# record NAME DIR
record() {
  local name=$1 dir=$2 why host rec rc=0 t0=$SECONDS
  [ -f "$HERE/$name/scenario.sh" ] || die "no scenario $name"
  rm -rf "$dir"
  mkdir -p "$dir"
  why=$(missing_for "$name")
  if [ -n "$why" ]; then
    echo "$why" >"$dir/SKIPPED"
    skip "$name: $why"
  fi
  S=$(mktemp -d /tmp/tracediff-scenario.XXXXXX)
  chmod 755 "$S"
  # shellcheck disable=SC2064
  trap "rm -rf '$S'" EXIT
  export S
  if ! (cd "$S" && prepare() { :; } && source "$HERE/lib/common.sh" && source "$HERE/$name/scenario.sh" && SCEN_DIR=$HERE/$name prepare) \
       >"$dir/prepare.log" 2>&1; then
    echo "FAIL: $name: prepare failed:"; cat "$dir/prepare.log"; return 1
  fi
  for host in $(hosts_of "$name"); do
    for rec in none ptrace strace; do
      [ "$rec" != none ] || [[ $host != good[23] ]] || continue
      timeout -k 5 120 unshare -m -n -u -p -f --kill-child --propagation private --mount-proc \
        bash "$HERE/lib/host.sh" "$HERE/$name" "$host" "$rec" "$dir" "$S" 2>"$dir/$host.$rec.host-err"
      local hrc=$?
      if [ "$hrc" != 0 ]; then
        echo "FAIL: $name: building or running host $host ($rec) failed (exit $hrc):"
        tail -n 20 "$dir/$host.$rec.host-err"
        rc=1
        continue
      fi
      # What the program wrote, without the recorder's own closing line.
      grep -v '^tracediff: recorded ' "$dir/$host.$rec.err" >"$dir/$host.$rec.err.program" || true
      if ! (RC=$(cat "$dir/$host.$rec.rc") OUT=$dir/$host.$rec.out ERR=$dir/$host.$rec.err.program \
            WHO="$name $host ($rec)" SERVED=$(cat "$dir/$host.$rec.served" 2>/dev/null || echo -) ;
            source "$HERE/lib/common.sh"; source "$HERE/$name/scenario.sh"
            if [[ $host == good* ]]; then good_ok; else bad_fails; fi
            [ "$BEHAVIOUR_FAILURES" = 0 ]); then
        rc=1
      fi
    done
  done
  if [ "$rc" = 0 ]; then
    touch "$dir/RECORDED"
    echo "ok: $name: recorded $(hosts_of "$name") with ptrace and strace, behaviour as claimed ($((SECONDS - t0)) s)"
  else
    echo "FAIL: $name: the hosts do not behave as the scenario claims (outputs in $dir)"
  fi
  return $rc
}

# True when this tracediff's diff takes several good traces (issue 13).
multi_supported() {
  "$TRACEDIFF" diff --help 2>/dev/null | grep -qE -- '--bad|GOOD\.\.\.' && return 0
  local d=$1
  "$TRACEDIFF" diff "$d/good1.$2" "$d/good2.$2" "$d/bad.$2" --format json >/dev/null 2>&1
  [ $? -lt 2 ]
}

# check NAME DIR VIEW RECORDER
check() {
  local name=$1 dir=$2 view=$3 rec=$4 ext args=() json res multi_bad=false
  [ -f "$dir/SKIPPED" ] && skip "$name: $(cat "$dir/SKIPPED")"
  [ -f "$dir/RECORDED" ] || { echo "FAIL: $name: no recording in $dir (its record step failed or did not run)"; return 1; }
  case $rec in ptrace) ext=trace ;; strace) ext=log ;; *) die "recorder ptrace or strace, not $rec" ;; esac
  case $view in
    single) args=("$dir/good1.$ext" "$dir/bad.$ext") ;;
    noise) args=("$dir/good1.$ext" "$dir/good2.$ext") ;;
    multi)
      multi_supported "$dir" "$ext" || skip "$name: this tracediff diff takes one good trace only (issue 13: GOOD... BAD)"
      args=("$dir/good1.$ext" "$dir/good2.$ext" "$dir/good3.$ext" "$dir/bad.$ext")
      if [ -e "$dir/bad2.$ext" ]; then args+=(--bad "$dir/bad2.$ext"); multi_bad=true; fi
      ;;
    *) die "view single, noise or multi, not $view" ;;
  esac
  json=$dir/diff.$view.$rec.json
  "$TRACEDIFF" diff "${args[@]}" --format json -o "$json" --force 2>"$dir/diff.$view.$rec.err"
  local drc=$?
  if [ "$drc" -ge 2 ]; then
    echo "FAIL: $name ($view, $rec): tracediff diff exited $drc: $(head -c 600 "$dir/diff.$view.$rec.err")"
    jq -n --arg v "$view" --arg r "$rec" '{view: $v, recorder: $r, error: true, pass: false}' >"$dir/result.$view.$rec.json"
    return 1
  fi
  # A program that fails without a message: explain must still end on the cause.
  local explain=null
  if [ "$view" = single ] && jq -e 'has("explain")' "$HERE/$name/expect.json" >/dev/null; then
    "$TRACEDIFF" explain "$dir/bad.$ext" --format json >"$dir/explain.$rec.json" 2>"$dir/explain.$rec.err"
    jq -e . "$dir/explain.$rec.json" >/dev/null 2>&1 && explain=$(cat "$dir/explain.$rec.json")
  fi
  res=$(jq -c --argjson exp "$(cat "$HERE/$name/expect.json")" --arg rec "$rec" --arg view "$view" \
          --argjson multi_bad "$multi_bad" --argjson explain "$explain" -f "$HERE/lib/evaluate.jq" "$json") ||
    { echo "FAIL: $name: cannot judge $json"; return 1; }
  echo "$res" >"$dir/result.$view.$rec.json"
  report "$name" "$res"
  [ "$(jq -r .pass <<<"$res")" = true ]
}

# Prints a verdict a person can act on.
report() {
  local name=$1 res=$2 verdict
  verdict=$(jq -r 'if .pass then "ok" else "FAIL" end' <<<"$res")
  jq -r --arg n "$name" --arg v "$verdict" '
    if .view == "noise" then
      "\($v): \($n) (noise, \(.recorder)): \(.significant) significant of \(.total) between two good runs"
      + (if .first then "\n    first: \(.first)" else "" end)
    else
      "\($v): \($n) (\(.view), \(.recorder)): expected culprit at rank \(.rank // "-") (significant: \(if .culprit_significant == null then "-" else .culprit_significant end)), \(.significant) significant of \(.total)"
      + (if .rank != 1 then "\n    rank 1 is: \(.rank1 // "nothing")" else "" end)
      + ([.evidence[] | select(.found | not) | .what] | if length > 0 then "\n    evidence missing: " + join(" | ") else "" end)
      + ([.absent[] | select(.found) | .what] | if length > 0 then "\n    must not show: " + join(" | ") else "" end)
      + ([.also[] | select(.found | not) | .what] | if length > 0 then "\n    also expected, missing: " + join(" | ") else "" end)
      + (if .explain and (.explain.found | not) then "\n    explain does not end on \(.explain.what); its summary: \(.explain.summary)" else "" end)
    end' <<<"$res"
}

# run.sh [NAME...]: everything, in a temporary directory.
run_all() {
  local names=("$@") out name fails=0 skips=0 total=0 view rec
  [ ${#names[@]} -gt 0 ] || mapfile -t names < <(scenarios)
  out=$(mktemp -d /tmp/tracediff-scenarios.XXXXXX)
  # shellcheck disable=SC2064
  trap "rm -rf '$out'" EXIT
  for name in "${names[@]}"; do
    (record "$name" "$out/$name"); local r=$?
    [ "$r" = $SKIP ] && continue
    [ "$r" = 0 ] || { fails=$((fails + 1)); total=$((total + 1)); continue; }
    for view in single noise multi; do
      for rec in ptrace strace; do
        total=$((total + 1))
        (check "$name" "$out/$name" "$view" "$rec"); r=$?
        case $r in 0) ;; "$SKIP") skips=$((skips + 1)) ;; *) fails=$((fails + 1)) ;; esac
      done
    done
  done
  echo "$((total - fails - skips)) passed, $fails failed, $skips skipped"
  [ "$fails" = 0 ]
}

case ${1:-} in
  list) scenarios ;;
  record) [ $# = 3 ] || die "usage: run.sh record NAME DIR"; record "$2" "$3" ;;
  check) [ $# = 5 ] || die "usage: run.sh check NAME DIR VIEW RECORDER"; check "$2" "$3" "$4" "$5" ;;
  -h | --help) sed -n '2,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//' ;;
  *) run_all "$@" ;;
esac
