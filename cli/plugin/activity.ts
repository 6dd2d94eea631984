/**
 * Where `kubectl sluice top` reads what the sidecars counted, per tenant over the last N
 * minutes: the per-minute activity hashes the sidecars write to Redis
 * (sidecar/config/served-report.ts), or the same counters through the Prometheus HTTP API.
 *
 * The seam for more measures (docs/adr/0023; shadow decisions came this way): one entry in ACTIVITY_MEASURES
 * names the Redis metric and the PromQL for it; the table, sorting and JSON follow from it.
 */
import { SluiceError } from '../../policy/errors.ts';
import { ACTIVITY_BUCKETS, type ActivityMetric } from '../../policy/wire.ts';
import { type RedisView, redisNow } from './stores.ts';

export interface Measure {
  /** Key in TenantActivity and in --sort-by. */
  key: 'requests' | 'rejected' | 'tokens' | 'cost' | 'shadow';
  /** The sidecars' activity field (policy/wire.ts ACTIVITY_METRICS). */
  redisMetric: ActivityMetric;
  /** PromQL over the window `[${minutes}m]`, by tenant, in the same unit as the Redis metric. */
  promql: (minutes: number) => string;
}

export const ACTIVITY_MEASURES: readonly Measure[] = [
  {
    key: 'requests',
    redisMetric: 'requests',
    promql: (m) => `sum by (tenant) (increase(sluice_requests_total[${m}m]))`,
  },
  {
    key: 'rejected',
    redisMetric: 'rejected',
    promql: (m) => `sum by (tenant) (increase(sluice_requests_total{outcome="rejected"}[${m}m]))`,
  },
  {
    key: 'tokens',
    redisMetric: 'tokens',
    promql: (m) => `sum by (tenant) (increase(sluice_egress_tokens_total[${m}m]))`,
  },
  {
    key: 'cost',
    redisMetric: 'cost_micro_usd',
    promql: (m) => `sum by (tenant) (increase(sluice_egress_cost_usd_total[${m}m])) * 1000000`,
  },
  {
    // What shadowed limits would have refused (docs/adr/0027-shadow-mode.md).
    key: 'shadow',
    redisMetric: 'shadow',
    promql: (m) => `sum by (tenant) (increase(sluice_shadow_decisions_total[${m}m]))`,
  },
];

export type TenantActivity = { tenantId: string } & Record<Measure['key'], number>;

export interface ActivityWindow {
  rows: TenantActivity[];
  /** The span the counts cover, ms. */
  from: number;
  to: number;
  source: string;
}

function rowOf(tenants: Map<string, TenantActivity>, tenantId: string): TenantActivity {
  let row = tenants.get(tenantId);
  if (!row) {
    row = { tenantId, requests: 0, rejected: 0, tokens: 0, cost: 0, shadow: 0 };
    tenants.set(tenantId, row);
  }
  return row;
}

/** Sums the minute hashes from the minute N-1 minutes ago through the current (partial) one. */
export async function readRedisActivity(view: RedisView, minutes: number): Promise<ActivityWindow> {
  const now = await redisNow(view);
  const current = Math.floor(now / 60_000);
  // Every bucket of every minute (policy/wire.ts ACTIVITY_BUCKETS): a tenant is in one bucket.
  // Separate commands sent together, not one pipeline: on a cluster the buckets are on
  // different masters (the client batches per master).
  const reads: Promise<Record<string, string>>[] = [];
  for (let m = current - minutes + 1; m <= current; m++)
    for (let b = 0; b < ACTIVITY_BUCKETS; b++) reads.push(view.redis.hgetall(view.keys.activity(m, b)));
  const results = (await Promise.allSettled(reads)).map(
    (r) => [r.status === 'rejected' ? r.reason : null, r.status === 'fulfilled' ? r.value : {}] as const,
  );
  const byMetric = new Map(ACTIVITY_MEASURES.map((m) => [m.redisMetric as string, m.key]));
  const tenants = new Map<string, TenantActivity>();
  for (const [error, fields] of results) {
    if (error) throw error;
    for (const [field, raw] of Object.entries(fields as Record<string, string>)) {
      const bar = field.lastIndexOf('|');
      const key = byMetric.get(field.slice(bar + 1));
      const value = Number(raw);
      if (bar <= 0 || !key || !Number.isFinite(value)) continue;
      const tenantId = field.slice(0, bar);
      rowOf(tenants, tenantId)[key] += value;
    }
  }
  return {
    rows: [...tenants.values()],
    from: (current - minutes + 1) * 60_000,
    to: now,
    source: `Redis activity counters (${view.keys.activity(0, 0).replace(/-0\}:0$/, '-<bucket>}:<minute>')})`,
  };
}

interface PromResponse {
  status: string;
  error?: string;
  data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
}

export async function readPrometheusActivity(
  baseUrl: string,
  minutes: number,
  now: number,
): Promise<ActivityWindow> {
  const tenants = new Map<string, TenantActivity>();
  for (const measure of ACTIVITY_MEASURES) {
    const url = new URL('api/v1/query', baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
    url.searchParams.set('query', measure.promql(minutes));
    let body: PromResponse;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      body = (await response.json()) as PromResponse;
      if (!response.ok || body.status !== 'success') {
        throw new Error(`HTTP ${response.status}: ${body.error ?? 'query failed'}`);
      }
    } catch (error) {
      throw new SluiceError(
        'SLUICE_STORE_UNREACHABLE',
        `Prometheus at ${baseUrl}: ${(error as Error).message} (query ${measure.promql(minutes)})`,
        { cause: error },
      );
    }
    for (const sample of body.data?.result ?? []) {
      const tenantId = sample.metric['tenant'];
      const value = Number(sample.value[1]);
      if (!tenantId || !Number.isFinite(value)) continue;
      rowOf(tenants, tenantId)[measure.key] += Math.round(value);
    }
  }
  return {
    rows: [...tenants.values()],
    from: now - minutes * 60_000,
    to: now,
    source: `Prometheus ${baseUrl}`,
  };
}
