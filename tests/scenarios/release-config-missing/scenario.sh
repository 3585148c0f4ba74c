# A release checkout without its settings file. The deploy step runs
# `python3 manage.py check` in /var/tmp/release-checkout/webapp; on the bad
# host the checkout lacks config/settings.ini (it is in .gitignore and was
# copied by hand on the good host), and the program stops with a traceback.
# Class 1 of issue 12: a path under /var/tmp whose words are 8+ letters
# ("release-checkout", "settings") must be shown as recorded, never XXXXXX.
DESCRIPTION="python3 manage.py: config/settings.ini missing from the release checkout"
NEEDS=(/usr/bin/python3)

prepare() {
  for side in good bad; do
    mkdir -p "$S/$side/webapp/config"
    cat >"$S/$side/webapp/manage.py" <<'PY'
import configparser, os, sys

BASE = os.path.dirname(os.path.abspath(__file__))

def load_settings():
    parser = configparser.ConfigParser()
    with open(os.path.join(BASE, "config", "settings.ini")) as f:
        parser.read_file(f)
    return parser

if __name__ == "__main__":
    settings = load_settings()
    print("check: database", settings["database"]["url"], "ok")
PY
  done
  printf '[database]\nurl = sqlite:////var/lib/webapp/app.db\n' >"$S/good/webapp/config/settings.ini"
}

host() {
  mount_tmpfs /var/tmp mode=1777
  mkdir -p /var/tmp/release-checkout/webapp
  case $1 in
    good*) bind_mount "$S/good/webapp" /var/tmp/release-checkout/webapp ;;
    *) bind_mount "$S/bad/webapp" /var/tmp/release-checkout/webapp ;;
  esac
  CMD=(/usr/bin/python3 /var/tmp/release-checkout/webapp/manage.py check)
}

good_ok() { expect_rc 0; expect_out '^check: database sqlite:////var/lib/webapp/app.db ok$'; }
bad_fails() { expect_rc 1; expect_err "FileNotFoundError: .*'/var/tmp/release-checkout/webapp/config/settings.ini'"; }
