/**
 * Turns recorded samples into the figures of the Noisy Neighbor Impact Analysis. Pure: samples
 * and prices in, numbers out.
 */
import { quantile } from '../lib/stats.ts';
import type { Sample } from './load.ts';

export interface TenantFigures {
  tenant: string;
  sent: number;
  ok: number;
  rateLimited: number;
  /** 403 suspended, 503 queue, 5xx, timeouts: every other non-2xx. */
  failed: number;
  timedOut: number;
  capped: number;
  p50Ms: number;
  p95Ms: number;
}

export interface PhaseFigures {
  name: string;
  durationMs: number;
  tenants: TenantFigures[];
  /** p95 over every request of the tenants other than the heavy one. */
  othersP95Ms: number;
  /** Share of the other tenants' requests that did not succeed. */
  othersErrorRate: number;
}

export function tenantFigures(tenant: string, samples: Sample[]): TenantFigures {
  const mine = samples.filter((s) => s.tenant === tenant);
  const latencies = mine.map((s) => s.latencyMs);
  return {
    tenant,
    sent: mine.length,
    ok: mine.filter((s) => s.status >= 200 && s.status < 300).length,
    rateLimited: mine.filter((s) => s.status === 429).length,
    failed: mine.filter((s) => s.status !== 429 && (s.status < 200 || s.status >= 300)).length,
    timedOut: mine.filter((s) => s.status === 0).length,
    capped: mine.filter((s) => s.capped !== null).length,
    p50Ms: round(quantile(latencies, 0.5)),
    p95Ms: round(quantile(latencies, 0.95)),
  };
}

export function phaseFigures(
  name: string,
  durationMs: number,
  samples: Sample[],
  tenants: string[],
  heavy: string,
): PhaseFigures {
  const others = samples.filter((s) => s.tenant !== heavy);
  const failed = others.filter((s) => s.status < 200 || s.status >= 300).length;
  return {
    name,
    durationMs,
    tenants: tenants.map((t) => tenantFigures(t, samples)),
    othersP95Ms: round(
      quantile(
        others.map((s) => s.latencyMs),
        0.95,
      ),
    ),
    othersErrorRate: others.length ? round(failed / others.length, 4) : 0,
  };
}

/** p95 of each tenant per time bucket: the "latency over time" lines. */
export function latencySeries(
  samples: Sample[],
  tenants: string[],
  bucketMs: number,
  durationMs: number,
): { tenant: string; points: { tMs: number; p95Ms: number }[] }[] {
  const buckets = Math.max(1, Math.ceil(durationMs / bucketMs));
  return tenants.map((tenant) => {
    const byBucket: number[][] = Array.from({ length: buckets }, () => []);
    for (const s of samples) {
      if (s.tenant !== tenant) continue;
      byBucket[Math.min(buckets - 1, Math.floor(s.at / bucketMs))]!.push(s.latencyMs);
    }
    const points = byBucket.flatMap((values, i) =>
      values.length ? [{ tMs: (i + 0.5) * bucketMs, p95Ms: round(quantile(values, 0.95)) }] : [],
    );
    return { tenant, points };
  });
}

/** The first tested rate at which the other tenants' p95 passed the SLO, or null. */
export function breakingPoint(
  steps: { rps: number; othersP95Ms: number }[],
  sloP95Ms: number,
): number | null {
  return steps.find((s) => s.othersP95Ms > sloP95Ms)?.rps ?? null;
}

export interface CostFigures {
  tokensPerRequest: number;
  usdPerRequest: number;
  /** One hour of the heavy tenant at its rate, every request served (no Sluice). */
  usdPerHourWithout: number;
  usdPerMonthWithout: number;
  /** The same hour with Sluice: only what its policy admits. */
  usdPerHourWith: number;
  usdPerMonthWith: number;
}

const HOURS_PER_MONTH = 730;

export function costFigures(input: {
  promptTokens: number;
  completionTokens: number;
  requests: number;
  inputPricePer1k: number;
  outputPricePer1k: number;
  heavyRps: number;
  admittedPerHourWith: number;
}): CostFigures {
  const n = Math.max(1, input.requests);
  const prompt = input.promptTokens / n;
  const completion = input.completionTokens / n;
  const usdPerRequest = (prompt * input.inputPricePer1k + completion * input.outputPricePer1k) / 1000;
  const perHourWithout = usdPerRequest * input.heavyRps * 3600;
  const perHourWith = usdPerRequest * Math.min(input.admittedPerHourWith, input.heavyRps * 3600);
  return {
    tokensPerRequest: round(prompt + completion, 1),
    usdPerRequest: round(usdPerRequest, 6),
    usdPerHourWithout: round(perHourWithout, 2),
    usdPerMonthWithout: round(perHourWithout * HOURS_PER_MONTH, 2),
    usdPerHourWith: round(perHourWith, 2),
    usdPerMonthWith: round(perHourWith * HOURS_PER_MONTH, 2),
  };
}

function round(value: number, digits = 1): number {
  if (!Number.isFinite(value)) return 0;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
