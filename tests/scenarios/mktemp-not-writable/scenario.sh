# A report job of user "reports" (uid 1500) makes its scratch file with
# `mktemp -p /var/spool/reports` (openat O_RDWR|O_CREAT|O_EXCL). On the good
# host the spool directory belongs to reports (0755); on the bad host it was
# recreated by root (root:root 0755), and creating the file fails with
# EACCES. Class 5 of issue 12: the explanation must say the call was
# creating a file and failed with EACCES (not "looking up ... ENOENT"), with
# the directory's owner and mode and the caller's uid.
DESCRIPTION="mktemp as uid 1500: /var/spool/reports is root's, creating fails EACCES"
NEEDS=(mktemp setpriv)

host() {
  private_etc passwd group
  add_user reports 1500 /var/spool/reports
  mount_tmpfs /var/spool
  mkdir -p /var/spool/reports
  chmod 0755 /var/spool/reports
  [[ $1 == good* ]] && chown 1500:1500 /var/spool/reports
  CMD=(setpriv --reuid=reports --regid=reports --init-groups -- mktemp -p /var/spool/reports report.XXXXXXXX)
}

good_ok() { expect_rc 0; expect_out '^/var/spool/reports/report\.[A-Za-z0-9]{8}$'; }
bad_fails() { expect_rc 1; expect_err "mktemp: failed to create file via template .?/var/spool/reports/report\.XXXXXXXX.?: Permission denied"; }
