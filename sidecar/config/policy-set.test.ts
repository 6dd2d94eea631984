import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TenantRecord } from '../../policy/wire.ts';
import { PolicySet } from './policy-set.ts';

const rec = (tenantId: string, version = 'v1', hashes = [`h-${tenantId}`]): TenantRecord =>
  ({
    policy: { tenantId, version },
    apiKeyHashes: hashes,
    source: 't',
    generation: 1,
  }) as unknown as TenantRecord;

describe('PolicySet', () => {
  it('evicts the least recently used tenant past its capacity, and tells who', () => {
    const set = new PolicySet({ capacity: 2 });
    const evicted: string[] = [];
    set.onEvict((t) => evicted.push(t));
    set.upsert(rec('a'));
    set.upsert(rec('b'));
    expect(set.byKeyHash('h-a')?.policy.tenantId).toBe('a'); // a is now the most recent
    set.upsert(rec('c'));
    expect(evicted).toEqual(['b']);
    expect(set.tenantIds().sort()).toEqual(['a', 'c']);
    expect(set.byKeyHash('h-b')).toBeUndefined();
  });

  it('peek does not change the eviction order', () => {
    const set = new PolicySet({ capacity: 2 });
    set.upsert(rec('a'));
    set.upsert(rec('b'));
    set.peek('a');
    set.peekKey('h-a');
    set.upsert(rec('c'));
    expect(set.tenantIds().sort()).toEqual(['b', 'c']);
  });

  it('a key rotation drops the old hash and keeps the new one', () => {
    const set = new PolicySet();
    set.upsert(rec('a', 'v1', ['old']));
    set.upsert(rec('a', 'v2', ['new']));
    expect(set.byKeyHash('old')).toBeUndefined();
    expect(set.byKeyHash('new')?.policy.version).toBe('v2');
  });

  it('file mode is unbounded', () => {
    const set = new PolicySet();
    for (let i = 0; i < 1_000; i++) set.upsert(rec(`t${i}`));
    expect(set.size()).toBe(1_000);
    expect(set.limit()).toBe(Number.POSITIVE_INFINITY);
  });

  it('never holds more than its capacity, and every held key hash maps to a held record (property)', () => {
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('upsert' as const),
        t: fc.integer({ min: 0, max: 20 }),
        v: fc.integer({ min: 0, max: 3 }),
        k: fc.integer({ min: 0, max: 30 }),
      }),
      fc.record({ kind: fc.constant('remove' as const), t: fc.integer({ min: 0, max: 20 }) }),
      fc.record({ kind: fc.constant('read' as const), t: fc.integer({ min: 0, max: 20 }) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.array(op, { maxLength: 80 }), (capacity, ops) => {
        const set = new PolicySet({ capacity });
        const owner = new Map<string, string>(); // the last tenant given each hash
        for (const o of ops) {
          if (o.kind === 'upsert') {
            const hash = `k${o.k}`;
            // A hash belongs to one tenant at a time (the operator's API-key index guarantees it).
            const prev = owner.get(hash);
            if (prev !== undefined && prev !== `t${o.t}`) set.remove(prev);
            owner.set(hash, `t${o.t}`);
            set.upsert(rec(`t${o.t}`, `v${o.v}`, [hash]));
          } else if (o.kind === 'remove') set.remove(`t${o.t}`);
          else set.byTenant(`t${o.t}`);
          expect(set.size()).toBeLessThanOrEqual(capacity);
          for (const r of set.all()) for (const h of r.apiKeyHashes) expect(set.peekKey(h)).toBe(r);
        }
      }),
    );
  });
});
