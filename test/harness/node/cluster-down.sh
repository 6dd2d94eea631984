#!/usr/bin/env bash
# Tears down what cluster-up.sh started and puts the machine back as it was: stops the pods,
# the node and control plane (by the pids cluster-up recorded, then any shim or process still
# running under our paths), unmounts everything under $E2E_STATE, removes the kubepods cgroups,
# the bridge and the service link, every iptables chain of kube-proxy and ours, and restores the
# sysctls from the snapshot taken at start. Idempotent, and usable after a crash or from
# another clone (`make e2e-clean`). Exits non-zero, naming it, when something is left.
set -uo pipefail
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/common.sh"
S="$E2E_STATE"
ms() { echo "$(( $(date +%s%N) / 1000000 ))"; }
t0=$(ms)
say() { echo "cluster-down: $*" >&2; }
# The snapshot of the machine taken at start lives in the state folder (a tmpfs), which step 2
# unmounts: keep a copy for steps 6 and 7.
snap="$(mktemp -d)"
trap 'rm -rf "$snap"' EXIT
cp -a "$S/snapshot/." "$snap/" 2>/dev/null

# Stops processes together: SIGTERM to all, up to `seconds` for them to exit, then SIGKILL.
stop_pids() { # seconds pid...
  local wait="$1" pid alive
  shift
  (($#)) || return 0
  kill "$@" 2>/dev/null
  for ((i = 0; i < wait * 10; i++)); do
    alive=0
    for pid in "$@"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    ((alive)) || return 0
    sleep 0.1
  done
  kill -9 "$@" 2>/dev/null
  for ((i = 0; i < 30; i++)); do
    alive=0
    for pid in "$@"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    ((alive)) || return 0
    sleep 0.1
  done
}
pids_of() { # names... → recorded pids (and forgets them)
  local name
  for name in "$@"; do
    [[ -f "$S/pids/$name" ]] && cat "$S/pids/$name" && rm -f "$S/pids/$name"
  done
  return 0
}

# 1. The node first (so nothing restarts containers), then every container process: all of
#    them live in the kubepods cgroups, which only this harness creates.
# Nothing here needs a graceful stop (the whole state is thrown away): one second, then SIGKILL.
stop_pids 1 $(pids_of kube-proxy kubelet)
kill_cgroup_procs() {
  local f pid any=0
  for f in $(find /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/kubepods -name cgroup.procs 2>/dev/null); do
    for pid in $(cat "$f" 2>/dev/null); do kill -9 "$pid" 2>/dev/null && any=1; done
  done
  return $((1 - any))
}
for _ in 1 2 3 4 5; do kill_cgroup_procs || break; sleep 0.2; done
# containerd's shims (started with our socket's address) outlive containerd: by pid.
shims() {
  local pid
  for pid in $(ls /proc | grep -E '^[0-9]+$'); do
    [[ "$(readlink "/proc/$pid/exe" 2>/dev/null)" == /usr/bin/containerd-shim-runc-v2 ]] || continue
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -F -- "$S/run/containerd.sock" >/dev/null && echo "$pid"
  done
  return 0
}
stop_pids 1 $(shims)
# The control plane and containerd together.
stop_pids 1 $(pids_of containerd kube-scheduler kube-controller-manager kube-apiserver etcd)
say "processes stopped (+$(( $(ms) - t0 )) ms)"
# Anything else still running from our binaries or with our state folder in its command line.
strays=()
for pid in $(ls /proc | grep -E '^[0-9]+$'); do
  [[ $pid == $$ ]] && continue
  exe="$(readlink "/proc/$pid/exe" 2>/dev/null)" || continue
  case "$exe" in
    */node-k8s-v*/*) strays+=("$pid") ;;
    /usr/bin/containerd*) tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -F -- "$S" >/dev/null && strays+=("$pid") ;;
  esac
done
stop_pids 3 "${strays[@]}"

# 2. Mounts under the state folder (netns, overlay roots, kubelet volumes), deepest first, and
#    the tmpfs that is the state folder itself.
for _ in 1 2 3; do
  mounts="$(awk -v s="$S" 'index($5, s) == 1 { print $5 }' /proc/self/mountinfo | sort -r)"
  [[ -n "$mounts" ]] || break
  while read -r m; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done <<<"$mounts"
done

# 3. cgroups: every kubepods folder, leaves first (rmdir fails on a non-empty one).
for top in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/kubepods; do
  [[ -d "$top" ]] || continue
  find "$top" -depth -type d -exec rmdir {} \; 2>/dev/null
done

# 4. Links: the bridge (pods' veths went with their network namespaces) and the service link.
ip link del "$BRIDGE" 2>/dev/null
ip link del "$SERVICE_LINK" 2>/dev/null

# 5. iptables: our guard chains by name; kube-proxy's own cleanup; then whatever KUBE-*, CNI-* or
#    SLUICE-E2E-* chain and jump is still there, in every table, both families.
for pair in "INPUT $GUARD_INPUT" "FORWARD $GUARD_FORWARD"; do
  set -- $pair
  while iptables -D "$1" -j "$2" 2>/dev/null; do :; done
  iptables -F "$2" 2>/dev/null && iptables -X "$2" 2>/dev/null
done
for bin in "$SLUICE_CACHE_DIR"/node-k8s-v*/kube-proxy; do
  [[ -x "$bin" ]] && "$bin" --cleanup --v 0 >/dev/null 2>&1
  break
done
for t in iptables ip6tables; do
  command -v "$t-save" >/dev/null || continue
  "$t-save" 2>/dev/null | grep -E '(KUBE-|CNI-|SLUICE-E2E-)' >/dev/null || continue
  "$t-save" 2>/dev/null | awk '
    /^\*/ { table = $0; print; next }
    /^:(KUBE-|CNI-|SLUICE-E2E-)/ { next }
    /^-A / && /(KUBE-|CNI-|SLUICE-E2E-)/ { next }
    { print }' | "$t-restore" 2>&1 | sed "s/^/cluster-down: $t-restore: /" >&2
done
conntrack -D -s "$CLUSTER_CIDR" >/dev/null 2>&1
conntrack -D -d "$CLUSTER_CIDR" >/dev/null 2>&1
conntrack -D -d "$SERVICE_CIDR" >/dev/null 2>&1

# 6. sysctls back to the snapshot (the kubelet sets vm.overcommit_memory, kernel.panic,
#    kernel.panic_on_oops; the bridge plugin net.ipv4.ip_forward; …).
if [[ -f "$snap/sysctl" ]]; then
  # One read of the current values; only what differs from the snapshot is written back.
  sysctl -a 2>/dev/null | grep -E "$SYSCTL_PREFIXES" >"$snap/sysctl.now"
  awk -F ' = ' 'NR == FNR { now[$1] = $2; next } ($1 in now) && now[$1] != $2 { print }' "$snap/sysctl.now" "$snap/sysctl" |
    while IFS= read -r line; do
      sysctl -qw "${line%% = *}=${line#* = }" 2>/dev/null || say "could not restore $line"
    done
fi

# 7. Host folders the run created (containerd's shim sockets, CNI's cache, the kubelet's links).
if [[ -f "$snap/host-paths" ]]; then
  for p in "${HOST_PATHS[@]}"; do
    grep -qxF "$p" "$snap/host-paths" || rm -rf "$p"
  done
fi

say "network, sysctls, host folders restored (+$(( $(ms) - t0 )) ms)"
# 8. The state folder; the logs stay in the clone.
if [[ -d "$S" ]]; then
  if awk -v s="$S" 'index($5, s) == 1' /proc/self/mountinfo | grep -q .; then
    say "mounts remain under $S; not removing it"
  else
    rm -rf "$S"
  fi
fi

left="$(leftovers)"
if [[ -n "$left" ]]; then
  say "still on the machine after teardown:"
  sed 's/^/  /' <<<"$left" >&2
  exit 1
fi
say "machine clean in $(( $(ms) - t0 )) ms"
