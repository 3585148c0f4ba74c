# A nightly ETL step sorts a large export as user "etl" (uid 1600) with
# TMPDIR=/mnt/scratch: sort spills runs to temporary files there. On the good
# host /mnt/scratch is world-writable (1777); on the bad host the scratch volume
# was mounted without the mode (root:root 0755), and sort says "cannot
# create temporary file in '/mnt/scratch': Permission denied". Class 5 of issue
# 12: creating, EACCES, in /mnt/scratch (its owner and mode), by uid 1600,
# and why there: TMPDIR.
DESCRIPTION="sort as uid 1600: TMPDIR=/mnt/scratch not writable on the bad host"
NEEDS=(sort setpriv)

prepare() {
  mkdir -p "$S/data"
  awk 'BEGIN { for (i = 0; i < 60000; i++) printf "%08d,customer-%d,%d\n", (i * 7919) % 100003, i, i % 97 }' \
    >"$S/data/export.csv"
}

host() {
  private_etc passwd group
  add_user etl 1600 /srv/etl
  mount_tmpfs /srv
  mkdir -p /srv/etl/data /srv/etl/out
  bind_mount "$S/data" /srv/etl/data
  mount_tmpfs /srv/etl/out mode=0755 && chown 1600:1600 /srv/etl/out   # fresh on every run
  # The scratch volume: /mnt (a mount point every Debian has), not a new /scratch.
  if [[ $1 == good* ]]; then mount_tmpfs /mnt mode=1777; else mount_tmpfs /mnt mode=0755; fi
  ENV=(TMPDIR=/mnt/scratch)
  mkdir -p /mnt/scratch
  [[ $1 == good* ]] && chmod 1777 /mnt/scratch
  CMD=(setpriv --reuid=etl --regid=etl --init-groups -- sort -S 64K -t, -k1,1 -o /srv/etl/out/sorted.csv /srv/etl/data/export.csv)
}

good_ok() { expect_rc 0; [ -z "$(cat "$OUT")" ] || behaviour_fail "unexpected output"; }
bad_fails() { expect_rc 2; expect_err "sort: cannot create temporary file in .?/mnt/scratch.?: Permission denied"; }
