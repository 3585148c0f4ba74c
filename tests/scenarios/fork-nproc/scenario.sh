# A nightly job of user "reports" (uid 4711) cannot fork. Both hosts limit
# the user to 25 processes (RLIMIT_NPROC 25, limits.conf); on the bad host 24
# earlier runs of the job hang, so the shell is the 25th process and its first
# fork fails with EAGAIN: dash says "Cannot fork". Root ignores RLIMIT_NPROC,
# so the job runs as the user (setpriv, as sudo -u would).
# Class 3 of issue 12: clone's EAGAIN is not "transient" here; the
# explanation must name the process limit and (recorded) its value.
DESCRIPTION="sh: Cannot fork, uid 4711 at RLIMIT_NPROC 25 on the bad host"
NEEDS=(setpriv prlimit /usr/bin/dash)

prepare() {
  mkdir -p "$S/jobs/reports"
  echo "2026-11-30,42" >"$S/jobs/reports/daily.csv"
  cat >"$S/jobs/nightly.sh" <<'SH'
#!/bin/sh
# Archives the day's reports.
set -e
cd /srv/jobs/reports
date -u +%F >stamp
tar -cf /srv/jobs/reports.tar daily.csv stamp
echo "nightly: archived"
SH
  chmod 755 "$S/jobs/nightly.sh"
  chown -R 4711:4711 "$S/jobs"
}

host() {
  private_etc passwd group
  add_user reports 4711 /srv/jobs
  mount_tmpfs /srv
  cp -a "$S/jobs" /srv/   # a copy per run: the job writes into it
  if [[ $1 == bad* ]]; then
    local i
    for i in $(seq 24); do
      service "stuck$i" setpriv --reuid=reports --regid=reports --clear-groups -- sleep 600
    done
    wait_until 10 eval '[ "$(pgrep -c -u 4711 sleep)" = 24 ]'
  fi
  WRAP=(prlimit --nproc=25:25 --)
  CMD=(setpriv --reuid=reports --regid=reports --init-groups -- /bin/sh /srv/jobs/nightly.sh)
}

good_ok() { expect_rc 0; expect_out '^nightly: archived$'; }
bad_fails() { expect_rc 2; expect_err 'Cannot fork'; }
