# Judges one `tracediff diff --format json` document against a scenario's
# expect.json. Input: the diff document. Arguments:
#   $exp   the scenario's expect.json
#   $rec   "ptrace" or "strace" (picks evidence_ptrace / evidence_strace)
#   $view  "single" (good1 vs bad), "multi" (good1 good2 good3 vs bad[, bad2])
#          or "noise" (good1 vs good2)
#   $multi_bad  true when the multi view was given a second bad run (--bad)
#   $explain    `tracediff explain BAD --format json` (single view, when
#               expect.json has "explain": the cause link it must end on), or null
# Output: one result object (run.sh prints it, bench/scenarios.sh tabulates it).
#
# Matching (expect.json's "culprit", and each "also" entry's "match"): an
# object of dotted paths into a divergence ("syscall", "good.path",
# "bad.errno") to wanted values: a string (equal), an array (any of them), or
# {"re": REGEX} (the value, as a string, matches). A list of such objects
# means any one of them.
#
# Evidence: a string (found case-insensitively anywhere in the text) or
# {"re": REGEX, "what": LABEL}. The text of a divergence is every string value
# in it, joined by newlines: the lead may put evidence in `explanation` or in
# new fields.

def want($v; $w):
  if ($w | type) == "array" then any($w[]; want($v; .))
  elif ($w | type) == "object" then $v != null and (($v | tostring) | test($w.re))
  else $v == $w end;

def matches($d; $m):
  if ($m | type) == "array" then any($m[]; matches($d; .))
  else all($m | to_entries[]; . as $e | want($d | getpath($e.key | split(".")); $e.value))
  end;

def text($d): [$d | .. | strings] | join("\n");

def evname($e): if ($e | type) == "string" then $e else ($e.what // $e.re) end;

def found($t; $e):
  if ($e | type) == "string" then ($t | ascii_downcase | contains($e | ascii_downcase))
  else ($t | test($e.re; "i")) end;

(.divergences // []) as $ds
| ([$ds[] | select(.significant)] | length) as $sig
# Significant and not folded under a cause (version 3's `follows`): the
# list a person reads.
| ([$ds[] | select(.significant and (.follows == null))] | length) as $standing
| if $view == "noise" then
    {view: $view, recorder: $rec, significant: $sig, standing: $standing, total: ($ds | length),
     first: ($ds | map(select(.significant)) | .[0] | if . then "\(.kind) \(.syscall // "") \(.explanation // "")" else null end),
     pass: ($sig == 0)}
  else
    (first($ds[] | select(matches(.; $exp.culprit))) // null) as $c
    | (if $c then text($c) else "" end) as $t
    | (if ($ds | length) > 0 then text($ds[0]) else "" end) as $t1
    | ($exp.evidence + ($exp["evidence_" + $rec] // [])
       + (if $view == "multi" and $multi_bad then ($exp.multi_evidence // []) else [] end)) as $ev
    | {view: $view, recorder: $rec,
       rank: ($c.rank // null),
       culprit_significant: (if $c then $c.significant else null end),
       significant: $sig, standing: $standing, total: ($ds | length),
       folded: ($c.consequences // 0),
       rank1: ($ds[0] | if . then "\(.kind) \(.syscall // "") \(.explanation // "")" else null end),
       evidence: [$ev[] | {what: evname(.), found: found($t; .)}],
       absent: [($exp.absent // [])[] | {what: evname(.), found: found($t1; .)}],
       also: [($exp.also // [])[] | . as $a
              | {what: ($a.what // ($a.match | tostring)),
                 found: any($ds[] | select(.significant); matches(.; $a.match)
                            and (text(.) as $tt | all(($a.evidence // [])[]; found($tt; .))))}]}
    | if $exp.explain != null and $view == "single" then
        .explain = {what: ($exp.explain | tostring),
                    found: ($explain != null
                            and (([$explain.chain[]? | select(.kind == "cause")] | last) as $cause
                                 | $cause != null and matches($cause; $exp.explain))),
                    summary: ($explain.summary // null)}
      else . end
    | .pass = (.rank == 1 and .culprit_significant == true
               and all(.evidence[]; .found) and all(.absent[]; .found | not) and all(.also[]; .found)
               and (.explain.found // true))
  end
