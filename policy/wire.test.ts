import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ACTIVITY_BUCKETS, activityBucket, decodeServed, encodeServed, NOT_HELD, redisKeys } from './wire.ts';

/** The hash tag Redis Cluster hashes: the text between the first "{" and the next "}". */
function tag(key: string): string {
  const open = key.indexOf('{');
  const close = key.indexOf('}', open + 1);
  return open >= 0 && close > open + 1 ? key.slice(open + 1, close) : key;
}

const tenantId = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/);
const keys = redisKeys('sluice:');

describe('slot layout (docs/adr/0024-redis-cluster-layout.md)', () => {
  it('every key of one tenant, its acknowledgements included, hashes the tenant id only', () => {
    fc.assert(
      fc.property(tenantId, (t) => {
        for (const key of [
          keys.policy(t),
          keys.version(t),
          keys.updates(t),
          keys.rate(t),
          keys.budget(t, 'tokens:2026-12'),
          keys.usage('2026-12-03', t),
          keys.served(t),
        ])
          expect(tag(key)).toBe(t);
      }),
    );
  });

  it('the keys every heartbeat reads share the global tag (one slot: scripts over them are never cross-slot)', () => {
    for (const key of [
      keys.replicas,
      keys.servedOpen,
      keys.replicaInfo('pod-a'),
      keys.generation,
      keys.policyIndex,
    ])
      expect(tag(key)).toBe('~global');
  });

  it('activity hashes spread over ACTIVITY_BUCKETS tags; a tenant always lands in the same one', () => {
    const tags = new Set(
      Array.from({ length: ACTIVITY_BUCKETS }, (_, b) => tag(keys.activity(29_000_000, b))),
    );
    expect(tags.size).toBe(ACTIVITY_BUCKETS);
    fc.assert(
      fc.property(tenantId, (t) => {
        const b = activityBucket(t);
        expect(Number.isInteger(b) && b >= 0 && b < ACTIVITY_BUCKETS).toBe(true);
        expect(activityBucket(t)).toBe(b);
      }),
    );
    // 10k tenant-like ids: no bucket holds more than twice its share.
    const counts = new Array<number>(ACTIVITY_BUCKETS).fill(0);
    for (let i = 0; i < 10_000; i++) counts[activityBucket(`tenant-${i}`)]!++;
    expect(Math.max(...counts)).toBeLessThan((2 * 10_000) / ACTIVITY_BUCKETS);
  });
});

describe('served acknowledgements', () => {
  it('round-trip a version or "not held" with the time (property)', () => {
    const version = fc.stringMatching(/^[0-9a-f]{1,64}$/);
    fc.assert(
      fc.property(fc.oneof(version, fc.constant(NOT_HELD)), fc.integer({ min: 0, max: 2 ** 45 }), (v, at) => {
        expect(decodeServed(encodeServed(v, at))).toEqual({
          version: v,
          appliedAtMs: at,
          held: v !== NOT_HELD,
        });
      }),
    );
  });

  it.each(['', 'v1', ' 12', 'v1 x', 'v1 '])('rejects %j', (text) => {
    expect(decodeServed(text)).toBeNull();
  });
});
