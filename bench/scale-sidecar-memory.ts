/**
 * Sidecar memory against the installation's size (docs/adr/0025): 1k, 10k and 100k synthetic
 * tenant records written directly into a fresh redis-server, of which 100 are active. A real
 * sidecar process serves an open-loop load over the 100 active tenants; we read its RSS
 * (/proc/<pid>/status) and the latency percentiles. One JSON line per size.
 *
 *   make bench-scale            (runs this after bench/scale.ts)
 *   QUICK=1 ...                 shorter load
 *   SIZES=1000,10000 ...        other sizes
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { Redis } from 'ioredis';
import { Pool } from 'undici';
import { ms3, openLoop, quantile } from '../cli/lib/stats.ts';
import { startRagApp } from '../cli/noisy-neighbor/fakes/rag-app.ts';
import { redisKeys } from '../policy/wire.ts';
import { startRedisServer } from '../test/harness/redis-server.ts';
import { writeManyTenants } from './lib/redis-tenants.ts';
import { spawnSidecar } from './lib/sidecar-process.ts';

const QUICK = process.env['QUICK'] === '1';
const SIZES = (process.env['SIZES'] ?? '1000,10000,100000').split(',').map(Number);
const ACTIVE = 100;
// Requests per second over the active tenants: well under what one sidecar serves on a busy
// 2-core machine, so the latency is the sidecar's, not a queue's.
const RATE = Number(process.env['RATE'] ?? 100);
const DURATION_MS = QUICK ? 5_000 : 15_000;
const log = (m: string) => process.stderr.write(`[bench-sidecar-memory] ${m}\n`);

const app = await startRagApp();
for (const total of SIZES) {
  const server = await startRedisServer();
  const redis = new Redis(server.url);
  const prefix = 'sluice:';
  const keys = redisKeys(prefix);
  const started = Date.now();
  await writeManyTenants(redis, keys, {
    count: total,
    batch: 1_000,
    spec: (j, tenantId) => ({
      tenantId,
      tier: j % 3 === 0 ? 'pro' : 'free',
      displayName: `Tenant ${j}`,
      limits: { requests: { limit: 1_000_000, window: '1h', burst: 1_000_000 } },
    }),
    source: (tenantId) => `bench/${tenantId}`,
  });
  await redis.incr(keys.generation);
  log(`${total} records written in ${Date.now() - started} ms`);

  const sidecar = await spawnSidecar([
    ...['--host', '127.0.0.1', '--port', '0', '--metrics-port', '0', '--admin-port', '0', '--egress', 'off'],
    ...['--upstream', app.url, '--redis-url', server.url, '--redis-prefix', prefix, '--log-level', 'error'],
  ]);
  const rss = () => {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${sidecar.child.pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : 0;
  };
  const rssAtStart = rss();
  const pool = new Pool(`http://127.0.0.1:${sidecar.ports.ingress}`, { connections: 64 });
  const latencies: number[] = [];
  let errors = 0;
  await openLoop(RATE, DURATION_MS, async (i) => {
    // The active tenants are spread over the installation, not its first 100.
    const tenant = Math.floor(((i % ACTIVE) * total) / ACTIVE);
    const t0 = performance.now();
    try {
      const res = await pool.request({
        method: 'POST',
        path: '/v1/answer',
        headers: { authorization: `Bearer key-${tenant}`, 'content-type': 'application/json' },
        body: '{"query":"q"}',
      });
      await res.body.dump();
      if (res.statusCode === 200) latencies.push(performance.now() - t0);
      else errors++;
    } catch {
      errors++;
    }
  });
  await pool.close();
  const ready = (await (await fetch(`http://127.0.0.1:${sidecar.ports.admin}/readyz`)).json()) as {
    tenants: number;
  };
  const redisMb = Math.round(Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]) / 1024 / 1024);
  process.stdout.write(
    `${JSON.stringify({
      bench: 'sidecar-memory',
      tenant_records_in_redis: total,
      active_tenants: ACTIVE,
      held_by_sidecar: ready.tenants,
      sidecar_rss_mb_at_start: rssAtStart,
      sidecar_rss_mb: rss(),
      rate_per_s: RATE,
      ok: latencies.length,
      errors,
      p50_ms: ms3(quantile(latencies, 0.5)),
      p99_ms: ms3(quantile(latencies, 0.99)),
      redis_used_mb: redisMb,
      conditions: { cpus: cpus().length, loadavg_1m: Math.round(loadavg()[0]! * 10) / 10, quick: QUICK },
    })}\n`,
  );
  await sidecar.stop();
  redis.disconnect();
  await server.stop();
}
await app.close();
