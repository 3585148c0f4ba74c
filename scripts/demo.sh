#!/usr/bin/env bash
# The demo: installs what it needs, builds, and shows tracediff on a real program.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
BUILD_DIR=build bash scripts/build.sh
td=$PWD/build/cli/tracediff
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "\$ strace -f -o app.log sh -c 'cat /etc/foo/config.json || echo Error opening configuration file >&2'"
strace -f -o "$work/app.log" sh -c 'cat /etc/foo/config.json 2>/dev/null || echo Error opening configuration file >&2' || true
echo "\$ tracediff import app.log -o app.trace"
"$td" import "$work/app.log" -o "$work/app.trace"
echo "\$ tracediff show app.trace --failed"
"$td" show "$work/app.trace" --failed
