# Shared by the real-node scripts (sourced): where the cluster lives, its addresses, and the one
# check for what a run can leave behind on this machine. See docs/adr/0020-real-node-e2e.md.
# (Pipelines here never end in `grep -q`: under pipefail, a producer killed by SIGPIPE when grep
# stops reading early would turn a match into a failure.)
here_node="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here_node/../../.." && pwd)"
. "$root/test/harness/versions.sh"

# Machine-wide on purpose: two clusters on one machine would clash (cgroups, iptables, sysctls),
# so every clone and CI use this one folder and refuse to start while it exists.
E2E_STATE="${SLUICE_E2E_STATE:-/var/lib/sluice-e2e}"
# Logs stay in the clone that ran (kept after teardown, replaced by the next run).
E2E_LOGS="${SLUICE_E2E_LOGS:-$root/.cache/e2e/logs}"
NODE_NAME=sluice-e2e
CLUSTER_CIDR=10.244.0.0/16
POD_CIDR=10.244.0.0/24
POD_GATEWAY=10.244.0.1
SERVICE_CIDR=10.97.0.0/24
KUBERNETES_SERVICE_IP=10.97.0.1
BRIDGE=sluice-e2e0
# Service addresses are routed into this empty bridge: a service IP kube-proxy has not (yet)
# translated goes nowhere instead of out of the default route (the network rule).
SERVICE_LINK=sluice-e2e-svc
# Our own iptables chains (kube-proxy's are KUBE-*; the bridge plugin adds none with ipMasq off).
GUARD_INPUT=SLUICE-E2E-INPUT
GUARD_FORWARD=SLUICE-E2E-FORWARD
# Host folders that containerd, the CNI library and the kubelet write to whatever their config
# says; teardown removes the ones a run created.
HOST_PATHS=(/run/containerd /var/lib/cni /var/log/containers /var/log/pods /run/netns /var/run/netns)
# Host settings the kubelet, kube-proxy and the bridge plugin change (restored by teardown).
SYSCTL_PREFIXES='^(vm\.|kernel\.panic|net\.ipv4\.ip_forward|net\.ipv4\.conf\.(all|default)\.|net\.bridge\.|net\.netfilter\.nf_conntrack_max|net\.ipv6\.conf\.(all|default)\.forwarding|kernel\.keys\.)'

node_ip() {
  local dev
  dev="$(ip -4 route show default | awk '{ for (i = 1; i <= NF; i++) if ($i == "dev") { print $(i + 1); exit } }')"
  ip -4 -o addr show dev "${dev:-eth0}" scope global | awk '{ split($4, a, "/"); print a[1]; exit }'
}

# Everything a run leaves on the machine, one line each; empty when clean.
leftovers() {
  [[ -e "$E2E_STATE" ]] && echo "state folder $E2E_STATE"
  local pid exe
  for pid in $(ls /proc | grep -E '^[0-9]+$'); do
    exe="$(readlink "/proc/$pid/exe" 2>/dev/null)" || continue
    case "$exe" in
      */node-k8s-v*/kubelet | */node-k8s-v*/kube-proxy | */node-k8s-v*/kube-scheduler | */node-k8s-v*/kube-controller-manager | */node-k8s-v*/pause)
        echo "process $pid $exe" ;;
      /usr/bin/containerd | /usr/bin/containerd-shim-runc-v2)
        tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -F "$E2E_STATE" >/dev/null && echo "process $pid $exe" ;;
    esac
  done
  ip link show "$BRIDGE" >/dev/null 2>&1 && echo "bridge $BRIDGE"
  ip link show "$SERVICE_LINK" >/dev/null 2>&1 && echo "link $SERVICE_LINK"
  local t
  for t in iptables ip6tables; do
    command -v "$t-save" >/dev/null || continue
    "$t-save" 2>/dev/null | grep -E '^:(KUBE-|SLUICE-E2E-|CNI-)' >/dev/null && echo "$t chains KUBE-*/SLUICE-E2E-*/CNI-*"
  done
  # Ours by name too (by exit status only: iptables-nft 1.8.9 calls any missing chain
  # "incompatible"), and nft's own view when it is installed.
  for t in "$GUARD_INPUT" "$GUARD_FORWARD"; do
    if iptables -S "$t" >/dev/null 2>&1; then echo "iptables chain $t"; fi
  done
  if command -v nft >/dev/null; then
    nft list ruleset 2>/dev/null | grep -oE 'chain (KUBE-|SLUICE-E2E-|CNI-)[A-Za-z0-9-]+' | sort -u | sed 's/^/nft /'
  fi
  local c
  for c in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/kubepods; do [[ -d "$c" ]] && echo "cgroup $c"; done
  grep -F " $E2E_STATE" /proc/self/mountinfo | awk '{ print "mount " $5 }'
  return 0
}

# Exits with the list of leftovers when a previous run left state behind. $1 names the caller
# in the messages, $2 is what removes it.
refuse_leftovers() { # who how-to-clean
  local left
  left="$(leftovers)"
  [[ -z "$left" ]] && return 0
  echo "$1: a previous run left state behind on this machine:" >&2
  sed 's/^/  /' <<<"$left" >&2
  echo "$1: remove it with $2, then run again." >&2
  exit 1
}
