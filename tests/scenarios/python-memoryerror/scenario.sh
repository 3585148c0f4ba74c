# A service that loads a 300 MiB lookup table at start. The bad host's unit
# caps its address space at 256 MiB (LimitAS=256M, RLIMIT_AS 268435456), so
# the allocation's mmap fails with ENOMEM and python3 says only "MemoryError".
# Class 3 of issue 12: mmap is no "timing" call when it fails on the bad side
# only; the explanation must give the limit from the header.
# The limit is set on the recorder (prlimit), as a service manager would set
# it on the service: the recorder only passes it on, its own address space is
# its own.
DESCRIPTION="python3: MemoryError, RLIMIT_AS 256 MiB on the bad host"
NEEDS=(/usr/bin/python3 prlimit)

prepare() {
  mkdir -p "$S/app"
  cat >"$S/app/lookupd.py" <<'PY'
# Loads the lookup table into memory, then answers from it.
TABLE_BYTES = 300 * 1024 * 1024
table = bytearray(TABLE_BYTES)
print("lookupd: table loaded,", len(table) // (1024 * 1024), "MiB")
PY
}

host() {
  mount_tmpfs /srv
  mkdir -p /srv/lookupd && bind_mount "$S/app" /srv/lookupd
  [[ $1 == good* ]] || WRAP=(prlimit --as=268435456 --)
  CMD=(/usr/bin/python3 /srv/lookupd/lookupd.py)
}

good_ok() { expect_rc 0; expect_out '^lookupd: table loaded, 300 MiB$'; }
bad_fails() { expect_rc 1; expect_err '^MemoryError$'; }
