/**
 * V8 heap flags the operator sets on itself at start, before its caches grow.
 *
 * Node refuses `--heap-growing-percent` in NODE_OPTIONS and exits at once (the operator pods
 * crash-looped with it in the chart: test/chart-node-options.test.ts), and the chart's image
 * starts `node /app/cli/sluice.mjs` (docs/adr/0037-bundled-entrypoint.md) with no room for
 * node flags. V8 reads this flag each time it sizes the old generation after a full collection,
 * and Node leaves V8's flags unfrozen after start-up (`--no-freeze-flags-after-init` is its
 * default), so `v8.setFlagsFromString` here takes effect for every later collection. Measured
 * with 10,000 TenantPolicies being reconciled (docs/scale.md,
 * docs/adr/0032-operator-memory.md): V8's own heap mappings 104 MB with it against 176 MB
 * without, at the same point of the bulk load.
 *
 * Worked example: with 60 MB live after a full collection, V8's default lets the old
 * generation reach up to 4 × 60 = 240 MB of mostly garbage before the next one (its factor
 * follows how fast the mutator allocates); with 20% the next one comes at 72 MB.
 */
import { setFlagsFromString } from 'node:v8';

/** Grow the old generation by 20% of the live size between full collections (V8: up to 300%). */
export const OPERATOR_V8_FLAGS = ['--heap-growing-percent=20'] as const;

export function applyOperatorV8Flags(): void {
  for (const flag of OPERATOR_V8_FLAGS) setFlagsFromString(flag);
}
