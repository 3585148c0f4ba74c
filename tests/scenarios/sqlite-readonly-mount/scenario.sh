# A deploy step records itself in the application's SQLite database. On the
# bad host /srv/app is a read-only mount (the volume came back ro after a
# file system error), so sqlite3's open O_RDWR|O_CREAT fails with EROFS, it
# falls back to read-only, and the INSERT fails: "attempt to write a readonly
# database". The culprit is the first failing open, with EROFS; recorded,
# the explanation can say the mount is read-only.
DESCRIPTION="sqlite3 INSERT: /srv/app mounted read-only (EROFS)"
NEEDS=(sqlite3)

prepare() {
  mkdir -p "$S/app"
  sqlite3 "$S/app/app.db" "CREATE TABLE deploys(version TEXT, at TEXT); INSERT INTO deploys VALUES('1.4.1', '2026-11-30');"
}

host() {
  mount_tmpfs /srv
  mkdir -p /srv/app && mount_tmpfs /srv/app
  cp -a "$S/app/app.db" /srv/app/
  [[ $1 == good* ]] || mount -o remount,ro /srv/app
  CMD=(sqlite3 /srv/app/app.db "INSERT INTO deploys VALUES('1.4.2', date('now')); SELECT count(*) FROM deploys;")
}

good_ok() { expect_rc 0; expect_out '^2$'; }
bad_fails() { expect_rc 8; expect_err 'attempt to write a readonly database'; }
