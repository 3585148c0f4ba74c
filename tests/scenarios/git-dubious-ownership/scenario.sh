# git refuses a checkout that another user owns. The release checkout at
# /var/tmp/release-checkout/webapp is owned by the deploy user (uid 1500) on
# the good host; on the bad host a release bot (uid 2002) made it, and
# `git status` as deploy says "detected dubious ownership in repository".
# Class 2 of issue 12: the same stat on the same path whose owner differs
# must be paired and named (owner uid 1500 vs 2002); class 1: the directory's
# real name, not /var/tmp/XXXXXX/webapp.
# bad2 shares the fault and differs in an unrelated way: deploy has a
# ~/.gitconfig there (a user name), which git reads before refusing.
DESCRIPTION="git status: the checkout is owned by uid 2002, not the caller (uid 1500)"
NEEDS=(git setpriv)
HOSTS=(good1 good2 good3 bad bad2)

prepare() {
  mkdir -p "$S/repo/webapp"
  cd "$S/repo/webapp"
  git init -q -b main .
  printf 'print("webapp")\n' >app.py
  git add app.py
  git -c user.name=ci -c user.email=ci@example.org commit -q -m "release 1.4.2"
  echo "notes" >NOTES
  cd "$S"
  for side in good bad; do cp -a "$S/repo" "$S/$side"; done
  chown -R 1500:1500 "$S/good"
  chown -R 2002:2002 "$S/bad"
  chmod 755 "$S/good" "$S/bad"
}

host() {
  private_etc passwd group
  add_user deploy 1500 /home/deploy
  add_user release-bot 2002 /home/release-bot
  mount_tmpfs /home
  mkdir -p /home/deploy && chown 1500:1500 /home/deploy
  if [ "$1" = bad2 ]; then
    printf '[user]\n\tname = Deploy User\n\temail = deploy@example.org\n' >/home/deploy/.gitconfig
    chown 1500:1500 /home/deploy/.gitconfig
  fi
  mount_tmpfs /var/tmp mode=1777
  mkdir -p /var/tmp/release-checkout
  # A copy per run: git status refreshes the index, and each run must find
  # the checkout as prepared, not as the previous run left it.
  case $1 in
    good*) cp -a "$S/good/webapp" /var/tmp/release-checkout/ ;;
    *) cp -a "$S/bad/webapp" /var/tmp/release-checkout/ ;;
  esac
  ENV=(HOME=/home/deploy USER=deploy LOGNAME=deploy)
  CMD=(setpriv --reuid=deploy --regid=deploy --init-groups -- git -C /var/tmp/release-checkout/webapp status --short)
}

good_ok() { expect_rc 0; expect_out '^\?\? NOTES$'; }
bad_fails() { expect_rc 128; expect_err "detected dubious ownership in repository at '/var/tmp/release-checkout/webapp'"; }
