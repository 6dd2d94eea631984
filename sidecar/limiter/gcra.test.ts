import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { charge, debt, type GcraState, gcra, localShare, type RateLimit, shareOf } from './gcra.ts';

/** Runs `count` requests at the given times and returns how many were admitted. */
function run(
  rate: RateLimit,
  times: number[],
  from?: GcraState,
): { admitted: number; state: GcraState | undefined } {
  let state = from;
  let admitted = 0;
  for (const t of times) {
    const d = gcra(rate, state, t);
    state = d.state;
    if (d.allowed) admitted++;
  }
  return { admitted, state };
}

describe('gcra', () => {
  const hourly: RateLimit = { limit: 100, windowMs: 3_600_000, burst: 10 };

  it('admits exactly the burst back to back, then paces at window / limit', () => {
    let state: GcraState | undefined;
    const decisions = [];
    for (let i = 0; i < 11; i++) {
      const d = gcra(hourly, state, 0);
      state = d.state;
      decisions.push(d);
    }
    expect(decisions.filter((d) => d.allowed)).toHaveLength(10);
    expect(decisions[9]).toMatchObject({ allowed: true, remaining: 0, retryAfterMs: 36_000 });
    expect(decisions[10]).toMatchObject({ allowed: false, remaining: 0, retryAfterMs: 36_000 });
    expect(gcra(hourly, state, 35_999).allowed).toBe(false);
    expect(gcra(hourly, state, 36_000).allowed).toBe(true);
  });

  it('counts remaining down from the burst', () => {
    const first = gcra(hourly, undefined, 1_000);
    expect(first).toMatchObject({ allowed: true, remaining: 9, retryAfterMs: 0, resetMs: 36_000 });
  });

  it('does not admit a double burst across a window boundary', () => {
    // Fixed windows admit `limit` at the end of one window and `limit` again at the start of
    // the next; GCRA admits at most burst + d / T over any interval d.
    const rate: RateLimit = { limit: 60, windowMs: 60_000, burst: 60 };
    const beforeBoundary = Array.from({ length: 200 }, () => 59_999);
    const afterBoundary = Array.from({ length: 200 }, () => 60_001);
    const { admitted } = run(rate, [...beforeBoundary, ...afterBoundary]);
    expect(admitted).toBe(60);
  });

  it('never admits more than burst + d / T in any interval under a flood', () => {
    const rate: RateLimit = { limit: 10, windowMs: 1_000, burst: 3 };
    const times = Array.from({ length: 5_000 }, (_, i) => i); // one request per ms for 5 s
    const { admitted } = run(rate, times);
    // 3 at once, then one every 100 ms for 4.999 s.
    expect(admitted).toBe(3 + Math.floor(4_999 / 100));
  });

  it('a denied request does not move the state', () => {
    const full = run(hourly, Array(10).fill(0));
    const denied = gcra(hourly, full.state, 10);
    expect(denied.allowed).toBe(false);
    expect(denied.state).toEqual(full.state);
  });

  it('an override multiplier (already applied to the limits) scales the admitted rate', () => {
    const times = Array.from({ length: 3_600 }, (_, i) => i * 1_000); // 1 req/s for an hour
    const base = run(hourly, times).admitted;
    const boosted = run({ limit: 1_000, windowMs: 3_600_000, burst: 100 }, times).admitted;
    expect(base).toBe(10 + 99); // burst, then one per 36 s after the burst is spent
    expect(boosted).toBeGreaterThanOrEqual(base * 9);
  });

  it('carries spent requests over in requests when the limit changes (override starts mid-flood)', () => {
    const spent = run(hourly, Array(10).fill(0));
    const boosted: RateLimit = { limit: 1_000, windowMs: 3_600_000, burst: 100 };
    // 10 spent of burst 10 at 100/h are 10 spent of burst 100 at 1,000/h: 90 more fit at once.
    expect(run(boosted, Array(200).fill(1), spent.state).admitted).toBe(90);
    // And back: an override that ends leaves the debt in requests, not a 10x longer wait.
    const flooded = run(boosted, Array(100).fill(0));
    expect(flooded.admitted).toBe(100);
    const after = gcra(hourly, flooded.state, 0);
    expect(after.allowed).toBe(false);
    expect(after.retryAfterMs).toBe(36_000 * 91);
  });

  it.each([
    [{ limit: 100, windowMs: 1_000, burst: 10 }, 4, { limit: 25, windowMs: 1_000, burst: 2 }],
    [{ limit: 100, windowMs: 1_000, burst: 10 }, 1, { limit: 100, windowMs: 1_000, burst: 10 }],
    [{ limit: 3, windowMs: 1_000, burst: 1 }, 8, { limit: 1, windowMs: 1_000, burst: 1 }],
    [{ limit: 100, windowMs: 1_000, burst: 10 }, 0, { limit: 100, windowMs: 1_000, burst: 10 }],
  ])('localShare(%o, %i replicas) = %o', (rate, replicas, expected) => {
    expect(localShare(rate, replicas)).toEqual(expected);
  });
});

describe('charge, debt and shareOf (the outage accounting of limiter.ts)', () => {
  const rate: RateLimit = { limit: 40, windowMs: 3_600_000, burst: 40 }; // T = 90 s

  it('charges without the check and refunds by a negative cost', () => {
    const spent = run(rate, Array(40).fill(0)).state!;
    expect(gcra(rate, spent, 0).allowed).toBe(false);
    const refunded = charge(rate, spent, 0, -1);
    expect(refunded).toEqual({ tat: 39 * 90_000, interval: 90_000 });
    expect(gcra(rate, refunded, 0).allowed).toBe(true);
    // Past the limit too: a charge-back is a debt, not a request asking to be admitted.
    expect(charge(rate, spent, 0, 5)).toEqual({ tat: 45 * 90_000, interval: 90_000 });
  });

  it('a refund that reaches back past now leaves a full bucket', () => {
    expect(charge(rate, undefined, 1_000, -1)).toBeUndefined();
    expect(charge(rate, { tat: 1_500, interval: 90_000 }, 1_000, -1)).toBeUndefined();
  });

  it('counts what a state owes in requests', () => {
    expect(debt({ tat: 3_240_000, interval: 90_000 }, 0)).toBe(36);
    expect(debt({ tat: 3_240_000, interval: 90_000 }, 3_240_000)).toBe(0);
    expect(debt(undefined, 0)).toBe(0);
  });

  it('shareOf: n replicas seeded from one global state owe exactly its debt together', () => {
    const spent = run(rate, Array(36).fill(0)).state!; // 36 of the burst of 40 spent
    const replicas = 4;
    const share = localShare(rate, replicas);
    let admitted = 0;
    for (let r = 0; r < replicas; r++) {
      admitted += run(share, Array(20).fill(0), shareOf(spent, replicas)).admitted;
    }
    expect(admitted).toBe(4); // what Redis itself would still have admitted
  });

  it('shareOf never lets n replicas admit more than Redis would, for any spent state', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 500 }),
        fc.integer({ min: 1, max: 8 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 12 }),
        (limit, burstDivisor, spentShare, replicas) => {
          const r: RateLimit = {
            limit,
            windowMs: 60_000,
            burst: Math.max(1, Math.floor(limit / burstDivisor)),
          };
          const spent = run(r, Array(Math.floor(r.burst * spentShare)).fill(0)).state;
          const globally = run(r, Array(r.burst + 1).fill(0), spent).admitted;
          let locally = 0;
          for (let i = 0; i < replicas; i++) {
            const seed = spent ? shareOf(spent, replicas) : undefined;
            locally += run(localShare(r, replicas), Array(r.burst + 1).fill(0), seed).admitted;
          }
          // localShare keeps at least 1 per replica (gcra.ts); beyond that floor, never more.
          return locally <= Math.max(globally, replicas > r.burst ? replicas : 0);
        },
      ),
    );
  });
});
