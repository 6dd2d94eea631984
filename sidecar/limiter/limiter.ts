/**
 * The tenant rate limiter the ingress calls: picks the store for the moment.
 *
 *  - file mode: the in-memory GCRA (one replica, the embedded default);
 *  - Redis mode: local deny cache first, then the global Redis script; while Redis is
 *    unreachable, the failure mode — local-share (the limit divided by the live replicas
 *    counted through Redis heartbeats while it was up), open or closed — shown in
 *    sluice_limiter_mode and a log line, and back to global once Redis is ready again.
 *
 * Exact under pressure (docs/adr/0015-exact-under-pressure.md): a request is decided once.
 *  - The Redis answer is the decision, however late it comes. `deadlineMs` bounds how long the
 *    client waits for it: past the deadline the request is refused with Retry-After 1 s, and an
 *    admission that arrives later is refunded in Redis (nobody was admitted for it).
 *  - A call whose outcome cannot be known (sent, then the connection closed) is refused the same
 *    way: the script may have counted it, so the local share must not admit it a second time.
 *    A call Redis never ran (refused unsent, or answered with an error) gets the failure mode.
 *  - Entering local-share, each tenant starts from this replica's share of the last global state
 *    it heard (global-shadow.ts), not from a full burst.
 *  - Back in global mode, what the replica admitted alone (its local debt beyond that seed) is
 *    charged to Redis before any new request is decided there, on the same connection.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { FailureMode } from '../config/settings.ts';
import type { SidecarMetrics } from '../metrics.ts';
import { localShare, type RateLimit, shareOf } from './gcra.ts';
import { GlobalShadow } from './global-shadow.ts';
import { LocalDenyCache } from './local-deny-cache.ts';
import { LocalRateStore } from './local-store.ts';
import type { RedisRateStore } from './redis-store.ts';
import type { LimitDecision } from './store.ts';

export type LimiterMode = 'memory' | 'global' | FailureMode;

const OPEN: LimitDecision = Object.freeze({ allowed: true, remaining: 0, retryAfterMs: 0, resetMs: 0 });
// Closed mode cannot prove the tenant is under its limit; ask to retry in a second.
const CLOSED: LimitDecision = Object.freeze({
  allowed: false,
  remaining: 0,
  retryAfterMs: 1_000,
  resetMs: 1_000,
});
/** The answer when Redis's decision is not known in time (or ever): refuse, retry soon. */
const UNDECIDED = CLOSED;

export interface LimiterOptions {
  now: () => number;
  log: Logger;
  metrics: SidecarMetrics;
  /** Absent in file mode. */
  redis?: {
    client: Redis;
    store: RedisRateStore;
    failureMode: FailureMode;
    /** Longest a request waits for its Redis answer, ms (--redis-command-timeout-ms). */
    deadlineMs: number;
  };
  /**
   * How long a live-replica count is remembered, ms: the local share divides by the largest count
   * heard in this window (default 30 s; main.ts: 10 heartbeats).
   */
  replicaWindowMs?: number;
}

export class Limiter {
  private readonly options: LimiterOptions;
  private readonly local: LocalRateStore;
  private readonly denies: LocalDenyCache;
  private readonly shadow: GlobalShadow;
  private replicas = 1;
  private current: LimiterMode;

  constructor(options: LimiterOptions) {
    this.options = options;
    this.local = new LocalRateStore(options.now);
    this.denies = new LocalDenyCache(options.now);
    this.shadow = new GlobalShadow(options.now);
    this.current = options.redis ? options.redis.failureMode : 'memory';
    if (options.redis) {
      const { client } = options.redis;
      client.on('ready', () => {
        // Charges go out first on this connection, so Redis has them before any new decision.
        this.chargeBack();
        this.setMode('global', 'redis ready');
      });
      client.on('close', () => this.setMode(options.redis!.failureMode, 'redis connection lost'));
      if (client.status === 'ready') this.current = 'global';
    }
    options.metrics.mode(this.current);
  }

  mode(): LimiterMode {
    return this.current;
  }

  /** Live replicas last counted through the heartbeat (1 when unknown). */
  liveReplicas(): number {
    return this.replicas;
  }

  /**
   * Records a heartbeat count. The share divides by the largest count heard in the last
   * replicaWindowMs: a replica whose heartbeat came late on a busy machine drops out of one count
   * for a moment, and dividing by that dip would hand each replica too big a share if Redis went
   * away right then (seen: 24 of a burst of 20 with 200 ms heartbeats beside busy processes). A
   * replica that really left only makes the shares smaller for that window: the safe side.
   */
  setLiveReplicas(n: number): void {
    const now = this.options.now();
    const windowMs = this.options.replicaWindowMs ?? 30_000;
    this.counts.push([now, Math.max(1, n)]);
    while (this.counts.length > 1 && this.counts[0]![0] < now - windowMs) this.counts.shift();
    this.replicas = Math.max(...this.counts.map(([, c]) => c));
    this.options.metrics.liveReplicas.set(this.replicas);
  }

  private readonly counts: [at: number, count: number][] = [];

  /** A tenant's policy changed: its cached denial may no longer hold (e.g. an override). */
  forget(tenantId: string): void {
    this.denies.forget(tenantId);
  }

  /** Sync when answered locally (memory, deny cache, failure modes); a promise on a Redis call. */
  take(tenantId: string, rate: RateLimit): LimitDecision | Promise<LimitDecision> {
    const mode = this.current;
    if (mode === 'memory') return this.local.take(tenantId, rate);
    if (mode === 'global') {
      const denied = this.denies.check(tenantId);
      if (denied > 0) {
        this.options.metrics.denyCacheHits.inc();
        return { allowed: false, remaining: 0, retryAfterMs: Math.ceil(denied), resetMs: Math.ceil(denied) };
      }
      return this.global(tenantId, rate);
    }
    return this.fallback(mode, tenantId, rate);
  }

  private global(tenantId: string, rate: RateLimit): Promise<LimitDecision> {
    const { store, deadlineMs, failureMode } = this.options.redis!;
    const events = this.options.metrics.limiterEvents;
    const sentAt = this.options.now();
    return new Promise((resolve) => {
      let answered = false;
      const timer = setTimeout(() => {
        answered = true;
        events.inc({ event: 'deadline' });
        resolve(UNDECIDED);
      }, deadlineMs);
      store.take(tenantId, rate).then(
        (d) => {
          this.shadow.heard(tenantId, rate, d.resetMs);
          if (answered) {
            // The client was already refused: an admission here admitted nobody, so give it back.
            if (d.allowed) this.refund(tenantId, rate);
            return;
          }
          answered = true;
          clearTimeout(timer);
          if (!d.allowed) this.denies.deny(tenantId, d.retryAfterMs, sentAt);
          resolve(d);
        },
        (error: unknown) => {
          if (answered) return;
          answered = true;
          clearTimeout(timer);
          if (neverRan(error)) {
            // Redis did not run the script: the failure mode decides this one request.
            resolve(this.fallback(failureMode, tenantId, rate));
            return;
          }
          // Sent, and then the connection went: Redis may have counted it. Deciding it again
          // locally could admit it on top of Redis's count, so it is refused (retry in 1 s).
          events.inc({ event: 'unknown' });
          this.options.log.warn(
            { err: error, tenant: tenantId },
            'redis rate-limit call lost in flight; refused with Retry-After 1 s',
          );
          resolve(UNDECIDED);
        },
      );
    });
  }

  private refund(tenantId: string, rate: RateLimit): void {
    this.options.metrics.limiterEvents.inc({ event: 'refund' });
    this.options.redis!.store.charge(tenantId, rate, -1).catch(() => {
      // Lost with the connection: Redis keeps one admission nobody got (never one too many).
    });
  }

  private fallback(mode: LimiterMode, tenantId: string, rate: RateLimit): LimitDecision {
    if (mode === 'open') return OPEN;
    if (mode === 'closed') return CLOSED;
    return this.local.take(tenantId, localShare(rate, this.replicas), rate);
  }

  /** Starts the local share from this replica's part of the last global state it heard. */
  private seed(): void {
    let seeded = 0;
    for (const [tenantId, state, rate] of this.shadow.ahead()) {
      this.local.seed(tenantId, shareOf(state, this.replicas), rate);
      seeded++;
    }
    if (seeded > 0) this.options.metrics.limiterEvents.inc({ event: 'seed' }, seeded);
  }

  /**
   * Charges Redis with what this replica admitted alone: each tenant's local debt beyond its
   * seed (the seed's part is the global state Redis still has), in requests. Worked example:
   * 1,000 per hour, burst 20, 2 replicas, Redis restarted empty; a replica admitted its 10 alone
   * (local interval 7.2 s, TAT 72 s ahead) 2 s ago: it owes 70 / 7.2 = 9.7 requests, charged at
   * the global interval (3.6 s) — so Redis does not hand out a fresh burst of 20 on return.
   */
  private chargeBack(): void {
    if (this.current !== 'local-share') return;
    const now = this.options.now();
    const { store } = this.options.redis!;
    let charged = 0;
    for (const { key, state, rate, seedTat } of this.local.owing()) {
      const owedMs = state.tat - Math.max(now, seedTat ?? now);
      if (owedMs <= 0) continue;
      // One request admitted locally is one request in Redis, at the global rate (`rate`).
      store.charge(key, rate, owedMs / state.interval).catch(() => {
        // The connection went again: the next return charges what is still owed then.
      });
      charged++;
    }
    if (charged > 0) this.options.metrics.limiterEvents.inc({ event: 'charge-back' }, charged);
  }

  private setMode(mode: LimiterMode, why: string): void {
    if (mode === this.current) return;
    const from = this.current;
    this.current = mode;
    // Fresh local state per degraded period, started from the last global state (seed()).
    if (mode !== 'global') {
      this.local.clear();
      if (mode === 'local-share') this.seed();
    }
    this.denies.clear();
    this.options.metrics.mode(mode);
    const level = mode === 'global' ? 'info' : 'warn';
    this.options.log[level](
      { from, to: mode, liveReplicas: this.replicas },
      mode === 'global'
        ? `rate limiter back to global mode (${why})`
        : `rate limiter in ${mode} mode (${why}): limits are now enforced per replica at limit / ${this.replicas}`,
    );
  }
}

/** ioredis refused the command before writing it, or Redis answered it with an error. */
function neverRan(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'ReplyError') return true;
  return /enableOfflineQueue|Stream isn't writeable/i.test(error.message);
}
