/**
 * Global rate-limit accuracy under pressure (docs/adr/0015-exact-under-pressure.md): REPLICAS real
 * sidecar processes in Redis mode reach our own redis-server through toxiproxy, one tenant with
 * limit L per window W and burst B, every replica flooded, in phases:
 *
 *   idle          nothing else running                                  → ratio
 *   stress        BUSY busy processes beside the sidecars               → stress_ratio
 *   latency_50ms  +50 ms (±10 ms jitter) on every Redis reply           → latency_ratio_50ms
 *   latency_300ms +300 ms (±30 ms)                                      → latency_ratio_300ms
 *   latency_2s    +2 s (±200 ms)                                        → latency_ratio_2s
 *   pause         Redis SIGSTOPped for PAUSE_MS mid-phase, then SIGCONT → pause_ratio
 *
 * The load is an open loop at 4 × L / W spread over the replicas. Each phase has its own tenant
 * (a full bucket at its start), and GCRA admits at most B + d × L / W over any interval d, so the
 * allowance is computed over the interval between the first and the last admitted answer (both
 * carry the same reply delay, injected or from a busy machine, so the interval is the one in
 * which the admissions were decided). Measured from sends instead, a machine at a load average of
 * 25 that answered 30 s late made the allowance half of what Redis had really been asked to cover.
 * What is left is the spread of the reply delay: the first and the last admitted answer can each be
 * off their decision by the jitter, so the allowance is within ± 2 × jitter × L / W of the exact one
 * (latency_2s: ± 400 ms × 60/s = ± 24 of about 660, ± 3.6 %; latency_300ms ± 1.1 %; in the busy
 * phase, by how unevenly the machine answers).
 * ratio = admitted / allowed: 0.98–1.00 is the goal while Redis answers at all, ≤ 1.05 across a
 * pause. decision_p99 is the 99th percentile of the time to a 429 (the limiter's answer, HTTP
 * included), ms.
 * Prints one JSON line (with sluice_limiter_events_total per phase: deadline, unknown, refund,
 * seed, charge-back); QUICK=1 for shorter phases, PHASES=idle,pause to run some.
 */
import { Redis } from 'ioredis';
import { Pool } from 'undici';
import { openLoop, quantile } from '../cli/lib/stats.ts';
import { redisKeys } from '../policy/wire.ts';
import { startBusyCpu } from '../test/harness/busy-cpu.ts';
import { startRedisServer } from '../test/harness/redis-server.ts';
import { startToxiproxy } from '../test/harness/toxiproxy.ts';
import { spawnNode } from './lib/process.ts';
import { writeTenant } from './lib/redis-tenants.ts';
import { type SidecarProcess, spawnSidecar } from './lib/sidecar-process.ts';

const QUICK = process.env['QUICK'] === '1';
const REPLICAS = 4;
const LIMIT = 600;
const WINDOW_S = 10;
const BURST = 60;
const PHASE_MS = QUICK ? 5_000 : 10_000;
const PAUSE_PHASE_MS = QUICK ? 9_000 : 14_000;
const PAUSE_MS = 4_000;
const BUSY = Number(process.env['BUSY'] ?? 3);
// Open loop, spread evenly: 4 × the limit's rate, whatever the answers take. A closed loop with
// 2 s replies sends in waves 2 s apart, and a bucket of 1 s (B = 60 at 60/s) cannot hold a 2 s
// gap: the benchmark would measure its own load shape. Sockets for 2.2 s × 240/s in flight.
const RATE = 4 * (LIMIT / WINDOW_S);
const CONNECTIONS_PER_REPLICA = 200;

interface PhaseResult {
  admitted: number;
  allowed: number;
  ratio: number;
  p99: number;
  /** sluice_limiter_events_total added up over the replicas during the phase. */
  events: Record<string, number>;
}

/** sluice_limiter_events_total{event} summed over the replicas. */
async function limiterEvents(): Promise<Record<string, number>> {
  const sum: Record<string, number> = {};
  for (const p of procs) {
    const text = await (await fetch(`http://127.0.0.1:${p.ports.metrics}/metrics`)).text();
    for (const m of text.matchAll(/^sluice_limiter_events_total\{event="([\w-]+)"\} (\S+)$/gm)) {
      sum[m[1]!] = (sum[m[1]!] ?? 0) + Number(m[2]);
    }
  }
  return sum;
}

const redis = await startRedisServer();
const toxi = await startToxiproxy();
const proxy = await toxi.proxy('redis', redis.port);
const prefix = 'sluice-bench-stress:';
const keys = redisKeys(prefix);
const admin = new Redis(redis.url, { maxRetriesPerRequest: 0, retryStrategy: () => 200 });
admin.on('error', () => {});
const app = await spawnNode(new URL('../cli/noisy-neighbor/fakes/rag-app.ts', import.meta.url), [
  '--port',
  '0',
]);
const common = [
  ...['--host', '127.0.0.1', '--port', '0', '--metrics-port', '0', '--admin-port', '0', '--egress-port', '0'],
  ...['--upstream', String(app.info['listening']), '--redis', proxy.url('redis'), '--redis-prefix', prefix],
  ...['--heartbeat-ms', '500', '--log-level', 'error', '--max-concurrency', '1024'],
];
// Kept as they start, so a replica that fails to start does not leave the others running.
const procs: SidecarProcess[] = [];
const pools: Pool[] = [];
const cleanUp = async () => {
  await Promise.all(pools.map((p) => p.close()));
  await Promise.all(procs.map((p) => p.stop()));
  await app.stop();
  admin.disconnect();
  redis.resume();
  await toxi.stop();
  await redis.stop();
};
try {
  for (const p of await Promise.allSettled(
    Array.from({ length: REPLICAS }, (_, i) =>
      spawnSidecar([...common, '--replica-id', `stress-${i}`]).then((proc) => {
        procs.push(proc);
        return proc;
      }),
    ),
  )) {
    if (p.status === 'rejected') throw p.reason;
  }
} catch (error) {
  await cleanUp();
  throw error;
}
for (const p of procs) {
  pools.push(new Pool(`http://127.0.0.1:${p.ports.ingress}`, { connections: CONNECTIONS_PER_REPLICA }));
}

let phaseNo = 0;
async function phase(durationMs: number, during?: () => Promise<void>): Promise<PhaseResult> {
  const tenant = `stress-${phaseNo++}`;
  const key = `sk-${tenant}`;
  await writeTenant(
    admin,
    keys,
    {
      tenantId: tenant,
      tier: 'enterprise',
      limits: { requests: { limit: LIMIT, window: `${WINDOW_S}s`, burst: BURST }, maxConcurrency: 10_000 },
    },
    [key],
  );
  // Every replica must know the tenant before the flood (pub/sub, or the resync through the proxy).
  for (const p of procs) {
    for (;;) {
      const r = await fetch(`http://127.0.0.1:${p.ports.admin}/policies/${tenant}`).catch(() => null);
      if (r?.status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  const eventsBefore = await limiterEvents();
  let admitted = 0;
  let firstAdmitted = Number.POSITIVE_INFINITY;
  let lastAdmitted = 0;
  const denialMs: number[] = [];
  const side = during?.();
  await openLoop(RATE, durationMs, async (i) => {
    const sent = performance.now();
    try {
      const pool = pools[i % pools.length]!;
      const res = await pool.request({ method: 'GET', path: '/v1/answer', headers: { 'x-api-key': key } });
      await res.body.dump();
      const at = performance.now();
      if (res.statusCode === 200) {
        admitted++;
        firstAdmitted = Math.min(firstAdmitted, at);
        lastAdmitted = Math.max(lastAdmitted, at);
      } else if (res.statusCode === 429) denialMs.push(at - sent);
    } catch {
      // A refused connection is not an admission (the fault suite checks the sidecars never crash).
    }
  });
  await side;
  const eventsAfter = await limiterEvents();
  const events = Object.fromEntries(
    Object.entries(eventsAfter)
      .map(([k, v]) => [k, v - (eventsBefore[k] ?? 0)] as const)
      .filter(([, v]) => v > 0),
  );
  const allowed = BURST + (Math.max(0, lastAdmitted - firstAdmitted) * LIMIT) / (WINDOW_S * 1000);
  return {
    admitted,
    allowed: Math.round(allowed),
    ratio: Math.round((admitted / allowed) * 1000) / 1000,
    p99: Math.round(quantile(denialMs, 0.99) * 10) / 10,
    events,
  };
}

const out: Record<string, unknown> = {
  replicas: REPLICAS,
  limit: LIMIT,
  window_s: WINDOW_S,
  burst: BURST,
  phase_ms: PHASE_MS,
  busy_processes: BUSY,
  quick: QUICK,
};
const record = (name: string, field: string, r: PhaseResult) => {
  out[field] = r.ratio;
  out[`admitted_${name}`] = r.admitted;
  out[`allowed_${name}`] = r.allowed;
  out[`decision_p99_ms_${name}`] = r.p99;
  if (Object.keys(r.events).length > 0) out[`limiter_events_${name}`] = r.events;
};
const only = process.env['PHASES']?.split(',');
const run = (name: string) => !only || only.includes(name);
try {
  while ((await admin.zcard(keys.replicas)) < REPLICAS) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 1_200));

  if (run('idle')) record('idle', 'ratio', await phase(PHASE_MS));

  if (run('stress')) {
    const busy = await startBusyCpu(BUSY);
    try {
      record('stress', 'stress_ratio', await phase(PHASE_MS));
    } finally {
      await busy.stop();
    }
  }

  for (const [name, latency, jitter] of [
    ['latency_50ms', 50, 10],
    ['latency_300ms', 300, 30],
    ['latency_2s', 2_000, 200],
  ] as const) {
    if (!run(name)) continue;
    await proxy.add({ type: 'latency', attributes: { latency, jitter } });
    try {
      record(name, `latency_ratio_${name.slice('latency_'.length)}`, await phase(PHASE_MS));
    } finally {
      await proxy.clear();
    }
  }

  const pausedAt = (PAUSE_PHASE_MS - PAUSE_MS) / 2;
  if (run('pause'))
    record(
      'pause',
      'pause_ratio',
      await phase(PAUSE_PHASE_MS, async () => {
        await new Promise((r) => setTimeout(r, pausedAt));
        redis.pause();
        await new Promise((r) => setTimeout(r, PAUSE_MS));
        redis.resume();
      }),
    );
  out['pause_ms'] = PAUSE_MS;
  process.stdout.write(`${JSON.stringify(out)}\n`);
} finally {
  await cleanUp();
}
