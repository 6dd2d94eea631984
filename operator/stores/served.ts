/**
 * The operator's side of the sidecars' acknowledgements (policy/wire.ts, docs/adr/0022): read
 * what the live sidecars serve for one tenant, open and close its acknowledgement window. Thin:
 * one script per call, decisions in reconcile/propagation.ts.
 */
import type { Redis } from 'ioredis';
import type { RedisKeys } from '../../policy/wire.ts';
import { ACK_WINDOW_MS, type ServedSnapshot, SIDECAR_LIVE_MS } from '../reconcile/propagation.ts';

/** KEYS: replicas, served:open, served:{tenant}; ARGV: tenant, live ms → [now, window, live[], acks[]]. */
const READ_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local live = redis.call('ZRANGEBYSCORE', KEYS[1], now - tonumber(ARGV[2]), '+inf')
local window = redis.call('ZSCORE', KEYS[2], ARGV[1])
return {tostring(now), window or '', live, redis.call('HGETALL', KEYS[3])}
`;

/**
 * KEYS: served:open, served:{tenant}; ARGV: tenant, window ms. A new window with an empty hash,
 * so every acknowledgement in it was written after this write (sidecars see the new deadline and
 * acknowledge again); drops windows closed over an hour ago.
 */
const OPEN_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 3600000)
redis.call('DEL', KEYS[2])
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
return now
`;

type ScriptRedis = Redis & {
  sluiceServedRead(
    replicas: string,
    open: string,
    served: string,
    tenantId: string,
    liveMs: number,
  ): Promise<[string, string, string[], string[]]>;
  sluiceServedOpen(open: string, served: string, tenantId: string, windowMs: number): Promise<number>;
};

export class ServedStore {
  private readonly redis: ScriptRedis;
  private readonly keys: RedisKeys;

  constructor(redis: Redis, keys: RedisKeys) {
    this.redis = redis as ScriptRedis;
    this.keys = keys;
    if (!('sluiceServedRead' in redis)) {
      redis.defineCommand('sluiceServedRead', { numberOfKeys: 3, lua: READ_SCRIPT });
      redis.defineCommand('sluiceServedOpen', { numberOfKeys: 2, lua: OPEN_SCRIPT });
    }
  }

  async read(tenantId: string): Promise<ServedSnapshot> {
    const [now, window, live, flat] = await this.redis.sluiceServedRead(
      this.keys.replicas,
      this.keys.servedOpen,
      this.keys.served(tenantId),
      tenantId,
      SIDECAR_LIVE_MS,
    );
    const acks: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) acks[flat[i]!] = flat[i + 1]!;
    return { nowMs: Number(now), windowUntilMs: window === '' ? null : Number(window), live, acks };
  }

  /** Opens the window before the record is written, so no early acknowledgement is missed. */
  async open(tenantId: string): Promise<void> {
    await this.redis.sluiceServedOpen(
      this.keys.servedOpen,
      this.keys.served(tenantId),
      tenantId,
      ACK_WINDOW_MS,
    );
  }

  async close(tenantId: string): Promise<void> {
    await this.redis.zrem(this.keys.servedOpen, tenantId);
  }
}
