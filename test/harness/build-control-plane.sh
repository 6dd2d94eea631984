#!/usr/bin/env bash
# Builds kube-apiserver and etcd from their Go modules at the versions in versions.sh, once per
# version, into $SLUICE_CACHE_DIR (default ~/.cache/sluice). A second run — or CI in a fresh
# clone on the same machine — finds them there and returns at once.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/versions.sh"

grep -q "k8s.io/kubernetes v$KUBERNETES_VERSION\$" "$here/controlplane/go.mod" &&
  grep -q "go.etcd.io/etcd/server/v3 v$ETCD_VERSION\$" "$here/controlplane/go.mod" ||
  { echo "test/harness/controlplane/go.mod does not pin the versions in versions.sh; update both" >&2; exit 1; }

bin="$SLUICE_CACHE_DIR/control-plane-k8s-v$KUBERNETES_VERSION-etcd-v$ETCD_VERSION"
if [[ -x "$bin/kube-apiserver" && -x "$bin/etcd" ]]; then
  echo "$bin"
  exit 0
fi

command -v go >/dev/null || { echo "go is required to build the test control plane" >&2; exit 1; }
mkdir -p "$bin.tmp"
echo "building kube-apiserver v$KUBERNETES_VERSION and etcd v$ETCD_VERSION into $bin (first run only, a few minutes)" >&2
ldflags="$(k8s_version_ldflags)"
(
  cd "$here/controlplane"
  go build -trimpath -ldflags "$ldflags" -o "$bin.tmp/" k8s.io/kubernetes/cmd/kube-apiserver ./cmd/etcd
)
rm -rf "$bin"
mv "$bin.tmp" "$bin"
echo "$bin"
