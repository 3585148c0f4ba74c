# nginx does not start on the bad host: its copy of the site's config has a
# misspelt directive ("proxy_pas" for "proxy_pass") and nginx exits with
# 'unknown directive "proxy_pas"'. Class 4 of issue 12: the same file read
# with different content is the culprit, and the report shows the differing
# line of each side.
DESCRIPTION="nginx: unknown directive in sites-enabled/app (proxy_pas)"
NEEDS=(nginx curl)

site() {
  cat <<SITE
# app.internal: static files, the API behind it on 127.0.0.1:9000.
server {
	listen 127.0.0.1:8080;
	server_name app.internal;
	root /srv/www/app;
	index index.html;

	location / {
		try_files \$uri \$uri/ =404;
	}

	location /api/ {
		$1 http://127.0.0.1:9000;
		proxy_set_header Host \$host;
	}
}
SITE
}

prepare() {
  for side in good bad; do nginx_conf "$S/$side"; done
  site proxy_pass >"$S/good/sites-enabled/app"
  site proxy_pas >"$S/bad/sites-enabled/app"
  mkdir -p "$S/www"
  echo "<h1>app</h1>" >"$S/www/index.html"
}

host() {
  case $1 in good*) nginx_host "$S/good" ;; *) nginx_host "$S/bad" ;; esac
  mount_tmpfs /srv
  mkdir -p /srv/www/app && bind_mount "$S/www" /srv/www/app
  CMD=(nginx -g 'daemon off;')
  DAEMON=1
}
ready() { curl -sf http://127.0.0.1:8080/ | grep -q '<h1>app</h1>'; }
stop() { nginx_stop; }

good_ok() { expect_rc 0; [ "$SERVED" = 1 ] || behaviour_fail "nginx never served the page"; }
bad_fails() { expect_rc 1; expect_err 'unknown directive "proxy_pas" in /etc/nginx/sites-enabled/app:13'; }
