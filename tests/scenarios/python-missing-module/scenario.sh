# A python service in its own virtual environment (/srv/app/venv) needs
# PyYAML. On the good host the requirements were installed into the venv
# (here: Debian's python3-yaml copied into its site-packages); on the bad
# host that step was skipped, and the service dies with "ModuleNotFoundError:
# No module named 'yaml'". Issue 13's first example: one cause (the failed
# lookup of yaml in the venv's site-packages) and dozens of consequences
# (the good side went on to read yaml/*.py): the culprit must rank 1, and
# the rest should fold under it.
DESCRIPTION="python3 in a venv: No module named 'yaml' (requirements not installed)"
NEEDS=(/usr/bin/python3 /usr/lib/python3/dist-packages/yaml/__init__.py)

prepare() {
  local side site
  for side in good bad; do
    mkdir -p "$S/$side/app"
    /usr/bin/python3 -m venv --without-pip "$S/$side/app/venv"
    # Made where both hosts deploy it: pyvenv.cfg names the path it was made at.
    sed -i "s|$S/$side/app/venv|/srv/app/venv|g" "$S/$side/app/venv/pyvenv.cfg"
    cat >"$S/$side/app/service.py" <<'PY'
import yaml

with open("/srv/app/config.yaml") as f:
    config = yaml.safe_load(f)
print("service: listening on", config["listen"])
PY
    printf 'listen: 127.0.0.1:8000\nworkers: 2\n' >"$S/$side/app/config.yaml"
  done
  site=$(echo "$S"/good/app/venv/lib/python3*/site-packages)
  cp -a /usr/lib/python3/dist-packages/yaml /usr/lib/python3/dist-packages/_yaml \
    /usr/lib/python3/dist-packages/PyYAML-*.dist-info "$site/"
}

host() {
  mount_tmpfs /srv
  mkdir -p /srv/app
  case $1 in good*) bind_mount "$S/good/app" /srv/app ;; *) bind_mount "$S/bad/app" /srv/app ;; esac
  CMD=(/srv/app/venv/bin/python3 /srv/app/service.py)
}

good_ok() { expect_rc 0; expect_out '^service: listening on 127\.0\.0\.1:8000$'; }
bad_fails() { expect_rc 1; expect_err "ModuleNotFoundError: No module named 'yaml'"; }
