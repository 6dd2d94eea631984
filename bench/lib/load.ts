/**
 * Load generation for the benchmarks, on undici: a fixed-rate open-loop run (requests start on
 * schedule whatever the server does, so queueing shows up as latency) and a closed-loop
 * saturation run (N requests always in flight) for the highest throughput.
 */
import { type Dispatcher, Pool } from 'undici';
import { openLoop } from '../../cli/lib/stats.ts';

export interface RequestSpec {
  method: Dispatcher.HttpMethod;
  path: string;
  headers: Record<string, string>;
  body: string | null;
}

export interface FixedRateResult {
  sent: number;
  ok: number;
  errors: number;
  /** Latency of every 2xx answer, ms (performance.now: microsecond resolution). */
  latencies: number[];
}

async function once(pool: Pool, spec: RequestSpec): Promise<number> {
  const res = await pool.request({
    method: spec.method,
    path: spec.path,
    headers: spec.headers,
    body: spec.body,
  });
  await res.body.dump();
  return res.statusCode;
}

export async function fixedRate(
  origin: string,
  spec: RequestSpec,
  ratePerSec: number,
  durationMs: number,
): Promise<FixedRateResult> {
  const pool = new Pool(origin, { connections: 256, pipelining: 1 });
  const result: FixedRateResult = { sent: 0, ok: 0, errors: 0, latencies: [] };
  await openLoop(ratePerSec, durationMs, async () => {
    result.sent++;
    const t0 = performance.now();
    try {
      const status = await once(pool, spec);
      if (status < 300) {
        result.ok++;
        result.latencies.push(performance.now() - t0);
      } else result.errors++;
    } catch {
      result.errors++;
    }
  });
  await pool.close();
  return result;
}

/** Closed loop: `inFlight` requests at all times for `durationMs`; 2xx answers per second and in all. */
export async function saturate(
  origin: string,
  spec: RequestSpec,
  inFlight: number,
  durationMs: number,
): Promise<{ rps: number; ok: number; errors: number }> {
  const pool = new Pool(origin, { connections: inFlight, pipelining: 1 });
  let ok = 0;
  let errors = 0;
  const start = performance.now();
  const end = start + durationMs;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < end) {
        try {
          if ((await once(pool, spec)) < 300) ok++;
          else errors++;
        } catch {
          errors++;
        }
      }
    }),
  );
  const elapsed = performance.now() - start;
  await pool.close();
  return { rps: (ok * 1000) / elapsed, ok, errors };
}
