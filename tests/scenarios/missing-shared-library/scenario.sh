# "Works in my shell, not from cron": a vendor's reportgen in
# /opt/reportgen/bin needs libreport.so.1 from /opt/reportgen/lib, which only
# LD_LIBRARY_PATH names. The good host's run has it (a login shell's
# profile); the bad host's does not (cron's bare environment), and the loader
# says "error while loading shared libraries: libreport.so.1: cannot open
# shared object file". The culprit is the loader's search, with where the
# good side found the library and why it looked there (LD_LIBRARY_PATH).
# reportgen and libreport.so.1 are built by programs/CMakeLists.txt (no
# Debian program ships a private library this way).
DESCRIPTION="reportgen: libreport.so.1 not found without LD_LIBRARY_PATH"
NEEDS=("$SCENARIO_PROGRAMS/bin/reportgen" "$SCENARIO_PROGRAMS/lib/libreport.so.1")

prepare() {
  mkdir -p "$S/opt/bin" "$S/opt/lib"
  cp "$SCENARIO_PROGRAMS/bin/reportgen" "$S/opt/bin/"
  cp -L "$SCENARIO_PROGRAMS/lib/libreport.so.1" "$S/opt/lib/"
}

host() {
  mount_tmpfs /opt
  mkdir -p /opt/reportgen && bind_mount "$S/opt" /opt/reportgen
  [[ $1 == good* ]] && ENV=(LD_LIBRARY_PATH=/opt/reportgen/lib)
  CMD=(/opt/reportgen/bin/reportgen)
}

good_ok() { expect_rc 0; expect_out '^reportgen: 3 rows$'; }
bad_fails() { expect_rc 127; expect_err 'error while loading shared libraries: libreport\.so\.1: cannot open shared object file'; }
