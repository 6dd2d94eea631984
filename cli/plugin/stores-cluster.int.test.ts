/**
 * `kubectl sluice` against a real Redis Cluster (3 masters from the Debian redis-server): the
 * redis+cluster:// URL the sidecars take works for the plugin too — live sidecars and their
 * limiter modes (one MGET on the global slot), per-minute activity from all 16 buckets on
 * several masters — and a cluster that does not answer is SLUICE_STORE_UNREACHABLE.
 */
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTIVITY_BUCKETS, activityBucket, type RedisKeys, redisKeys } from '../../policy/wire.ts';
import { createRedisClient } from '../../sidecar/config/redis-client.ts';
import { type RedisCluster, startRedisCluster } from '../../test/harness/redis-cluster.ts';
import { freePort } from '../../test/harness/redis-server.ts';
import { readRedisActivity } from './activity.ts';
import { connectRedis, type RedisView, redisNow, sidecars } from './stores.ts';

describe('kubectl sluice on a Redis Cluster', () => {
  let cluster: RedisCluster;
  let writer: Cluster;
  let view: RedisView;
  const prefix = `sluice-test-plugin-cluster-${process.pid}:`;
  const keys: RedisKeys = redisKeys(prefix);

  beforeAll(async () => {
    cluster = await startRedisCluster({ masters: 3, replicas: 0 });
    writer = createRedisClient(cluster.url) as Cluster;
    view = await connectRedis(cluster.url, prefix);
  }, 120_000);
  afterAll(async () => {
    view?.close();
    writer?.disconnect();
    await cluster?.stop();
  });

  it('reads live sidecars and their limiter modes', async () => {
    const now = await redisNow(view);
    await writer.zadd(keys.replicas, now, 'pod-a', now, 'pod-b');
    await writer.set(
      keys.replicaInfo('pod-a'),
      JSON.stringify({ limiterMode: 'global', tenants: 3, at: now }),
    );
    await writer.set(keys.replicaInfo('pod-b'), JSON.stringify({ limiterMode: 'open', tenants: 1, at: now }));
    expect(await sidecars(view, now)).toEqual({ live: 2, modes: { global: 1, open: 1 } });
  });

  it('sums activity from every bucket, on every master', async () => {
    // Tenants in at least 8 different buckets, which the slot map puts on more than one master.
    const tenants: string[] = [];
    const buckets = new Set<number>();
    for (let i = 0; buckets.size < 8; i++) {
      const t = `t-${i}`;
      if (!buckets.has(activityBucket(t))) tenants.push(t);
      buckets.add(activityBucket(t));
    }
    const minute = Math.floor((await redisNow(view)) / 60_000);
    const masters = new Set<number>();
    for (const [n, t] of tenants.entries()) {
      const key = keys.activity(minute, activityBucket(t));
      await writer.hincrby(key, `${t}|requests`, n + 1);
      masters.add(await cluster.masterOf(Number(await writer.cluster('KEYSLOT', key))));
    }
    expect(masters.size).toBeGreaterThan(1);
    expect(buckets.size).toBeLessThanOrEqual(ACTIVITY_BUCKETS);
    const window = await readRedisActivity(view, 2);
    const byTenant = Object.fromEntries(window.rows.map((r) => [r.tenantId, r.requests]));
    expect(byTenant).toEqual(Object.fromEntries(tenants.map((t, n) => [t, n + 1])));
  });

  it('a cluster that does not answer is SLUICE_STORE_UNREACHABLE', async () => {
    const port = await freePort();
    await expect(connectRedis(`redis+cluster://127.0.0.1:${port}`, prefix)).rejects.toMatchObject({
      code: 'SLUICE_STORE_UNREACHABLE',
    });
  });
});
