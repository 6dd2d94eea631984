/**
 * The operator's Redis store on a real Redis Cluster (every write single-slot, usage read from
 * every master, the outbox on the global slot) and the migration of single-node key names on a
 * real single node (merged, never doubled, whatever the number of runs).
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeEffectivePolicy } from '../../policy/effective.ts';
import { hashApiKey, legacyRedisKeys, redisKeys, type TenantRecord } from '../../policy/wire.ts';
import { type RedisCluster, startRedisCluster } from '../../test/harness/redis-cluster.ts';
import { type RedisServer, startRedisServer } from '../../test/harness/redis-server.ts';
import { RedisStore } from './redis.ts';
import { migrateLegacyKeys } from './redis-migrate.ts';

const record = (tenantId: string, keys: string[], displayName = tenantId): TenantRecord => ({
  policy: computeEffectivePolicy({ tenantId, tier: 'pro', displayName }, new Date()),
  apiKeyHashes: keys.map(hashApiKey),
  source: `test/${tenantId}`,
  generation: 1,
});

describe('operator Redis store on a Redis Cluster', () => {
  let cluster: RedisCluster;
  let store: RedisStore;
  const prefix = `sluice-test-opstore-${process.pid}:`;

  beforeAll(async () => {
    cluster = await startRedisCluster({ masters: 3, replicas: 0 });
    store = new RedisStore(cluster.url, prefix);
  }, 120_000);
  afterAll(async () => {
    await store?.close();
    await cluster?.stop();
  });

  it('writes, rotates keys and deletes with single-slot commands only', async () => {
    const k = store.keys;
    await store.write(record('op-a', ['key-1']), []);
    expect((await store.getRecord('op-a'))?.policy.tenantId).toBe('op-a');
    expect(await store.redis.get(k.apiKey(hashApiKey('key-1')))).toBe('op-a');
    expect(await store.redis.get(k.version('op-a'))).toBe((await store.getRecord('op-a'))!.policy.version);
    expect(await store.redis.hexists(k.policyIndex, 'op-a')).toBe(1);
    const generation = Number(await store.redis.get(k.generation));

    await store.write(record('op-a', ['key-2'], 'renamed'), []);
    expect(await store.redis.get(k.apiKey(hashApiKey('key-1')))).toBeNull();
    expect(await store.redis.get(k.apiKey(hashApiKey('key-2')))).toBe('op-a');
    expect(Number(await store.redis.get(k.generation))).toBe(generation + 1);

    await store.delete('op-a', []);
    expect(await store.getRecord('op-a')).toBeNull();
    expect(await store.redis.get(k.version('op-a'))).toBeNull();
    expect(await store.redis.get(k.apiKey(hashApiKey('key-2')))).toBeNull();
    expect(await store.redis.hexists(k.policyIndex, 'op-a')).toBe(0);
  });

  it('reads usage hashes from every master', async () => {
    const tenants = Array.from({ length: 30 }, (_, i) => `use-${i}`);
    for (const t of tenants)
      await store.redis.hset(store.keys.usage('2026-12-03', t), 'openai/gpt-4|requests', 3);
    const masters = new Set(
      await Promise.all(
        tenants.map(async (t) =>
          cluster.masterOf(Number(await store.redis.cluster('KEYSLOT', store.keys.usage('2026-12-03', t)))),
        ),
      ),
    );
    expect(masters.size).toBe(3);
    const usage = (await store.readUsage()).filter((u) => u.tenantId.startsWith('use-'));
    expect(usage.map((u) => u.tenantId).sort()).toEqual([...tenants].sort());
    expect(usage.every((u) => u.day === '2026-12-03' && u.fields['openai/gpt-4|requests'] === '3')).toBe(
      true,
    );
  });

  it('keeps the outbox on the global slot', async () => {
    const event = { id: 'e1' } as never;
    await store.delete(null, [event]);
    expect(await store.outboxLength()).toBe(1);
    expect(await store.peekOutbox(10)).toEqual([event]);
    await store.ackOutbox(1);
    expect(await store.outboxLength()).toBe(0);
  });
});

describe('migration from the single-node key names', () => {
  let server: RedisServer;
  let redis: Redis;
  const prefix = `sluice-test-migrate-${process.pid}:`;
  const old = legacyRedisKeys(prefix);
  const keys = redisKeys(prefix);

  beforeAll(async () => {
    server = await startRedisServer();
    redis = new Redis(server.url);
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });

  it('merges counters into the new names once, however often it runs', async () => {
    // Old sidecars counted 7 requests and 500 tokens; new ones have already counted 2 and 100.
    await redis.hset(`${prefix}usage:2026-12-03:acme`, 'openai/gpt-4|requests', 7);
    await redis.expire(`${prefix}usage:2026-12-03:acme`, 86_400);
    await redis.hset(keys.usage('2026-12-03', 'acme'), 'openai/gpt-4|requests', 2);
    await redis.set(`${prefix}budget:acme:tokens:2026-12`, 500, 'EX', 3_600);
    await redis.set(keys.budget('acme', 'tokens:2026-12'), 100);
    const now = Date.now();
    await redis.hset(`${prefix}rl:acme`, 't', now + 60_000, 'i', 1_000);
    await redis.pexpire(`${prefix}rl:acme`, 61_000);
    await redis.hset(keys.rate('acme'), 't', now + 5_000, 'i', 1_000);
    await redis.rpush(old.outbox, '{"id":"old-1"}');
    await redis.set(old.policy('acme'), '{}');

    const first = await migrateLegacyKeys(redis, prefix);
    expect(first).toMatchObject({ rate: 1, budget: 1, usage: 1, outbox: 1, policies: 0 });
    const second = await migrateLegacyKeys(redis, prefix);
    expect(second).toMatchObject({ rate: 0, budget: 0, usage: 0, outbox: 0 });

    expect(await redis.hget(keys.usage('2026-12-03', 'acme'), 'openai/gpt-4|requests')).toBe('9');
    expect(await redis.ttl(keys.usage('2026-12-03', 'acme'))).toBeGreaterThan(0);
    expect(await redis.get(keys.budget('acme', 'tokens:2026-12'))).toBe('600');
    expect(Number(await redis.hget(keys.rate('acme'), 't'))).toBe(now + 60_000); // the later TAT
    expect(await redis.lrange(keys.outbox, 0, -1)).toEqual(['{"id":"old-1"}']);
    expect(
      await redis.exists(
        `${prefix}usage:2026-12-03:acme`,
        `${prefix}budget:acme:tokens:2026-12`,
        `${prefix}rl:acme`,
      ),
    ).toBe(0);
    // Old policy records stay for old sidecars until asked to drop them.
    expect(await redis.exists(old.policy('acme'))).toBe(1);
    expect((await migrateLegacyKeys(redis, prefix, { dropLegacyPolicies: true })).policies).toBe(1);
    expect(await redis.exists(old.policy('acme'))).toBe(0);
  });
});
