/**
 * Circuit breaker for one (provider, model): a pure state machine, time passed in.
 *
 *   closed ──(failureThreshold consecutive failures, or a Retry-After)──► open
 *   open ──(cool-down elapsed)──► half-open: exactly one probe request is let through
 *   half-open ──probe succeeds──► closed      half-open ──probe fails──► open (fresh cool-down)
 *
 * A provider's Retry-After (429/503) opens the breaker at once for that long (capped): the
 * provider told us when to come back, so retrying earlier only burns the fallback's latency.
 * Worked example, threshold 5, cool-down 30 s: five 503s in a row at t=0..4 s → open until
 * t=34 s; a request at t=20 s skips the model; at t=35 s one probe goes; a 200 closes it.
 */
import type { FallbackTrigger } from '../../policy/schema/tenant-policy.ts';
import type { BreakerSettings } from './settings.ts';

export type BreakerState = 'closed' | 'open' | 'half-open';

export class CircuitBreaker {
  private readonly settings: BreakerSettings;
  private failures = 0;
  private openUntil = 0;
  private mode: 'closed' | 'open' = 'closed';
  private probeInFlight = false;
  private cause: FallbackTrigger | null = null;

  constructor(settings: BreakerSettings) {
    this.settings = settings;
  }

  /** The state at `now` (open turns half-open by the clock alone). */
  state(now: number): BreakerState {
    if (this.mode === 'closed') return 'closed';
    return now >= this.openUntil ? 'half-open' : 'open';
  }

  /** Whether a request may go to this model now. In half-open, only the first caller gets a yes. */
  tryAcquire(now: number): boolean {
    const state = this.state(now);
    if (state === 'closed') return true;
    if (state === 'open' || this.probeInFlight) return false;
    this.probeInFlight = true;
    return true;
  }

  /** Milliseconds until the breaker lets a probe through (0 when it already would). */
  retryInMs(now: number): number {
    return this.mode === 'open' ? Math.max(0, this.openUntil - now) : 0;
  }

  onSuccess(): void {
    this.failures = 0;
    this.mode = 'closed';
    this.probeInFlight = false;
  }

  /**
   * The failure class that opened the breaker (the last failure before it opened), or null while
   * closed. A tenant whose fallbackOn leaves that class out is not rerouted by the open breaker
   * (chain.ts): it gets the class's own answer instead.
   */
  openedBy(): FallbackTrigger | null {
    return this.mode === 'open' ? this.cause : null;
  }

  /**
   * A provider failure (connection, timeout, 429, 5xx — never Sluice's own). `retryAfterMs` is
   * the provider's Retry-After, if it sent one.
   */
  onFailure(now: number, retryAfterMs?: number, trigger: FallbackTrigger = 'server-error'): void {
    const wasProbe = this.probeInFlight;
    this.probeInFlight = false;
    this.failures += 1;
    this.cause = trigger;
    if (retryAfterMs !== undefined && retryAfterMs > 0) {
      this.open(now, Math.min(retryAfterMs, this.settings.maxCooldownMs));
    } else if (wasProbe || this.mode === 'open' || this.failures >= this.settings.failureThreshold) {
      this.open(now, this.settings.cooldownMs);
    }
  }

  /** A request that let go without an outcome (client went away before the answer): frees the probe slot. */
  onAbandon(): void {
    this.probeInFlight = false;
  }

  private open(now: number, forMs: number): void {
    this.mode = 'open';
    this.openUntil = Math.max(this.openUntil, now + forMs);
  }
}

/** One breaker per (provider, model), created on first use; `onChange` feeds the state gauge. */
export class BreakerBoard {
  private readonly settings: BreakerSettings;
  private readonly breakers = new Map<string, CircuitBreaker>();

  constructor(settings: BreakerSettings) {
    this.settings = settings;
  }

  get(provider: string, model: string): CircuitBreaker {
    const key = `${provider}/${model}`;
    let breaker = this.breakers.get(key);
    if (!breaker) {
      breaker = new CircuitBreaker(this.settings);
      this.breakers.set(key, breaker);
    }
    return breaker;
  }

  /** Forgets every breaker (tests; an operator's manual reset). */
  clear(): void {
    this.breakers.clear();
  }

  /** Every breaker's state at `now`, for the metrics collector. */
  states(now: number): { provider: string; model: string; state: BreakerState }[] {
    return [...this.breakers].map(([key, breaker]) => {
      const slash = key.indexOf('/');
      return { provider: key.slice(0, slash), model: key.slice(slash + 1), state: breaker.state(now) };
    });
  }
}
