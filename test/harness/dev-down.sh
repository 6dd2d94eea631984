#!/usr/bin/env bash
# `make dev-down`: stops what dev-up started and removes its state. Idempotent.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
dev="${SLUICE_DEV_DIR:-$root/.cache/dev}"
[[ -d "$dev" ]] || exit 0
pg_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
if [[ -f "$dev/pg/postmaster.pid" ]]; then
  if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$pg_bin/pg_ctl" -D "$dev/pg" -m fast stop >/dev/null 2>&1
  else "$pg_bin/pg_ctl" -D "$dev/pg" -m fast stop >/dev/null 2>&1; fi
fi
for name in kube-apiserver etcd redis; do
  pidfile="$dev/run/$name.pid"
  [[ -f "$pidfile" ]] || continue
  pid="$(cat "$pidfile")"
  kill "$pid" 2>/dev/null && for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null
  rm -f "$pidfile"
done
rm -rf "$dev"
echo "dev-down: stopped and removed $dev" >&2
