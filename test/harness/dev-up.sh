#!/usr/bin/env bash
# `make dev-up`: starts the local control plane on loopback — etcd and kube-apiserver (built from
# their Go modules), Redis and PostgreSQL — and writes .cache/dev/env with KUBECONFIG, REDIS_URL
# and DATABASE_URL. Idempotent: what is already running and healthy is left alone.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
. "$here/versions.sh"

dev="${SLUICE_DEV_DIR:-$root/.cache/dev}"
bin="$(bash "$here/build-control-plane.sh")"
mkdir -p "$dev/logs" "$dev/run"

# --- Ports: chosen free once per dev dir (so two clones on one machine never collide) and kept in
# $dev/ports; SLUICE_*_PORT in the environment wins. A kept port that something else now holds
# stops start-up with the holder's name rather than talking to another clone's server.
# Below the kernel's ephemeral range (32768+), so an outgoing connection never holds one later.
free_port() {
  python3 -c '
import random, socket
while True:
    port = random.randint(20000, 32000)
    with socket.socket() as s:
        try: s.bind(("127.0.0.1", port))
        except OSError: continue
    print(port); break'
}
if [[ -f "$dev/ports" ]]; then . "$dev/ports"; fi
ETCD_PORT="${SLUICE_ETCD_PORT:-${ETCD_PORT:-$(free_port)}}"
ETCD_PEER_PORT="${SLUICE_ETCD_PEER_PORT:-${ETCD_PEER_PORT:-$(free_port)}}"
APISERVER_PORT="${SLUICE_APISERVER_PORT:-${APISERVER_PORT:-$(free_port)}}"
REDIS_PORT="${SLUICE_REDIS_PORT:-${REDIS_PORT:-$(free_port)}}"
PG_PORT="${SLUICE_PG_PORT:-${PG_PORT:-$(free_port)}}"
printf 'ETCD_PORT=%s\nETCD_PEER_PORT=%s\nAPISERVER_PORT=%s\nREDIS_PORT=%s\nPG_PORT=%s\n' \
  "$ETCD_PORT" "$ETCD_PEER_PORT" "$APISERVER_PORT" "$REDIS_PORT" "$PG_PORT" >"$dev/ports"
holder() { ss -Hltnp "sport = :$1" 2>/dev/null | grep -o 'pid=[0-9]*' | head -n 1 | cut -d= -f2 || true; }
refuse_if_taken() { # name port
  local pid
  pid="$(holder "$2")"
  [[ -n "$pid" ]] || return 0
  echo "dev-up: port $2 for $1 is held by pid $pid ($(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-120)), cwd $(readlink "/proc/$pid/cwd" 2>/dev/null)." >&2
  echo "dev-up: another clone's dev stack? Stop it there (make dev-down), or remove $dev/ports here to pick new ports." >&2
  exit 1
}

alive() { [[ -f "$dev/run/$1.pid" ]] && kill -0 "$(cat "$dev/run/$1.pid")" 2>/dev/null; }
start() { # name command...
  local name="$1"; shift
  setsid "$@" >"$dev/logs/$name.log" 2>&1 < /dev/null &
  echo $! >"$dev/run/$name.pid"
}
wait_for() { # what seconds command...
  local what="$1" seconds="$2"; shift 2
  for ((i = 0; i < seconds * 10; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  echo "dev-up: $what did not become ready in ${seconds}s; see $dev/logs/" >&2
  tail -n 20 "$dev/logs/$what.log" >&2 || true
  exit 1
}

# --- PKI for the API server: a CA, its serving cert, service-account keys, an admin client cert.
pki="$dev/pki"
if [[ ! -f "$pki/admin.crt" ]]; then
  mkdir -p "$pki"
  (
    cd "$pki"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 -subj "/CN=sluice-dev-ca" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -keyout apiserver.key -out apiserver.csr -subj "/CN=kube-apiserver" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n' >apiserver.ext
    openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out apiserver.crt -days 3650 -extfile apiserver.ext 2>/dev/null
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -keyout admin.key -out admin.csr -subj "/O=system:masters/CN=sluice-admin" 2>/dev/null
    printf 'extendedKeyUsage=clientAuth\n' >admin.ext
    openssl x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out admin.crt -days 3650 -extfile admin.ext 2>/dev/null
  )
fi

# --- etcd
if ! alive etcd; then
  refuse_if_taken etcd "$ETCD_PORT"
  refuse_if_taken etcd-peer "$ETCD_PEER_PORT"
  start etcd "$bin/etcd" --data-dir "$dev/etcd" --name sluice-dev \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "sluice-dev=http://127.0.0.1:$ETCD_PEER_PORT" \
    --listen-metrics-urls "" --unsafe-no-fsync --quota-backend-bytes 4294967296 --log-level warn
fi
wait_for etcd 30 curl -fsS "http://127.0.0.1:$ETCD_PORT/health"

# --- kube-apiserver: the flags envtest uses, on loopback, RBAC on, admin via client cert.
if ! alive kube-apiserver; then
  refuse_if_taken kube-apiserver "$APISERVER_PORT"
  start kube-apiserver "$bin/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$APISERVER_PORT" \
    --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
    --client-ca-file "$pki/ca.crt" \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
    --service-cluster-ip-range 10.96.0.0/16 \
    --authorization-mode RBAC --allow-privileged=true \
    --disable-admission-plugins ServiceAccount \
    --cert-dir "$dev/apiserver-certs" \
    --v 0
fi
kubeconfig="$dev/kubeconfig"
# Written every time: the server's port may have been chosen anew.
KUBECONFIG="$kubeconfig" kubectl config set-cluster sluice-dev --server "https://127.0.0.1:$APISERVER_PORT" \
  --certificate-authority "$pki/ca.crt" --embed-certs >/dev/null
KUBECONFIG="$kubeconfig" kubectl config set-credentials sluice-admin \
  --client-certificate "$pki/admin.crt" --client-key "$pki/admin.key" --embed-certs >/dev/null
KUBECONFIG="$kubeconfig" kubectl config set-context sluice-dev --cluster sluice-dev --user sluice-admin --namespace default >/dev/null
KUBECONFIG="$kubeconfig" kubectl config use-context sluice-dev >/dev/null
wait_for kube-apiserver 90 env KUBECONFIG="$kubeconfig" kubectl get --raw /readyz

# --- Redis
if ! alive redis; then
  refuse_if_taken redis "$REDIS_PORT"
  start redis redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
    --dir "$dev/run" --protected-mode yes
fi
wait_for redis 20 redis-cli -p "$REDIS_PORT" ping

# --- PostgreSQL (it refuses to run as root: run it as the postgres user when we are root).
pg_bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
as_pg=()
if [[ $(id -u) == 0 ]]; then as_pg=(runuser -u postgres --); fi
if [[ ! -f "$dev/pg/PG_VERSION" ]]; then
  mkdir -p "$dev/pg"
  [[ $(id -u) == 0 ]] && chown postgres "$dev/pg"
  "${as_pg[@]}" "$pg_bin/initdb" -D "$dev/pg" -U sluice --auth trust -E UTF8 >"$dev/logs/initdb.log" 2>&1
fi
if ! "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$dev/pg" status >/dev/null 2>&1; then
  refuse_if_taken postgres "$PG_PORT"
  [[ $(id -u) == 0 ]] && chown -R postgres "$dev/pg" && touch "$dev/logs/postgres.log" && chown postgres "$dev/logs/postgres.log"
  "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$dev/pg" -l "$dev/logs/postgres.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null
fi
wait_for postgres 30 "$pg_bin/pg_isready" -h 127.0.0.1 -p "$PG_PORT"
"$pg_bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U sluice -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='sluice'" | grep -q 1 ||
  "$pg_bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U sluice -d postgres -qc "CREATE DATABASE sluice" >/dev/null

cat >"$dev/env" <<ENV
# Written by make dev-up. Source it: . .cache/dev/env
export KUBECONFIG=$kubeconfig
export REDIS_URL=redis://127.0.0.1:$REDIS_PORT
export DATABASE_URL=postgres://sluice@127.0.0.1:$PG_PORT/sluice
export SLUICE_DEV_DIR=$dev
export SLUICE_CONTROL_PLANE_BIN=$bin
ENV
echo "dev-up: control plane ready — . $dev/env" >&2
