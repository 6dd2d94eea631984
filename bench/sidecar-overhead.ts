/**
 * Sidecar overhead: the same load direct to the fake app, through a bare Node proxy
 * (bench/bare-proxy.ts) and through the sidecar in Redis mode with every check on (API-key
 * hash, global GCRA script in Redis on every request, top_k cap, query screening, fair queue).
 * Each target is its own process; the load generator is this one. One JSON line on stdout.
 *
 * Phases per target: warm-up, fixed rate 1,000 req/s open loop (p50/p99), then saturation
 * (closed loop, 64 in flight) for the highest throughput. QUICK=1 shortens every phase.
 * The sidecar runs twice, with the egress listener on and off (`sluice_*`, `sluice_egress_off_*`).
 *
 * SIDECAR_NODE_OPTIONS sets NODE_OPTIONS for the sidecar processes only, e.g. the chart's
 * `sidecar.nodeOptions` (charts/sluice/values.yaml), to measure what the V8 settings save.
 * The sidecar runs from the image's entrypoint, the bundle `cli/sluice.mjs`
 * (test/harness/image/bundle.ts, built here when its inputs changed: docs/adr/0037);
 * SLUICE_BENCH_ENTRY=source runs cli/sluice.ts instead, to compare (`sluice_entry`).
 *
 * Besides latency and throughput, per process: CPU per request (user + system from /proc over
 * the saturation phase, divided by the 2xx answers — the figure that holds on a busy machine),
 * idle RSS (1 s after ready, before any request), peak RSS (VmHWM) and cold start (spawn to the
 * first ready answer: /readyz 200 for the sidecar). `*_ratio` fields divide by the bare proxy of
 * the same run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { ms3, quantile } from '../cli/lib/stats.ts';
import { redisKeys } from '../policy/wire.ts';
import { bundleEntrypoint } from '../test/harness/image/bundle.ts';
import { startRedisServer } from '../test/harness/redis-server.ts';
import { fixedRate, type RequestSpec, saturate } from './lib/load.ts';
import { type NodeProcess, spawnNode } from './lib/process.ts';
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

interface Measured {
  p50: number;
  p99: number;
  maxRps: number;
  /** Process CPU (user + system) over the saturation phase per 2xx answer, ms; null for the app. */
  cpuMsPerReq: number | null;
}

/** Warm-up, fixed rate (latency), then saturation (throughput and CPU per request of `target`). */
async function measure(origin: string, target?: NodeProcess): Promise<Measured> {
  await saturate(origin, spec, 16, WARM_MS);
  const fixed = await fixedRate(origin, spec, RATE, FIXED_MS);
  if (fixed.errors > 0) process.stderr.write(`${origin}: ${fixed.errors} errors at fixed rate\n`);
  const cpuBefore = target?.cpuMs() ?? 0;
  const sat = await saturate(origin, spec, IN_FLIGHT, SATURATE_MS);
  const cpuMsPerReq = target && sat.ok > 0 ? (target.cpuMs() - cpuBefore) / sat.ok : null;
  return {
    p50: quantile(fixed.latencies, 0.5),
    p99: quantile(fixed.latencies, 0.99),
    maxRps: sat.rps,
    cpuMsPerReq,
  };
}

/**
 * Starts a proxy process; `ready` is its readiness URL and `isReady` the answer that means ready
 * (spawn to that answer is the cold start).
 */
async function start(
  script: URL,
  args: string[],
  ready: (p: NodeProcess) => string,
  isReady: (status: number) => boolean = (status) => status === 200,
  env: Record<string, string> = {},
) {
  const t0 = performance.now();
  const proc = await spawnNode(script, args, env);
  const url = ready(proc);
  for (;;) {
    const status = await fetch(url).then(
      (r) => r.status,
      () => 0,
    );
    if (isReady(status)) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const coldStartMs = performance.now() - t0;
  // Idle: after start and a moment's settling, before any request.
  await new Promise((r) => setTimeout(r, 1_000));
  return { proc, coldStartMs, idleRssMb: proc.rssMb().now };
}

const round1 = (n: number) => Math.round(n * 10) / 10;
/** a / b to two decimals; null when b is not a positive number (noise can make an added p99 ≤ 0). */
const ratio = (a: number, b: number) =>
  b > 0 && Number.isFinite(a) ? Math.round((a / b) * 100) / 100 : null;

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
type Ports = { ingress: number; admin?: number };
const ports = (p: NodeProcess) => p.info['ports'] as Ports;
// The bare proxy has no readiness endpoint: it is ready when it forwards anything.
const bare = await start(
  new URL('./bare-proxy.ts', import.meta.url),
  ['--upstream', appUrl],
  (p) => `http://127.0.0.1:${ports(p).ingress}/`,
  (status) => status > 0,
);
const sidecarArgs = (egress: 'on' | 'off') => [
  'sidecar',
  ...['--host', '127.0.0.1', '--port', '0', '--metrics-port', '0', '--admin-port', '0'],
  ...(egress === 'on' ? ['--egress-port', '0'] : ['--egress', 'off']),
  ...['--upstream', appUrl, '--redis-url', redis.url, '--redis-prefix', prefix, '--state-dir', stateDir],
  ...['--max-concurrency', '256', '--log-level', 'warn'],
];
const sidecarReady = (p: NodeProcess) => `http://127.0.0.1:${ports(p).admin}/readyz`;
const ENTRY = process.env['SLUICE_BENCH_ENTRY'] === 'source' ? 'source' : 'bundle';
const SIDECAR =
  ENTRY === 'source'
    ? new URL('../cli/sluice.ts', import.meta.url)
    : pathToFileURL((await bundleEntrypoint()).entry);
const SIDECAR_NODE_OPTIONS = process.env['SIDECAR_NODE_OPTIONS'] ?? '';
const sidecarEnv: Record<string, string> = SIDECAR_NODE_OPTIONS ? { NODE_OPTIONS: SIDECAR_NODE_OPTIONS } : {};

try {
  const direct = await measure(appUrl);
  const bareResult = await measure(`http://127.0.0.1:${ports(bare.proc).ingress}`, bare.proc);
  const bareRss = bare.proc.rssMb();
  await bare.proc.stop();
  const sluice: Record<string, number | null> = {};
  for (const egress of ['on', 'off'] as const) {
    const sidecar = await start(SIDECAR, sidecarArgs(egress), sidecarReady, undefined, sidecarEnv);
    try {
      const m = await measure(`http://127.0.0.1:${ports(sidecar.proc).ingress}`, sidecar.proc);
      const name = egress === 'on' ? 'sluice' : 'sluice_egress_off';
      Object.assign(sluice, {
        [`${name}_p50_ms`]: ms3(m.p50),
        [`${name}_p99_ms`]: ms3(m.p99),
        [`${name}_max_rps`]: Math.round(m.maxRps),
        [`${name}_cpu_ms_per_req`]: ms3(m.cpuMsPerReq ?? Number.NaN),
        [`${name}_idle_rss_mb`]: round1(sidecar.idleRssMb),
        [`${name}_peak_rss_mb`]: round1(sidecar.proc.rssMb().peak),
        [`${name}_cold_start_ms`]: Math.round(sidecar.coldStartMs),
        // Ratios to the bare proxy of this run (the goals of docs/performance.md).
        [`${name}_cpu_ratio`]: ratio(m.cpuMsPerReq ?? Number.NaN, bareResult.cpuMsPerReq ?? Number.NaN),
        [`${name}_rps_ratio`]: ratio(m.maxRps, bareResult.maxRps),
        [`${name}_added_p99_ratio`]: ratio(m.p99 - direct.p99, bareResult.p99 - direct.p99),
        [`${name}_idle_rss_ratio`]: ratio(sidecar.idleRssMb, bare.idleRssMb),
        [`${name}_peak_rss_ratio`]: ratio(sidecar.proc.rssMb().peak, bareRss.peak),
      });
    } finally {
      await sidecar.proc.stop();
    }
  }
  process.stdout.write(
    `${JSON.stringify({
      direct_p50_ms: ms3(direct.p50),
      direct_p99_ms: ms3(direct.p99),
      bare_p50_ms: ms3(bareResult.p50),
      bare_p99_ms: ms3(bareResult.p99),
      bare_max_rps: Math.round(bareResult.maxRps),
      bare_cpu_ms_per_req: ms3(bareResult.cpuMsPerReq ?? Number.NaN),
      bare_idle_rss_mb: round1(bare.idleRssMb),
      bare_peak_rss_mb: round1(bareRss.peak),
      bare_cold_start_ms: Math.round(bare.coldStartMs),
      ...sluice,
      // Kept under its old name for comparison with earlier runs: the egress-on peak.
      sluice_rss_mb: sluice['sluice_peak_rss_mb'],
      sluice_node_options: SIDECAR_NODE_OPTIONS,
      sluice_entry: ENTRY,
      rate: RATE,
      quick: QUICK,
    })}\n`,
  );
} finally {
  await app.stop();
  client.disconnect();
  await redis.stop();
  rmSync(stateDir, { recursive: true, force: true });
}
