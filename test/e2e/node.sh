#!/usr/bin/env bash
# `make e2e`: Sluice on a real single-node cluster on this machine, no Docker, no registry.
#   1. binaries: control plane, node, helm (Go modules, cached by version)
#   2. images: the product image and the test images (build-image.sh, cached by content)
#   3. the cluster (test/harness/node/cluster-up.sh), images imported into its containerd
#   4. the journey (test/e2e/journey.sh, shared with `make e2e-kind`)
#   5. teardown (test/harness/node/cluster-down.sh), also when a step fails
# Prints one JSON line with the timings. On failure the logs of every component and pod are in
# .cache/e2e/logs/ (the path is printed).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
. "$root/test/harness/node/common.sh"
out="$root/.cache/e2e"
ms() { echo "$(( $(date +%s%N) / 1000000 ))"; }
t0=$(ms)
say() { echo "e2e: $* (+$(( ($(ms) - t0) / 1000 )) s)" >&2; }
mkdir -p "$out"
rm -rf "$out/journey"
export HELM_CACHE_HOME="$out/helm/cache" HELM_CONFIG_HOME="$out/helm/config" HELM_DATA_HOME="$out/helm/data"

# Refuse before building anything when the machine is not clean.
refuse_leftovers e2e "'make e2e-clean'"

started=0
# On failure: the cluster's state and every pod's logs into $E2E_LOGS (kept), and a short account
# on stderr (CI shows only that): pods, recent events, the last lines of every container that is
# not Ready and of the kubelet's errors.
collect() {
  . "$E2E_STATE/env"
  # A dead API server must not hold up the teardown.
  kubectl() { command kubectl --request-timeout 20s "$@"; }
  kubectl get all,events,tenantpolicies,leases,endpoints,validatingwebhookconfigurations,mutatingwebhookconfigurations -A -o wide >"$E2E_LOGS/cluster.txt" 2>&1
  kubectl describe nodes >"$E2E_LOGS/node-describe.txt" 2>&1
  kubectl describe pods -A >"$E2E_LOGS/pods-describe.txt" 2>&1
  local p ns name
  for p in $(kubectl get pods -A -o jsonpath='{range .items[*]}{.metadata.namespace}/{.metadata.name}{"\n"}{end}' 2>/dev/null); do
    ns="${p%/*}" name="${p#*/}"
    kubectl -n "$ns" logs "$name" --all-containers --prefix --previous >"$E2E_LOGS/pod-$ns-$name.previous.log" 2>/dev/null || rm -f "$E2E_LOGS/pod-$ns-$name.previous.log"
    kubectl -n "$ns" logs "$name" --all-containers --prefix >"$E2E_LOGS/pod-$ns-$name.log" 2>&1
  done
  {
    echo "---- pods"
    kubectl get pods -A -o wide 2>&1
    echo "---- the last 25 events"
    kubectl get events -A --sort-by=.lastTimestamp 2>&1 | tail -n 25
    # Containers not Ready: namespace/pod container, then their last lines (previous run too).
    kubectl get pods -A -o json 2>/dev/null | jq -r '.items[] | .metadata as $m
      | [(.status.initContainerStatuses // [])[], (.status.containerStatuses // [])[]][]
      | select(.ready != true) | "\($m.namespace)/\($m.name) \(.name)"' |
      while read -r pod container; do
        echo "---- $pod $container: not Ready; its last 30 lines"
        kubectl -n "${pod%/*}" logs "${pod#*/}" -c "$container" --tail 30 2>&1
        kubectl -n "${pod%/*}" logs "${pod#*/}" -c "$container" --previous --tail 15 2>/dev/null | sed 's/^/(previous) /'
      done
    echo "---- the kubelet's last 20 errors ($E2E_LOGS/kubelet.log)"
    grep -E '^E[0-9]{4}' "$E2E_LOGS/kubelet.log" 2>/dev/null | tail -n 20
  } | sed 's/^/e2e: | /' >&2
}
finish() {
  local rc=$?
  trap - EXIT
  # Teardown is not to be interrupted: a second Ctrl-C (or the TERM of a CI timeout) would leave
  # the machine half cleaned. Ignored signals stay ignored in the children (cluster-down.sh).
  trap '' INT TERM HUP
  if ((started)); then
    if ((rc != 0)) && [[ -f "$E2E_STATE/env" ]]; then
      say "failed; collecting the cluster's state into $E2E_LOGS"
      (collect) || true
    fi
    local t_down
    t_down=$(ms)
    say "tearing down"
    bash "$root/test/harness/node/cluster-down.sh" || rc=1
    teardown_ms=$(( $(ms) - t_down ))
  fi
  if ((rc == 0)); then
    jq -c -n --slurpfile j "$out/journey/journey.json" \
      --argjson build "$build_ms" --argjson images "$images_ms" --argjson up "$up_ms" --argjson journey "$journey_ms" \
      --argjson down "$teardown_ms" --argjson total "$(( $(ms) - t0 ))" --argjson mb "$image_mb" \
      '$j[0] + {e2e_total_s: ($total / 1000), build_s: ($build / 1000), images_s: ($images / 1000),
        cluster_up_s: ($up / 1000), journey_s: ($journey / 1000), teardown_s: ($down / 1000), image_mb: $mb}'
    say "passed"
  else
    echo "e2e: FAILED (exit $rc). Logs of every component (containerd, kubelet, kube-apiserver, …) and pod: $E2E_LOGS/" >&2
  fi
  exit "$rc"
}
trap finish EXIT
trap 'say "interrupted"; exit 130' INT TERM HUP

t=$(ms)
bash "$root/test/harness/build-control-plane.sh" >/dev/null
bash "$root/test/harness/node/build-node.sh" >/dev/null
helm="$(bash "$root/test/harness/build-helm.sh")"
build_ms=$(( $(ms) - t ))
say "binaries ready"

t=$(ms)
bash "$root/test/harness/image/build-image.sh" product >"$out/image.json"
bash "$root/test/harness/image/build-image.sh" e2e "$out/images" >/dev/null
image_mb="$(jq .archive_mb "$out/image.json")"
images_ms=$(( $(ms) - t ))
say "images built ($(jq -c . "$out/image.json"))"

t=$(ms)
started=1
bash "$root/test/harness/node/cluster-up.sh" "$out/images/images.oci.tar"
up_ms=$(( $(ms) - t ))
. "$E2E_STATE/env"
say "cluster up"

t=$(ms)
E2E_PLATFORM=node HELM="$helm" SLUICE_IMAGE=sluice.local/sluice:e2e FAKES_IMAGE=sluice.local/fakes:e2e \
  REDIS_IMAGE=sluice.local/stores:e2e POSTGRES_IMAGE=sluice.local/stores:e2e STORES_UID=10001 PULL_POLICY=Never \
  E2E_OUT="$out/journey" bash "$root/test/e2e/journey.sh"
journey_ms=$(( $(ms) - t ))
