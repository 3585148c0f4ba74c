# The application's health check reaches its database service by name. The
# site resolver (dnsmasq, on 127.0.0.1:53 in each host's network namespace,
# authoritative for .internal) has a record "db.internal -> 127.0.10.5" on the
# good host; the bad host's resolver lacks it and answers NXDOMAIN, and curl
# says "Could not resolve host: db.internal". Class 4 of issue 12: DNS
# traffic decoded and compared ("db.internal: NXDOMAIN on the bad side,
# 127.0.10.5 on the good").
# bad2 shares the fault and differs in an unrelated way: LANG=de_DE.UTF-8,
# a locale that is not installed (failing opens of locale files, a decoy).
DESCRIPTION="curl: db.internal NXDOMAIN from the bad host's resolver"
NEEDS=(curl dnsmasq /usr/bin/python3)
HOSTS=(good1 good2 good3 bad bad2)

prepare() {
  mkdir -p "$S/www"
  echo "db: ok" >"$S/www/health"
}

host() {
  private_etc hosts resolv.conf
  echo "nameserver 127.0.0.1" >/etc/resolv.conf
  local record=()
  [[ $1 == good* ]] && record=(--host-record=db.internal,127.0.10.5)
  service dns dnsmasq --keep-in-foreground --no-resolv --no-hosts --bind-interfaces --listen-address=127.0.0.1 \
    --user=root --pid-file= --local=/internal/ "${record[@]}"
  wait_until 10 listening 53 udp
  service db /usr/bin/python3 -m http.server --bind 127.0.10.5 --directory "$S/www" 8080
  wait_until 10 listening 8080
  [ "$1" != bad2 ] || ENV=(LANG=de_DE.UTF-8)
  CMD=(curl -sS --max-time 10 http://db.internal:8080/health)
}

good_ok() { expect_rc 0; expect_out '^db: ok$'; }
bad_fails() { expect_rc 6; expect_err 'Could not resolve host: db\.internal'; }
