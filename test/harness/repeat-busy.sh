#!/usr/bin/env bash
# Runs integration test files RUNS times in a row beside BUSY busy processes (test/harness/busy-cpu.ts)
# and prints "runs=N passed=N busy=N". Exit 1 if any run failed. `make test-exact-busy`.
#   bash test/harness/repeat-busy.sh 10 3 sidecar/redis-mode.int.test.ts
set -uo pipefail
runs="$1"; busy="$2"; shift 2
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
npx --no-install node test/harness/busy-cpu.ts "$busy" 3600000 >/dev/null &
busy_pid=$!
trap 'kill "$busy_pid" 2>/dev/null; wait "$busy_pid" 2>/dev/null' EXIT
passed=0
mkdir -p .cache/repeat-busy
for ((i = 1; i <= runs; i++)); do
  if npx --no-install vitest run --project integration "$@" >".cache/repeat-busy/run-$i.log" 2>&1; then
    passed=$((passed + 1))
    echo "run $i: passed ($(grep -E '^vitest:' ".cache/repeat-busy/run-$i.log" | tail -1))"
  else
    echo "run $i: FAILED, see .cache/repeat-busy/run-$i.log"
  fi
done
echo "runs=$runs passed=$passed busy=$busy"
[[ "$passed" == "$runs" ]]
