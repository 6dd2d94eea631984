#!/usr/bin/env bash
# Builds helm from its Go module (test/harness/helm) once per version into $SLUICE_CACHE_DIR and
# prints the binary's path. Later runs, and CI in a fresh clone on the same machine, reuse it.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/versions.sh"
grep -q "helm.sh/helm/v3 v$HELM_VERSION\$" "$here/helm/go.mod" ||
  { echo "test/harness/helm/go.mod does not pin helm v$HELM_VERSION (versions.sh); update both" >&2; exit 1; }
out="$SLUICE_CACHE_DIR/helm-v$HELM_VERSION"
if [[ -x "$out/helm" ]]; then echo "$out/helm"; exit 0; fi
echo "building helm v$HELM_VERSION into $out (first run only)" >&2
mkdir -p "$out.tmp"
(cd "$here/helm" && go build -trimpath -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=v$HELM_VERSION" -o "$out.tmp/helm" helm.sh/helm/v3/cmd/helm)
rm -rf "$out" && mv "$out.tmp" "$out"
echo "$out/helm"
