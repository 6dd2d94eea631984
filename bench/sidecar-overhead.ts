/**
 * Sidecar overhead: the same load direct to the fake app, through a bare Node proxy
 * (bench/bare-proxy.ts) and through the sidecar in Redis mode with every check on (API-key
 * hash, global GCRA script in Redis on every request, top_k cap, query screening, fair queue).
 * Each target is its own process; the load generator is this one. One JSON line on stdout.
 *
 * Phases per target: warm-up, fixed rate 1,000 req/s open loop (p50/p99), then saturation
 * (closed loop, 64 in flight) for the highest throughput. QUICK=1 shortens every phase.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { ms3, quantile } from '../cli/lib/stats.ts';
import { redisKeys } from '../policy/wire.ts';
import { startRedisServer } from '../test/harness/redis-server.ts';
import { fixedRate, type RequestSpec, saturate } from './lib/load.ts';
import { spawnNode } from './lib/process.ts';
import { writeTenant } from './lib/redis-tenants.ts';

const QUICK = process.env['QUICK'] === '1';
const RATE = 1_000;
const FIXED_MS = QUICK ? 3_000 : 10_000;
const SATURATE_MS = QUICK ? 3_000 : 8_000;
const WARM_MS = QUICK ? 1_000 : 2_000;
const IN_FLIGHT = 64;

const KEY = 'sk-bench-overhead';
const spec: RequestSpec = {
  method: 'POST',
  path: '/v1/answer',
  headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
  body: JSON.stringify({ query: 'what does clause 14.2 say about termination?', top_k: 50 }),
};

async function measure(origin: string): Promise<{ p50: number; p99: number; maxRps: number }> {
  await saturate(origin, spec, 16, WARM_MS);
  const fixed = await fixedRate(origin, spec, RATE, FIXED_MS);
  if (fixed.errors > 0) process.stderr.write(`${origin}: ${fixed.errors} errors at fixed rate\n`);
  const sat = await saturate(origin, spec, IN_FLIGHT, SATURATE_MS);
  return { p50: quantile(fixed.latencies, 0.5), p99: quantile(fixed.latencies, 0.99), maxRps: sat.rps };
}

const redis = await startRedisServer();
const prefix = 'sluice-bench-overhead:';
const client = new Redis(redis.url);
await writeTenant(
  client,
  redisKeys(prefix),
  {
    tenantId: 'bench',
    tier: 'enterprise',
    // Never limited, so every request runs the Redis script (no deny-cache shortcut).
    limits: {
      requests: { limit: 1_000_000_000, window: '1h', burst: 1_000_000_000 },
      maxConcurrency: 10_000,
    },
    screening: { mode: 'reject', denyPhrases: ['ignore previous instructions'] },
  },
  [KEY],
);
const stateDir = mkdtempSync(join(tmpdir(), 'sluice-bench-'));
const app = await spawnNode(new URL('../cli/noisy-neighbor/fakes/rag-app.ts', import.meta.url), [
  '--port',
  '0',
]);
const appUrl = String(app.info['listening']);
const bare = await spawnNode(new URL('./bare-proxy.ts', import.meta.url), ['--upstream', appUrl]);
const sidecar = await spawnNode(new URL('../cli/sidecar-main.ts', import.meta.url), [
  ...['--host', '127.0.0.1', '--port', '0', '--metrics-port', '0', '--admin-port', '0', '--egress-port', '0'],
  ...['--upstream', appUrl, '--redis', redis.url, '--redis-prefix', prefix, '--state-dir', stateDir],
  ...['--max-concurrency', '256', '--log-level', 'warn'],
]);
const port = (p: { info: Record<string, unknown> }) => (p.info['ports'] as { ingress: number }).ingress;

try {
  const direct = await measure(appUrl);
  const bareResult = await measure(`http://127.0.0.1:${port(bare)}`);
  const sluice = await measure(`http://127.0.0.1:${port(sidecar)}`);
  const rss = sidecar.rssMb();
  process.stdout.write(
    `${JSON.stringify({
      direct_p50_ms: ms3(direct.p50),
      direct_p99_ms: ms3(direct.p99),
      bare_p50_ms: ms3(bareResult.p50),
      bare_p99_ms: ms3(bareResult.p99),
      sluice_p50_ms: ms3(sluice.p50),
      sluice_p99_ms: ms3(sluice.p99),
      bare_max_rps: Math.round(bareResult.maxRps),
      sluice_max_rps: Math.round(sluice.maxRps),
      sluice_rss_mb: Math.round(rss.peak * 10) / 10,
      rate: RATE,
      quick: QUICK,
    })}\n`,
  );
} finally {
  await Promise.all([sidecar.stop(), bare.stop(), app.stop()]);
  client.disconnect();
  await redis.stop();
  rmSync(stateDir, { recursive: true, force: true });
}
