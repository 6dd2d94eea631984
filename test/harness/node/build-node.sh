#!/usr/bin/env bash
# Builds the real node's Kubernetes parts — kubelet, kube-scheduler, kube-controller-manager,
# kube-proxy — and the pod sandbox's pause binary from the harness's Go module
# (test/harness/controlplane: the same k8s.io/kubernetes version as kube-apiserver, so the Go
# build cache is shared), once per version, into $SLUICE_CACHE_DIR. Prints the folder.
# Cold: about 2 minutes on top of build-control-plane.sh; cached: nothing to do.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/../versions.sh"
module="$here/../controlplane"

bin="$SLUICE_CACHE_DIR/node-k8s-v$KUBERNETES_VERSION"
parts=(kubelet kube-scheduler kube-controller-manager kube-proxy pause)
complete=1
for part in "${parts[@]}"; do [[ -x "$bin/$part" ]] || complete=0; done
if ((complete)); then echo "$bin"; exit 0; fi

command -v go >/dev/null || { echo "go is required to build the real node" >&2; exit 1; }
echo "building kubelet, kube-scheduler, kube-controller-manager, kube-proxy v$KUBERNETES_VERSION into $bin (first run only)" >&2
ldflags="$(k8s_version_ldflags)"
rm -rf "$bin.tmp" && mkdir -p "$bin.tmp"
(
  cd "$module"
  go build -trimpath -ldflags "$ldflags" -o "$bin.tmp/" \
    k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-scheduler \
    k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-proxy
  # The sandbox runs in an empty image: static, no libc.
  CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$bin.tmp/pause" ./cmd/pause
)
rm -rf "$bin" && mv "$bin.tmp" "$bin"
echo "$bin"
