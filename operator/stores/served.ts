/**
 * The operator's side of the sidecars' acknowledgements (policy/wire.ts, docs/adr/0022): read
 * what the live sidecars serve for one tenant, open and close its acknowledgement window. Thin:
 * a script or two commands per call, decisions in reconcile/propagation.ts.
 */
import type { RedisKeys } from '../../policy/wire.ts';
import type { RedisClient } from '../../sidecar/config/redis-client.ts';
import { ACK_WINDOW_MS, type ServedSnapshot, SIDECAR_LIVE_MS } from '../reconcile/propagation.ts';

/*
 * On Redis Cluster the window set and the replica set are global keys ({~global}) and a
 * tenant's acknowledgements live in its own slot ({tenant}): no script may touch both
 * (CROSSSLOT). So a read is two calls sent together, and opening a window is two calls in order.
 */

/** KEYS: replicas, served-open; ARGV: tenant, live ms → [now, window, live[]]. */
const READ_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local live = redis.call('ZRANGEBYSCORE', KEYS[1], now - tonumber(ARGV[2]), '+inf')
local window = redis.call('ZSCORE', KEYS[2], ARGV[1])
return {tostring(now), window or '', live}
`;

/**
 * KEYS: served-open; ARGV: tenant, window ms. Called after the tenant's hash was emptied, so every
 * acknowledgement in the new window was written after the window opened, or for an older window
 * (a sidecar sees the new deadline and acknowledges again); drops windows closed over an hour ago.
 */
const OPEN_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 3600000)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
return now
`;

type ScriptRedis = RedisClient & {
  sluiceServedRead(
    replicas: string,
    open: string,
    tenantId: string,
    liveMs: number,
  ): Promise<[string, string, string[]]>;
  sluiceServedOpen(open: string, tenantId: string, windowMs: number): Promise<number>;
};

export class ServedStore {
  private readonly redis: ScriptRedis;
  private readonly keys: RedisKeys;

  constructor(redis: RedisClient, keys: RedisKeys) {
    this.redis = redis as ScriptRedis;
    this.keys = keys;
    if (!('sluiceServedRead' in redis)) {
      redis.defineCommand('sluiceServedRead', { numberOfKeys: 2, lua: READ_SCRIPT });
      redis.defineCommand('sluiceServedOpen', { numberOfKeys: 1, lua: OPEN_SCRIPT });
    }
  }

  async read(tenantId: string): Promise<ServedSnapshot> {
    const [[now, window, live], flat] = await Promise.all([
      this.redis.sluiceServedRead(this.keys.replicas, this.keys.servedOpen, tenantId, SIDECAR_LIVE_MS),
      this.redis.hgetall(this.keys.served(tenantId)),
    ]);
    return { nowMs: Number(now), windowUntilMs: window === '' ? null : Number(window), live, acks: flat };
  }

  /** Opens the window before the record is written, so no early acknowledgement is missed. */
  async open(tenantId: string): Promise<void> {
    await this.redis.del(this.keys.served(tenantId));
    await this.redis.sluiceServedOpen(this.keys.servedOpen, tenantId, ACK_WINDOW_MS);
  }

  async close(tenantId: string): Promise<void> {
    await this.redis.zrem(this.keys.servedOpen, tenantId);
  }
}
