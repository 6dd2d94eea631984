import { describe, expect, it } from 'vitest';
import { LocalDenyCache } from './local-deny-cache.ts';
import { LocalRateStore } from './local-store.ts';

describe('LocalRateStore', () => {
  it('keeps one GCRA state per key', () => {
    let now = 0;
    const store = new LocalRateStore(() => now);
    const rate = { limit: 2, windowMs: 1_000, burst: 2 };
    expect(store.take('a', rate).allowed).toBe(true);
    expect(store.take('a', rate).allowed).toBe(true);
    expect(store.take('a', rate)).toMatchObject({ allowed: false, retryAfterMs: 500 });
    expect(store.take('b', rate).allowed).toBe(true);
    now = 500;
    expect(store.take('a', rate).allowed).toBe(true);
  });

  it('drops states whose TAT has passed so memory stays bounded', () => {
    let now = 0;
    const store = new LocalRateStore(() => now);
    const rate = { limit: 10, windowMs: 1_000, burst: 10 };
    for (let i = 0; i < 5_000; i++) store.take(`t${i}`, rate);
    now = 10_000;
    for (let i = 0; i < 4_096; i++) store.take('x', rate);
    expect(store.size()).toBeLessThan(10);
  });
});

describe('LocalDenyCache', () => {
  it('denies until retryAfter has passed, then forgets', () => {
    let now = 1_000;
    const cache = new LocalDenyCache(() => now);
    cache.deny('a', 250);
    expect(cache.check('a')).toBe(250);
    now = 1_249;
    expect(cache.check('a')).toBe(1);
    now = 1_250;
    expect(cache.check('a')).toBe(0);
    expect(cache.size()).toBe(0);
  });

  it('counts the denial from when the request was sent, not from when the answer came', () => {
    let now = 1_000;
    const cache = new LocalDenyCache(() => now);
    now = 1_100; // the answer took 100 ms: Redis said "retry in 250 ms" somewhere in between
    cache.deny('a', 250, 1_000);
    expect(cache.check('a')).toBe(150);
    cache.deny('b', 50, 1_000); // already past
    expect(cache.check('b')).toBe(0);
  });

  it('forgets a tenant whose policy changed', () => {
    const cache = new LocalDenyCache(() => 0);
    cache.deny('a', 1_000);
    cache.forget('a');
    expect(cache.check('a')).toBe(0);
  });
});
