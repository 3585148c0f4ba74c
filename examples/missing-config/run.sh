#!/usr/bin/env bash
# The article's first story: foo works on the good host and says only
# "Error opening configuration file: No such file or directory" on the bad
# one. Each host is a private mount namespace with /etc overlaid, so the
# real /etc never changes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib.sh"

if [ "${1:-}" = --host ]; then  # inside the namespace: set up the host, record foo
  host=$2 base=$3
  scratch=$base.scratch
  mkdir -p "$scratch"
  mount -t tmpfs tmpfs "$scratch"
  mkdir "$scratch/upper" "$scratch/work"
  mount -t overlay overlay -o "lowerdir=/etc,upperdir=$scratch/upper,workdir=$scratch/work" /etc
  if [ "$host" = good ]; then
    mkdir -p /etc/foo
    echo '{"listen": ":8080", "workers": 4}' >/etc/foo/config.json
  else
    rm -rf /etc/foo
  fi
  record "$base" "$BIN/foo"
  exit 0
fi

out=$(out_dir)
for host in good bad; do
  step "$(record_line "$out/$host" foo)   # on the $host host: $(if [ $host = good ]; then echo "/etc/foo/config.json present"; else echo "no /etc/foo"; fi)"
  unshare -m --propagation private "$0" --host "$host" "$out/$host"
  rmdir "$out/$host.scratch"
done
show_report "$(trace_of "$out/good")" "$(trace_of "$out/bad")"
show_explain "$(trace_of "$out/bad")"
echo
echo "recordings: $out"
