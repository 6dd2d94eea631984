/**
 * The plugin's read-only connections to Redis (what the sidecars count), Postgres (usage rolled
 * up by the operator) and Prometheus. They are usually inside the cluster: reach them through
 * `kubectl port-forward` and give the URL by flag or environment (docs/operations.md).
 */
import { Redis } from 'ioredis';
import { SIDECAR_LIVE_MS } from '../../operator/reconcile/propagation.ts';
import type { EffectivePolicy } from '../../policy/effective.ts';
import { SluiceError } from '../../policy/errors.ts';
import {
  DEFAULT_KEY_PREFIX,
  type RedisKeys,
  type ReplicaInfo,
  redisKeys,
  USAGE_METRICS,
  type UsageMetric,
  usageDay,
} from '../../policy/wire.ts';
import { createRedisClient } from '../../sidecar/config/redis-client.ts';
import { budgetLimits } from '../../sidecar/egress/budget/budget.ts';
import type { FlagSpec } from './flags.ts';

export const REDIS_FLAGS: readonly FlagSpec[] = [
  {
    name: 'redis-url',
    type: 'string',
    placeholder: 'URL',
    env: ['SLUICE_REDIS_URL', 'REDIS_URL'],
    help: 'Redis the sidecars share (redis://host:6379, redis+cluster://h1:p1,h2:p2, redis+sentinel://h:p/name), e.g. through kubectl port-forward',
  },
  {
    name: 'redis-prefix',
    type: 'string',
    placeholder: 'PREFIX',
    env: ['SLUICE_REDIS_PREFIX'],
    default: DEFAULT_KEY_PREFIX,
    help: 'key prefix of the installation (the operator’s --redis-prefix)',
  },
];

export const DATABASE_FLAG: FlagSpec = {
  name: 'database-url',
  type: 'string',
  placeholder: 'URL',
  env: ['SLUICE_DATABASE_URL', 'DATABASE_URL'],
  help: "the operator's Postgres (postgres://user@host/db); a read-only user is enough",
};

export interface RedisView {
  redis: Redis;
  keys: RedisKeys;
  close(): void;
}

export async function connectRedis(url: string, prefix: string): Promise<RedisView> {
  // redis+cluster:// and redis+sentinel:// as the sidecars take them (docs/scale.md); the
  // plugin's reads are single-slot or one slot per command, so a Cluster client serves them.
  const redis = /^redis\+(cluster|sentinel):\/\//.test(url)
    ? (createRedisClient(url, {
        lazyConnect: true,
        noReconnect: true,
        commandTimeoutMs: 5_000,
        maxRetriesPerRequest: 1,
        failFast: true,
        connectionName: 'kubectl-sluice',
      }) as Redis) // a Cluster has the same command surface
    : new Redis(url, {
        lazyConnect: true,
        connectTimeout: 3_000,
        commandTimeout: 5_000,
        maxRetriesPerRequest: 1,
        enableOfflineQueue: false,
        retryStrategy: () => null,
        connectionName: 'kubectl-sluice',
      });
  // ioredis rejects connect() with "Connection is closed."; the cause is in the error event.
  let cause: Error | null = null;
  redis.on('error', (error: Error) => {
    cause ??= error;
  });
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw storeError('Redis', url, cause ?? error);
  }
  return { redis, keys: redisKeys(prefix), close: () => redis.disconnect() };
}

export function storeError(what: string, url: string, error: unknown): SluiceError {
  if (error instanceof SluiceError) return error;
  return new SluiceError(
    'SLUICE_STORE_UNREACHABLE',
    `${what} at ${redactUrl(url)}: ${((error as Error)?.message ?? String(error)).replace(/\.$/, '')}`,
    { cause: error },
  );
}

/** A URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

/** Redis TIME in ms: the clock the sidecars stamp with. */
export async function redisNow(view: RedisView): Promise<number> {
  const [s, us] = await view.redis.time();
  return Number(s) * 1000 + Math.floor(Number(us) / 1000);
}

export interface SidecarsView {
  live: number;
  /** limiter mode → replicas in it. */
  modes: Record<string, number>;
}

export async function sidecars(view: RedisView, now: number): Promise<SidecarsView> {
  const live = await view.redis.zrangebyscore(view.keys.replicas, now - SIDECAR_LIVE_MS, '+inf');
  const modes: Record<string, number> = {};
  if (live.length > 0) {
    const infos = await view.redis.mget(live.map((r) => view.keys.replicaInfo(r)));
    for (const text of infos) {
      let mode = 'unknown';
      try {
        if (text) mode = (JSON.parse(text) as ReplicaInfo).limiterMode || mode;
      } catch {}
      modes[mode] = (modes[mode] ?? 0) + 1;
    }
  }
  return { live: live.length, modes };
}

export interface TodayUsage {
  requests: number;
  tokens: number;
  costMicroUsd: number;
}

/** Today's (UTC) LLM usage of a tenant, from the egress counters. */
export async function usageToday(view: RedisView, tenantId: string, now: number): Promise<TodayUsage> {
  const fields = await view.redis.hgetall(view.keys.usage(usageDay(new Date(now)), tenantId));
  const sums: Record<UsageMetric, number> = {
    requests: 0,
    prompt_tokens: 0,
    completion_tokens: 0,
    cost_micro_usd: 0,
  };
  for (const [field, raw] of Object.entries(fields)) {
    const metric = field.slice(field.lastIndexOf('|') + 1) as UsageMetric;
    if (USAGE_METRICS.includes(metric) && Number.isFinite(Number(raw))) sums[metric] += Number(raw);
  }
  return {
    requests: sums.requests,
    tokens: sums.prompt_tokens + sums.completion_tokens,
    costMicroUsd: sums.cost_micro_usd,
  };
}

export interface BudgetUse {
  tokens: { used: number; limit: number; period: string };
  cost: { usedMicroUsd: number; limitMicroUsd: number; period: string };
}

/** The budget counters the egress charges (reservations included), for the current period. */
export async function budgetUse(view: RedisView, policy: EffectivePolicy, now: number): Promise<BudgetUse> {
  const limits = budgetLimits(policy, now);
  const [t, c] = await view.redis.mget(
    view.keys.budget(policy.tenantId, limits.tokens.key),
    view.keys.budget(policy.tenantId, limits.cost.key),
  );
  return {
    tokens: { used: Number(t ?? 0), limit: limits.tokens.limit, period: limits.tokens.period },
    cost: {
      usedMicroUsd: Number(c ?? 0),
      limitMicroUsd: limits.cost.limitMicroUsd,
      period: limits.cost.period,
    },
  };
}
