#!/usr/bin/env bash
# The HTML report in a real browser: headless Chromium opens the page the
# real binary wrote, runs its script, and the DOM it dumps must show the
# most likely cause and its rows, visible. Screenshots are kept under the
# build directory for a person to look at.
# Usage: browser_test.sh TRACEDIFF SOURCE_DIR SCREENSHOT_DIR
set -uo pipefail
td=$(realpath "$1")
src=$(realpath "$2")
shots=$3
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || { echo "SKIP: chromium is missing (scripts/deps.sh installs it)"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bash "$src/tests/report/make_logs.sh" "$work"
rc=$?
[ $rc = 0 ] || exit $rc
mkdir -p "$shots"
"$td" diff "$work/good.log" "$work/bad.log" --format html -o "$work/report.html" 2>/dev/null
[ $? = 1 ] || { echo "FAIL: tracediff diff did not find the divergence"; exit 1; }

chrome() {
  # No network, no profile, no background services: the page must stand alone.
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$(mktemp -d -p "$work")" --window-size=1400,1000 "$@" 2>/dev/null
}
fail=0
check() {
  local what=$1
  shift
  if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fail=1; fi
}

# Following the cause's link: the script reveals and marks the row.
chrome --dump-dom "file://$work/report.html#d0" > "$work/dom.html"
check "the page loaded and its script ran" grep -q '<body class="hide-quiet" data-target="d0 visible">' "$work/dom.html"
check "the most likely cause is at the top" \
  python3 - "$work/dom.html" <<'PY'
import re, sys
dom = open(sys.argv[1], encoding="utf-8").read()
cause = re.search(r'<section class="cause" id="cause">(.*?)</section>', dom, re.S)
assert cause, "no cause section"
assert dom.index('id="cause"') < dom.index('id="divergences"'), "cause is not first"
c = cause.group(1)
assert "Most likely cause" in c
assert re.search(r'<tr class="g"><th>good</th><td>openat\(AT_FDCWD, "[^"]*/app/config\.json", O_RDONLY\) = ', c), c
assert re.search(r'<tr class="b"><th>bad</th><td>openat\(AT_FDCWD, "[^"]*/app/config\.json", O_RDONLY\) = -1 ENOENT', c), c
assert 'href="#d0"' in c
PY
check "the cause's row is there, marked and highlighted" \
  python3 - "$work/dom.html" <<'PY'
import re, sys
dom = open(sys.argv[1], encoding="utf-8").read()
row = re.search(r'<tr id="d0" class="([^"]*)"[^>]*>(.*?)</tr>', dom, re.S)
assert row, "no row d0"
classes = row.group(1).split()
assert "target" in classes and "hidden" not in classes and "quiet" not in classes, classes
assert "config.json" in row.group(2) and "ENOENT" in row.group(2), row.group(2)
PY
check "nothing fetched from elsewhere" sh -c "! grep -Eq '(src|href)=\"(https?:)?//' '$work/report.html'"

chrome --screenshot="$shots/report-top.png" "file://$work/report.html" > /dev/null
check "screenshot of the first screen" test -s "$shots/report-top.png"
chrome --screenshot="$shots/report-full.png" --window-size=1400,2600 "file://$work/report.html" > /dev/null
check "screenshot of the whole page" test -s "$shots/report-full.png"
cp "$work/report.html" "$shots/report.html"
exit $fail
