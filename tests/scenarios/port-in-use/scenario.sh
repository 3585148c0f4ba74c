# nginx cannot listen: on the bad host something else already holds
# 127.0.0.1:8080 (a debug server someone left running), and nginx says
# "bind() to 127.0.0.1:8080 failed (98: Address already in use)".
# Class 1 of issue 12: the port must be shown as recorded (8080), not as the
# digit-run placeholder normalization used to make of it.
DESCRIPTION="nginx: 127.0.0.1:8080 already held by another process"
NEEDS=(nginx curl /usr/bin/python3)

prepare() {
  nginx_conf "$S/nginx"
  cat >"$S/nginx/sites-enabled/app" <<'SITE'
server {
	listen 127.0.0.1:8080;
	server_name app.internal;
	root /srv/www/app;
	index index.html;
}
SITE
  mkdir -p "$S/www"
  echo "<h1>app</h1>" >"$S/www/index.html"
}

host() {
  nginx_host "$S/nginx"
  mount_tmpfs /srv
  mkdir -p /srv/www/app && bind_mount "$S/www" /srv/www/app
  if [[ $1 == bad* ]]; then
    service squatter /usr/bin/python3 -m http.server --bind 127.0.0.1 8080
    wait_until 10 listening 8080
  fi
  CMD=(nginx -g 'daemon off;')
  DAEMON=1
}
ready() { curl -sf http://127.0.0.1:8080/ | grep -q '<h1>app</h1>'; }
stop() { nginx_stop; }

good_ok() { expect_rc 0; [ "$SERVED" = 1 ] || behaviour_fail "nginx never served the page"; }
bad_fails() { expect_rc 1; expect_err 'bind\(\) to 127\.0\.0\.1:8080 failed \(98: Address already in use\)'; }
