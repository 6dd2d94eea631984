#!/usr/bin/env bash
# Installs what the tests need and is missing: Debian packages (Redis, PostgreSQL, Prometheus,
# Chromium, OpenSSL; containerd, runc, CNI plugins, umoci, skopeo, debootstrap, jq for the real
# node of `make e2e`), the npm dependencies (install-node-deps.sh, with Node 24 pinned in package.json), and
# the test control plane binaries (built once per version into the per-user cache). Safe to run
# again. `make demo` needs only the npm part.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

need=()
command -v redis-server >/dev/null || need+=(redis-server)
command -v openssl >/dev/null || need+=(openssl)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v promtool >/dev/null || need+=(prometheus)
[[ -x /usr/bin/chromium ]] || need+=(chromium)   # the report test opens report.html in it
# The real node of `make e2e` (test/harness/node/) and the image built without Docker.
for tool in containerd:containerd runc:runc umoci:umoci skopeo:skopeo debootstrap:debootstrap \
  iptables:iptables nft:nftables conntrack:conntrack jq:jq; do
  command -v "${tool%%:*}" >/dev/null || need+=("${tool#*:}")
done
[[ -x /usr/lib/cni/bridge ]] || need+=(containernetworking-plugins)
if ((${#need[@]})); then
  echo "installing Debian packages: ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  # The packages start system-wide services on their default ports; the tests run their own.
  for svc in redis-server prometheus postgresql containerd; do
    if command -v systemctl >/dev/null && systemctl is-active --quiet "$svc" 2>/dev/null; then systemctl stop "$svc" || true; fi
    service "$svc" stop >/dev/null 2>&1 || true
  done
fi

bash "$here/install-node-deps.sh"

# schemathesis (and the hypothesis it works with) for the fault suite's API fuzzing. (grep without
# -q: under pipefail, pip killed by SIGPIPE when grep stops reading early would count as a
# mismatch and reinstall on every run.)
if ! command -v st >/dev/null || ! python3 -m pip show schemathesis 2>/dev/null | grep '^Version: 3.39.16$' >/dev/null; then
  echo "installing Python test tools (test/faults/requirements.txt)" >&2
  python3 -m pip install --quiet --disable-pip-version-check -r "$root/test/faults/requirements.txt"
  hash -r
fi

bash "$here/build-control-plane.sh" >/dev/null
bash "$here/build-helm.sh" >/dev/null
bash "$here/build-toxiproxy.sh" >/dev/null
bash "$here/node/build-node.sh" >/dev/null
