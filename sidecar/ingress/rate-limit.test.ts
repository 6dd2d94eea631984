import { describe, expect, it } from 'vitest';
import { type GcraState, gcra, type RateLimit } from '../limiter/gcra.ts';
import { nextQuotaMs, rateLimitedDetail, rateLimitHeader, windowText } from './rate-limit.ts';

/** A GCRA run at fixed times: the RateLimit header of each answer. */
function headers(rate: RateLimit, times: number[]): string[] {
  let state: GcraState | undefined;
  return times.map((now) => {
    const d = gcra(rate, state, now);
    if (d.allowed) state = d.state;
    return `${d.allowed ? 200 : 429} ${rateLimitHeader(d, rate)}`;
  });
}

describe('RateLimit t: seconds until more quota is made available, on 200 and 429 alike', () => {
  const hundred: RateLimit = { limit: 100, windowMs: 3_600_000, burst: 10 };

  it('regression: 100/h burst 10 — t is 36 s on every answer, not the full refill on a 200', () => {
    const answers = headers(
      hundred,
      Array.from({ length: 11 }, () => 0),
    );
    expect(answers[0]).toBe('200 "requests";r=9;t=36');
    expect(answers[9]).toBe('200 "requests";r=0;t=36');
    expect(answers[10]).toBe('429 "requests";r=0;t=36');
  });

  it('counts down between units', () => {
    expect(headers(hundred, [0, 10_000])).toEqual(['200 "requests";r=9;t=36', '200 "requests";r=8;t=26']);
    const one: RateLimit = { limit: 1, windowMs: 60_000, burst: 1 };
    expect(headers(one, [0, 1_000, 60_000])).toEqual([
      '200 "requests";r=0;t=60',
      '429 "requests";r=0;t=59',
      '200 "requests";r=0;t=60',
    ]);
    expect(nextQuotaMs({ allowed: true, remaining: 9, retryAfterMs: 0, resetMs: 0 }, hundred)).toBe(0);
  });

  it('describes the limit in the 429', () => {
    expect(windowText(3_600_000)).toBe('1h');
    expect(windowText(90_000)).toBe('90s');
    expect(rateLimitedDetail(hundred, 36)).toBe('limit 100 per 1h, burst 10; next request admitted in 36 s');
  });
});
