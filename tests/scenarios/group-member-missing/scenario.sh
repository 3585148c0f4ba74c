# A service account reads its TLS key through group ssl-cert. The key
# /etc/ssl/private/app.key is root:ssl-cert 0640 on both hosts; the good
# host's /etc/group lists the account ("ssl-cert:x:103:postgres,app"), the
# bad host's does not ("ssl-cert:x:103:postgres"), so after `sudo -u app`
# (here setpriv --init-groups, which reads /etc/group) opening the key fails
# with EACCES. Class 4 of issue 12: the /etc/group read with different
# content is the cause; the EACCES that follows must be significant too.
# Either may rank first: the /etc/group read, or the EACCES with the
# differing /etc/group line for its group beside it as the reason.
DESCRIPTION="openssl as app: /etc/group lacks app in ssl-cert, the key is EACCES"
NEEDS=(openssl setpriv)

prepare() {
  mkdir -p "$S/private"
  openssl genpkey -algorithm ed25519 -out "$S/private/app.key" 2>/dev/null
  chown -R 0:103 "$S/private"
  chmod 0710 "$S/private"
  chmod 0640 "$S/private/app.key"
}

host() {
  private_etc passwd group
  add_user app 1500 /nonexistent
  if [[ $1 == good* ]]; then
    edit_etc group 's/^ssl-cert:x:103:.*/ssl-cert:x:103:postgres,app/'
  else
    edit_etc group 's/^ssl-cert:x:103:.*/ssl-cert:x:103:postgres/'
  fi
  bind_mount "$S/private" /etc/ssl/private
  CMD=(setpriv --reuid=app --regid=app --init-groups -- openssl pkey -in /etc/ssl/private/app.key -pubout)
}

good_ok() { expect_rc 0; expect_out 'BEGIN PUBLIC KEY'; }
bad_fails() { expect_rc 1; expect_err '/etc/ssl/private/app.key'; }
