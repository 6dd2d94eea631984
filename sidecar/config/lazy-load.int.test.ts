/**
 * Redis mode holds what it serves (ADR 0025), against a real Redis: a bounded cache that
 * unsubscribes what it evicts, a negative cache and a lookup rate for unknown keys (a random-key
 * flood costs Redis a bounded rate, and is answered 503 SLUICE_NOT_READY, never a false 401),
 * key rotation pushed to the replica, and a snapshot with only the tenants it served.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTenant } from '../../bench/lib/redis-tenants.ts';
import { type RagApp, startRagApp } from '../../cli/noisy-neighbor/fakes/rag-app.ts';
import { type RedisKeys, redisKeys } from '../../policy/wire.ts';
import { type RedisServer, startRedisServer } from '../../test/harness/redis-server.ts';
import { closeRedisModeSuite, startTestSidecar } from '../../test/support/sidecar.ts';
import { until } from '../../test/support/until.ts';
import type { SidecarHandle } from '../main.ts';
import type { Settings } from './settings.ts';

describe('sidecar holds the tenants it serves', () => {
  let redis: RedisServer;
  let client: Redis;
  let app: RagApp;
  let keys: RedisKeys;
  const prefix = `sluice-test-lazy-${process.pid}:`;
  const stateDir = mkdtempSync(join(tmpdir(), 'sluice-lazy-'));
  const handles: SidecarHandle[] = [];

  const start = async (extra: Partial<Settings> = {}) => {
    const { handle } = await startTestSidecar({
      upstream: app.url,
      policies: { redis: redis.url, prefix },
      settings: { egress: 'off', resyncMs: 60_000, ...extra },
    });
    handles.push(handle);
    return handle;
  };
  const hit = async (h: SidecarHandle, key: string) => {
    const r = await fetch(`http://127.0.0.1:${h.ports.ingress}/v1/answer`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}` },
    });
    const body = (await r.json().catch(() => ({}))) as { error?: { code?: string } };
    return { status: r.status, code: body.error?.code };
  };
  const lookups = async (h: SidecarHandle) => {
    const text = await (await fetch(`http://127.0.0.1:${h.ports.metrics}/metrics`)).text();
    const out: Record<string, number> = {};
    for (const m of text.matchAll(/sluice_policy_lookups_total\{result="(\w+)"\} (\d+)/g))
      out[m[1]!] = Number(m[2]);
    return out;
  };
  const subscribers = async (tenantId: string) =>
    Number(((await client.call('PUBSUB', 'SHARDNUMSUB', keys.updates(tenantId))) as [string, number])[1]);

  beforeAll(async () => {
    redis = await startRedisServer();
    client = new Redis(redis.url);
    app = await startRagApp();
    keys = redisKeys(prefix);
    for (const t of ['la', 'lb', 'lc'])
      await writeTenant(client, keys, { tenantId: t, tier: 'pro' }, [`k-${t}`]);
  });
  afterAll(() => closeRedisModeSuite({ handles, client, app, redis, stateDir }));

  it('evicts past --policy-cache-size, unsubscribes what it evicted, and reloads it on sight', async () => {
    const h = await start({ policyCacheSize: 2, stateDir });
    for (const t of ['la', 'lb', 'lc']) expect((await hit(h, `k-${t}`)).status).toBe(200);
    expect(h.policies.size()).toBe(2);
    expect(h.policies.peek('la')).toBeUndefined();
    await until(async () => (await subscribers('la')) === 0, 'la unsubscribed');
    expect(await subscribers('lc')).toBe(1);
    expect((await hit(h, 'k-la')).status).toBe(200); // loaded again
    expect(h.policies.size()).toBe(2);
    // The snapshot keeps what this replica served, nothing else.
    await until(() => {
      try {
        const snap = JSON.parse(readFileSync(join(stateDir, 'policies.snapshot.json'), 'utf8'));
        const ids = snap.records.map((r: { policy: { tenantId: string } }) => r.policy.tenantId).sort();
        return JSON.stringify(ids) === JSON.stringify(['la', 'lc']);
      } catch {
        return false;
      }
    }, 'the snapshot of the served tenants');
    await h.close();
  });

  it('remembers an unknown key for a while instead of asking Redis again', async () => {
    const h = await start();
    expect(await hit(h, 'no-such-key')).toEqual({ status: 401, code: 'SLUICE_TENANT_UNKNOWN' });
    expect(await hit(h, 'no-such-key')).toEqual({ status: 401, code: 'SLUICE_TENANT_UNKNOWN' });
    expect(await lookups(h)).toMatchObject({ unknown: 1, negative_cached: 1 });
  });

  it('a flood of random keys costs Redis at most the lookup rate; over it, 503 not 401', async () => {
    const h = await start({ policyLookupsPerSec: 5 });
    const before = Number(((await client.info('stats')).match(/total_commands_processed:(\d+)/) ?? [])[1]);
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) => hit(h, `random-${i}-${Math.random()}`)),
    );
    const after = Number(((await client.info('stats')).match(/total_commands_processed:(\d+)/) ?? [])[1]);
    const throttled = answers.filter((a) => a.status === 503);
    expect(throttled.length).toBeGreaterThan(0);
    expect(throttled.every((a) => a.code === 'SLUICE_NOT_READY')).toBe(true);
    expect(answers.filter((a) => a.status === 401).length + throttled.length).toBe(60);
    // One GET per looked-up key plus the two INFO calls and a heartbeat or two; not 60.
    expect(after - before).toBeLessThan(30);
    // A real tenant is still served once the bucket refills.
    await until(async () => (await hit(h, 'k-lb')).status === 200, 'lb served after the flood');
  });

  it('a key rotation reaches the replica: the old key is refused, the new one served', async () => {
    const h = await start();
    expect((await hit(h, 'k-lb')).status).toBe(200);
    await writeTenant(client, keys, { tenantId: 'lb', tier: 'pro' }, ['k-lb-2']);
    await until(async () => (await hit(h, 'k-lb')).status === 401, 'the old key refused');
    expect((await hit(h, 'k-lb-2')).status).toBe(200);
    expect(await client.get(keys.apiKey(h.policies.peek('lb')!.apiKeyHashes[0]!))).toBe('lb');
  });

  it('a change whose message was lost is caught by the next resync, through the change feed', async () => {
    const h = await start({ resyncMs: 200 });
    expect((await hit(h, 'k-lc')).status).toBe(200);
    // The operator's steps without the SPUBLISH (policy/wire.ts): index, generation, change feed,
    // then the record and its version.
    const record = JSON.parse((await client.get(keys.policy('lc')))!);
    record.policy.suspended = true;
    record.policy.version = 'lost-message-version';
    const generation = await client.incr(keys.generation);
    await client.zadd(keys.changes, generation, 'lc');
    await client.hset(keys.policyIndex, 'lc', record.policy.version);
    await client
      .multi()
      .set(keys.policy('lc'), JSON.stringify(record))
      .set(keys.version('lc'), record.policy.version)
      .exec();
    await until(async () => (await hit(h, 'k-lc')).status === 403, 'the suspension through the resync');
  });
});
