#!/usr/bin/env bash
# The npm dependencies, with Node 24 pinned in package.json (the `node` devDependency), when
# missing or older than package-lock.json. All that `make demo` needs: Node and npm, nothing else.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
if [[ ! -x node_modules/.bin/node || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "installing npm dependencies" >&2
  # Not `npm ci`: vite lists an optional dependency the registry here does not serve, which
  # `npm ci` counts as lockfile drift. `npm install` keeps the locked versions and skips it.
  npm install --no-audit --no-fund --loglevel=error
fi

