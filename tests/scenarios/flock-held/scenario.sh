# A cron job guarded by `flock -n` (only one instance at a time). On the bad
# host yesterday's instance still holds /run/lock/report.lock, so flock's
# flock(LOCK_EX|LOCK_NB) fails with EWOULDBLOCK and flock exits 1 without a
# word. Classes 3 and 6 of issue 12: EWOULDBLOCK on a non-blocking lock is
# the cause, not noise, and with no message the cause is the last failing
# call before the non-zero exit (explain must find it too).
DESCRIPTION="flock -n: the lock is held by another instance; exit 1, no message"
NEEDS=(flock)

prepare() {
  mkdir -p "$S/jobs"
  printf '#!/bin/sh\necho "report: written"\n' >"$S/jobs/report.sh"
  chmod 755 "$S/jobs/report.sh"
}

host() {
  mount_tmpfs /run/lock mode=1777
  mount_tmpfs /srv
  mkdir -p /srv/jobs && bind_mount "$S/jobs" /srv/jobs
  if [[ $1 == bad* ]]; then
    service holder flock /run/lock/report.lock sleep 600
    wait_until 10 eval '! flock -n /run/lock/report.lock true'
  fi
  CMD=(flock -n /run/lock/report.lock /srv/jobs/report.sh)
}

good_ok() { expect_rc 0; expect_out '^report: written$'; }
bad_fails() { expect_rc 1; expect_no_err; }
