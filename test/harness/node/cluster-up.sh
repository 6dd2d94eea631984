#!/usr/bin/env bash
# Brings up a single-node Kubernetes cluster on this machine for `make e2e`: etcd and
# kube-apiserver (build-control-plane.sh), kube-controller-manager, kube-scheduler, kubelet and
# kube-proxy (build-node.sh), all from the harness's Go module, on Debian's containerd, runc and
# CNI plugins. Separate from `make dev-up` in every way: its own folder ($E2E_STATE), free ports,
# its own CA. The API server listens on this machine's address (pods reach it) behind an
# iptables guard: only this machine and the pods get through.
#
# Refuses to start when a previous run left anything behind (cluster-down.sh, or
# `make e2e-clean`, removes it). Writes $E2E_STATE/env (KUBECONFIG, NODE_IP, …).
# Images: cluster-up.sh imports every docker-archive given as an argument (the sandbox image
# first: sluice.local/pause:e2e must be one of them).
set -euo pipefail
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/common.sh"
ms() { echo "$(( $(date +%s%N) / 1000000 ))"; }
t_start=$(ms)
step() { echo "cluster-up: $* (+$(( $(ms) - t_start )) ms)" >&2; }

[[ $(id -u) == 0 ]] || { echo "cluster-up: needs root (kubelet, containerd, iptables)" >&2; exit 1; }
for tool in containerd containerd-shim-runc-v2 runc ctr iptables iptables-save conntrack kubectl openssl curl jq python3; do
  command -v "$tool" >/dev/null || { echo "cluster-up: $tool is missing: make deps installs it (kubectl: any recent one on PATH, as for make dev-up)" >&2; exit 1; }
done
[[ -x /usr/lib/cni/bridge && -x /usr/lib/cni/host-local ]] || { echo "cluster-up: CNI plugins missing (apt-get install containernetworking-plugins)" >&2; exit 1; }
refuse_leftovers cluster-up "'make e2e-clean' (test/harness/node/cluster-down.sh)"
NODE_IP="$(node_ip)"
[[ -n "$NODE_IP" ]] || { echo "cluster-up: no IPv4 address on the default interface" >&2; exit 1; }
for cidr in "$CLUSTER_CIDR" "$SERVICE_CIDR"; do
  if ip -4 route show | awk '{ print $1 }' | grep -q "^${cidr%%.*}\.${cidr#*.}" ; then
    echo "cluster-up: $cidr is already routed on this machine: $(ip -4 route show "$cidr")" >&2; exit 1
  fi
done

bin_cp="$(bash "$root/test/harness/build-control-plane.sh")"
bin_node="$(bash "$here_node/build-node.sh")"
step "binaries ready"

S="$E2E_STATE"
# The whole state in memory: etcd, containerd's images and snapshots, the kubelet's volumes.
# Faster than the disk on a busy machine, and teardown unmounts it instead of deleting files.
mkdir -p "$S"
mount -t tmpfs -o size=4g,mode=0755 sluice-e2e "$S"
mkdir -p "$S"/{pki,run,pids,snapshot,containerd,cni/net.d,cni/ipam,kubelet,volume-plugins} "$E2E_LOGS"
rm -rf "${E2E_LOGS:?}"/*
mkdir -p "$E2E_LOGS/pods"
echo "$root" >"$S/owner"

# --- What teardown restores: sysctls, iptables, host folders that exist now.
sysctl -a 2>/dev/null | grep -E "$SYSCTL_PREFIXES" >"$S/snapshot/sysctl" || true
iptables-save >"$S/snapshot/iptables" 2>/dev/null || true
ip6tables-save >"$S/snapshot/ip6tables" 2>/dev/null || true
for p in "${HOST_PATHS[@]}"; do [[ -e "$p" || -L "$p" ]] && echo "$p"; done >"$S/snapshot/host-paths"

# Nine free ports on loopback and on this machine's address, in one python run (each run costs
# up to a second on a busy machine). Below the ephemeral range, like dev-up's.
read -r ETCD_PORT ETCD_PEER_PORT API_PORT KUBELET_PORT KUBELET_HEALTHZ_PORT SCHEDULER_PORT CM_PORT \
  PROXY_METRICS_PORT PROXY_HEALTHZ_PORT < <(python3 -c '
import random, socket, sys
ports = []
while len(ports) < 9:
    port = random.randint(20000, 32000)
    ok = port not in ports
    for host in sys.argv[1:]:
        with socket.socket() as s:
            try: s.bind((host, port))
            except OSError: ok = False
    if ok: ports.append(port)
print(*ports)' 127.0.0.1 "$NODE_IP")

start() { # name command...
  local name="$1"; shift
  setsid "$@" >"$E2E_LOGS/$name.log" 2>&1 </dev/null &
  echo $! >"$S/pids/$name"
}
wait_for() { # what seconds command...
  local what="$1" seconds="$2"; shift 2
  for ((i = 0; i < seconds * 10; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    if [[ -f "$S/pids/$what" ]] && ! kill -0 "$(cat "$S/pids/$what")" 2>/dev/null; then
      echo "cluster-up: $what exited; its log ($E2E_LOGS/$what.log) ends with:" >&2
      tail -n 30 "$E2E_LOGS/$what.log" >&2; exit 1
    fi
    sleep 0.1
  done
  echo "cluster-up: $what not ready in ${seconds}s; see $E2E_LOGS/$what.log" >&2
  tail -n 30 "$E2E_LOGS/$what.log" >&2 || true
  exit 1
}

# --- PKI: one CA; EC keys (fast). Every component gets its own client certificate.
pki="$S/pki"
(
  cd "$pki"
  key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key" 2>/dev/null; }
  key ca
  openssl req -x509 -new -key ca.key -out ca.crt -days 30 -subj "/CN=sluice-e2e-ca" 2>/dev/null
  cert() { # name subject extensions
    key "$1"
    openssl req -new -key "$1.key" -out "$1.csr" -subj "$2" 2>/dev/null
    printf '%b\n' "$3" >"$1.ext"
    openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -set_serial "0x$(openssl rand -hex 16)" -out "$1.crt" -days 30 -extfile "$1.ext" 2>/dev/null
  }
  # Each in the background: thirty openssl runs one after another cost ~10 s on a busy machine.
  cert apiserver "/CN=kube-apiserver" \
    "subjectAltName=IP:$NODE_IP,IP:$KUBERNETES_SERVICE_IP,IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local\nextendedKeyUsage=serverAuth" &
  cert kubelet-serving "/CN=$NODE_NAME" "subjectAltName=IP:$NODE_IP,DNS:$NODE_NAME\nextendedKeyUsage=serverAuth" &
  client() { cert "$1" "$2" "extendedKeyUsage=clientAuth"; }
  client admin "/O=system:masters/CN=sluice-e2e-admin" &
  client apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" &
  client controller-manager "/CN=system:kube-controller-manager" &
  client scheduler "/CN=system:kube-scheduler" &
  client kube-proxy "/CN=system:kube-proxy" &
  client kubelet "/O=system:nodes/CN=system:node:$NODE_NAME" &
  openssl genrsa -out sa.key 2048 2>/dev/null
  openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
  wait
  for f in apiserver kubelet-serving admin apiserver-kubelet-client controller-manager scheduler kube-proxy kubelet; do
    [[ -s "$f.crt" ]] || { echo "cluster-up: certificate $f was not issued" >&2; exit 1; }
  done
)
kubeconfig() { # name → $S/<name>.kubeconfig (written directly: 20 kubectl calls cost seconds on a busy machine)
  cat >"$S/$1.kubeconfig" <<YAML
apiVersion: v1
kind: Config
clusters:
  - name: sluice-e2e
    cluster: { server: "https://$NODE_IP:$API_PORT", certificate-authority-data: $(base64 -w0 <"$pki/ca.crt") }
users:
  - name: $1
    user: { client-certificate-data: $(base64 -w0 <"$pki/$1.crt"), client-key-data: $(base64 -w0 <"$pki/$1.key") }
contexts:
  - name: sluice-e2e
    context: { cluster: sluice-e2e, user: $1, namespace: default }
current-context: sluice-e2e
YAML
}
for c in admin controller-manager scheduler kube-proxy kubelet; do kubeconfig "$c"; done
step "certificates"

# --- Network: service addresses into a dummy link; the guard chains.
ip link add "$SERVICE_LINK" type bridge   # no ports: what is routed here is dropped (this kernel has no dummy links)
ip link set "$SERVICE_LINK" up
ip route add "$SERVICE_CIDR" dev "$SERVICE_LINK"
sysctl -qw net.ipv4.ip_forward=1
iptables -N "$GUARD_INPUT" || { echo "cluster-up: iptables chain $GUARD_INPUT exists: make e2e-clean" >&2; exit 1; }
# The API server and the kubelet listen on this machine's address: only this machine and pods.
for port in "$API_PORT" "$KUBELET_PORT"; do
  iptables -A "$GUARD_INPUT" -p tcp --dport "$port" -i lo -j RETURN
  iptables -A "$GUARD_INPUT" -p tcp --dport "$port" -s "$NODE_IP" -j RETURN
  iptables -A "$GUARD_INPUT" -p tcp --dport "$port" -s "$POD_CIDR" -j RETURN
  iptables -A "$GUARD_INPUT" -p tcp --dport "$port" -j DROP
done
iptables -I INPUT 1 -j "$GUARD_INPUT"
# Pods talk to pods (and, through INPUT, to this machine); nothing they send is forwarded
# anywhere else, and nothing from elsewhere is forwarded to them.
iptables -N "$GUARD_FORWARD" || { echo "cluster-up: iptables chain $GUARD_FORWARD exists: make e2e-clean" >&2; exit 1; }
iptables -A "$GUARD_FORWARD" -s "$POD_CIDR" -d "$POD_CIDR" -j ACCEPT
iptables -A "$GUARD_FORWARD" -s "$POD_CIDR" -j DROP
iptables -A "$GUARD_FORWARD" -d "$POD_CIDR" -j DROP
iptables -I FORWARD 1 -j "$GUARD_FORWARD"
cat >"$S/cni/net.d/10-sluice-e2e.conflist" <<JSON
{
  "cniVersion": "1.0.0",
  "name": "sluice-e2e",
  "plugins": [
    {
      "type": "bridge", "bridge": "$BRIDGE", "isGateway": true, "ipMasq": false, "hairpinMode": true,
      "ipam": { "type": "host-local", "dataDir": "$S/cni/ipam", "ranges": [[{ "subnet": "$POD_CIDR", "gateway": "$POD_GATEWAY" }]],
                "routes": [{ "dst": "0.0.0.0/0" }] }
    },
    { "type": "loopback" }
  ]
}
JSON
# Pods resolve nothing by name (no cluster DNS; ADR 0020): an empty resolver, so nothing leaves.
echo "options ndots:1" >"$S/resolv.conf"
step "network guard"

# --- containerd: its own root, state, socket; the CRI settings this machine needs.
cat >"$S/containerd/config.toml" <<TOML
version = 2
root = "$S/containerd/root"
state = "$S/containerd/state"
oom_score = 0
[grpc]
  address = "$S/run/containerd.sock"
[ttrpc]
  address = "$S/run/containerd.sock.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$S/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "sluice.local/pause:e2e"
  # Root here lacks CAP_SYS_RESOURCE: a negative oom_score_adj cannot be written, and without
  # this every sandbox fails ("can't get final child's PID from pipe: EOF").
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  disable_apparmor = true
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    discard_unpacked_layers = false
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "$S/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$S/cni/net.d"
TOML
start containerd containerd --config "$S/containerd/config.toml"
wait_for containerd 120 ctr --address "$S/run/containerd.sock" version
step "containerd"
for archive in "$@"; do
  ctr --address "$S/run/containerd.sock" -n k8s.io images import --no-unpack "$archive" >>"$E2E_LOGS/image-import.log" 2>&1 ||
    { echo "cluster-up: importing $archive failed:" >&2; tail -n 5 "$E2E_LOGS/image-import.log" >&2; exit 1; }
done
step "images imported (${#@})"

# --- etcd and kube-apiserver
start etcd "$bin_cp/etcd" --data-dir "$S/etcd" --name sluice-e2e \
  --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster "sluice-e2e=http://127.0.0.1:$ETCD_PEER_PORT" \
  --listen-metrics-urls "" --unsafe-no-fsync --log-level warn
wait_for etcd 120 curl -fsS "http://127.0.0.1:$ETCD_PORT/health"
start kube-apiserver "$bin_cp/kube-apiserver" \
  --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
  --bind-address "$NODE_IP" --advertise-address "$NODE_IP" --secure-port "$API_PORT" \
  --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
  --client-ca-file "$pki/ca.crt" \
  --service-account-issuer https://kubernetes.default.svc.cluster.local \
  --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
  --service-cluster-ip-range "$SERVICE_CIDR" \
  --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction \
  --allow-privileged=true \
  --kubelet-client-certificate "$pki/apiserver-kubelet-client.crt" --kubelet-client-key "$pki/apiserver-kubelet-client.key" \
  --kubelet-certificate-authority "$pki/ca.crt" --kubelet-preferred-address-types InternalIP \
  --cert-dir "$S/apiserver-certs" --v 1
export KUBECONFIG="$S/admin.kubeconfig"
wait_for kube-apiserver 300 kubectl get --raw /readyz
step "kube-apiserver"
# Written as soon as the API server answers, so that a failure from here on can be inspected
# (test/e2e/node.sh collects the cluster's state with it).
cat >"$S/env" <<ENV
# Written by test/harness/node/cluster-up.sh
export KUBECONFIG=$S/admin.kubeconfig
export SLUICE_E2E_NODE_IP=$NODE_IP
export SLUICE_E2E_API_PORT=$API_PORT
export SLUICE_E2E_CONTAINERD=$S/run/containerd.sock
export SLUICE_E2E_LOGS=$E2E_LOGS
ENV

# --- controller-manager and scheduler: on loopback, no leader election (one of each).
start kube-controller-manager "$bin_node/kube-controller-manager" \
  --kubeconfig "$S/controller-manager.kubeconfig" \
  --authentication-kubeconfig "$S/controller-manager.kubeconfig" --authorization-kubeconfig "$S/controller-manager.kubeconfig" \
  --bind-address 127.0.0.1 --secure-port "$CM_PORT" --leader-elect=false \
  --service-account-private-key-file "$pki/sa.key" --root-ca-file "$pki/ca.crt" --use-service-account-credentials \
  --cluster-cidr "$CLUSTER_CIDR" --service-cluster-ip-range "$SERVICE_CIDR" --allocate-node-cidrs=false \
  --controllers '*,-nodeipam,-cloud-node-lifecycle,-service-lb-controller,-node-route-controller' --v 1
start kube-scheduler "$bin_node/kube-scheduler" \
  --kubeconfig "$S/scheduler.kubeconfig" \
  --authentication-kubeconfig "$S/scheduler.kubeconfig" --authorization-kubeconfig "$S/scheduler.kubeconfig" \
  --bind-address 127.0.0.1 --secure-port "$SCHEDULER_PORT" --leader-elect=false --v 1

# --- kubelet: the settings these machines need (cgroup v1 hierarchies, no swap check).
cat >"$S/kubelet/config.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
port: $KUBELET_PORT
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $KUBELET_HEALTHZ_PORT
tlsCertFile: $pki/kubelet-serving.crt
tlsPrivateKeyFile: $pki/kubelet-serving.key
authentication:
  anonymous: { enabled: false }
  webhook: { enabled: true }
  x509: { clientCAFile: $pki/ca.crt }
authorization: { mode: Webhook }
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
resolvConf: $S/resolv.conf
volumePluginDir: $S/volume-plugins
podLogsDir: $E2E_LOGS/pods
containerRuntimeEndpoint: unix://$S/run/containerd.sock
imageServiceEndpoint: unix://$S/run/containerd.sock
registerNode: true
serializeImagePulls: false
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: { memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%" }
syncFrequency: 10s
fileCheckFrequency: 10s
nodeStatusUpdateFrequency: 4s
maxPods: 50
YAML
start kubelet "$bin_node/kubelet" --config "$S/kubelet/config.yaml" --kubeconfig "$S/kubelet.kubeconfig" \
  --root-dir "$S/kubelet" --cert-dir "$S/kubelet/pki" --hostname-override "$NODE_NAME" --node-ip "$NODE_IP" --v 1
start kube-proxy "$bin_node/kube-proxy" --kubeconfig "$S/kube-proxy.kubeconfig" \
  --hostname-override "$NODE_NAME" --proxy-mode iptables --cluster-cidr "$CLUSTER_CIDR" \
  --conntrack-max-per-core 0 --conntrack-tcp-timeout-established 0 --conntrack-tcp-timeout-close-wait 0 \
  --iptables-localhost-nodeports=false --nodeport-addresses "$NODE_IP/32" \
  --metrics-bind-address "127.0.0.1:$PROXY_METRICS_PORT" --healthz-bind-address "127.0.0.1:$PROXY_HEALTHZ_PORT" --v 1
wait_for kubelet 300 bash -c "kubectl get node $NODE_NAME -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}' | grep -qx True"
step "node $NODE_NAME Ready"
wait_for kube-proxy 300 iptables -t nat -n -L KUBE-SERVICES
# The default ServiceAccount exists once the controller-manager runs; pods need it.
wait_for kube-controller-manager 300 kubectl -n default get serviceaccount default

step "cluster ready"
echo "$(( $(ms) - t_start ))" >"$S/up-ms"
