#!/usr/bin/env bash
# How well tracediff diff does on the scenario suite (tests/scenarios):
# records every scenario (or reuses the recordings already in DIR), judges
# them, and prints one table: per scenario and recorder, the rank of the
# expected culprit ("-": absent; "(noise)": present but not significant), the number of significant divergences, how many of the
# evidence strings the culprit's divergence shows, the noise between two good
# runs, and issue 13's view (three good runs against the bad one, and the
# second bad run where the scenario has one); then issue 13's table, "one
# good vs three good, before and after folding" (the culprit's rank and the
# significant divergences counted with the folded ones and without: the
# list a person reads), which evidence is missing, and summary lines.
# Every scenario's hosts are recorded three times as good (good1, good2,
# good3: tests/scenarios/run.sh), so the three-good view needs nothing more.
#
#   bench/scenarios.sh [-d DIR] [NAME...]
#
# DIR (default: a new directory under /tmp, kept and printed) holds one
# directory per scenario; one whose recording is complete is reused, so a
# second run with the same -d only re-judges (e.g. after rebuilding the
# differ). TRACEDIFF and SCENARIO_PROGRAMS as for tests/scenarios/run.sh.
# Needs root (namespaces), strace, jq and the programs each scenario names;
# a scenario that cannot run here is listed as skipped, with the reason.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
run=$top/tests/scenarios/run.sh
dir=
while getopts d: o; do
  case $o in
    d) dir=$OPTARG ;;
    *) sed -n '2,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
names=("$@")
[ ${#names[@]} -gt 0 ] || mapfile -t names < <(bash "$run" list)
[ -n "$dir" ] || dir=$(mktemp -d /tmp/tracediff-scenario-traces.XXXXXX)
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
echo "recordings: $dir"

t0=$SECONDS
for name in "${names[@]}"; do
  d=$dir/$name
  if [ -f "$d/RECORDED" ]; then continue; fi
  t=$SECONDS
  bash "$run" record "$name" "$d" >"$dir/$name.record.log" 2>&1
  echo "  recorded $name in $((SECONDS - t)) s: $(tail -n 1 "$dir/$name.record.log")"
done
echo "recording: $((SECONDS - t0)) s"

t0=$SECONDS
for name in "${names[@]}"; do
  d=$dir/$name
  [ -f "$d/RECORDED" ] || continue
  for view in single noise multi; do
    for rec in ptrace strace; do
      rm -f "$d/result.$view.$rec.json"
      bash "$run" check "$name" "$d" "$view" "$rec" >"$d/check.$view.$rec.log" 2>&1
    done
  done
done
echo "judging: $((SECONDS - t0)) s"
echo

# One JSON object per row, then the table.
rows=$dir/rows.json
: >"$rows"
for name in "${names[@]}"; do
  d=$dir/$name
  for rec in ptrace strace; do
    if [ ! -f "$d/RECORDED" ]; then
      why=$(cat "$d/SKIPPED" 2>/dev/null || echo "recording failed: see $dir/$name.record.log")
      jq -nc --arg n "$name" --arg r "$rec" --arg why "$why" '{scenario: $n, recorder: $r, skipped: $why}' >>"$rows"
      continue
    fi
    jq -nc --arg n "$name" --arg r "$rec" \
      --slurpfile s "$d/result.single.$rec.json" \
      --slurpfile z "$d/result.noise.$rec.json" \
      --argjson m "$(cat "$d/result.multi.$rec.json" 2>/dev/null || echo null)" \
      '{scenario: $n, recorder: $r, single: $s[0], noise: $z[0], multi: $m}' >>"$rows"
  done
done

jq -rs '
  def rank: if . == null then "-" else tostring end;
  def ev: if .evidence then "\([.evidence[] | select(.found)] | length)/\(.evidence | length)" else "-" end;
  def multi: if . == null then "n/a" elif .error then "error" else "\(.rank | rank) (\(.significant))" end;
  ["scenario", "recorder", "rank", "significant", "evidence", "noise", "1 vs 3 good", "pass"],
  (.[] | if .skipped then [.scenario, .recorder, "skipped: \(.skipped)", "", "", "", "", ""]
         elif .single.error then [.scenario, .recorder, "diff failed", "", "", "", "", "no"]
         else [.scenario, .recorder,
               (.single | if .rank == null then "-" elif .culprit_significant then (.rank | tostring) else "\(.rank) (noise)" end),
               (.single.significant | tostring), (.single | ev),
               (.noise.significant | tostring), (.multi | multi), (if .single.pass then "yes" else "no" end)]
         end)
  | @tsv' "$rows" | column -t -s $'\t'

echo
echo "One good vs three good, before and after folding (significant divergences: all / not folded):"
jq -rs '
  def rank: if . == null then "-" elif type == "number" then tostring else . end;
  def cell: if . == null then ["n/a", "", ""] elif .error then ["error", "", ""]
            else [(.rank | rank) + (if .rank != null and (.culprit_significant | not) then " (noise)" else "" end),
                  (.significant | tostring), ((.standing // .significant) | tostring)] end;
  ["scenario", "recorder", "1 good: rank", "before", "after", "3 good: rank", "before", "after"],
  (.[] | select(.skipped | not) | [.scenario, .recorder] + (.single | cell) + (.multi | cell))
  | @tsv' "$rows" | column -t -s $'\t'
jq -rs '
  def median: sort | if length == 0 then "-" else .[(length / 2 | floor)] end;
  [.[] | select(.single and (.single.error | not))] as $ok
  | [$ok[] | select(.multi != null and (.multi.error | not))] as $m
  | "one good: rank 1 in \([$ok[] | select(.single.rank == 1)] | length) of \($ok | length), median significant \([$ok[] | .single.significant] | median) before folding, \([$ok[] | .single.standing // .single.significant] | median) after; "
    + "three good: rank 1 in \([$m[] | select(.multi.rank == 1)] | length) of \($m | length), median significant \([$m[] | .multi.significant] | median) before folding, \([$m[] | .multi.standing // .multi.significant] | median) after"' "$rows"

echo
echo "Evidence (+ shown in the culprit's divergence, - missing), where any is missing:"
jq -rs '.[] | select(.single and (.single.error | not)) | . as $r
  | select(([.single.evidence[] | select(.found | not)] | length) > 0
           or ([.single.absent[]? | select(.found)] | length) > 0
           or ([.single.also[]? | select(.found | not)] | length) > 0
           or (.single.explain and (.single.explain.found | not)))
  | "  \(.scenario) (\(.recorder)): "
    + ([.single.evidence[] | (if .found then "+" else "-" end) + .what] | join("; "))
    + ([.single.absent[]? | select(.found) | "; shows what it must not: " + .what] | join(""))
    + ([.single.also[]? | select(.found | not) | "; missing: " + .what] | join(""))
    + (if .single.explain and (.single.explain.found | not) then "; explain: \(.single.explain.summary)" else "" end)' "$rows"

echo
jq -rs '
  [.[] | select(.single and (.single.error | not))] as $ok
  | ($ok | length) as $n
  | ([$ok[] | select(.single.rank == 1)] | length) as $r1
  | ([$ok[] | select(.single.pass)] | length) as $p
  | ([$ok[] | select(.noise.pass)] | length) as $q
  | ([$ok[] | .single.significant] | sort) as $s
  | (if $n > 0 then $s[($n / 2 | floor)] else "-" end) as $median
  | ([$ok[] | select(.multi != null)] | length) as $mn
  | ([$ok[] | select(.multi != null and .multi.rank == 1)] | length) as $m1
  | "culprit at rank 1 in \($r1) of \($n) (scenario x recorder); with all its evidence in \($p) of \($n); "
    + "median significant divergences \($median); zero significant between two good runs in \($q) of \($n); "
    + (if $mn == 0 then "1 vs 3 good: n/a (tracediff diff takes one good trace)"
       else "three good runs: culprit at rank 1 in \($m1) of \($mn)" end)
    + ([.[] | select(.skipped)] | if length > 0 then "; skipped: \(length)" else "" end)' "$rows"
