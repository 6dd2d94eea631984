/**
 * The sidecar's report against real Redis: it acknowledges only tenants whose window the
 * operator opened (a sidecar start writes nothing for the others), acknowledges again when a
 * new window opens, says its limiter mode, and adds what its counters gained to the minute's
 * activity hash.
 */
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTenant } from '../../bench/lib/redis-tenants.ts';
import { type RagApp, startRagApp } from '../../cli/noisy-neighbor/fakes/rag-app.ts';
import { ServedStore } from '../../operator/stores/served.ts';
import { decodeServed, redisKeys } from '../../policy/wire.ts';
import { devEnv } from '../../test/harness/env.ts';
import { eventually, randomName } from '../../test/support/operator.ts';
import { type SidecarHandle, startSidecar } from '../main.ts';
import { loadSettings } from './settings.ts';

const PREFIX = `${randomName('sluice-test-served')}:`;
const keys = redisKeys(PREFIX);
let redis: Redis;
let app: RagApp;
let sidecar: SidecarHandle;

beforeAll(async () => {
  redis = new Redis(devEnv().redisUrl);
  app = await startRagApp();
  for (const t of ['one', 'two', 'three'])
    await writeTenant(redis, keys, { tenantId: t, tier: 'free' }, [`k-${t}`]);
  sidecar = await startSidecar(
    loadSettings(
      [],
      {},
      {
        host: '127.0.0.1',
        port: 0,
        metricsPort: 0,
        adminPort: 0,
        egress: 'off',
        upstream: app.url,
        redis: devEnv().redisUrl,
        redisPrefix: PREFIX,
        heartbeatMs: 200,
        replicaId: 'replica-a',
      },
    ),
    { log: pino({ level: 'silent' }) },
  );
});

afterAll(async () => {
  await sidecar?.close();
  await app?.close();
  const stale = await redis.keys(`${PREFIX}*`);
  if (stale.length > 0) await redis.del(...stale);
  redis.disconnect();
});

describe('served report', () => {
  it('acknowledges only tenants with an open window, with the version it serves', async () => {
    const served = new ServedStore(redis, keys);
    await served.open('two');
    const ack = await eventually(async () => redis.hget(keys.served('two'), 'replica-a'));
    expect(decodeServed(ack)?.version).toBe(sidecar.policies.byTenant('two')?.policy.version);
    // Several heartbeats later, still nothing for the tenants nobody waits on.
    await new Promise((r) => setTimeout(r, 600));
    expect(await redis.exists(keys.served('one'), keys.served('three'))).toBe(0);
    const snapshot = await served.read('two');
    expect(snapshot.live).toEqual(['replica-a']);
    expect(snapshot.windowUntilMs).toBeGreaterThan(snapshot.nowMs);
  });

  it('a new window starts empty and the sidecar acknowledges again; a new version is acknowledged', async () => {
    const served = new ServedStore(redis, keys);
    await served.open('two');
    expect(await redis.hget(keys.served('two'), 'replica-a')).toBeNull();
    await eventually(async () => redis.hget(keys.served('two'), 'replica-a'));
    await served.open('one');
    const record = await writeTenant(redis, keys, { tenantId: 'one', tier: 'pro' }, ['k-one']);
    const ack = await eventually(async () => {
      const text = await redis.hget(keys.served('one'), 'replica-a');
      return text && decodeServed(text)?.version === record.policy.version ? text : null;
    });
    expect(decodeServed(ack)!.appliedAtMs).toBeGreaterThan(Date.now() - 10_000);
  });

  it('says its limiter mode and what its counters gained, per tenant and minute', async () => {
    const info = JSON.parse((await eventually(async () => redis.get(keys.replicaInfo('replica-a'))))!);
    expect(info).toMatchObject({ limiterMode: 'global', tenants: 3 });
    for (let i = 0; i < 3; i++) {
      const r = await fetch(`http://127.0.0.1:${sidecar.ports.ingress}/v1/answer`, {
        method: 'POST',
        headers: { authorization: 'Bearer k-three' },
      });
      await r.arrayBuffer();
    }
    const minute = Math.floor(Date.now() / 60_000);
    const total = await eventually(
      async () => {
        let n = 0;
        for (const m of [minute - 1, minute, minute + 1])
          n += Number((await redis.hget(keys.activity(m), 'three|requests')) ?? 0);
        return n >= 3 ? n : null;
      },
      15_000,
      200,
    );
    expect(total).toBe(3);
  });
});
