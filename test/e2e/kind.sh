#!/usr/bin/env bash
# `make e2e-kind`: the e2e journey (test/e2e/journey.sh, the same as `make e2e`) on a kind
# cluster, for users with Docker. Needs docker, kind, kubectl and helm on PATH — not available on
# the Sluice dev machines, where `make e2e` runs the journey on a real node instead.
#   1. a kind cluster; the sluice image and the fake RAG app's image built with Docker and loaded
#   2. test/e2e/journey.sh with Redis and PostgreSQL from their official images
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cluster="${KIND_CLUSTER:-sluice-e2e}"
for tool in docker kind kubectl helm jq curl; do
  command -v "$tool" >/dev/null || { echo "e2e-kind needs $tool on PATH" >&2; exit 1; }
done
kind get clusters | grep -qx "$cluster" || kind create cluster --name "$cluster" --wait 120s
kubectl config use-context "kind-$cluster" >/dev/null
docker build -t sluice.local/sluice:e2e "$root"
docker build -f "$root/test/e2e/Dockerfile.fakes" --build-arg BASE=sluice.local/sluice:e2e -t sluice.local/fakes:e2e "$root"
kind load docker-image sluice.local/sluice:e2e sluice.local/fakes:e2e --name "$cluster"
out="$root/.cache/e2e-kind"
rm -rf "$out"
E2E_PLATFORM=kind KIND_CLUSTER="$cluster" HELM="$(command -v helm)" \
  SLUICE_IMAGE=sluice.local/sluice:e2e FAKES_IMAGE=sluice.local/fakes:e2e \
  REDIS_IMAGE=redis:7 POSTGRES_IMAGE=postgres:16 STORES_UID=999 PULL_POLICY=IfNotPresent \
  E2E_OUT="$out" bash "$root/test/e2e/journey.sh"
jq -c . "$out/journey.json"
echo "e2e-kind: ok (delete the cluster with: kind delete cluster --name $cluster)"
