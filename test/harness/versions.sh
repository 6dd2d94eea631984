# Pinned versions of the test control plane and tools. Sourced by the harness scripts.
# Bump here, then `make dev-down dev-up` rebuilds into a new cache folder.
KUBERNETES_VERSION=1.34.4
ETCD_VERSION=3.6.4
HELM_VERSION=3.22.0
SLUICE_CACHE_DIR="${SLUICE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/sluice}"
TOXIPROXY_VERSION=2.5.0
# The Go -ldflags that make Kubernetes binaries built from source report KUBERNETES_VERSION (the
# kubelet and kubectl check the server's version): build-control-plane.sh and node/build-node.sh.
k8s_version_ldflags() {
  local minor="${KUBERNETES_VERSION#*.}" flags="-s -w" pkg
  minor="${minor%%.*}"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    flags+=" -X $pkg.gitVersion=v$KUBERNETES_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    flags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  echo "$flags"
}
# The image's base root filesystem (test/harness/image/build-image.sh): Debian's minimal
# variant plus openssl (the operator issues its webhook certificates with it), what the
# Dockerfile's debian:bookworm-slim + `apt-get install openssl` gives. Bump the revision to
# rebuild the cached tarball (e.g. for security updates).
BASE_SUITE=bookworm
BASE_PACKAGES=openssl
BASE_REVISION=1
