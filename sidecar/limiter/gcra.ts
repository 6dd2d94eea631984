/**
 * GCRA (generic cell rate algorithm): the rate limit as a pure function, time in, decision out.
 * The same arithmetic runs in Redis (redis-store.ts, as Lua with Redis TIME) and in memory
 * (local-store.ts); this file is the reference both are tested against.
 *
 * State is one number per tenant, the theoretical arrival time (TAT). With `limit` requests per
 * `windowMs` the emission interval is T = windowMs / limit; `burst` requests may arrive back to
 * back. A request at `now` is admitted when now >= max(TAT, now) + T - burst * T, and then moves
 * TAT forward by T. Worked example: 100 per hour, burst 10 → T = 36 s; 10 requests at t=0 are
 * admitted (TAT = 360 s), the 11th waits until t = 36 s. There is no window boundary: over any
 * interval of length d at most burst + d / T requests are admitted, so two back-to-back windows
 * never admit 2 x limit the way fixed windows do.
 *
 * The state also keeps the interval it was written with. When the limit changes (an override
 * starts or ends), the debt is carried over in requests, not in milliseconds: 10 requests spent
 * at 100/h (TAT 360 s ahead) are still 10 requests at 1,000/h (TAT 36 s ahead). Keeping the
 * milliseconds would make a 10x override start with its whole burst already spent.
 */

/**
 * Float slack on the admission test, ms. TATs are sums of intervals that are rarely exact in
 * binary (60 s / 288 = 208.33… ms), and at Redis TIME's magnitude (1.7e12 ms) one addition can be
 * off by 1e-4 ms: without slack, the 72nd request of a burst of 72 at 288 per minute was refused
 * because 72 × 208.33… came out 2e-12 above the tolerance. 10 µs early is no admission too many.
 * The Redis script uses the same number.
 */
export const SLACK_MS = 0.01;

export interface RateLimit {
  /** Requests admitted per window (the steady rate is limit / windowMs). */
  limit: number;
  windowMs: number;
  /** Requests that may arrive back to back; 1 <= burst <= limit in valid policies. */
  burst: number;
}

export interface RateDecision {
  allowed: boolean;
  /** Requests that could still be admitted right now (after this one, if admitted). */
  remaining: number;
  /** Milliseconds until the next request would be admitted (0 when admitted now with room left). */
  retryAfterMs: number;
  /** Milliseconds until the bucket is full again (the IETF RateLimit "t" of a full quota). */
  resetMs: number;
  /** The state to store (unchanged when denied). */
  state: GcraState;
}

export interface GcraState {
  /** Theoretical arrival time, ms. */
  tat: number;
  /** Emission interval (windowMs / limit) the TAT was computed with. */
  interval: number;
}

/** One GCRA step. `state` is what the previous step stored for this key, or undefined. */
export function gcra(rate: RateLimit, state: GcraState | undefined, now: number, cost = 1): RateDecision {
  const interval = rate.windowMs / rate.limit;
  const burst = Math.max(1, rate.burst);
  const tolerance = burst * interval;
  let base = now;
  if (state !== undefined && state.tat > now) {
    base = state.interval === interval ? state.tat : now + ((state.tat - now) * interval) / state.interval;
  }
  const next = base + cost * interval;
  const allowAt = next - tolerance;
  if (now < allowAt - SLACK_MS) {
    return {
      allowed: false,
      remaining: 0,
      retryAfterMs: Math.ceil(allowAt - now),
      resetMs: Math.ceil(base - now),
      state: { tat: base, interval },
    };
  }
  // 1e-9 absorbs float error: 10 x 36 000 ms must leave exactly 0, not -0.0000001 → -1.
  const remaining = Math.max(0, Math.floor((now + tolerance - next) / interval + 1e-9));
  return {
    allowed: true,
    remaining,
    retryAfterMs: remaining > 0 ? 0 : Math.ceil(next + interval - tolerance - now),
    resetMs: Math.ceil(next - now),
    state: { tat: next, interval },
  };
}

/**
 * Adds `cost` requests to a state without checking the limit (the script's force path): a
 * charge-back of what a replica admitted alone during an outage, or −1 to refund an admission
 * nobody was told about (limiter.ts). Undefined when the result is at or before `now`, which is
 * the same as no state (a full bucket).
 */
export function charge(
  rate: RateLimit,
  state: GcraState | undefined,
  now: number,
  cost: number,
): GcraState | undefined {
  const interval = rate.windowMs / rate.limit;
  let base = now;
  if (state !== undefined && state.tat > now) {
    base = state.interval === interval ? state.tat : now + ((state.tat - now) * interval) / state.interval;
  }
  const next = base + cost * interval;
  return next > now ? { tat: next, interval } : undefined;
}

/** Requests a state still owes at `now` (0 when its TAT has passed). */
export function debt(state: GcraState | undefined, now: number): number {
  return state !== undefined && state.tat > now ? (state.tat - now) / state.interval : 0;
}

/**
 * One replica's part of a global state when it starts enforcing localShare() alone: the same
 * milliseconds ahead, read at n times the interval, so each of n replicas owes 1/n of the global
 * debt and together they owe exactly it. Worked example: 40 per hour, burst 40, 4 replicas, 36 of
 * the burst spent (TAT 36 × 90 s = 3,240 s ahead): each replica starts at 10 per hour with its
 * burst of 10 and a debt of 3,240 s / 360 s = 9, so 1 more each — 4 together, as Redis would have.
 */
export function shareOf(state: GcraState, replicas: number): GcraState {
  return { tat: state.tat, interval: state.interval * Math.max(1, Math.floor(replicas)) };
}

/** The share of a global limit one replica enforces alone while Redis is unreachable. */
export function localShare(rate: RateLimit, liveReplicas: number): RateLimit {
  const n = Math.max(1, Math.floor(liveReplicas));
  if (n === 1) return rate;
  // Floor keeps the sum over replicas at or under the global limit; never below 1 per replica,
  // so a tiny limit over many replicas still admits something (and says so in the ADR).
  return {
    limit: Math.max(1, Math.floor(rate.limit / n)),
    windowMs: rate.windowMs,
    burst: Math.max(1, Math.floor(rate.burst / n)),
  };
}
