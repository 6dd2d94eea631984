/**
 * What this sidecar tells the operator and `kubectl sluice`, written with the replica heartbeat
 * (docs/adr/0022-served-acknowledgement.md). Three small writes, none on the request path:
 *
 *  1. Acknowledgements: for each tenant whose acknowledgement window is open ({p}{~global}:served-open,
 *     opened by the operator when it writes a new version), the version this sidecar serves and
 *     when it applied it, on the Redis clock: HSET {p}{tenant}:served <replica> "<version> <ms>".
 *     Only open tenants are acknowledged, so a sidecar start writes nothing for the thousands of
 *     tenants nobody is waiting on. A policy change triggers a flush 50 ms later, so the ack does
 *     not wait for the next heartbeat. An open tenant this sidecar does not hold (never served,
 *     or evicted from its bounded cache, docs/adr/0025) is acknowledged as NOT_HELD: it serves no
 *     old version and loads the current record at the tenant's first request, so the operator
 *     must not count it as behind. When it loads the tenant, it acknowledges the version.
 *  2. Replica info: {p}{~global}:replica-info:<replica> = {limiterMode, tenants, at}, expiring
 *     with the heartbeat, so a dead replica's entry disappears by itself.
 *  3. Activity: every ACTIVITY_FLUSH_MS, what the Prometheus counters gained since the last flush
 *     (requests, rejections, LLM tokens, LLM cost) per tenant, HINCRBY into the minute's hash
 *     {p}{~activity-<bucket>}:<epoch minute> (the tenant's bucket, policy/wire.ts).
 *     `kubectl sluice top` sums the last N minutes.
 *
 * The writes are separate commands sent together, not one MULTI or pipeline: on Redis Cluster
 * they go to different slots (tenant, global, activity), and the client's auto-pipelining
 * batches them per master (sidecar/config/redis-client.ts).
 *
 * Every failure is swallowed (and logged at debug): the report is for people, and a Redis
 * hiccup must never touch serving. The next beat repeats what is missing.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Counter } from 'prom-client';
import {
  ACTIVITY_TTL_SECONDS,
  type ActivityMetric,
  activityBucket,
  encodeServed,
  NOT_HELD,
  type RedisKeys,
  type ReplicaInfo,
} from '../../policy/wire.ts';
import type { PolicySet } from './policy-set.ts';

/** Acknowledgements are kept an hour; the operator reads them within seconds of a write. */
const SERVED_TTL_MS = 3_600_000;
/** An acknowledgement is repeated after this long even if nothing changed (an expired hash heals). */
const REACK_MS = 600_000;
/** Activity is flushed at most this often: one pipeline per flush, one field per busy tenant and metric. */
export const ACTIVITY_FLUSH_MS = 5_000;
const CHANGE_FLUSH_DELAY_MS = 50;

/** TIME in ms, then the tenants whose window is still open, each followed by its deadline. */
const OPEN_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local open = redis.call('ZRANGEBYSCORE', KEYS[1], now, '+inf', 'WITHSCORES')
table.insert(open, 1, tostring(now))
return open
`;

type ScriptRedis = Redis & { sluiceServedOpen(key: string): Promise<string[]> };

/** The Prometheus counters whose increase is activity, and how to read each. */
const COUNTERS: { name: string; metric: ActivityMetric; scale: number; match?: Record<string, string> }[] = [
  { name: 'sluice_requests_total', metric: 'requests', scale: 1 },
  { name: 'sluice_requests_total', metric: 'rejected', scale: 1, match: { outcome: 'rejected' } },
  { name: 'sluice_egress_tokens_total', metric: 'tokens', scale: 1 },
  { name: 'sluice_egress_cost_usd_total', metric: 'cost_micro_usd', scale: 1_000_000 },
  // Refusals a shadowed limit let pass (docs/adr/0027-shadow-mode.md), ingress and egress alike.
  { name: 'sluice_shadow_decisions_total', metric: 'shadow', scale: 1 },
];

export interface ServedReportOptions {
  client: Redis;
  keys: RedisKeys;
  policies: PolicySet;
  replicaId: string;
  /** Registry holding the ingress and egress counters. */
  registry: { getSingleMetric(name: string): unknown };
  limiterMode: () => string;
  /** Replica info expires after this (3 heartbeats, like the replica set). */
  ttlMs: number;
  /** Wall clock, ms. */
  now: () => number;
  log: Logger;
}

export class ServedReport {
  private readonly o: ServedReportOptions;
  private readonly redis: ScriptRedis;
  /** Tenant → version and local time it was applied (every change since start). */
  private readonly applied = new Map<string, { version: string; at: number }>();
  /** Tenant → what we last acknowledged (a version or NOT_HELD), in which window, and when (open tenants only). */
  private acked = new Map<string, { version: string; applied: number; window: string; at: number }>();
  /** Counter totals at the last activity flush, by "tenant|metric". */
  private lastTotals = new Map<string, number>();
  private lastActivityFlush = Number.NEGATIVE_INFINITY;
  private flushing: Promise<void> | null = null;
  private changeTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(options: ServedReportOptions) {
    this.o = options;
    this.redis = options.client as ScriptRedis;
    if (!('sluiceServedOpen' in options.client)) {
      options.client.defineCommand('sluiceServedOpen', { numberOfKeys: 1, lua: OPEN_SCRIPT });
    }
    // Registered before the first load, so the initial versions get their load time.
    options.policies.onChange((tenantId, record) => {
      if (record) this.applied.set(tenantId, { version: record.policy.version, at: this.o.now() });
      else this.applied.delete(tenantId);
      this.scheduleChangeFlush();
    });
    // Evicted from the bounded cache: an open window now hears "not held" from this replica.
    options.policies.onEvict((tenantId) => {
      this.applied.delete(tenantId);
      this.scheduleChangeFlush();
    });
  }

  /** Called from the heartbeat; never rejects. */
  beat(): Promise<void> {
    return this.flush(true);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.changeTimer);
    await this.flushing;
    if (this.o.client.status === 'ready') {
      await this.o.client.del(this.o.keys.replicaInfo(this.o.replicaId)).catch(() => undefined);
    }
  }

  private scheduleChangeFlush(): void {
    if (this.changeTimer || this.closed) return;
    this.changeTimer = setTimeout(() => {
      this.changeTimer = undefined;
      void this.flush(false);
    }, CHANGE_FLUSH_DELAY_MS);
    this.changeTimer.unref();
  }

  private flush(heartbeat: boolean): Promise<void> {
    if (this.flushing) {
      // One flush at a time; a change during a flush gets its own flush right after.
      if (!heartbeat) this.flushing.then(() => this.scheduleChangeFlush());
      return this.flushing;
    }
    this.flushing = this.doFlush(heartbeat)
      .catch((error: unknown) => this.o.log.debug({ err: error }, 'served report failed; next beat retries'))
      .finally(() => {
        this.flushing = null;
      });
    return this.flushing;
  }

  private async doFlush(heartbeat: boolean): Promise<void> {
    const { client, keys, policies, replicaId, now } = this.o;
    if (client.status !== 'ready' || this.closed) return;
    const [redisNowText, ...flat] = await this.redis.sluiceServedOpen(keys.servedOpen);
    const redisNow = Number(redisNowText);
    const localNow = now();
    const writes: Promise<unknown>[] = [];

    // 1. Acknowledgements for open windows.
    const acked = new Map<string, { version: string; applied: number; window: string; at: number }>();
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const tenantId = flat[i]!;
      // A new window (a new deadline) starts with an empty hash: acknowledge again.
      const window = flat[i + 1]!;
      // peek: an acknowledgement is not a use, it must not keep a tenant in the LRU.
      const record = policies.peek(tenantId);
      let version: string;
      let appliedLocal: number;
      if (record) {
        version = record.policy.version;
        let applied = this.applied.get(tenantId);
        if (applied?.version !== version) {
          applied = { version, at: localNow };
          this.applied.set(tenantId, applied);
        }
        appliedLocal = applied.at;
      } else {
        // Not held: the stamp is when we said so (the same entry is kept while it stays true).
        version = NOT_HELD;
        const prior = this.acked.get(tenantId);
        appliedLocal = prior?.version === NOT_HELD ? prior.applied : localNow;
      }
      const before = this.acked.get(tenantId);
      if (
        before &&
        before.version === version &&
        before.applied === appliedLocal &&
        before.window === window &&
        localNow - before.at < REACK_MS
      ) {
        acked.set(tenantId, before);
        continue;
      }
      const appliedAt = redisNow - Math.max(0, localNow - appliedLocal);
      writes.push(client.hset(keys.served(tenantId), replicaId, encodeServed(version, appliedAt)));
      writes.push(client.pexpire(keys.served(tenantId), SERVED_TTL_MS));
      acked.set(tenantId, { version, applied: appliedLocal, window, at: localNow });
    }
    this.acked = acked;

    if (heartbeat) {
      // 2. Replica info.
      const info: ReplicaInfo = { limiterMode: this.o.limiterMode(), tenants: policies.size(), at: redisNow };
      writes.push(client.set(keys.replicaInfo(replicaId), JSON.stringify(info), 'PX', this.o.ttlMs));
      // 3. Activity, at most every ACTIVITY_FLUSH_MS.
      if (localNow - this.lastActivityFlush >= ACTIVITY_FLUSH_MS) {
        const increments = await this.activityIncrements();
        this.lastActivityFlush = localNow;
        const minute = Math.floor(redisNow / 60_000);
        const touched = new Set<string>();
        for (const [field, by] of increments) {
          const key = keys.activity(minute, activityBucket(field.slice(0, field.lastIndexOf('|'))));
          writes.push(client.hincrby(key, field, by));
          touched.add(key);
        }
        for (const key of touched) writes.push(client.expire(key, ACTIVITY_TTL_SECONDS));
      }
    }
    // Every write is awaited, so one failure does not leave the others' rejections unhandled.
    const results = await Promise.allSettled(writes);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) {
      // Forget what was not confirmed: the next flush writes the acknowledgements again.
      this.acked = new Map();
      throw failed.reason;
    }
  }

  /** What each counter gained since the last flush, per "tenant|metric"; integers only. */
  private async activityIncrements(): Promise<[string, number][]> {
    const totals = new Map<string, number>();
    for (const c of COUNTERS) {
      const counter = this.o.registry.getSingleMetric(c.name) as Counter | undefined;
      if (!counter) continue;
      for (const { labels, value } of (await counter.get()).values) {
        const tenant = labels['tenant'];
        if (typeof tenant !== 'string' || tenant === '') continue;
        if (c.match && Object.entries(c.match).some(([k, v]) => labels[k] !== v)) continue;
        const field = `${tenant}|${c.metric}`;
        totals.set(field, (totals.get(field) ?? 0) + value * c.scale);
      }
    }
    const out: [string, number][] = [];
    for (const [field, total] of totals) {
      // Rounded cumulatively, so fractions of a micro-dollar are carried, not lost per flush.
      const delta = Math.round(total) - Math.round(this.lastTotals.get(field) ?? 0);
      // A counter that went down was reset (a new registry): its whole value is new.
      const by = delta >= 0 ? delta : Math.round(total);
      if (by > 0) out.push([field, by]);
    }
    this.lastTotals = totals;
    return out;
  }
}
