/**
 * Redis budget store: one Lua script for check-and-reserve (one round trip, atomic across all
 * replicas), one pipeline for reconcile + usage counters. Keys per policy/wire.ts:
 *   {p}budget:{tenant}:tokens:{periodKey}   string  tokens reserved + charged this period
 *   {p}budget:{tenant}:cost:{periodKey}     string  micro-USD reserved + charged this period
 *   {p}usage:{day}:{tenant}                 hash    usage fields, HINCRBY, EXPIRE 8 days
 */
import type { Redis } from 'ioredis';
import { redisKeys } from '../../../policy/wire.ts';
import type { Exhausted } from './budget.ts';
import type { BudgetStore, ReserveRequest, ReserveResult, SettleRequest } from './store.ts';

// KEYS[1] tokens counter, KEYS[2] cost counter
// ARGV: reserveTokens, reserveCost, tokenLimit, costLimit, tokensTtl, costTtl, force (0|1)
// Mirrors budget.ts admits(): used + reservation ≤ limit for both, else nothing is written.
const RESERVE_SCRIPT = `
local t = tonumber(redis.call('GET', KEYS[1]) or '0')
local c = tonumber(redis.call('GET', KEYS[2]) or '0')
local rt = tonumber(ARGV[1])
local rc = tonumber(ARGV[2])
if ARGV[7] ~= '1' then
  if t + rt > tonumber(ARGV[3]) then return {0, 1, t, c} end
  if c + rc > tonumber(ARGV[4]) then return {0, 2, t, c} end
end
redis.call('INCRBY', KEYS[1], rt)
redis.call('INCRBY', KEYS[2], rc)
redis.call('EXPIRE', KEYS[1], ARGV[5])
redis.call('EXPIRE', KEYS[2], ARGV[6])
return {1, 0, t, c}
`;

type ReserveFn = (
  tokensKey: string,
  costKey: string,
  ...args: (string | number)[]
) => Promise<[number, number, number, number]>;

export class RedisBudgetStore implements BudgetStore {
  readonly mode = 'redis' as const;
  private readonly redis: Redis;
  private readonly keys: ReturnType<typeof redisKeys>;

  constructor(redis: Redis, prefix: string) {
    this.redis = redis;
    this.keys = redisKeys(prefix);
    if (!(this.redis as unknown as { sluiceBudgetReserve?: ReserveFn }).sluiceBudgetReserve) {
      // defineCommand sends EVALSHA and falls back to EVAL once per connection: one round trip.
      this.redis.defineCommand('sluiceBudgetReserve', { numberOfKeys: 2, lua: RESERVE_SCRIPT });
    }
  }

  async reserve({ tenantId, limits, amount, force }: ReserveRequest): Promise<ReserveResult> {
    const reserve = (this.redis as unknown as { sluiceBudgetReserve: ReserveFn }).sluiceBudgetReserve.bind(
      this.redis,
    );
    const [ok, which, t, c] = await reserve(
      this.keys.budget(tenantId, limits.tokens.key),
      this.keys.budget(tenantId, limits.cost.key),
      amount.tokens,
      amount.costMicroUsd,
      limits.tokens.limit,
      limits.cost.limitMicroUsd,
      limits.tokens.ttlSeconds,
      limits.cost.ttlSeconds,
      force ? 1 : 0,
    );
    const used = { tokens: Number(t), costMicroUsd: Number(c) };
    if (ok === 1) return { ok: true, used };
    const exhausted: Exhausted = which === 1 ? 'tokens' : 'cost';
    return { ok: false, exhausted, used };
  }

  async settle({ tenantId, limits, delta, usage }: SettleRequest): Promise<void> {
    const pipeline = this.redis.pipeline();
    if (delta.tokens !== 0) pipeline.incrby(this.keys.budget(tenantId, limits.tokens.key), delta.tokens);
    if (delta.costMicroUsd !== 0)
      pipeline.incrby(this.keys.budget(tenantId, limits.cost.key), delta.costMicroUsd);
    if (usage) {
      for (const [field, by] of usage.fields) pipeline.hincrby(usage.key, field, by);
      pipeline.expire(usage.key, usage.ttlSeconds);
    }
    if (pipeline.length === 0) return;
    const results = await pipeline.exec();
    const failed = results?.find(([error]) => error);
    if (failed) throw failed[0];
  }

  /** Current counters (tests, diagnostics). */
  async used(
    tenantId: string,
    limits: ReserveRequest['limits'],
  ): Promise<{ tokens: number; costMicroUsd: number }> {
    const [t, c] = await this.redis.mget(
      this.keys.budget(tenantId, limits.tokens.key),
      this.keys.budget(tenantId, limits.cost.key),
    );
    return { tokens: Number(t ?? 0), costMicroUsd: Number(c ?? 0) };
  }
}
