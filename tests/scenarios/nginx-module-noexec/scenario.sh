# `nginx -t` before a reload: the site loads the stream module from
# /srv/nginx/modules, and on the bad host /srv is mounted noexec (a hardening
# baseline), so the loader's mmap(PROT_EXEC) of the module fails with EPERM:
# 'dlopen() ... failed (... failed to map segment from shared object)'.
# Class 3 of issue 12: a failing mmap is not a "timing" call; the
# explanation must say mapping for execution was refused and (recorded) that
# the mount is noexec.
DESCRIPTION="nginx -t: dynamic module on a noexec mount (mmap PROT_EXEC EPERM)"
NEEDS=(nginx /usr/lib/nginx/modules/ngx_stream_module.so)

prepare() {
  nginx_conf "$S/nginx"
  echo "load_module /srv/nginx/modules/ngx_stream_module.so;" >"$S/nginx/modules-enabled/50-mod-stream.conf"
  cat >"$S/nginx/sites-enabled/app" <<'SITE'
server {
	listen 127.0.0.1:8080;
	root /var/www/html;
}
SITE
  mkdir -p "$S/modules"
  cp /usr/lib/nginx/modules/ngx_stream_module.so "$S/modules/"
}

host() {
  nginx_host "$S/nginx"
  if [[ $1 == good* ]]; then mount_tmpfs /srv; else mount_tmpfs /srv mode=0755,noexec,nosuid,nodev; fi
  mkdir -p /srv/nginx/modules
  if [[ $1 == good* ]]; then
    bind_mount "$S/modules" /srv/nginx/modules
  else
    bind_mount "$S/modules" /srv/nginx/modules noexec,nosuid,nodev
  fi
  CMD=(nginx -t)
}

good_ok() { expect_rc 0; expect_err 'configuration file /etc/nginx/nginx.conf test is successful'; }
bad_fails() { expect_rc 1; expect_err 'dlopen\(\) "/srv/nginx/modules/ngx_stream_module.so" failed .*failed to map segment from shared object'; }
