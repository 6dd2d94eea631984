/**
 * redis+sentinel:// against a real master, replica and sentinel: the operator's store writes
 * through the sentinel-managed master, a sidecar loads the tenant on first sight and counts
 * globally, and after SENTINEL FAILOVER both follow the new master.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RagApp, startRagApp } from '../../cli/noisy-neighbor/fakes/rag-app.ts';
import { RedisStore } from '../../operator/stores/redis.ts';
import { computeEffectivePolicy } from '../../policy/effective.ts';
import { hashApiKey } from '../../policy/wire.ts';
import { type RedisSentinelSet, startRedisSentinel } from '../../test/harness/redis-sentinel.ts';
import { answerStatus, startTestSidecar } from '../../test/support/sidecar.ts';
import type { SidecarHandle } from '../main.ts';

describe('Redis behind Sentinel', () => {
  let set: RedisSentinelSet;
  let store: RedisStore;
  let app: RagApp;
  let sidecar: SidecarHandle;
  const prefix = `sluice-test-sentinel-${process.pid}:`;

  const write = (displayName: string) =>
    store.write(
      {
        policy: computeEffectivePolicy(
          {
            tenantId: 'sent',
            tier: 'pro',
            displayName,
            limits: { requests: { limit: 5, window: '1h', burst: 5 } },
          },
          new Date(),
        ),
        apiKeyHashes: [hashApiKey('k-sent')],
        source: 'test/sent',
        generation: 1,
      },
      [],
    );
  const hit = () => answerStatus(sidecar.ports.ingress, 'k-sent');

  beforeAll(async () => {
    set = await startRedisSentinel();
    store = new RedisStore(set.url, prefix);
    app = await startRagApp();
    sidecar = (
      await startTestSidecar({
        upstream: app.url,
        policies: { redis: set.url, prefix },
        settings: { egress: 'off', redisCommandTimeoutMs: 2_000 },
      })
    ).handle;
  }, 60_000);
  afterAll(async () => {
    await sidecar?.close();
    await store?.close();
    await app?.close();
    await set?.stop();
  });

  it('serves and counts through the master the sentinel names, before and after a failover', async () => {
    await write('v1');
    const first = [];
    for (let i = 0; i < 3; i++) first.push(await hit());
    expect(first).toEqual([200, 200, 200]);
    const oldMaster = await set.masterPort();
    // Replication is asynchronous: a failover may lose the last writes. Wait until the replica
    // has the burst, so the test is about following the failover (regression: on a busy
    // machine the promoted replica had not received the count yet, and 4 of 4 were admitted).
    const { Redis } = await import('ioredis');
    const old = new Redis({ port: oldMaster, host: '127.0.0.1' });
    expect(Number(await old.call('WAIT', '1', '10000'))).toBe(1);
    old.disconnect();
    const newMaster = await set.failover();
    expect(newMaster).not.toBe(oldMaster);
    // The operator's store follows the sentinel: a write lands on the new master.
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        await write('v2');
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    expect((await store.getRecord('sent'))?.policy.displayName).toBe('v2');
    // The sidecar's command connection has moved to the new master (named by CLIENT SETNAME).
    const direct = new Redis({ port: newMaster, host: '127.0.0.1' });
    const moved = Date.now() + 30_000;
    while (
      !/name=sluice-sidecar:/.test(String(await direct.call('CLIENT', 'LIST'))) ||
      sidecar.limiter.mode() !== 'global'
    ) {
      if (Date.now() > moved) throw new Error('the sidecar did not follow the failover in 30 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    direct.disconnect();
    // The burst of 5 was replicated before the failover: 2 left, then 429 — one global count.
    const after: number[] = [];
    for (let i = 0; i < 4; i++) after.push(await hit());
    expect(after).toEqual([200, 200, 429, 429]);
  });
});
