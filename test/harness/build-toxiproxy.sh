#!/usr/bin/env bash
# Installs Shopify's toxiproxy server from its Go module (github.com/Shopify/toxiproxy/v2) once per
# version into $SLUICE_CACHE_DIR and prints the binary's path. The fault suite and the stress
# benchmark put it between the sidecars and Redis/Postgres/the API server to add latency, cut
# connections half-open or slow them down (test/harness/toxiproxy.ts). Never committed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/versions.sh"
out="$SLUICE_CACHE_DIR/toxiproxy-v$TOXIPROXY_VERSION"
if [[ -x "$out/toxiproxy-server" ]]; then echo "$out/toxiproxy-server"; exit 0; fi
command -v go >/dev/null || { echo "go is required to build toxiproxy for the fault suite" >&2; exit 1; }
echo "building toxiproxy v$TOXIPROXY_VERSION into $out (first run only)" >&2
rm -rf "$out.tmp" && mkdir -p "$out.tmp"
GOBIN="$out.tmp" GOFLAGS=-buildvcs=false go install -trimpath -ldflags "-s -w" \
  "github.com/Shopify/toxiproxy/v2/cmd/server@v$TOXIPROXY_VERSION"
mv "$out.tmp/server" "$out.tmp/toxiproxy-server"
rm -rf "$out" && mv "$out.tmp" "$out"
echo "$out/toxiproxy-server"
