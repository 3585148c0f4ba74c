#!/usr/bin/env bash
# Fetches Debian's source of simdjson into DIR and prints the path of its
# amalgamated sources (DIR/simdjson-VERSION/singleheader).
#
# Why: the static tracediff needs simdjson as an archive, and Debian 12's
# libsimdjson-dev ships only the shared library and simdjson.h. The source
# package has the amalgamated simdjson.cpp + simdjson.h of the same version.
#
# How, without touching the host's apt set-up: a private deb-src list, list
# directory and cache under DIR (apt's Dir::* options), so the host's
# sources, package lists and installed packages stay as they were. apt checks
# the downloaded files against the archive's signed Release file (keyring
# debian-archive-keyring); dpkg-source then checks them against the .dsc (the
# .dsc's own signature would need debian-keyring: it only warns).
#
# Usage: fetch-simdjson.sh DIR    (DIR is created; a second run reuses it)
set -euo pipefail
dir=${1:?usage: fetch-simdjson.sh DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

# The version of the headers the dynamic build uses, so both builds parse
# the same way; "source:Version" is the source package's version.
version=$(dpkg-query -W -f='${source:Version}' libsimdjson-dev 2>/dev/null || true)
if [ -z "$version" ]; then
  echo "fetch-simdjson.sh: libsimdjson-dev is not installed (run scripts/deps.sh)" >&2
  exit 1
fi
upstream=${version%-*}
src=$dir/simdjson-$upstream
if [ -f "$src/singleheader/simdjson.cpp" ] && [ -f "$src/singleheader/simdjson.h" ]; then
  echo "$src/singleheader"
  exit 0
fi

apt_dir=$dir/apt
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
cat >"$apt_dir/sources.list" <<LIST
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm-updates main
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian-security bookworm-security main
LIST
apt_opts=(
  -o "Dir::Etc::SourceList=$apt_dir/sources.list"
  -o "Dir::Etc::SourceParts=$apt_dir/none"   # no host sources.list.d
  -o "Dir::State::Lists=$apt_dir/lists"
  -o "Dir::Cache=$apt_dir/cache"
  -o "APT::Sandbox::User=root"                # _apt cannot write into DIR
  -o "Debug::NoLocking=1"                     # our own lists: no host lock needed
)
log=$dir/apt.log
if ! apt-get "${apt_opts[@]}" update >"$log" 2>&1; then
  echo "fetch-simdjson.sh: apt-get update of the deb-src list failed (see $log):" >&2
  tail -3 "$log" >&2
  exit 1
fi
rm -rf "$dir/download" && mkdir -p "$dir/download"
if ! (cd "$dir/download" && apt-get "${apt_opts[@]}" source --download-only "simdjson=$version") >>"$log" 2>&1; then
  echo "fetch-simdjson.sh: apt-get source simdjson=$version failed (see $log):" >&2
  tail -3 "$log" >&2
  exit 1
fi
# dpkg-source applies Debian's patches (3.0.1-1 has none; a later one may).
rm -rf "$src"
if ! (cd "$dir/download" && dpkg-source -x ./*.dsc "$src") >>"$log" 2>&1; then
  echo "fetch-simdjson.sh: dpkg-source -x failed (see $log)" >&2
  exit 1
fi
if [ ! -f "$src/singleheader/simdjson.cpp" ]; then
  echo "fetch-simdjson.sh: $src has no singleheader/simdjson.cpp" >&2
  exit 1
fi
echo "$src/singleheader"
