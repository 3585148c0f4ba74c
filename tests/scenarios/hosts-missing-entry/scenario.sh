# A deploy check resolves the database host with `getent hosts db.internal`.
# The good host's /etc/hosts has "127.0.10.5 db.internal db"; the bad host's
# was rebuilt without it (and its DNS does not know the name), so getent
# exits 2 without a word. Classes 4 and 6 of issue 12: the /etc/hosts read
# with different content is the cause, and there is no message to start from.
DESCRIPTION="getent hosts db.internal: /etc/hosts lacks the entry; exit 2, no message"
NEEDS=(getent)

host() {
  private_etc hosts resolv.conf
  echo "nameserver 127.0.0.1" >/etc/resolv.conf   # nothing answers there
  if [[ $1 == good* ]]; then echo "127.0.10.5 db.internal db" >>/etc/hosts; fi
  CMD=(getent hosts db.internal)
}

good_ok() { expect_rc 0; expect_out '^127\.0\.10\.5 +db\.internal db$'; }
bad_fails() { expect_rc 2; expect_no_err; }
