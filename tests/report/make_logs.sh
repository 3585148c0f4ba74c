#!/usr/bin/env bash
# Records the same shell job twice with strace, as on two hosts: in private
# mount namespaces, DIR/app is a tmpfs that holds the config file and 1000
# data files on the good "host" and nothing on the bad one. Nothing outside
# the namespaces changes.
# Usage: make_logs.sh DIR   (writes DIR/good.log and DIR/bad.log)
# Exit 77 (skip) when root, unshare or strace is missing.
set -euo pipefail
dir=$1
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root for private mount namespaces"; exit 77; }
for t in unshare strace mount; do
  command -v $t >/dev/null || { echo "SKIP: $t is missing"; exit 77; }
done
mkdir -p "$dir/app"
job='cat "$1/app/config.json" || echo "Error opening configuration file" >&2
i=0; while [ $i -lt 1000 ]; do [ -e "$1/app/data$i" ]; i=$((i+1)); done; [ -e "$1/app/config.json" ]'
for side in good bad; do
  unshare -m --propagation private sh -c '
    set -e
    mount -t tmpfs tmpfs "$1/app"
    if [ "$2" = good ]; then
      echo "{\"listen\": 8080}" > "$1/app/config.json"
      i=0; while [ $i -lt 1000 ]; do : > "$1/app/data$i"; i=$((i+1)); done
    fi
    strace -f -o "$1/$2.log" sh -c "$3" job "$1" >/dev/null 2>&1 || true
  ' sh "$dir" "$side" "$job"
done
