/**
 * The limiter's accounting when Redis is slow, paused or gone (docs/adr/0015-exact-under-pressure.md),
 * against a real redis-server of our own, reached directly or through toxiproxy:
 *  - an answer later than the deadline refuses the request and refunds the admission in Redis;
 *  - a call lost in flight is refused, never decided a second time by the local share;
 *  - the local share starts from the last global state, and what it admitted alone is charged
 *    back to Redis on return — so an outage does not hand out a fresh burst on either side;
 *  - calls issued in the same turn leave as one pipeline (redis-store.ts): every call of a batch
 *    is decided once — exact when Redis answers, refused (never decided again) when the batch
 *    is late or lost (docs/adr/0031-lean-request-path.md).
 */
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedisServer } from '../../test/harness/redis-server.ts';
import { startToxiproxy, type ToxiProxy, type Toxiproxy } from '../../test/harness/toxiproxy.ts';
import { until } from '../../test/support/until.ts';
import { createRedisClient } from '../config/redis-client.ts';
import { SidecarMetrics } from '../metrics.ts';
import type { RateLimit } from './gcra.ts';
import { Limiter } from './limiter.ts';
import { RedisRateStore } from './redis-store.ts';

const prefix = 'sluice-test-limiter:';
const keyOf = (tenant: string) => `${prefix}rl:${tenant}`;

interface Rig {
  limiter: Limiter;
  client: Redis;
  metrics: SidecarMetrics;
  events(event: string): Promise<number>;
}

const clients: Redis[] = [];
/**
 * A limiter wired as sidecar/main.ts wires it, against `port`. main.ts uses one number for the
 * deadline and the socket timeout; the tests pull them apart to reach each path on its own.
 * Returns once the limiter has reached Redis (global mode).
 */
async function rig(
  port: number,
  deadlineMs: number,
  replicas = 1,
  socketTimeoutMs = deadlineMs,
): Promise<Rig> {
  // The command client's options of main.ts: fail fast, no retries.
  const client = createRedisClient(`redis://127.0.0.1:${port}`, {
    failFast: true,
    maxRetriesPerRequest: 0,
    socketTimeoutMs,
    retryCapMs: 500,
  }) as Redis;
  client.on('error', () => {});
  clients.push(client);
  const metrics = new SidecarMetrics();
  const limiter = new Limiter({
    now: () => performance.now(),
    log: pino({ level: 'silent' }),
    metrics,
    redis: {
      client,
      store: new RedisRateStore(client, keyOf),
      failureMode: 'local-share',
      deadlineMs,
    },
  });
  limiter.setLiveReplicas(replicas);
  const events = async (event: string) => {
    const m = await metrics.limiterEvents.get();
    return m.values.find((v) => v.labels['event'] === event)?.value ?? 0;
  };
  await until(() => limiter.mode() === 'global', 'global mode');
  return { limiter, client, metrics, events };
}

const takeN = async (l: Limiter, tenant: string, rate: RateLimit, n: number) => {
  let admitted = 0;
  for (let i = 0; i < n; i++) if ((await l.take(tenant, rate)).allowed) admitted++;
  return admitted;
};

describe('limiter accounting under a slow, paused or lost Redis', () => {
  let redis: RedisServer;
  let toxi: Toxiproxy;
  let admin: Redis;
  const debtMs = async (tenant: string) => {
    const [[, t], [, time]] = (await admin.multi().hget(keyOf(tenant), 't').time().exec()) as [
      [null, string | null],
      [null, [string, string]],
    ];
    if (t === null) return 0;
    return Number(t) - (Number(time[0]) * 1000 + Number(time[1]) / 1000);
  };

  /** A limiter behind a proxy that answers 700 ms late: past the 300 ms deadline, within the 5 s socket timeout. */
  const lateRig = async (name: string) => {
    const proxy = await toxi.proxy(name, redis.port);
    const r = await rig(proxy.port, 300, 1, 5_000);
    await proxy.add({ type: 'latency', attributes: { latency: 700 } });
    return { r, proxy };
  };
  /** `refunds` late admissions were given back and landed: the whole burst of 10 is there again. */
  const expectAllRefunded = async (
    r: Rig,
    proxy: ToxiProxy,
    tenant: string,
    rate: RateLimit,
    refunds: number,
  ) => {
    await until(async () => (await r.events('refund')) === refunds, 'the refunds');
    await until(async () => (await debtMs(tenant)) === 0, 'the refunds to land');
    await proxy.clear();
    expect(await takeN(r.limiter, tenant, rate, 12)).toBe(10);
  };

  beforeAll(async () => {
    redis = await startRedisServer();
    toxi = await startToxiproxy();
    admin = new Redis(redis.url, { maxRetriesPerRequest: 1, retryStrategy: () => 100 });
    admin.on('error', () => {});
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.disconnect();
    if (!redis.running()) await redis.start();
    redis.resume();
  });
  afterAll(async () => {
    admin?.disconnect();
    await toxi?.stop();
    await redis?.stop();
  });

  it('refuses a request whose answer misses the deadline, and refunds the late admission', async () => {
    const { r, proxy } = await lateRig('late');
    const rate = { limit: 10, windowMs: 3_600_000, burst: 10 };
    const d = await r.limiter.take('late', rate);
    expect(d).toMatchObject({ allowed: false, retryAfterMs: 1_000 });
    expect(await r.events('deadline')).toBe(1);
    await expectAllRefunded(r, proxy, 'late', rate, 1);
  });

  it('refuses a call lost in flight instead of deciding it again locally', async () => {
    // The socket timeout (300 ms) closes the connection before the deadline (5 s) passes.
    const r = await rig(redis.port, 5_000, 2, 300);
    const rate = { limit: 100, windowMs: 3_600_000, burst: 100 };
    redis.pause();
    // Sent to a Redis that will run it after SIGCONT: the socket timeout closes the connection.
    const lost = await r.limiter.take('lost', rate);
    expect(lost).toMatchObject({ allowed: false, retryAfterMs: 1_000 });
    expect(await r.events('unknown')).toBe(1);
    expect(r.limiter.mode()).toBe('local-share');
    redis.resume();
    await until(() => r.limiter.mode() === 'global', 'global mode again');
    // Redis ran the lost call (it was in its socket buffer): counted there, admitted nowhere.
    expect(await debtMs('lost')).toBeGreaterThan(0);
  });

  // Calls issued in the same turn go out as one pipeline (redis-store.ts, docs/adr/0031).
  const takeAll = (l: Limiter, tenant: string, rate: RateLimit, n: number) =>
    Promise.all(Array.from({ length: n }, () => l.take(tenant, rate)));

  it('decides each call of a batch once: exactly the burst of 60 concurrent calls is admitted', async () => {
    const r = await rig(redis.port, 5_000);
    const rate = { limit: 25, windowMs: 86_400_000, burst: 25 };
    const decisions = await takeAll(r.limiter, 'batched', rate, 60);
    expect(decisions.filter((d) => d.allowed)).toHaveLength(25);
    // Each admission saw its own count: remaining 24, 23, … 0, once each.
    expect(
      decisions
        .filter((d) => d.allowed)
        .map((d) => d.remaining)
        .sort((a, b) => b - a),
    ).toEqual(Array.from({ length: 25 }, (_, i) => 24 - i));
    expect(await debtMs('batched')).toBeGreaterThan(24.9 * 3_456_000);
  });

  it('refuses every call of a late batch and refunds each late admission', async () => {
    const { r, proxy } = await lateRig('late-batch');
    const rate = { limit: 10, windowMs: 86_400_000, burst: 10 };
    const decisions = await takeAll(r.limiter, 'late-batch', rate, 16);
    expect(decisions.every((d) => !d.allowed && d.retryAfterMs === 1_000)).toBe(true);
    expect(await r.events('deadline')).toBe(16);
    // Redis admitted 10 of the 16 late: each is given back, so nothing was spent.
    await expectAllRefunded(r, proxy, 'late-batch', rate, 10);
  });

  it('refuses every call of a batch lost in flight; none is decided again locally', async () => {
    const r = await rig(redis.port, 5_000, 2, 300);
    const rate = { limit: 100, windowMs: 86_400_000, burst: 100 };
    redis.pause();
    const lost = await takeAll(r.limiter, 'lost-batch', rate, 8);
    expect(lost.every((d) => !d.allowed && d.retryAfterMs === 1_000)).toBe(true);
    expect(await r.events('unknown')).toBe(8);
    redis.resume();
    await until(() => r.limiter.mode() === 'global', 'global mode again');
    // Redis ran the 8 lost calls (they were in its socket buffer): counted there, admitted nowhere.
    await until(async () => (await debtMs('lost-batch')) > 7.9 * 864_000, 'the lost calls counted');
    expect(await debtMs('lost-batch')).toBeLessThanOrEqual(8 * 864_000);
  });

  it('starts the local share from the last global state, then charges back what it admitted alone', async () => {
    const r = await rig(redis.port, 300, 2);
    // 100 per day, burst 20: T = 864 s, so nothing refills during the test.
    const rate = { limit: 100, windowMs: 86_400_000, burst: 20 };
    expect(await takeN(r.limiter, 'seeded', rate, 6)).toBe(6);
    redis.pause();
    expect((await r.limiter.take('seeded', rate)).allowed).toBe(false); // no answer in time
    await until(() => r.limiter.mode() === 'local-share', 'local-share mode');
    // Its share of the burst is 10 minus its share of the 6 spent (3): 7, not a fresh 10.
    expect(await takeN(r.limiter, 'seeded', rate, 12)).toBe(7);
    expect(await r.events('seed')).toBeGreaterThan(0);
    redis.resume();
    await until(() => r.limiter.mode() === 'global', 'global mode again');
    await until(async () => (await r.events('charge-back')) === 1, 'the charge-back');
    // Redis holds the 6 it admitted, the lost call it ran after SIGCONT, and the 7 charged back:
    // 14 of 20, less the few ms that passed — as if one global limiter had seen every request.
    await until(async () => (await debtMs('seeded')) > 13.9 * 864_000, 'the charge to land');
    expect(await debtMs('seeded')).toBeLessThanOrEqual(14 * 864_000);
  });

  it('charges a restarted, empty Redis with what the replicas admitted alone', async () => {
    const r = await rig(redis.port, 300, 2);
    const rate = { limit: 100, windowMs: 86_400_000, burst: 20 };
    await redis.stop();
    await until(() => r.limiter.mode() === 'local-share', 'local-share mode');
    expect(await takeN(r.limiter, 'restarted', rate, 15)).toBe(10);
    await redis.start();
    await until(() => r.limiter.mode() === 'global', 'global mode again');
    await until(async () => (await debtMs('restarted')) > 9.9 * 864_000, 'the charge-back');
    // The tenant spent 10 of its 20 alone: Redis admits the other 10 and no fresh 20.
    expect(await takeN(r.limiter, 'restarted', rate, 15)).toBe(10);
  });
});
