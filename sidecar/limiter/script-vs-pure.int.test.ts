/**
 * The Lua GCRA (redis-store.ts) against the pure one (gcra.ts) on the real dev Redis: random
 * sequences of limits, bursts, override-style limit changes, charges and refunds, and pauses; at
 * every step both must give the same decision and leave the same state.
 *
 * Time: the script reads Redis TIME and returns the instant it used (as a string, exact), and the
 * pure GCRA is driven with that instant. Nothing in the production script exists for the test,
 * and the comparison is exact although the instants are real. Windows are short (50 ms to 2 s,
 * plus hour-long ones) and the pauses real, so states also run out and expire as in production.
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devEnv } from '../../test/harness/env.ts';
import { charge, type GcraState, gcra, type RateLimit } from './gcra.ts';
import { GCRA_SCRIPT } from './redis-store.ts';

type Step =
  | { kind: 'take'; rate: RateLimit; pauseMs: number }
  | { kind: 'charge'; rate: RateLimit; cost: number; pauseMs: number };

const prefix = `sluice-test-gcra-${randomBytes(4).toString('hex')}:`;
let redis: Redis;
beforeAll(() => {
  redis = new Redis(devEnv().redisUrl, { maxRetriesPerRequest: 1 });
});
afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

// A tenant's base rate and its override multipliers: the steps switch between them, as an
// override starting and ending does.
const base = fc.record({
  limit: fc.integer({ min: 1, max: 400 }),
  windowMs: fc.constantFrom(50, 200, 1_000, 2_000, 3_600_000),
  burstShare: fc.double({ min: 0, max: 1, noNaN: true }),
});
const step = fc.record({
  multiplier: fc.constantFrom(1, 1, 1, 2, 10, 0.5),
  kind: fc.constantFrom('take', 'take', 'take', 'take', 'charge'),
  cost: fc.constantFrom(-1, 0.5, 3, 9.75),
  pauseMs: fc.constantFrom(0, 0, 0, 1, 3, 15, 60),
});

type StepDraw = typeof step extends fc.Arbitrary<infer T> ? T : never;

function steps(b: { limit: number; windowMs: number; burstShare: number }, raw: StepDraw[]) {
  return raw.map((s): Step => {
    const limit = Math.max(1, Math.round(b.limit * s.multiplier));
    const rate = { limit, windowMs: b.windowMs, burst: Math.max(1, Math.round(limit * b.burstShare)) };
    return s.kind === 'take'
      ? { kind: 'take', rate, pauseMs: s.pauseMs }
      : { kind: 'charge', rate, cost: s.cost, pauseMs: s.pauseMs };
  });
}

async function stored(key: string): Promise<GcraState | undefined> {
  const [t, i] = await redis.hmget(key, 't', 'i');
  return t === null ? undefined : { tat: Number(t), interval: Number(i) };
}

/** A state whose TAT has passed is the same as none (Redis lets it expire). */
const live = (s: GcraState | undefined, now: number) => (s !== undefined && s.tat > now ? s : undefined);

describe('the Lua GCRA answers exactly as gcra.ts', () => {
  it('for random sequences of limits, bursts, limit changes, charges, refunds and pauses', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(base, fc.array(step, { minLength: 1, maxLength: 40 }), async (b, raw) => {
        const key = `${prefix}${run++}`;
        let pure: GcraState | undefined;
        for (const s of steps(b, raw)) {
          if (s.pauseMs > 0) await new Promise((r) => setTimeout(r, s.pauseMs));
          const force = s.kind === 'charge';
          const cost = s.kind === 'charge' ? s.cost : 1;
          const reply = (await redis.eval(
            GCRA_SCRIPT,
            1,
            key,
            s.rate.limit,
            s.rate.windowMs,
            s.rate.burst,
            cost,
            force ? 1 : 0,
          )) as [number, number, number, number, string];
          const now = Number(reply[4]);
          const before = live(pure, now);
          if (force) {
            pure = charge(s.rate, before, now, cost);
            expect(reply.slice(0, 4)).toEqual([1, 0, 0, Math.ceil(Math.max(pure?.tat ?? now, now) - now)]);
          } else {
            const d = gcra(s.rate, before, now);
            expect({ step: s, reply: reply.slice(0, 4) }).toEqual({
              step: s,
              reply: [d.allowed ? 1 : 0, d.remaining, d.retryAfterMs, d.resetMs],
            });
            if (d.allowed) pure = d.state;
          }
          const actual = live(await stored(key), now);
          expect(actual).toEqual(live(pure, now));
        }
      }),
      { numRuns: 60 },
    );
  });

  // The case gcra.test.ts covers in memory, on real Redis: an override starting and ending.
  it('carries the debt over in requests when an override changes the limit', async () => {
    const key = `${prefix}override`;
    const hourly = [100, 3_600_000, 10] as const;
    const boosted = [1_000, 3_600_000, 100] as const;
    const take = (r: readonly [number, number, number]) =>
      redis.eval(GCRA_SCRIPT, 1, key, ...r, 1, 0) as Promise<[number, number, number, number, string]>;
    for (let i = 0; i < 10; i++) expect((await take(hourly))[0]).toBe(1);
    expect((await take(hourly))[0]).toBe(0);
    let admitted = 0;
    for (let i = 0; i < 120; i++) admitted += (await take(boosted))[0];
    expect(admitted).toBe(90); // 10 spent of 100 at 1,000/h leave 90, not 0
  });
});
