#!/usr/bin/env bash
# The README's journey on real pods, shared by `make e2e` (test/e2e/node.sh: a real node on this
# machine) and `make e2e-kind` (test/e2e/kind.sh). The caller has a cluster in KUBECONFIG with
# the images loaded, and sets:
#   E2E_PLATFORM      node | kind (how to reach a Service from here, how to kill a container)
#   HELM              the helm binary
#   SLUICE_IMAGE      the product image (repository:tag), FAKES_IMAGE the fake RAG app's image
#   REDIS_IMAGE, POSTGRES_IMAGE, STORES_UID   test-only Redis and PostgreSQL pods
#   E2E_OUT           where measurements and per-step logs go
# Steps: stores, `helm install`, webhook certificates, tenants, an injected app, traffic (top_k
# capped, free tenant rate-limited), override timing, suspension, deletion, leader failover,
# the sidecar killed while Redis is unreachable, a rollout, and what the chart promised, read from
# the running processes. Writes $E2E_OUT/journey.json (the timings). Fails at the first broken
# promise, naming it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
: "${E2E_PLATFORM:?}" "${HELM:?}" "${SLUICE_IMAGE:?}" "${FAKES_IMAGE:?}" "${REDIS_IMAGE:?}" "${POSTGRES_IMAGE:?}" "${E2E_OUT:?}"
STORES_UID="${STORES_UID:-10001}"
PULL="${PULL_POLICY:-Never}"
ns=sluice-system
app_ns=rag
mkdir -p "$E2E_OUT"
ms() { echo "$(( $(date +%s%N) / 1000000 ))"; }
t_journey=$(ms)
step() { echo "journey: $* (+$(( ($(ms) - t_journey) / 1000 )) s)" >&2; }
fail() { echo "journey: FAILED: $*" >&2; exit 1; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) / 1000 }'; }
# until SECONDS what command...: polls every 0.2 s. The ceilings are generous on purpose (a
# shared 2-core machine under a load of 20 takes many times the idle figures): they bound a
# wait for a state, they do not assert a duration. Durations are measured and printed instead.
until_ok() {
  local seconds="$1" what="$2"; shift 2
  local deadline=$(( $(ms) + seconds * 1000 ))
  while (( $(ms) < deadline )); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  fail "$what (waited ${seconds}s)"
}

# --- 1. Redis and PostgreSQL as pods (test only; a user brings their own). Addressed by
#        ClusterIP: the test cluster has no DNS (docs/adr/0020-real-node-e2e.md).
kubectl create namespace "$ns" >/dev/null
kubectl apply -f "$root/test/fixtures/crds/podmonitors.monitoring.coreos.com.yaml" \
  -f "$root/test/fixtures/crds/servicemonitors.monitoring.coreos.com.yaml" >/dev/null
kubectl -n "$ns" apply -f - >/dev/null <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: { name: sluice-redis }
spec:
  selector: { matchLabels: { app: sluice-redis } }
  template:
    metadata: { labels: { app: sluice-redis } }
    spec:
      securityContext: { runAsNonRoot: true, runAsUser: $STORES_UID, runAsGroup: $STORES_UID }
      containers:
        - name: redis
          image: $REDIS_IMAGE
          imagePullPolicy: $PULL
          command: [redis-server, --bind, 0.0.0.0, --port, "6379", --protected-mode, "no", --save, "", --appendonly, "no", --dir, /data]
          ports: [{ name: redis, containerPort: 6379 }]
          readinessProbe: { tcpSocket: { port: redis }, periodSeconds: 1 }
          securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: [ALL] } }
          volumeMounts: [{ name: data, mountPath: /data }]
      volumes: [{ name: data, emptyDir: {} }]
---
apiVersion: v1
kind: Service
metadata: { name: sluice-redis }
spec: { selector: { app: sluice-redis }, ports: [{ port: 6379, targetPort: redis }] }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: sluice-postgres }
spec:
  selector: { matchLabels: { app: sluice-postgres } }
  template:
    metadata: { labels: { app: sluice-postgres } }
    spec:
      securityContext: { runAsNonRoot: true, runAsUser: $STORES_UID, runAsGroup: $STORES_UID }
      containers:
        - name: postgres
          image: $POSTGRES_IMAGE
          imagePullPolicy: $PULL
          command:
            - sh
            - -c
            - >-
              initdb -D /data/pg -U sluice --auth trust -E UTF8 --locale C >/dev/null &&
              echo 'host all all 0.0.0.0/0 trust' >>/data/pg/pg_hba.conf &&
              echo 'CREATE DATABASE sluice' | postgres --single -D /data/pg postgres >/dev/null &&
              exec postgres -D /data/pg -c listen_addresses='*' -c unix_socket_directories= -c fsync=off
              -c synchronous_commit=off -c full_page_writes=off
          ports: [{ name: postgres, containerPort: 5432 }]
          readinessProbe: { tcpSocket: { port: postgres }, periodSeconds: 1 }
          securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: [ALL] } }
          volumeMounts: [{ name: data, mountPath: /data }]
      volumes: [{ name: data, emptyDir: {} }]
---
apiVersion: v1
kind: Service
metadata: { name: sluice-postgres }
spec: { selector: { app: sluice-postgres }, ports: [{ port: 5432, targetPort: postgres }] }
YAML
kubectl -n "$ns" rollout status deploy/sluice-redis deploy/sluice-postgres --timeout 600s >/dev/null ||
  fail "Redis/PostgreSQL pods not ready"
redis_ip="$(kubectl -n "$ns" get svc sluice-redis -o jsonpath='{.spec.clusterIP}')"
pg_ip="$(kubectl -n "$ns" get svc sluice-postgres -o jsonpath='{.spec.clusterIP}')"
step "stores ready (redis $redis_ip, postgres $pg_ip)"

# --- 2. helm install, as a user would, with the local image.
repo="${SLUICE_IMAGE%:*}" tag="${SLUICE_IMAGE##*:}"
t_helm=$(ms)
"$HELM" install sluice "$root/charts/sluice" -n "$ns" --wait --timeout 10m \
  --set image.repository="$repo" --set image.tag="$tag" --set image.pullPolicy="$PULL" \
  --set redis.url="redis://$redis_ip:6379" --set postgres.url="postgres://sluice@$pg_ip:5432/sluice" \
  --set metrics.podMonitor.enabled=true --set metrics.serviceMonitor.enabled=true \
  --set networkPolicy.enabled=true >"$E2E_OUT/helm-install.txt" 2>&1 ||
  { cat "$E2E_OUT/helm-install.txt" >&2; fail "helm install"; }
op_selector=app.kubernetes.io/component=operator,app.kubernetes.io/instance=sluice
kubectl -n "$ns" wait --for condition=Ready pod -l "$op_selector" --timeout 600s >/dev/null || fail "operator pods not Ready"
pods_ready_ms=$(( $(ms) - t_helm ))
[[ "$(kubectl -n "$ns" get deploy sluice-operator -o jsonpath='{.status.readyReplicas}')" == 2 ]] || fail "operator: 2 ready replicas"
step "chart installed, operator 2/2 Ready in $(secs 0 "$pods_ready_ms") s"

# --- 3. Webhook certificates: the Secret issued by the operator, its CA patched into both configurations.
ca_of() { kubectl get "$1" "$2" -o jsonpath='{.webhooks[0].clientConfig.caBundle}'; }
until_ok 300 "caBundle patched into the webhook configurations" \
  bash -c "[[ -n \"\$(kubectl get validatingwebhookconfiguration sluice-tenantpolicy -o jsonpath='{.webhooks[0].clientConfig.caBundle}')\" && -n \"\$(kubectl get mutatingwebhookconfiguration sluice-inject -o jsonpath='{.webhooks[0].clientConfig.caBundle}')\" ]]"
secret_ca="$(kubectl -n "$ns" get secret sluice-webhook-cert -o jsonpath='{.data.ca\.crt}' | base64 -d)"
[[ -n "$secret_ca" ]] || fail "webhook Secret sluice-webhook-cert has no ca.crt"
for cfg in "validatingwebhookconfiguration sluice-tenantpolicy" "mutatingwebhookconfiguration sluice-inject"; do
  # shellcheck disable=SC2086
  ca_of $cfg | base64 -d | grep -F "$(echo "$secret_ca" | sed -n 2p)" >/dev/null || fail "$cfg: caBundle is not the Secret's CA"
done
step "webhook certificate issued, caBundle patched"

# --- 4. Tenants (the validating webhook is called through the Service for each).
kubectl create namespace "$app_ns" >/dev/null
# The API server calls the webhook through the Service's ClusterIP: until kube-proxy has written
# its rules, the call fails; apply is idempotent, so it is retried (its last error is kept).
until_ok 300 "the example tenants admitted through the validating webhook (last error in $E2E_OUT/tenants-apply.txt)" \
  bash -c "kubectl -n $app_ns apply -f '$root/examples/tenants/' >'$E2E_OUT/tenants-apply.txt' 2>&1"
kubectl -n "$app_ns" wait --for condition=Ready tenantpolicy --all --timeout 600s >/dev/null || fail "tenant policies not Ready"
for f in "$root"/examples/invalid/*.yaml; do
  if kubectl -n "$app_ns" apply -f "$f" >>"$E2E_OUT/invalid.txt" 2>&1; then fail "${f#"$root"/} was accepted"; fi
done
leader_pod="$(kubectl -n "$ns" get lease sluice-operator -o jsonpath='{.spec.holderIdentity}')"
until_ok 300 "the leader ($leader_pod) wrote to Postgres (sluice_operator_postgres_up 1, outbox empty)" bash -c \
  "m=\$(kubectl -n $ns exec $leader_pod -c operator -- node -e \"fetch('http://127.0.0.1:9091/metrics').then(r => r.text()).then(t => process.stdout.write(t))\"); grep -qx 'sluice_operator_postgres_up 1' <<<\"\$m\" && grep -qx 'sluice_operator_outbox_pending 0' <<<\"\$m\""
step "example tenants Ready; examples/invalid refused; audit records in Postgres"

# --- 5. The app, opted in: the sidecar injected as a native sidecar, both containers Ready.
t_app=$(ms)
kubectl -n "$app_ns" apply -f - >/dev/null <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: { name: rag }
spec:
  replicas: 1
  selector: { matchLabels: { app: rag } }
  template:
    metadata: { labels: { app: rag, sluice.dev/inject: "true" } }
    spec:
      securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: RuntimeDefault } }
      containers:
        - name: app
          image: $FAKES_IMAGE
          imagePullPolicy: $PULL
          args: [--port, "8000", --latency-ms, "5"]
          securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: [ALL] } }
---
apiVersion: v1
kind: Service
metadata: { name: rag }
spec: { selector: { app: rag }, ports: [{ name: http, port: 80, targetPort: sluice-http }] }
YAML
kubectl -n "$app_ns" rollout status deploy/rag --timeout 600s >/dev/null || fail "the app did not become Ready"
inject_ready_ms=$(( $(ms) - t_app ))
app_pod() { kubectl -n "$app_ns" get pod -l app=rag --field-selector=status.phase=Running -o jsonpath='{.items[0].metadata.name}'; }
check_injected() { # pod
  local spec
  spec="$(kubectl -n "$app_ns" get pod "$1" -o json)"
  jq -e '.spec.initContainers[0].name == "sluice-sidecar" and .spec.initContainers[0].restartPolicy == "Always"' <<<"$spec" >/dev/null ||
    fail "$1: no native sidecar (initContainers[0] sluice-sidecar with restartPolicy Always)"
  jq -e '([.status.initContainerStatuses[], .status.containerStatuses[]] | all(.ready)) and (.status.conditions[] | select(.type == "Ready") | .status == "True")' <<<"$spec" >/dev/null ||
    fail "$1: not every container is Ready"
}
pod="$(app_pod)"
check_injected "$pod"
step "app pod $pod: sidecar injected (native), both containers Ready in $(secs 0 "$inject_ready_ms") s"

# --- 6. Traffic through the sidecar: top_k capped, the free tenant rate-limited.
pf_pid=""
case "$E2E_PLATFORM" in
  node) base="http://$(kubectl -n "$app_ns" get svc rag -o jsonpath='{.spec.clusterIP}'):80" ;;
  kind)
    kubectl -n "$app_ns" port-forward svc/rag 18080:80 >"$E2E_OUT/port-forward.log" 2>&1 &
    pf_pid=$!
    base="http://127.0.0.1:18080"
    until_ok 120 "port-forward to the app" curl -s -o /dev/null "$base/" ;;
esac
# kube-proxy writes the Service's rules on its own schedule (seconds behind on a busy machine):
# any HTTP answer through the ClusterIP means the path is there.
until_ok 300 "the app's Service answers at $base (kube-proxy rules, the sidecar's port)" curl -s -m 10 -o /dev/null "$base/"
trap '[[ -n "$pf_pid" ]] && kill "$pf_pid" 2>/dev/null; true' EXIT
ask() { # key body → writes headers to $E2E_OUT/h, body to $E2E_OUT/b, prints the status
  curl -s -m 60 -D "$E2E_OUT/h" -o "$E2E_OUT/b" -w '%{http_code}' -H "authorization: Bearer $1" \
    -H 'content-type: application/json' -d "$2" "$base/v1/answer"
}
header() { grep -i "^$1:" "$E2E_OUT/h" | head -n 1 | cut -d: -f2- | tr -d '\r' | sed 's/^ //'; }
code_of() { jq -r '.error.code // empty' "$E2E_OUT/b" 2>/dev/null; }
status="$(ask sk-demo-hobby-free-c0ffee '{"query":"what is rag?","top_k":100}')"
[[ $status == 200 ]] || fail "hobby-free request: HTTP $status $(cat "$E2E_OUT/b")"
[[ "$(header sluice-capped)" == *"top_k=100->5"* ]] || fail "expected sluice-capped: top_k=100->5, got '$(header sluice-capped)'"
[[ "$(jq -r .topK "$E2E_OUT/b")" == 5 ]] || fail "the app received top_k=$(jq -r .topK "$E2E_OUT/b"), not 5"
[[ "$(jq -r '.headers["x-sluice-tenant"] // .tenant // empty' "$E2E_OUT/b")" == hobby-free ]] || true
limited=0
for _ in $(seq 1 40); do
  status="$(ask sk-demo-scraper-free-5ca1ab '{"query":"q"}')"
  if [[ $status == 429 ]]; then limited=1; break; fi
done
((limited)) || fail "scraper-free was never rate-limited"
[[ "$(code_of)" == SLUICE_RATE_LIMITED ]] || fail "429 without SLUICE_RATE_LIMITED: $(cat "$E2E_OUT/b")"
[[ -n "$(header retry-after)" ]] || fail "429 without Retry-After"
base_policy="$(header ratelimit-policy)"
base_q="$(sed -n 's/.*q=\([0-9]*\).*/\1/p' <<<"$base_policy")"
step "traffic: top_k 100 -> 5, scraper-free 429 SLUICE_RATE_LIMITED (policy $base_policy)"

# --- 7. An override, timed from `kubectl patch` to the first answer of the sidecar in the pod
#        that carries the new limit.
expires="$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)"
want_q=$((base_q * 10))
served_q() { ask "$1" '{"query":"q"}' >/dev/null; sed -n 's/.*q=\([0-9]*\).*/\1/p' <<<"$(header ratelimit-policy)"; }
t_patch=$(ms)
kubectl -n "$app_ns" patch tenantpolicy scraper-free --type merge \
  -p "{\"spec\":{\"override\":{\"multiplier\":10,\"expiresAt\":\"$expires\",\"reason\":\"e2e\"}}}" >/dev/null
deadline=$(( t_patch + 300000 ))
until [[ "$(served_q sk-demo-scraper-free-5ca1ab)" == "$want_q" ]]; do
  (( $(ms) < deadline )) || fail "the override (q=$want_q) did not reach the sidecar in 300 s"
  sleep 0.02
done
override_ms=$(( $(ms) - t_patch ))
step "override 10x served by the sidecar $override_ms ms after kubectl patch"

# --- 8. Suspend, then delete the TenantPolicy.
kubectl -n "$app_ns" patch tenantpolicy scraper-free --type merge -p '{"spec":{"suspended":true}}' >/dev/null
until_ok 300 "suspension (403 SLUICE_TENANT_SUSPENDED)" \
  bash -c "[[ \$(curl -s -m 60 -o '$E2E_OUT/b' -w '%{http_code}' -H 'authorization: Bearer sk-demo-scraper-free-5ca1ab' -H 'content-type: application/json' -d '{\"query\":\"q\"}' '$base/v1/answer') == 403 ]] && jq -e '.error.code == \"SLUICE_TENANT_SUSPENDED\"' '$E2E_OUT/b'"
kubectl -n "$app_ns" delete tenantpolicy scraper-free --timeout 300s >/dev/null || fail "deleting the TenantPolicy (finalizer)"
until_ok 300 "a deleted tenant's key refused (401 SLUICE_TENANT_UNKNOWN)" \
  bash -c "[[ \$(curl -s -m 60 -o '$E2E_OUT/b' -w '%{http_code}' -H 'authorization: Bearer sk-demo-scraper-free-5ca1ab' -H 'content-type: application/json' -d '{\"query\":\"q\"}' '$base/v1/answer') == 401 ]] && jq -e '.error.code == \"SLUICE_TENANT_UNKNOWN\"' '$E2E_OUT/b'"
step "suspended (403), deleted (401)"

# --- 9. Delete the leader operator pod: the other replica takes over; the next patch arrives.
lease_holder() { kubectl -n "$ns" get lease sluice-operator -o jsonpath='{.spec.holderIdentity}'; }
leader="$(lease_holder)"
[[ -n "$leader" ]] || fail "no operator holds the Lease"
t_kill=$(ms)
kubectl -n "$ns" delete pod "$leader" --wait=false >/dev/null
until_ok 300 "another operator took the Lease" bash -c "h=\$(kubectl -n $ns get lease sluice-operator -o jsonpath='{.spec.holderIdentity}'); [[ -n \$h && \$h != $leader ]]"
failover_ms=$(( $(ms) - t_kill ))
hobby_q="$(served_q sk-demo-hobby-free-c0ffee)"
kubectl -n "$app_ns" patch tenantpolicy hobby-free --type merge \
  -p "{\"spec\":{\"override\":{\"multiplier\":10,\"expiresAt\":\"$expires\",\"reason\":\"e2e after failover\"}}}" >/dev/null
until_ok 300 "the patch after the failover reached the sidecar" bash -c "[[ \$(curl -s -m 60 -D - -o /dev/null -H 'authorization: Bearer sk-demo-hobby-free-c0ffee' -H 'content-type: application/json' -d '{\"query\":\"q\"}' '$base/v1/answer' | grep -i '^ratelimit-policy:' | sed -n 's/.*q=\([0-9]*\).*/\1/p') == $((hobby_q * 10)) ]]"
step "leader $leader deleted: $(lease_holder) took over in $(secs 0 "$failover_ms") s; the next patch arrived"

# --- 10. Kill the sidecar container while Redis is unreachable: the kubelet restarts it and it
#         serves from its last-known-good snapshot (emptyDir /var/lib/sluice).
kubectl -n "$ns" patch svc sluice-redis -p '{"spec":{"selector":{"app":"sluice-redis-unreachable"}}}' >/dev/null
until_ok 120 "Redis Service without endpoints" bash -c "[[ -z \$(kubectl -n $ns get endpoints sluice-redis -o jsonpath='{.subsets}') ]]"
restarts() { kubectl -n "$app_ns" get pod "$pod" -o jsonpath='{.status.initContainerStatuses[?(@.name=="sluice-sidecar")].restartCount}'; }
before="$(restarts)"
cid="$(kubectl -n "$app_ns" get pod "$pod" -o jsonpath='{.status.initContainerStatuses[?(@.name=="sluice-sidecar")].containerID}')"
cid="${cid#containerd://}"
case "$E2E_PLATFORM" in
  node) ctr --address "$SLUICE_E2E_CONTAINERD" -n k8s.io tasks kill -s SIGKILL "$cid" >/dev/null ;;
  kind) docker exec "${KIND_CLUSTER:-sluice-e2e}-control-plane" ctr -n k8s.io tasks kill -s SIGKILL "$cid" >/dev/null ;;
esac
until_ok 300 "the kubelet restarted the sidecar and it became Ready" \
  bash -c "[[ \$(kubectl -n $app_ns get pod $pod -o jsonpath='{.status.initContainerStatuses[?(@.name==\"sluice-sidecar\")].restartCount}') -gt $before && \$(kubectl -n $app_ns get pod $pod -o jsonpath='{.status.initContainerStatuses[?(@.name==\"sluice-sidecar\")].ready}') == true ]]"
kubectl -n "$app_ns" logs "$pod" -c sluice-sidecar >"$E2E_OUT/sidecar-after-kill.log"
grep -q 'last-known-good snapshot' "$E2E_OUT/sidecar-after-kill.log" ||
  fail "the restarted sidecar did not start from its snapshot (see $E2E_OUT/sidecar-after-kill.log)"
status="$(ask sk-demo-hobby-free-c0ffee '{"query":"q","top_k":50}')"
[[ $status == 200 && "$(header sluice-capped)" == *"top_k=50->5"* ]] || fail "from the snapshot: HTTP $status, sluice-capped '$(header sluice-capped)'"
kubectl -n "$ns" patch svc sluice-redis -p '{"spec":{"selector":{"app":"sluice-redis"}}}' >/dev/null
until_ok 300 "the sidecar back on Redis" bash -c "kubectl -n $app_ns exec $pod -c sluice-sidecar -- node -e \"fetch('http://127.0.0.1:8082/readyz').then(r => r.json()).then(j => process.exit(j.limiter === 'global' || j.limiter === 'redis' ? 0 : 1), () => process.exit(1))\""
step "sidecar killed with Redis unreachable: restarted ($(restarts) restarts), served from its snapshot, back on Redis"

# --- 11. Roll the app: the new pods are injected too.
kubectl -n "$app_ns" rollout restart deploy/rag >/dev/null
kubectl -n "$app_ns" rollout status deploy/rag --timeout 600s >/dev/null || fail "rollout"
new_pod="$(kubectl -n "$app_ns" get pod -l app=rag -o json | jq -r '[.items[] | select(.metadata.deletionTimestamp == null and .status.phase == "Running")][0].metadata.name')"
[[ "$new_pod" != "$pod" ]] || fail "rollout kept the old pod"
check_injected "$new_pod"
pod="$new_pod"
step "rolled: new pod $pod injected and Ready"

# --- 12. What the chart promised, read from the running processes.
# The Deployment replaced the deleted leader's pod (step 9): both replicas Ready again, and one of
# the live pods (not the terminating one) is read.
kubectl -n "$ns" rollout status deploy/sluice-operator --timeout 600s >/dev/null || fail "operator Deployment not back to 2 Ready replicas"
op_pod="$(kubectl -n "$ns" get pod -l "$op_selector" -o json | jq -r '[.items[] | select(.metadata.deletionTimestamp == null and any(.status.conditions[]?; .type == "Ready" and .status == "True"))][0].metadata.name')"
[[ -n "$op_pod" && "$op_pod" != null ]] || fail "no Ready operator pod to read"
proc_check() { # namespace pod container memory-limit-bytes cpu-request-shares
  local where="$1/$2 $3" out
  out="$(kubectl -n "$1" exec "$2" -c "$3" -- sh -c '
    grep -E "^(Uid|CapEff|CapBnd|NoNewPrivs|Seccomp):" /proc/1/status
    echo "root: $(awk "\$5 == \"/\" { print \$6 }" /proc/1/mountinfo)"
    if touch /.sluice-write-test 2>/dev/null; then echo "rootfs: writable"; else echo "rootfs: read-only"; fi
    if [ -f /sys/fs/cgroup/memory/memory.limit_in_bytes ]; then
      echo "memory: $(cat /sys/fs/cgroup/memory/memory.limit_in_bytes)"; echo "cpu-shares: $(cat /sys/fs/cgroup/cpu/cpu.shares)"
    else
      echo "memory: $(cat /sys/fs/cgroup/memory.max)"; echo "cpu-weight: $(cat /sys/fs/cgroup/cpu.weight)"
    fi')"
  echo "$where"$'\n'"$out" >>"$E2E_OUT/processes.txt"
  grep -qE '^Uid:\s+10001\s+10001\s+10001\s+10001' <<<"$out" || fail "$where: not running as uid 10001: $(grep Uid <<<"$out")"
  grep -qE '^CapEff:\s+0+$' <<<"$out" || fail "$where: effective capabilities not empty"
  grep -qE '^CapBnd:\s+0+$' <<<"$out" || fail "$where: capabilities not dropped (bounding set)"
  grep -qE '^NoNewPrivs:\s+1' <<<"$out" || fail "$where: allowPrivilegeEscalation not false (NoNewPrivs)"
  grep -qE '^Seccomp:\s+2' <<<"$out" || fail "$where: no seccomp filter (RuntimeDefault)"
  grep -qE '^root: ro(,|$)' <<<"$out" || fail "$where: root filesystem not mounted read-only"
  grep -q '^rootfs: read-only' <<<"$out" || fail "$where: root filesystem writable"
  grep -qx "memory: $4" <<<"$out" || fail "$where: memory limit $(grep memory: <<<"$out"), want $4"
  if grep -q cpu-shares <<<"$out"; then grep -qx "cpu-shares: $5" <<<"$out" || fail "$where: $(grep cpu-shares <<<"$out"), want $5"; fi
}
# Chart defaults: operator 100m / 512Mi limit, sidecar 100m / 320Mi (values.yaml; the sidecar's
# figures are from docs/performance.md).
proc_check "$ns" "$op_pod" operator $((512 * 1024 * 1024)) 102
proc_check "$app_ns" "$pod" sluice-sidecar $((320 * 1024 * 1024)) 102
# Probes: declared, and answering inside the pods.
jq -e '.spec.containers[0] | .livenessProbe.httpGet.path == "/healthz" and .readinessProbe.httpGet.path == "/readyz"' \
  <<<"$(kubectl -n "$ns" get pod "$op_pod" -o json)" >/dev/null || fail "operator probes"
jq -e '.spec.initContainers[0] | .startupProbe and .livenessProbe and .readinessProbe' \
  <<<"$(kubectl -n "$app_ns" get pod "$pod" -o json)" >/dev/null || fail "sidecar probes"
fetch_in() { # ns pod container url → exits 0 when 200, prints the body
  kubectl -n "$1" exec "$2" -c "$3" -- node -e "fetch('$4').then(async (r) => { process.stdout.write(await r.text()); process.exit(r.ok ? 0 : 1); }, () => process.exit(2))"
}
fetch_in "$ns" "$op_pod" operator http://127.0.0.1:9091/readyz >/dev/null || fail "operator /readyz"
# PodDisruptionBudget: accepted and counting both operator pods.
until_ok 300 "PDB sluice-operator: 2 healthy, 1 disruption allowed" bash -c \
  "[[ \$(kubectl -n $ns get pdb sluice-operator -o jsonpath='{.status.currentHealthy}/{.status.disruptionsAllowed}') == 2/1 ]]"
# NetworkPolicy: accepted by the API server; nothing enforces it here (no policy plugin on this node).
kubectl -n "$ns" get networkpolicy sluice-operator >/dev/null || fail "NetworkPolicy missing"
# PodMonitor: its selector finds the injected pod, which has the port it scrapes, and /metrics answers there.
pm="$(kubectl -n "$ns" get podmonitor sluice-sidecars -o json)"
pm_labels="$(jq -r '.spec.selector.matchLabels | to_entries | map("\(.key)=\(.value)") | join(",")' <<<"$pm")"
pm_port="$(jq -r '.spec.podMetricsEndpoints[0].port' <<<"$pm")"
kubectl get pods -A -l "$pm_labels" -o json | jq -e --arg p "$pod" '.items | map(.metadata.name) | index($p)' >/dev/null ||
  fail "PodMonitor selector $pm_labels does not select $pod"
pm_container_port="$(kubectl -n "$app_ns" get pod "$pod" -o json | jq -r --arg n "$pm_port" '[.spec.initContainers[], .spec.containers[]] | map(.ports // []) | add | map(select(.name == $n)) | .[0].containerPort')"
[[ "$pm_container_port" =~ ^[0-9]+$ ]] || fail "PodMonitor port $pm_port is not a port of $pod"
fetch_in "$app_ns" "$pod" sluice-sidecar "http://127.0.0.1:$pm_container_port/metrics" | grep '^sluice_' >/dev/null ||
  fail "no sluice_ metrics on the PodMonitor's port $pm_port ($pm_container_port)"
# ServiceMonitor: its selector finds the metrics Service, whose named port has the operators behind it.
sm="$(kubectl -n "$ns" get servicemonitor sluice-operator -o json)"
sm_labels="$(jq -r '.spec.selector.matchLabels | to_entries | map("\(.key)=\(.value)") | join(",")' <<<"$sm")"
sm_port="$(jq -r '.spec.endpoints[0].port' <<<"$sm")"
svc="$(kubectl -n "$ns" get svc -l "$sm_labels" -o json | jq -r --arg p "$sm_port" '[.items[] | select(any(.spec.ports[]; .name == $p))][0].metadata.name')"
[[ -n "$svc" && "$svc" != null ]] || fail "ServiceMonitor selector $sm_labels finds no Service with port $sm_port"
svc_url="http://$(kubectl -n "$ns" get svc "$svc" -o jsonpath='{.spec.clusterIP}'):$(kubectl -n "$ns" get svc "$svc" -o json | jq -r --arg p "$sm_port" '.spec.ports[] | select(.name == $p) | .port')/metrics"
fetch_in "$ns" "$op_pod" operator "$svc_url" | grep '^sluice_operator' >/dev/null || fail "ServiceMonitor target $svc_url has no sluice_operator metrics"
step "chart promises hold in the running pods (uid, capabilities, read-only root, seccomp, cgroup limits, probes, PDB, monitors)"

jq -n --argjson p "$pods_ready_ms" --argjson i "$inject_ready_ms" --argjson o "$override_ms" --argjson f "$failover_ms" \
  '{pods_ready_s: ($p / 1000), inject_ready_s: ($i / 1000), override_to_sidecar_ms: $o, leader_failover_s: ($f / 1000)}' >"$E2E_OUT/journey.json"
step "journey done"
