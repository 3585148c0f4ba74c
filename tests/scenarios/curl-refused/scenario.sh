# A health check against a search service that is down on the bad host:
# nothing listens on 127.0.0.1:9200. curl connects without blocking: connect
# says EINPROGRESS on both hosts, and the outcome comes later, from poll and
# getsockopt(SO_ERROR): 0 on the good host, ECONNREFUSED on the bad.
# Class 3 of issue 12: EINPROGRESS is not the result; the connect's real
# outcome (ECONNREFUSED, and the address) must be the culprit.
DESCRIPTION="curl: connection refused, nothing listens on 127.0.0.1:9200"
NEEDS=(curl /usr/bin/python3)

prepare() {
  mkdir -p "$S/www"
  echo '{"status":"green"}' >"$S/www/health"
}

host() {
  if [[ $1 == good* ]]; then
    service search /usr/bin/python3 -m http.server --bind 127.0.0.1 --directory "$S/www" 9200
    wait_until 10 listening 9200
  fi
  CMD=(curl -sS --max-time 10 http://127.0.0.1:9200/health)
}

good_ok() { expect_rc 0; expect_out '"status":"green"'; }
bad_fails() { expect_rc 7; expect_err 'Failed to connect to 127\.0\.0\.1 port 9200'; }
