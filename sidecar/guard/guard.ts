/**
 * The optional external guard: a model-based classifier a tenant runs behind an HTTP endpoint
 * (spec.screening.guard), asked only about the queries the local layers are unsure of.
 *
 *   local screen ──allow + unsure──► Guard.check ──► cache hit? ──► verdict
 *                                        │               no
 *                                        ├─ breaker open? ──► onError verdict (no call)
 *                                        └─ POST (deadline timeoutMs) ──► verdict, cached
 *                                                 └─ failure ──► onError verdict (not cached)
 *
 * - Asked only when `shouldAskGuard(result)`: the local verdict is "allow" and `unsure` (a score
 *   in the unsure band, or a phrase match deferred as reported speech). Rejections are never
 *   second-guessed and clearly benign traffic never pays the round trip.
 * - Failures (timeout, connection, non-2xx, an answer without a verdict) give the policy's
 *   `onError`: "open" admits, "closed" rejects. They are not cached.
 * - A breaker (the egress's CircuitBreaker: 5 failures in a row open it for 30 s, then one
 *   probe) stops a dead guard from adding its timeout to every unsure query.
 * - Identical texts asked at the same time share one request.
 *
 * Wiring (the ingress screening hook): after `screener.screen(query)`, if shouldAskGuard(result)
 * and policy.screening.guard, `await guardFor(policy.screening.guard).check(query, tenantId)` and
 * treat verdict "reject" like a local rejection (rule "external_guard"). Nothing here logs the
 * text.
 */

import { createHash } from 'node:crypto';
import { CircuitBreaker } from '../egress/breaker.ts';
import { GuardFailure, type GuardTransport, httpTransport } from './transport.ts';
import { type GuardVerdict, VerdictCache } from './verdict-cache.ts';

export interface GuardSettings {
  readonly url: string;
  /** Deadline for one question, ms. */
  readonly timeoutMs: number;
  /** What a failure means: "open" admits, "closed" rejects. */
  readonly onError: 'open' | 'closed';
  /** How long a verdict for the same text is reused, ms; 0 disables the cache. */
  readonly cacheTtlMs: number;
}

/** Where a verdict came from: the guard, the cache, or the policy's onError (and why). */
export type GuardSource = 'guard' | 'cache' | 'timeout' | 'connection' | 'status' | 'invalid' | 'breaker';

export interface GuardOutcome {
  readonly verdict: GuardVerdict;
  readonly source: GuardSource;
  /** Time spent waiting for this outcome, ms (0 from the cache). */
  readonly latencyMs: number;
}

export interface GuardOptions {
  /** Monotonic clock, ms (default performance.now). */
  readonly now?: () => number;
  /** The wire (default HTTP POST to settings.url). */
  readonly transport?: GuardTransport;
  /** Cached verdicts kept at most (default 10,000). */
  readonly cacheEntries?: number;
  /** Breaker: consecutive failures that open it, and how long it stays open (defaults 5, 30 s). */
  readonly failureThreshold?: number;
  readonly cooldownMs?: number;
}

const DEFAULT_CACHE_ENTRIES = 10_000;

/** Whether the local result leaves the question open enough to ask the guard. */
export function shouldAskGuard(result: { readonly verdict: string; readonly unsure: boolean }): boolean {
  return result.verdict === 'allow' && result.unsure;
}

function digest(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('base64url');
}

export class Guard {
  readonly settings: GuardSettings;
  private readonly now: () => number;
  private readonly transport: GuardTransport;
  private readonly closeTransport: () => Promise<void>;
  private readonly cache: VerdictCache;
  private readonly breaker: CircuitBreaker;
  private readonly inFlight = new Map<string, Promise<GuardOutcome>>();

  constructor(settings: GuardSettings, options: GuardOptions = {}) {
    if (!(settings.timeoutMs > 0))
      throw new RangeError(`guard timeoutMs must be > 0, got ${settings.timeoutMs}`);
    if (!(settings.cacheTtlMs >= 0))
      throw new RangeError(`guard cacheTtlMs must be >= 0, got ${settings.cacheTtlMs}`);
    this.settings = settings;
    this.now = options.now ?? (() => performance.now());
    if (options.transport) {
      this.transport = options.transport;
      this.closeTransport = async () => {};
    } else {
      const http = httpTransport(settings.url);
      this.transport = http.send;
      this.closeTransport = http.close;
    }
    this.cache = new VerdictCache(options.cacheEntries ?? DEFAULT_CACHE_ENTRIES);
    const cooldownMs = options.cooldownMs ?? 30_000;
    this.breaker = new CircuitBreaker({
      failureThreshold: options.failureThreshold ?? 5,
      cooldownMs,
      maxCooldownMs: cooldownMs,
    });
  }

  /**
   * The guard's verdict on `text` for `tenant`; never rejects (failures become onError) and never
   * takes longer than timeoutMs plus scheduling.
   */
  check(text: string, tenant: string): Promise<GuardOutcome> {
    const key = digest(text);
    const cached = this.cache.get(key, this.now());
    if (cached !== undefined) return Promise.resolve({ verdict: cached, source: 'cache', latencyMs: 0 });
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const asked = this.ask(key, text, tenant).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, asked);
    return asked;
  }

  private async ask(key: string, text: string, tenant: string): Promise<GuardOutcome> {
    const started = this.now();
    if (!this.breaker.tryAcquire(started)) return this.fallback('breaker', started);
    // One deadline for the whole exchange (connect, headers and body); it also stops a guard that
    // dribbles its answer.
    const deadline = AbortSignal.timeout(this.settings.timeoutMs);
    try {
      const verdict = await this.transport({ text, tenant }, deadline);
      this.breaker.onSuccess();
      this.cache.set(key, verdict, this.now(), this.settings.cacheTtlMs);
      return { verdict, source: 'guard', latencyMs: this.now() - started };
    } catch (error) {
      this.breaker.onFailure(this.now());
      const kind = error instanceof GuardFailure ? error.kind : deadline.aborted ? 'timeout' : 'connection';
      return this.fallback(kind, started);
    }
  }

  private fallback(source: GuardSource, started: number): GuardOutcome {
    return {
      verdict: this.settings.onError === 'open' ? 'allow' : 'reject',
      source,
      latencyMs: this.now() - started,
    };
  }

  /** Close the connection pool. */
  close(): Promise<void> {
    return this.closeTransport();
  }
}

/** One Guard per distinct settings, created on first use (a policy update with new settings gets a new one). */
export class GuardRegistry {
  private readonly guards = new Map<string, Guard>();
  private readonly options: GuardOptions;
  private readonly maxGuards: number;

  constructor(options: GuardOptions = {}, maxGuards = 256) {
    this.options = options;
    this.maxGuards = maxGuards;
  }

  guardFor(settings: GuardSettings): Guard {
    const key = JSON.stringify([settings.url, settings.timeoutMs, settings.onError, settings.cacheTtlMs]);
    let guard = this.guards.get(key);
    if (!guard) {
      if (this.guards.size >= this.maxGuards) {
        const oldest = this.guards.keys().next().value!;
        void this.guards.get(oldest)!.close();
        this.guards.delete(oldest);
      }
      guard = new Guard(settings, this.options);
      this.guards.set(key, guard);
    }
    return guard;
  }

  async close(): Promise<void> {
    await Promise.all([...this.guards.values()].map((g) => g.close()));
    this.guards.clear();
  }
}
