#!/usr/bin/env bash
# Runs schemathesis against a sidecar's OpenAPI description (GET /openapi.json on the admin
# port), one surface at a time, with a bounded number of examples; fails on any server error
# (5xx) or a response that does not match the document.
#   test/faults/schemathesis.sh <admin-port> <surface> <base-url> [max-examples]
set -euo pipefail
admin_port=$1
surface=$2
base_url=$3
examples=${4:-25}
st=$(command -v st || command -v schemathesis)
exec "$st" run "http://127.0.0.1:${admin_port}/openapi.json?surface=${surface}" \
  --base-url "$base_url" \
  --checks not_a_server_error \
  --hypothesis-max-examples "$examples" \
  --hypothesis-derandomize \
  --hypothesis-suppress-health-check all \
  --request-timeout 10000 \
  --no-color \
  "${@:5}"
