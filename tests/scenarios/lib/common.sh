# Helpers for scenario.sh files (sourced by run.sh outside the namespaces and
# by host.sh inside them). Nothing here touches anything outside $S (the
# scenario's work directory) or the private namespaces.

# ---- building a host (inside the namespaces) ------------------------------

# mount_tmpfs DIR [OPTIONS]: an empty private directory over DIR.
mount_tmpfs() { mount -t tmpfs -o "${2:-mode=0755}" scenario "$1"; }

# bind_mount SRC DST [ro|noexec|...]: SRC seen at DST; with options, remounted so.
bind_mount() {
  mount --bind "$1" "$2"
  [ -z "${3:-}" ] || mount -o "remount,bind,$3" "$2"
}

# private_etc FILE...: a copy of each /etc FILE, writable by this host only,
# bound over the original (add_user and friends edit the copy).
private_etc() {
  local f
  for f in "$@"; do
    cp -a "/etc/$f" "$RUN/etc.$f"
    mount --bind "$RUN/etc.$f" "/etc/$f"
  done
}

# add_user NAME UID [HOME]: a user (and its own group, same id) in this
# host's private /etc/passwd and /etc/group (private_etc passwd group first).
add_user() {
  local name=$1 uid=$2 home=${3:-/nonexistent}
  echo "$name:x:$uid:$uid:$name:$home:/bin/sh" >>/etc/passwd
  echo "$name:x:$uid:" >>/etc/group
}

# edit_etc FILE SED_SCRIPT: edits this host's private copy of /etc/FILE (a
# bind-mounted file cannot be replaced, so sed -i cannot be used on it).
edit_etc() { sed "$2" "/etc/$1" >"$RUN/edit.tmp" && cat "$RUN/edit.tmp" >"/etc/$1"; }

# add_group NAME GID [MEMBERS]: a group line in the private /etc/group.
add_group() { echo "$1:x:$2:${3:-}" >>/etc/group; }

# service NAME CMD...: starts a service of this host in the background (its
# output in $RUN/NAME.log); stop_services (on exit) ends it. The host's PID
# namespace ends whatever is left when the host shell exits.
SERVICES=()
service() {
  local name=$1
  shift
  "$@" >"$RUN/$name.log" 2>&1 &
  SERVICES+=("$!")
}
stop_services() {
  local p
  for p in "${SERVICES[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${SERVICES[@]}"; do wait "$p" 2>/dev/null || true; done
  SERVICES=()
}

# listening PORT [tcp|udp]: true once a socket of this netns listens on PORT.
listening() {
  local hex proto=${2:-tcp} state=0A
  hex=$(printf '%04X' "$1")
  [ "$proto" = udp ] && state=07
  awk -v p=":$hex" -v s="$state" '$2 ~ p"$" && $4 == s {f=1} END {exit !f}' \
    "/proc/net/$proto" "/proc/net/${proto}6" 2>/dev/null
}

# wait_until SECONDS CMD...: polls CMD every 50 ms; false when time runs out.
wait_until() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.05
  done
}

# ---- asserting behaviour (run.sh, after each host run) -------------------
# RC, OUT and ERR are the run's exit status and the files of its output;
# WHO names the run in messages.

# Each failed expectation is printed and counted: run.sh fails the run when
# any was, whatever the check function returned.
BEHAVIOUR_FAILURES=0
behaviour_fail() { echo "BEHAVIOUR: $WHO: $*" >&2; BEHAVIOUR_FAILURES=$((BEHAVIOUR_FAILURES + 1)); return 1; }
expect_rc() { [ "$RC" = "$1" ] || behaviour_fail "exit status $RC, wanted $1; stderr: $(head -c 400 "$ERR")"; }
expect_failure() { [ "$RC" != 0 ] || behaviour_fail "exit status 0, wanted a failure; stdout: $(head -c 200 "$OUT")"; }
expect_out() { grep -qE -- "$1" "$OUT" || behaviour_fail "stdout lacks /$1/: $(head -c 400 "$OUT")"; }
expect_err() { grep -qE -- "$1" "$ERR" || behaviour_fail "stderr lacks /$1/: $(head -c 400 "$ERR")"; }
expect_no_err() { [ ! -s "$ERR" ] || behaviour_fail "wanted no message, stderr: $(head -c 400 "$ERR")"; }

# ---- shared host pieces ----------------------------------------------------

# nginx_host CONF_DIR: Debian's nginx with CONF_DIR as /etc/nginx, and its
# log, state and pid directories private to the host (so nothing is written
# to the real /var/log/nginx or /run).
nginx_host() {
  bind_mount "$1" /etc/nginx
  mount_tmpfs /var/log/nginx
  mkdir -p /var/lib/nginx && mount_tmpfs /var/lib/nginx
  mount_tmpfs /run
  mkdir -p /run/lock
}

# nginx_conf DIR: a Debian-shaped /etc/nginx in DIR (nginx.conf including
# modules-enabled/*.conf and sites-enabled/*); the site is the caller's.
nginx_conf() {
  mkdir -p "$1/sites-enabled" "$1/modules-enabled" "$1/conf.d"
  cp /etc/nginx/mime.types "$1/"
  cat >"$1/nginx.conf" <<'CONF'
user www-data;
worker_processes 1;
pid /run/nginx.pid;
include /etc/nginx/modules-enabled/*.conf;

events {
	worker_connections 64;
}

http {
	sendfile on;
	include /etc/nginx/mime.types;
	default_type application/octet-stream;
	access_log /var/log/nginx/access.log;
	error_log /var/log/nginx/error.log;
	include /etc/nginx/conf.d/*.conf;
	include /etc/nginx/sites-enabled/*;
}
CONF
}

# nginx_stop: a graceful stop of the master (nginx -s quit does the same).
nginx_stop() { kill -QUIT "$(cat /run/nginx.pid)"; }
