# Shared by the tests of what scripts/package.sh ships (sourced).
#
# The artifacts are taken from DIST (the test's first argument, dist/ of the
# source tree). When they are missing the test is skipped (77) with the
# reason, unless TRACEDIFF_REQUIRE_DIST=1 (scripts/test.sh sets it right
# after running package.sh): then a missing or stale artifact fails.

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*" >&2; exit 77; }

need_root() {
  [ "$(id -u)" = 0 ] || skip "needs root ($1)"
}

# Sets $dist_bin (the static executable) and $dist_deb from DIST.
find_dist() {
  local dist=$1 n
  shopt -s nullglob
  local bins=("$dist"/tracediff-*-x86_64-linux) debs=("$dist"/tracediff_*_amd64.deb)
  shopt -u nullglob
  n=${#bins[@]}
  if ((n == 0)) || ((${#debs[@]} == 0)); then
    [ "${TRACEDIFF_REQUIRE_DIST:-}" = 1 ] && fail "$dist has no tracediff-*-x86_64-linux or .deb (scripts/package.sh failed?)"
    skip "$dist has no packaged tracediff: run 'bash scripts/package.sh' first"
  fi
  ((n == 1)) && ((${#debs[@]} == 1)) || fail "$dist has more than one binary or .deb: ${bins[*]} ${debs[*]}"
  dist_bin=${bins[0]}
  dist_deb=${debs[0]}
  (cd "$dist" && sha256sum -c --quiet SHA256SUMS) || fail "$dist/SHA256SUMS does not match the files"
}

# Warns (fails under TRACEDIFF_REQUIRE_DIST=1) when the packaged binary was
# built from another revision than the tracediff of this build ($1).
check_fresh() {
  local built=$1 packaged ours
  packaged=$("$dist_bin" --version | sed -n 's/^revision: //p')
  ours=$("$built" --version | sed -n 's/^revision: //p')
  if [ "$packaged" != "$ours" ]; then
    [ "${TRACEDIFF_REQUIRE_DIST:-}" = 1 ] && fail "dist/ is from revision $packaged, this build is $ours"
    echo "warning: dist/ is from revision $packaged, this build is $ours (run scripts/package.sh)" >&2
  fi
  echo "testing $(basename "$dist_bin"), revision $packaged"
}
