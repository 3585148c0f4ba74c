#!/usr/bin/env bash
# The article's second story (bcron): spool-client says only "Fatal: Could
# not create temporary file". The message comes over a Unix socket from a
# worker that spool-server forked, dropped to uid 65534 and exec'd. Good
# host: the spool's tmp/ belongs to that user; bad host: to root, 0755.
# The server is recorded three ways: launched under the recorder, attached
# to with -p while it runs, and together with the client in one recording;
# and the client alone, as the article's first trace, which can only say
# where the message came from.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib.sh"
sock=/run/spoold.sock

server() { "$BIN/spool-server" -n 1 "$sock" "$BIN/spool-worker"; }
client() { "$BIN/spool-client" "$sock" || true; }

if [ "${1:-}" = --host ]; then  # inside the namespace: set up the host, record
  host=$2 mode=$3 base=$4
  # Private /run and /var/spool: the socket and the spool exist only here.
  mount -t tmpfs tmpfs /run
  mount -t tmpfs tmpfs /var/spool
  mkdir -p /var/spool/spoold/tmp
  chown 65534:65534 /var/spool/spoold
  if [ "$host" = good ]; then chown 65534:65534 /var/spool/spoold/tmp; chmod 0700 /var/spool/spoold/tmp
  else chown 0:0 /var/spool/spoold/tmp; chmod 0755 /var/spool/spoold/tmp; fi
  case $mode in
    launch)
      record "$base" "$BIN/spool-server" -n 1 "$sock" "$BIN/spool-worker" &
      wait_for_socket "$sock"
      client
      wait
      ;;
    attach)
      "$BIN/spool-server" -n 1 "$sock" "$BIN/spool-worker" &  # not a function: $! must be the server
      server_pid=$!
      wait_for_socket "$sock"
      record_attach "$base" "$server_pid"
      client
      wait "$server_pid" "$tracer_pid"
      ;;
    client)
      server &
      wait_for_socket "$sock"
      record "$base" "$BIN/spool-client" "$sock"
      wait
      ;;
    together)
      export -f server client wait_for_socket
      export sock
      record "$base" bash -c 'server & wait_for_socket "$sock"; client; wait'
      ;;
  esac
  exit 0
fi

out=$(out_dir)
run() {  # HOST MODE NAME DESCRIPTION
  step "$4   # on the $1 host: spool tmp/ $(if [ "$1" = good ]; then echo "owned by uid 65534"; else echo "owned by root, 0755"; fi)"
  unshare -m --propagation private "$0" --host "$1" "$2" "$out/$3"
}
run good launch server.good "$(record_line "$out/server.good" spool-server -n 1 $sock spool-worker) & spool-client $sock"
run bad launch server.bad "$(record_line "$out/server.bad" spool-server -n 1 $sock spool-worker) & spool-client $sock"
run bad attach attached.bad "spool-server -n 1 $sock spool-worker & $(record_line "$out/attached.bad" -p '$!') & spool-client $sock"
run bad client client.bad "spool-server -n 1 $sock spool-worker & $(record_line "$out/client.bad" spool-client $sock)"
run bad together together.bad "$(record_line "$out/together.bad" sh -c "'spool-server ... & spool-client $sock'")"

show_report "$(trace_of "$out/server.good")" "$(trace_of "$out/server.bad")"
show_explain "$(trace_of "$out/server.bad")"
show_explain "$(trace_of "$out/attached.bad")"
show_explain "$(trace_of "$out/client.bad")"     # the article's first trace: the message came over a socket
show_explain "$(trace_of "$out/together.bad")"
echo
echo "recordings: $out"
