/**
 * Global rate-limit accuracy: REPLICAS real sidecar processes in Redis mode (our own
 * redis-server), one tenant with limit L per window W and burst B, every replica flooded.
 * GCRA admits B at once and then L / W per ms, so the exact expectation for a run of length d is
 * B + d * L / W (d measured from the first request sent to the last answer). ratio = admitted /
 * expected. Then Redis is killed, the replicas fall back to local-share (L / live replicas each),
 * and the same flood gives redis_down_ratio. One JSON line on stdout.
 */
import { Redis } from 'ioredis';
import { Pool } from 'undici';
import { redisKeys } from '../policy/wire.ts';
import { startRedisServer } from '../test/harness/redis-server.ts';
import { BURST, LIMIT, REPLICAS, WINDOW_S } from './lib/limiter-flood.ts';
import { spawnNode } from './lib/process.ts';
import { rateLimited, writeTenant } from './lib/redis-tenants.ts';
import { type SidecarProcess, spawnSidecar } from './lib/sidecar-process.ts';

const QUICK = process.env['QUICK'] === '1';
const FLOOD_MS = QUICK ? 4_000 : 10_000;
const CONNECTIONS_PER_REPLICA = 8;
const KEY = 'sk-bench-accuracy';

async function flood(
  procs: SidecarProcess[],
  durationMs: number,
): Promise<{ admitted: number; elapsedMs: number }> {
  let admitted = 0;
  const start = performance.now();
  const end = start + durationMs;
  await Promise.all(
    procs.map(async (p) => {
      const pool = new Pool(`http://127.0.0.1:${p.ports.ingress}`, { connections: CONNECTIONS_PER_REPLICA });
      await Promise.all(
        Array.from({ length: CONNECTIONS_PER_REPLICA }, async () => {
          while (performance.now() < end) {
            const res = await pool.request({
              method: 'GET',
              path: '/v1/answer',
              headers: { 'x-api-key': KEY },
            });
            await res.body.dump();
            if (res.statusCode === 200) admitted++;
          }
        }),
      );
      await pool.close();
    }),
  );
  return { admitted, elapsedMs: performance.now() - start };
}

const expected = (elapsedMs: number) => BURST + (elapsedMs * LIMIT) / (WINDOW_S * 1000);

const redis = await startRedisServer();
const prefix = 'sluice-bench-accuracy:';
const keys = redisKeys(prefix);
const client = new Redis(redis.url, { maxRetriesPerRequest: 0, retryStrategy: () => 200 });
client.on('error', () => {});
await writeTenant(
  client,
  keys,
  rateLimited(
    'flooder',
    'enterprise',
    { limit: LIMIT, window: `${WINDOW_S}s`, burst: BURST },
    { limits: { maxConcurrency: 10_000 } },
  ),
  [KEY],
);
const app = await spawnNode(new URL('../cli/noisy-neighbor/fakes/rag-app.ts', import.meta.url), [
  '--port',
  '0',
]);
const common = [
  ...['--host', '127.0.0.1', '--port', '0', '--metrics-port', '0', '--admin-port', '0', '--egress-port', '0'],
  ...['--upstream', String(app.info['listening']), '--redis-url', redis.url, '--redis-prefix', prefix],
  ...['--heartbeat-ms', '500', '--log-level', 'error', '--max-concurrency', '1024'],
];
const procs = await Promise.all(
  Array.from({ length: REPLICAS }, (_, i) => spawnSidecar([...common, '--replica-id', `acc-${i}`])),
);
const modes = async () =>
  Promise.all(
    procs.map(async (p) => {
      try {
        const r = (await (await fetch(`http://127.0.0.1:${p.ports.admin}/readyz`)).json()) as {
          limiter?: string;
        };
        return r.limiter ?? '?';
      } catch {
        return '?';
      }
    }),
  );
try {
  // Every replica must have seen all four heartbeats before Redis goes away.
  while ((await client.zcard(keys.replicas)) < REPLICAS) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 1_200));
  const up = await flood(procs, FLOOD_MS);
  await redis.stop();
  while ((await modes()).some((m) => m !== 'local-share')) await new Promise((r) => setTimeout(r, 50));
  const down = await flood(procs, FLOOD_MS);
  process.stdout.write(
    `${JSON.stringify({
      replicas: REPLICAS,
      limit: LIMIT,
      window_s: WINDOW_S,
      burst: BURST,
      admitted: up.admitted,
      expected: Math.round(expected(up.elapsedMs)),
      ratio: Math.round((up.admitted / expected(up.elapsedMs)) * 1000) / 1000,
      redis_down_admitted: down.admitted,
      redis_down_expected: Math.round(expected(down.elapsedMs)),
      redis_down_ratio: Math.round((down.admitted / expected(down.elapsedMs)) * 1000) / 1000,
      flood_ms: FLOOD_MS,
      quick: QUICK,
    })}\n`,
  );
} finally {
  await Promise.all(procs.map((p) => p.stop()));
  await app.stop();
  client.disconnect();
  await redis.stop();
}
