/** Small helpers shared by the benchmarks and the demo: percentiles and open-loop pacing. */

/** The q-quantile (0..1) of `values` (nearest rank); NaN when empty. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index]!;
}

/** Rounds to microseconds (3 decimals of a millisecond). */
export function ms3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/**
 * Open-loop pacing: calls `fire(i)` at start + i / ratePerSec, never waiting for answers (a
 * closed loop would slow down with the server and hide its latency). Resolves after `durationMs`
 * once every fired promise settled.
 */
export async function openLoop(
  ratePerSec: number,
  durationMs: number,
  fire: (i: number) => Promise<unknown>,
): Promise<number> {
  const start = performance.now();
  const total = Math.floor((ratePerSec * durationMs) / 1000);
  const pending: Promise<unknown>[] = [];
  let i = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - start) * ratePerSec) / 1000) + 1);
      while (i < due) pending.push(fire(i++).catch(() => {}));
      if (i >= total) return resolve();
      const next = start + (i * 1000) / ratePerSec;
      setTimeout(tick, Math.max(0, next - performance.now()));
    };
    tick();
  });
  await Promise.all(pending);
  return i;
}
