/**
 * The global rate-limit store: one Lua script, one round trip, clock = Redis TIME (so replicas
 * with skewed clocks agree). Same GCRA as gcra.ts, including carrying the debt over in requests
 * when the interval changes. The replica heartbeat is a second small script.
 *
 * State per tenant: hash {p}rl:{tenant} with t (TAT, ms) and i (interval, ms), expiring once
 * the TAT has passed (an expired key equals a full bucket). ARGV: limit, windowMs, burst, cost,
 * force ('1': add cost without the check — a charge-back, or −1 to refund; gcra.ts charge()).
 * 0.01 is gcra.ts SLACK_MS. The reply ends with the Redis TIME the script used, as a string (Lua numbers reach the client
 * as integers): script-vs-pure.int.test.ts replays every step through gcra.ts at that instant.
 *
 * take() calls issued in the same turn of the event loop leave in one write: they are collected
 * until setImmediate and sent as one explicit pipeline (docs/adr/0031-lean-request-path.md). Each
 * call still gets its own reply or error, so the limiter decides each once (ADR 0015). Not
 * ioredis auto-pipelining: that keeps one pipeline in flight per connection, so under a slow
 * Redis a call waits for the previous batch's round trip before its own — past the deadline.
 */
import type { Redis } from 'ioredis';
import type { RateLimit } from './gcra.ts';
import type { LimitDecision, RateStore } from './store.ts';

export const GCRA_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
local force = ARGV[5] == '1'
local interval = window / limit
local tolerance = burst * interval
local s = redis.call('HMGET', KEYS[1], 't', 'i')
local tat = tonumber(s[1])
local iv = tonumber(s[2])
local base = now
if tat and tat > now then
  if iv and iv ~= interval then base = now + (tat - now) * interval / iv else base = tat end
end
local nxt = base + cost * interval
local at = string.format('%.17g', now)
if force then
  if nxt > now then
    redis.call('HSET', KEYS[1], 't', string.format('%.17g', nxt), 'i', string.format('%.17g', interval))
    redis.call('PEXPIRE', KEYS[1], math.ceil(nxt - now) + 1000)
  else
    redis.call('DEL', KEYS[1])
  end
  return {1, 0, 0, math.ceil(math.max(nxt, now) - now), at}
end
local allow_at = nxt - tolerance
if now < allow_at - 0.01 then
  return {0, 0, math.ceil(allow_at - now), math.ceil(base - now), at}
end
redis.call('HSET', KEYS[1], 't', string.format('%.17g', nxt), 'i', string.format('%.17g', interval))
redis.call('PEXPIRE', KEYS[1], math.ceil(nxt - now) + 1000)
local remaining = math.floor((now + tolerance - nxt) / interval + 1e-9)
if remaining < 0 then remaining = 0 end
local retry = 0
if remaining == 0 then retry = math.ceil(nxt + interval - tolerance - now) end
return {1, remaining, retry, math.ceil(nxt - now), at}
`;

export const HEARTBEAT_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
return redis.call('ZCARD', KEYS[1])
`;

type Reply = [number, number, number, number, string];

interface Pending {
  key: string;
  rate: RateLimit;
  resolve(reply: Reply): void;
  reject(error: unknown): void;
}

type ScriptRedis = Redis & {
  sluiceGcra(
    key: string,
    limit: number,
    windowMs: number,
    burst: number,
    cost: number,
    force: 0 | 1,
  ): Promise<[number, number, number, number, string]>;
  sluiceHeartbeat(key: string, id: string, ttlMs: number): Promise<number>;
};

export class RedisRateStore implements RateStore {
  private readonly redis: ScriptRedis;
  private readonly keyOf: (tenantId: string) => string;
  /** take() calls of this turn, sent together at setImmediate. */
  private batch: Pending[] = [];
  /**
   * A Cluster client batches by node itself (auto-pipelining, config/redis-client.ts), and an
   * explicit pipeline there must stay in one slot: only a single-node client batches here.
   */
  private readonly batching: boolean;

  constructor(redis: Redis, keyOf: (tenantId: string) => string) {
    this.redis = redis as ScriptRedis;
    this.keyOf = keyOf;
    this.batching = (redis as { isCluster?: boolean }).isCluster !== true;
    if (!('sluiceGcra' in redis)) {
      redis.defineCommand('sluiceGcra', { numberOfKeys: 1, lua: GCRA_SCRIPT });
      redis.defineCommand('sluiceHeartbeat', { numberOfKeys: 1, lua: HEARTBEAT_SCRIPT });
    }
  }

  async take(tenantId: string, rate: RateLimit): Promise<LimitDecision> {
    const key = this.keyOf(tenantId);
    const [allowed, remaining, retryAfterMs, resetMs] = this.batching
      ? await new Promise<Reply>((resolve, reject) => {
          if (this.batch.push({ key, rate, resolve, reject }) === 1) setImmediate(this.flush);
        })
      : await this.redis.sluiceGcra(key, rate.limit, rate.windowMs, Math.max(1, rate.burst), 1, 0);
    return { allowed: allowed === 1, remaining, retryAfterMs, resetMs };
  }

  /** Sends this turn's take() calls: one alone as it is, several as one pipeline (one write). */
  private readonly flush = (): void => {
    const batch = this.batch;
    this.batch = [];
    if (batch.length === 1) {
      const { key, rate, resolve, reject } = batch[0]!;
      this.redis
        .sluiceGcra(key, rate.limit, rate.windowMs, Math.max(1, rate.burst), 1, 0)
        .then(resolve, reject);
      return;
    }
    const pipeline = this.redis.pipeline() as ReturnType<Redis['pipeline']> & {
      sluiceGcra(...args: (string | number)[]): unknown;
    };
    for (const { key, rate } of batch)
      pipeline.sluiceGcra(key, rate.limit, rate.windowMs, Math.max(1, rate.burst), 1, 0);
    // Each call settles with its own reply or error (a pipeline never fails as a whole here,
    // but if it did, every call of it gets that error).
    pipeline.exec().then(
      (results) => {
        for (let i = 0; i < batch.length; i++) {
          const [error, reply] = results?.[i] ?? [new Error('no reply in the pipeline'), null];
          if (error) batch[i]!.reject(error);
          else batch[i]!.resolve(reply as Reply);
        }
      },
      (error: unknown) => {
        for (const call of batch) call.reject(error);
      },
    );
  };

  /**
   * Adds `cost` requests (fractional allowed; negative refunds) to the tenant's state without
   * checking the limit. Resolves with the milliseconds the TAT now lies ahead.
   */
  async charge(tenantId: string, rate: RateLimit, cost: number): Promise<number> {
    const reply = await this.redis.sluiceGcra(
      this.keyOf(tenantId),
      rate.limit,
      rate.windowMs,
      Math.max(1, rate.burst),
      cost,
      1,
    );
    return reply[3];
  }

  /** Marks this replica live and returns how many replicas are live (heartbeat within ttlMs). */
  async heartbeat(replicasKey: string, replicaId: string, ttlMs: number): Promise<number> {
    return Number(await this.redis.sluiceHeartbeat(replicasKey, replicaId, ttlMs));
  }

  async leave(replicasKey: string, replicaId: string): Promise<void> {
    await this.redis.zrem(replicasKey, replicaId);
  }
}
