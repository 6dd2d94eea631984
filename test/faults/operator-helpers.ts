/**
 * What the operator fault tests share: the sum of the usage counters on both sides of the
 * rollup (Redis hashes under a prefix, usage_daily rows in Postgres) and audit-row counts.
 */
import type { Redis } from 'ioredis';
import pg from 'pg';
import { redisKeys } from '../../policy/wire.ts';
import { until } from '../support/until.ts';

/** Sum of every usage hash field under `prefix` ({p}{tenant}:usage:{day}, policy/wire.ts). */
export async function redisUsageTotal(redis: Redis, prefix: string): Promise<number> {
  let total = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', redisKeys(prefix).usagePattern, 'COUNT', 500);
    cursor = next;
    for (const key of keys) for (const v of Object.values(await redis.hgetall(key))) total += Number(v);
  } while (cursor !== '0');
  return total;
}

export async function query<T = Record<string, unknown>>(url: string, sql: string, params: unknown[] = []) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql, params)).rows as T[];
  } finally {
    await c.end();
  }
}

export async function pgUsageTotal(url: string): Promise<number> {
  const rows = await query<{ total: string | null }>(
    url,
    'SELECT sum(value)::text AS total FROM usage_daily',
  );
  return Number(rows[0]?.total ?? 0);
}

/**
 * Waits (up to `ms`) until Postgres holds `expected` in usage_daily; the total it holds then,
 * so a fault test counts what was lost instead of stopping at the first shortfall.
 */
export async function rolledUpUsage(
  url: string,
  expected: number,
  ms = 30_000,
  everyMs = 300,
): Promise<number> {
  return until(
    async () => ((await pgUsageTotal(url)) === expected ? expected : null),
    'the usage rollup',
    ms,
    everyMs,
  ).catch(() => pgUsageTotal(url));
}

export async function auditActions(url: string, tenantId: string): Promise<string[]> {
  const rows = await query<{ action: string }>(
    url,
    'SELECT action FROM audit_log WHERE tenant_id = $1 ORDER BY seq',
    [tenantId],
  );
  return rows.map((r) => r.action);
}
