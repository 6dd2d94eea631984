/**
 * The tenant rate limiter the ingress calls: picks the store for the moment.
 *
 *  - file mode: the in-memory GCRA (one replica, the embedded default);
 *  - Redis mode: local deny cache first, then the global Redis script; while Redis is
 *    unreachable, the failure mode — local-share (the limit divided by the live replicas
 *    counted through Redis heartbeats while it was up), open or closed — shown in
 *    sluice_limiter_mode and a log line, and back to global once Redis is ready again.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { FailureMode } from '../config/settings.ts';
import type { SidecarMetrics } from '../metrics.ts';
import { localShare, type RateLimit } from './gcra.ts';
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

export interface LimiterOptions {
  now: () => number;
  log: Logger;
  metrics: SidecarMetrics;
  /** Absent in file mode. */
  redis?: { client: Redis; store: RedisRateStore; failureMode: FailureMode };
}

export class Limiter {
  private readonly options: LimiterOptions;
  private readonly local: LocalRateStore;
  private readonly denies: LocalDenyCache;
  private replicas = 1;
  private current: LimiterMode;

  constructor(options: LimiterOptions) {
    this.options = options;
    this.local = new LocalRateStore(options.now);
    this.denies = new LocalDenyCache(options.now);
    this.current = options.redis ? options.redis.failureMode : 'memory';
    if (options.redis) {
      const { client } = options.redis;
      client.on('ready', () => this.setMode('global', 'redis ready'));
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

  setLiveReplicas(n: number): void {
    this.replicas = Math.max(1, n);
    this.options.metrics.liveReplicas.set(this.replicas);
  }

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

  private async global(tenantId: string, rate: RateLimit): Promise<LimitDecision> {
    try {
      const d = await this.options.redis!.store.take(tenantId, rate);
      if (!d.allowed) this.denies.deny(tenantId, d.retryAfterMs);
      return d;
    } catch (error) {
      // A timeout or a broken connection: this request gets the failure mode. The mode itself
      // switches on the connection's close event, not on one slow command.
      this.options.log.warn(
        { err: error, tenant: tenantId },
        'redis rate-limit call failed; failure mode for this request',
      );
      return this.fallback(this.options.redis!.failureMode, tenantId, rate);
    }
  }

  private fallback(mode: LimiterMode, tenantId: string, rate: RateLimit): LimitDecision {
    if (mode === 'open') return OPEN;
    if (mode === 'closed') return CLOSED;
    return this.local.take(tenantId, localShare(rate, this.replicas));
  }

  private setMode(mode: LimiterMode, why: string): void {
    if (mode === this.current) return;
    const from = this.current;
    this.current = mode;
    // Fresh local state per degraded period: counts from before the outage do not carry over.
    if (mode !== 'global') this.local.clear();
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
