import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VerdictCache } from './verdict-cache.ts';

describe('VerdictCache', () => {
  it('returns a verdict until its TTL, then forgets it', () => {
    const cache = new VerdictCache(10);
    cache.set('k', 'reject', 1_000, 500);
    expect(cache.get('k', 1_000)).toBe('reject');
    expect(cache.get('k', 1_499)).toBe('reject');
    expect(cache.get('k', 1_500)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('does not store with a TTL of 0', () => {
    const cache = new VerdictCache(10);
    cache.set('k', 'allow', 0, 0);
    expect(cache.get('k', 0)).toBeUndefined();
  });

  it('evicts the least recently used entry first', () => {
    const cache = new VerdictCache(2);
    cache.set('a', 'allow', 0, 1_000);
    cache.set('b', 'allow', 0, 1_000);
    expect(cache.get('a', 1)).toBe('allow'); // a is now the most recent
    cache.set('c', 'reject', 2, 1_000);
    expect(cache.get('b', 3)).toBeUndefined();
    expect(cache.get('a', 3)).toBe('allow');
    expect(cache.get('c', 3)).toBe('reject');
  });

  it.each([0, -1, 1.5])('refuses a size of %s', (size) => {
    expect(() => new VerdictCache(size)).toThrow(RangeError);
  });

  it('never holds more than its size (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.tuple(fc.string({ maxLength: 3 }), fc.integer({ min: 0, max: 100 })), { maxLength: 60 }),
        (size, ops) => {
          const cache = new VerdictCache(size);
          let now = 0;
          for (const [key, ttl] of ops) {
            now += 1;
            cache.set(key, ttl % 2 === 0 ? 'allow' : 'reject', now, ttl);
            expect(cache.size).toBeLessThanOrEqual(size);
          }
        },
      ),
    );
  });
});
