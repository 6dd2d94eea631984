/**
 * Fair-queue behaviour under a flood, in file mode (the queue, not the limiter, is measured:
 * the flooding tenant has a huge rate limit). The fake app works on C requests at once,
 * SERVICE_MS each (capacity C * 1000 / SERVICE_MS req/s) and the sidecar's --max-concurrency is C.
 *
 *  - baseline: the enterprise tenant at a steady rate, two light free tenants;
 *  - flood: the same, plus a free tenant at 10x the app's capacity.
 *
 * Reports the enterprise p95 in both, the free tier's share of what the app served during the
 * flood, tenants that sent but got nothing (starved), and the longest queue wait seen
 * (client latency of an admitted request minus the app's service time, an upper bound) against
 * the largest queue timeout in play. One JSON line on stdout.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { ms3, openLoop, quantile } from '../cli/lib/stats.ts';
import { TIER_DEFAULTS } from '../policy/tiers.ts';
import { spawnNode } from './lib/process.ts';
import { spawnSidecar } from './lib/sidecar-process.ts';

const QUICK = process.env['QUICK'] === '1';
const C = 8;
const SERVICE_MS = 200;
const CAPACITY = (C * 1000) / SERVICE_MS; // 40 req/s
const PHASE_MS = QUICK ? 5_000 : 15_000;
const ENTERPRISE_RATE = 5;
const LIGHT_RATE = 1;
const FLOOD_RATE = CAPACITY * 10;

// Big rate limits for everyone: the queue, not the limiter, is what is measured. The flooder
// also gets a big max concurrency so only the scheduler holds it back.
const BIG = '  limits: { requests: { limit: 100000000, window: 1h, burst: 1000000 }';
const TENANTS = [
  { id: 'ent', tier: 'enterprise', extra: `${BIG} }\n` },
  { id: 'light-1', tier: 'free', extra: `${BIG} }\n` },
  { id: 'light-2', tier: 'free', extra: `${BIG} }\n` },
  { id: 'flood', tier: 'free', extra: `${BIG}, maxConcurrency: 10000 }\n` },
];

const dir = mkdtempSync(join(tmpdir(), 'sluice-fairness-'));
for (const t of TENANTS) {
  writeFileSync(
    join(dir, `${t.id}.yaml`),
    `apiVersion: v1\nkind: Secret\nmetadata: { name: ${t.id}-key }\nstringData: { api-key: key-${t.id} }\n---\n` +
      `apiVersion: sluice.dev/v1alpha1\nkind: TenantPolicy\nmetadata: { name: ${t.id} }\nspec:\n  tenantId: ${t.id}\n  tier: ${t.tier}\n  apiKeySecretRef: { name: ${t.id}-key }\n${t.extra}`,
  );
}
const app = await spawnNode(new URL('../cli/noisy-neighbor/fakes/rag-app.ts', import.meta.url), [
  ...['--port', '0', '--latency-ms', String(SERVICE_MS), '--concurrency', String(C)],
]);
// The sidecar in its own process, as deployed: the load generator does not share its event loop.
const sidecar = await spawnSidecar([
  ...['--host', '127.0.0.1', '--port', '0', '--metrics-port', '0', '--admin-port', '0', '--egress-port', '0'],
  ...['--upstream', String(app.info['listening']), '--policies', dir, '--max-concurrency', String(C)],
  ...['--log-level', 'error'],
]);
const pool = new Pool(`http://127.0.0.1:${sidecar.ports.ingress}`, { connections: 512 });

interface Tally {
  sent: number;
  ok: number;
  latencies: number[];
}

async function phase(withFlood: boolean): Promise<Map<string, Tally>> {
  const tallies = new Map<string, Tally>();
  const drive = (tenant: string, rate: number) => {
    const t: Tally = { sent: 0, ok: 0, latencies: [] };
    tallies.set(tenant, t);
    return openLoop(rate, PHASE_MS, async () => {
      t.sent++;
      const t0 = performance.now();
      const res = await pool.request({
        method: 'GET',
        path: '/v1/answer',
        headers: { 'x-api-key': `key-${tenant}` },
      });
      await res.body.dump();
      if (res.statusCode === 200) {
        t.ok++;
        t.latencies.push(performance.now() - t0);
      }
    });
  };
  await Promise.all([
    drive('ent', ENTERPRISE_RATE),
    drive('light-1', LIGHT_RATE),
    drive('light-2', LIGHT_RATE),
    ...(withFlood ? [drive('flood', FLOOD_RATE)] : []),
  ]);
  return tallies;
}

try {
  const baseline = await phase(false);
  const flood = await phase(true);
  const served = [...flood.values()].reduce((a, t) => a + t.ok, 0);
  const freeServed = ['light-1', 'light-2', 'flood'].reduce((a, id) => a + (flood.get(id)?.ok ?? 0), 0);
  const starved = [...flood.entries()].filter(([, t]) => t.sent > 0 && t.ok === 0).map(([id]) => id);
  const maxLatency = Math.max(...[...flood.values()].flatMap((t) => t.latencies));
  const timeoutMs = Math.max(TIER_DEFAULTS.free.queueTimeoutMs, TIER_DEFAULTS.enterprise.queueTimeoutMs);
  process.stdout.write(
    `${JSON.stringify({
      enterprise_p95_baseline_ms: ms3(quantile(baseline.get('ent')!.latencies, 0.95)),
      enterprise_p95_flood_ms: ms3(quantile(flood.get('ent')!.latencies, 0.95)),
      free_share: Math.round((freeServed / served) * 1000) / 1000,
      starved_tenants: starved.length,
      max_wait_ms: ms3(Math.max(0, maxLatency - SERVICE_MS)),
      timeout_ms: timeoutMs,
      free_timeout_ms: TIER_DEFAULTS.free.queueTimeoutMs,
      app_capacity_rps: CAPACITY,
      flood_rps: FLOOD_RATE,
      flood_sent: flood.get('flood')!.sent,
      flood_admitted: flood.get('flood')!.ok,
      light_admitted: (flood.get('light-1')?.ok ?? 0) + (flood.get('light-2')?.ok ?? 0),
      light_sent: (flood.get('light-1')?.sent ?? 0) + (flood.get('light-2')?.sent ?? 0),
      enterprise_admitted: flood.get('ent')!.ok,
      enterprise_sent: flood.get('ent')!.sent,
      quick: QUICK,
    })}\n`,
  );
} finally {
  await pool.close();
  await sidecar.stop();
  await app.stop();
  rmSync(dir, { recursive: true, force: true });
}
