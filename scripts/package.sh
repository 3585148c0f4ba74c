#!/usr/bin/env bash
# Builds what is shipped, from this checkout, into dist/ (docs/install.md):
#   dist/tracediff-VERSION-x86_64-linux   one static executable (every command)
#   dist/tracediff_VERSION_amd64.deb      it + man pages + bash/zsh completion + docs
#   dist/SHA256SUMS                       `sha256sum -c SHA256SUMS` checks both
#
# dist/ belongs to this script: what it holds is removed first (it says so).
# The static build goes to build-static/ (or $BUILD_DIR); only the tracediff
# target and its generated man pages and completion are built there.
# Needs what scripts/deps.sh installs, and deb.debian.org for simdjson's
# source the first time (packaging/fetch-simdjson.sh; kept in the build dir).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bash scripts/deps.sh
build=${BUILD_DIR:-build-static}
dist=$root/dist
jobs=${JOBS:-$(nproc)}

say() { echo "package.sh: $*" >&2; }
die() { say "$*"; exit 1; }

[ "$(uname -m)" = x86_64 ] || die "only x86_64 is supported (this is $(uname -m))"

say "simdjson's amalgamated source (Debian's source package)"
simdjson=$(bash packaging/fetch-simdjson.sh "$build/simdjson")

say "static build in $build"
start=$(date +%s)
mkdir -p "$build"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DTRACEDIFF_STATIC=ON -DTRACEDIFF_TESTS=OFF \
  -DTRACEDIFF_SIMDJSON_SOURCE="$simdjson" -DCMAKE_INSTALL_PREFIX=/usr >"$build/configure.log" 2>&1 ||
  { cat "$build/configure.log" >&2; die "cmake configure failed"; }
# The link log is kept: a glibc warning about a function that needs the
# host's shared libraries at run time (NSS, iconv, dlopen) fails the build.
cmake --build "$build" -j"$jobs" --target tracediff tracediff_docs >"$build/build.log" 2>&1 ||
  { tail -40 "$build/build.log" >&2; die "static build failed (log: $build/build.log)"; }
say "built in $(($(date +%s) - start)) s"
if grep -E "statically linked applications requires at runtime|warning: Using '" "$build/build.log" >&2; then
  die "the static link uses a function that needs the host's shared libraries at run time (above)"
fi

bin=$build/cli/tracediff
# Static: no program interpreter, no shared library needed.
if readelf -lW "$bin" | grep -q "INTERP"; then die "$bin has a program interpreter: not static"; fi
if readelf -dW "$bin" | grep -q "(NEEDED)"; then
  readelf -dW "$bin" | grep "(NEEDED)" >&2
  die "$bin needs shared libraries: not static"
fi

version=$("$bin" --version | head -1 | cut -d' ' -f2)
[ -n "$version" ] || die "$bin --version printed no version"
revision=$("$bin" --version | sed -n 's/^revision: //p')
say "tracediff $version, revision $revision"

say "clearing dist/ (it holds only what this script writes)"
rm -rf "$dist"
mkdir -p "$dist"

# The installed tree, as `cmake --install` lays it under /usr.
stage=$build/stage
rm -rf "$stage"
DESTDIR=$stage cmake --install "$build" >/dev/null
strip --strip-all "$stage/usr/bin/tracediff"
cp "$stage/usr/bin/tracediff" "$dist/tracediff-$version-x86_64-linux"

say "the .deb"
# Debian policy: man pages gzip'ed (-n: no name or time inside, so that the
# same sources give the same bytes), a copyright file for what is inside.
gzip -9n "$stage"/usr/share/man/man1/*.1
docdir=$stage/usr/share/doc/tracediff
{
  echo "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/"
  echo "Upstream-Name: tracediff"
  echo "Comment: The tracediff executable is linked statically: it contains the code of the"
  echo " libraries below, built from Debian 12's packages, under their licences (their"
  echo " Debian copyright files follow)."
  for pkg in libfmt-dev libsimdjson-dev libzstd-dev libcli11-dev libgoogle-perftools-dev libc6-dev libstdc++-12-dev; do
    f=/usr/share/doc/$pkg/copyright
    [ -f "$f" ] || f=/usr/share/doc/$(dpkg-query -W -f='${source:Package}' "$pkg" 2>/dev/null)/copyright
    [ -f "$f" ] || { say "no copyright file for $pkg"; continue; }
    echo
    echo "Files: (statically linked from $pkg $(dpkg-query -W -f='${Version}' "$pkg"))"
    echo "Comment:"
    sed -e 's/^$/./' -e 's/^/ /' "$f"
  done
} >"$docdir/copyright"
chmod 0644 "$docdir/copyright"
mkdir -p "$stage/DEBIAN"
installed_kb=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
# No Depends: the executable is static. strace is suggested: every command
# that reads a trace reads a strace log too.
cat >"$stage/DEBIAN/control" <<EOF
Package: tracediff
Version: $version
Architecture: amd64
Maintainer: tracediff developers <tracediff@localhost>
Installed-Size: $installed_kb
Section: devel
Priority: optional
Suggests: strace
Description: why does this work on that machine and not on this one?
 tracediff records what a program asks of its system (its system calls) on a
 host where it works and on a host where it fails, strips what differs
 between any two runs (pids, addresses, timestamps, fd numbers, temp names,
 host and user names), and shows what is left, the most likely culprit first.
 It also reads strace logs, and explains one failing trace from its error
 message back to the call that failed.
 .
 The executable is statically linked (revision $revision).
EOF
(cd "$stage" && find usr -type f -print0 | sort -z | xargs -0 md5sum) >"$stage/DEBIAN/md5sums"
# Reproducible: the commit's time for every file in the package.
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
find "$stage" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
deb=$dist/tracediff_${version}_amd64.deb
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
rm -rf "$stage/DEBIAN"

(cd "$dist" && sha256sum "tracediff-$version-x86_64-linux" "$(basename "$deb")" >SHA256SUMS)
(cd "$dist" && sha256sum -c --quiet SHA256SUMS)
say "wrote:"
(cd "$dist" && ls -l) >&2
