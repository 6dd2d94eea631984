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
  if (now < allowAt) {
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
