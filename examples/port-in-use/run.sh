#!/usr/bin/env bash
# A port already in use: webd listens on 127.0.0.1:8080. On the bad host an
# older instance still holds the port, and webd says only "cannot listen:
# Address already in use". Each host is a private network namespace (its
# own loopback) and a private mount namespace.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib.sh"
port=8080

if [ "${1:-}" = --host ]; then  # inside the namespaces: set up the host, record webd
  host=$2 base=$3
  ip link set lo up
  if [ "$host" = bad ]; then
    "$BIN/webd" --hold "$port" >/dev/null &  # the old instance nobody stopped
    squatter=$!
    for _ in $(seq 100); do grep -q ":$(printf %04X $port) " /proc/net/tcp && break; sleep 0.02; done
  fi
  record "$base" "$BIN/webd" "$port"
  if [ "$host" = bad ]; then kill "$squatter"; wait "$squatter" 2>/dev/null || true; fi
  exit 0
fi

out=$(out_dir)
for host in good bad; do
  step "$(record_line "$out/$host" webd $port)   # on the $host host: $(if [ $host = good ]; then echo "port $port free"; else echo "an old webd still holds port $port"; fi)"
  unshare -n -m --propagation private "$0" --host "$host" "$out/$host"
done
show_report "$(trace_of "$out/good")" "$(trace_of "$out/bad")"
show_explain "$(trace_of "$out/bad")"
echo
echo "recordings: $out"
