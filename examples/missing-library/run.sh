#!/usr/bin/env bash
# A missing shared library: greet's package puts libgreet.so.1 in
# /opt/greet/lib (greet's RUNPATH). On the bad host that directory was never
# installed, and the loader's message does not say where it looked.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib.sh"

if [ "${1:-}" = --host ]; then  # inside the namespace: set up the host, record greet
  host=$2 base=$3
  mount -t tmpfs tmpfs /opt  # a private /opt: the package's files exist only here
  if [ "$host" = good ]; then
    mkdir -p /opt/greet/lib /opt/greet/bin
    cp "$BIN/libgreet.so.1" /opt/greet/lib/
  else
    mkdir -p /opt/greet/bin
  fi
  cp "$BIN/greet" /opt/greet/bin/
  record "$base" /opt/greet/bin/greet
  exit 0
fi

out=$(out_dir)
for host in good bad; do
  step "$(record_line "$out/$host" /opt/greet/bin/greet)   # on the $host host: $(if [ $host = good ]; then echo "/opt/greet/lib/libgreet.so.1 installed"; else echo "no /opt/greet/lib"; fi)"
  unshare -m --propagation private "$0" --host "$host" "$out/$host"
done
show_report "$(trace_of "$out/good")" "$(trace_of "$out/bad")"
show_explain "$(trace_of "$out/bad")"
echo
echo "recordings: $out"
