#!/usr/bin/env bash
# The demo: installs what it needs, builds, and replays the article's first
# story (examples/missing-config): foo works on a good host and says only
# "Error opening configuration file: No such file or directory" on a bad
# one; tracediff shows why. Needs root (private mount namespaces).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
BUILD_DIR=build bash scripts/build.sh
BUILD_DIR=build exec bash examples/missing-config/run.sh
