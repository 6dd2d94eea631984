#!/usr/bin/env bash
# `make chart-check`: helm (built from its Go module, cached) lints the chart strictly, renders
# it with the default values and with every toggle on, and the API server of the dev control
# plane checks the output with `kubectl apply --dry-run=server` (CRDs first). A values file
# that breaks values.schema.json must be refused.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
chart="$root/charts/sluice"
helm="$(bash "$here/build-helm.sh")"
. "$root/.cache/dev/env"
out="$root/.cache/chart-check"
rm -rf "$out" && mkdir -p "$out"
export HELM_CACHE_HOME="$out/helm-cache" HELM_CONFIG_HOME="$out/helm-config" HELM_DATA_HOME="$out/helm-data"

echo "helm lint --strict" >&2
"$helm" lint --strict "$chart" >&2
"$helm" lint --strict "$chart" -f "$chart/ci/all-on-values.yaml" >&2

. "$here/versions.sh"
ns=sluice-chart-check
# The release namespace and the namespaces ci/all-on-values.yaml watches.
for n in "$ns" tenants staging; do
  kubectl get namespace "$n" >/dev/null 2>&1 || kubectl create namespace "$n" >/dev/null
done
# The CRDs the chart's optional objects need (stand-ins, see the files) and the chart's own CRD.
kubectl apply -f "$root/test/fixtures/crds/" >/dev/null
kubectl apply -f "$chart/crds/" >/dev/null
kubectl wait --for condition=Established crd --all --timeout 60s >/dev/null

for values in default all-on; do
  args=()
  [[ $values == all-on ]] && args=(-f "$chart/ci/all-on-values.yaml")
  "$helm" template sluice "$chart" --namespace "$ns" --kube-version "$KUBERNETES_VERSION" "${args[@]}" >"$out/$values.yaml"
  count=$(grep -c '^kind:' "$out/$values.yaml")
  echo "rendered $values: $count objects; kubectl apply --dry-run=server" >&2
  kubectl apply --dry-run=server -f "$out/$values.yaml" >"$out/$values.applied"
done

if "$helm" template sluice "$chart" --kube-version "$KUBERNETES_VERSION" -f "$chart/ci/bad-values.yaml" >"$out/bad.yaml" 2>"$out/bad.err"; then
  echo "chart-check: ci/bad-values.yaml was accepted; values.schema.json must refuse it" >&2
  exit 1
fi
grep -q "values don't meet the specifications of the schema" "$out/bad.err" ||
  { echo "chart-check: bad values refused for the wrong reason:" >&2; cat "$out/bad.err" >&2; exit 1; }
echo "chart-check: ok (lint, default and all-on rendered and accepted by the API server, bad values refused)" >&2
