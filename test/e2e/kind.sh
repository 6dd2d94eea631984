#!/usr/bin/env bash
# `make e2e-kind`: the whole product on a real (kind) cluster. Needs Docker, kind, kubectl and
# helm on PATH — not available on the Sluice dev machines, so CI does not run it.
#   1. create a kind cluster, build and load the sluice image
#   2. install Redis and Postgres (single pods, test only) and the chart
#   3. apply the example tenants and an annotated RAG app
#   4. through the injected sidecar: a capped top_k and a 429 for the free tenant
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cluster="${KIND_CLUSTER:-sluice-e2e}"
ns=sluice-system
for tool in docker kind kubectl helm; do
  command -v "$tool" >/dev/null || { echo "e2e-kind needs $tool on PATH" >&2; exit 1; }
done

kind get clusters | grep -qx "$cluster" || kind create cluster --name "$cluster" --wait 120s
docker build -t sluice:e2e "$root"
kind load docker-image sluice:e2e --name "$cluster"

kubectl create namespace "$ns" --dry-run=client -o yaml | kubectl apply -f -
kubectl -n "$ns" apply -f - <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: { name: sluice-redis }
spec:
  selector: { matchLabels: { app: sluice-redis } }
  template:
    metadata: { labels: { app: sluice-redis } }
    spec: { containers: [{ name: redis, image: redis:7, ports: [{ containerPort: 6379 }] }] }
---
apiVersion: v1
kind: Service
metadata: { name: sluice-redis }
spec: { selector: { app: sluice-redis }, ports: [{ port: 6379 }] }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: sluice-postgres }
spec:
  selector: { matchLabels: { app: sluice-postgres } }
  template:
    metadata: { labels: { app: sluice-postgres } }
    spec:
      containers:
        - name: postgres
          image: postgres:16
          env: [{ name: POSTGRES_USER, value: sluice }, { name: POSTGRES_HOST_AUTH_METHOD, value: trust }]
          ports: [{ containerPort: 5432 }]
---
apiVersion: v1
kind: Service
metadata: { name: sluice-postgres }
spec: { selector: { app: sluice-postgres }, ports: [{ port: 5432 }] }
YAML
kubectl -n "$ns" rollout status deploy/sluice-redis deploy/sluice-postgres --timeout 180s

helm upgrade --install sluice "$root/charts/sluice" -n "$ns" --wait --timeout 5m \
  --set image.repository=sluice --set image.tag=e2e --set image.pullPolicy=Never \
  --set redis.url=redis://sluice-redis.$ns:6379 --set postgres.url=postgres://sluice@sluice-postgres.$ns:5432/sluice \
  --set-string 'sidecar.image=sluice:e2e'

kubectl create namespace rag --dry-run=client -o yaml | kubectl apply -f -
kubectl -n rag apply -f "$root/examples/tenants/"
kubectl -n rag wait --for condition=Ready tenantpolicy --all --timeout 120s
# The fake RAG app from the repo, run from the sluice image, with the sidecar injected.
kubectl -n rag apply -f - <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: { name: rag }
spec:
  selector: { matchLabels: { app: rag } }
  template:
    metadata: { labels: { app: rag, sluice.dev/inject: "true" } }
    spec:
      containers:
        - name: app
          image: sluice:e2e
          imagePullPolicy: Never
          command: ["node", "/app/cli/noisy-neighbor/fakes/rag-app.ts", "--port", "8000", "--latency-ms", "20"]
YAML
kubectl -n rag rollout status deploy/rag --timeout 180s
pod="$(kubectl -n rag get pod -l app=rag -o jsonpath='{.items[0].metadata.name}')"
kubectl -n rag get pod "$pod" -o jsonpath='{.spec.initContainers[*].name}{.spec.containers[*].name}' | grep -q sluice ||
  { echo "e2e-kind: the sidecar was not injected" >&2; exit 1; }
kubectl -n rag port-forward "pod/$pod" 18080:8080 >/dev/null 2>&1 &
trap 'kill %1 2>/dev/null || true' EXIT
sleep 3

capped="$(curl -s -D - -o /dev/null -H 'authorization: Bearer sk-demo-hobby-free-c0ffee' -H 'content-type: application/json' \
  -d '{"query":"what is rag?","top_k":100}' http://127.0.0.1:18080/v1/answer | grep -i '^sluice-capped:' || true)"
[[ "$capped" == *"top_k=100->5"* ]] || { echo "e2e-kind: expected sluice-capped: top_k=100->5, got '$capped'" >&2; exit 1; }

limited=0
for _ in $(seq 1 30); do
  code="$(curl -s -o /dev/null -w '%{http_code}' -H 'authorization: Bearer sk-demo-scraper-free-5ca1ab' \
    -H 'content-type: application/json' -d '{"query":"q"}' http://127.0.0.1:18080/v1/answer)"
  [[ "$code" == 429 ]] && limited=1 && break
done
((limited)) || { echo "e2e-kind: the free tenant was never rate-limited" >&2; exit 1; }
echo "e2e-kind: ok (sidecar injected, top_k capped, free tenant rate-limited)"
