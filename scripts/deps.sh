#!/usr/bin/env bash
# Installs the Debian 12 packages tracediff needs to build and test.
# Idempotent and quiet when everything is already there.
set -euo pipefail
pkgs=(
  build-essential cmake pkg-config git
  libcli11-dev libfmt-dev libdtl-dev libgtest-dev libsimdjson-dev libzstd-dev libseccomp-dev liburing-dev
  libgoogle-perftools-dev    # tcmalloc, the executables' allocator (cmake/allocator.cmake)
  strace jq util-linux procps python3 file
  chromium   # the HTML report's browser test (tests/report/browser_test.sh)
  clang libclang-rt-14-dev   # fuzzers and the sanitizer build
  dpkg-dev man-db bash-completion zsh   # scripts/package.sh and its tests (tests/packaging)
  libbpf-dev bpftool         # the eBPF recorder (record/ebpf; clang builds its kernel program)
  hyperfine time             # bench/ (side-by-side timings; /usr/bin/time for peaks and CPU time)
  # tests/scenarios and bench/scenarios.sh: the programs that fail on a bad host
  # (dnsmasq-base: the binary without a service; nginx's is not started here)
  nginx libnginx-mod-stream dnsmasq-base curl openssl sqlite3 python3-yaml iproute2
  "$@"
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" != 0 ]; then
    echo "scripts/deps.sh: missing packages: ${missing[*]} (run as root to install them)" >&2
    exit 1
  fi
  echo "scripts/deps.sh: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
