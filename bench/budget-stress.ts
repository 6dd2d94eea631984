/**
 * Token budgets under pressure (docs/adr/0016-budget-holds.md): REPLICAS real sidecar processes
 * (egress on) reach our own redis-server through toxiproxy; each phase gives a fresh tenant a
 * budget of BUDGET tokens a day and floods it from every replica (LOOPS concurrent callers per
 * replica, each stopping at SLUICE_BUDGET_EXHAUSTED and retrying SLUICE_BUDGET_PENDING after its
 * Retry-After), in the phases of bench/limiter-stress.ts: idle, stress (busy processes beside the
 * sidecars), Redis latency 50 ms / 300 ms / 2 s (jittered), and Redis paused mid-phase.
 *
 * Every call holds 208 tokens (prompt estimate 8 + max_tokens 200) and the fake provider reports
 * 160 used. Per phase: settled / budget (goal: ≥ 1 − 208 / BUDGET while Redis answers), the
 * overspend beyond the budget (goal: ≤ one hold per replica, 4 × 208), and what is still held two
 * seconds after the load (goal: 0 — no hold leaked). One JSON line; QUICK=1 for a smaller budget.
 */
import { Pool } from 'undici';
import { quantile } from '../cli/lib/stats.ts';
import { startOpenAIFake } from '../cli/noisy-neighbor/fakes/openai-server.ts';
import { SLUICE_HEADERS } from '../policy/wire.ts';
import { runPressurePhases, startPressureRig, untilEveryReplicaKnows } from './lib/pressure-phases.ts';
import { writeTenant } from './lib/redis-tenants.ts';
import { LOOPBACK_FLAGS, type SidecarProcess, spawnSidecar } from './lib/sidecar-process.ts';

const QUICK = process.env['QUICK'] === '1';
const REPLICAS = 4;
const LOOPS = 12;
const BUDGET = QUICK ? 15_000 : 40_000;
const HOLD = 208;
const USED = 160;
const BUSY = Number(process.env['BUSY'] ?? 3);
const PAUSE_MS = 4_000;
const PHASE_CAP_MS = 60_000;

type Proc = SidecarProcess & { ports: SidecarProcess['ports'] & { egress: number } };

const prefix = 'sluice-bench-budget:';
const rig = await startPressureRig<Proc>('redis-budget', prefix);
const { redis, proxy, keys, admin, app, procs, pools } = rig;
const llm = await startOpenAIFake();
const cleanUp = async () => {
  await rig.stop();
  await llm.close();
};

interface Phase {
  served: number;
  settled: number;
  heldAfter: number;
  pending: number;
  exhausted: number;
  other: number;
  p99: number;
}

let phaseNo = 0;
async function phase(during?: () => Promise<void>): Promise<Phase> {
  const tenant = `budget-${phaseNo++}`;
  await writeTenant(
    admin,
    keys,
    {
      tenantId: tenant,
      tier: 'enterprise',
      models: { primary: { provider: 'openai', model: 'gpt-4' } },
      limits: { tokens: { limit: BUDGET, period: 'day' }, maxConcurrency: 10_000 },
    },
    [`sk-${tenant}`],
  );
  await untilEveryReplicaKnows(
    procs.map((p) => p.ports.admin),
    tenant,
  );
  llm.script(
    Array.from({ length: 4 * (BUDGET / USED) }, () => ({
      usage: { prompt: 8, completion: USED - 8 },
      delayMs: 20,
    })),
  );
  const result = { served: 0, pending: 0, exhausted: 0, other: 0 };
  const latencies: number[] = [];
  const end = performance.now() + PHASE_CAP_MS;
  const body = JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], max_tokens: 200 });
  const side = during?.();
  await Promise.all(
    pools.flatMap((pool) =>
      Array.from({ length: LOOPS }, async () => {
        while (performance.now() < end) {
          const sent = performance.now();
          let status = 0;
          let code = '';
          let retryAfter = 1;
          try {
            const res = await pool.request({
              method: 'POST',
              path: '/v1/chat/completions',
              headers: { 'content-type': 'application/json', [SLUICE_HEADERS.tenant]: tenant },
              body,
            });
            status = res.statusCode;
            const text = await res.body.text();
            retryAfter = Number(res.headers['retry-after'] ?? 1);
            if (status !== 200) code = (JSON.parse(text) as { error?: { code?: string } }).error?.code ?? '';
          } catch {
            status = 0;
          }
          latencies.push(performance.now() - sent);
          if (status === 200) result.served++;
          else if (code === 'SLUICE_BUDGET_EXHAUSTED') {
            result.exhausted++;
            return;
          } else if (code === 'SLUICE_BUDGET_PENDING') {
            result.pending++;
            await new Promise((r) => setTimeout(r, retryAfter * 1000));
          } else result.other++;
        }
      }),
    ),
  );
  await side;
  await new Promise((r) => setTimeout(r, 2_000));
  const settled = Number(
    (await admin.get(keys.budget(tenant, `tokens:${new Date().toISOString().slice(0, 10)}`))) ?? 0,
  );
  const heldAfter = Number((await admin.hget(keys.budgetHeld(tenant), 't')) ?? 0);
  return { ...result, settled, heldAfter, p99: Math.round(quantile(latencies, 0.99)) };
}

const out: Record<string, unknown> = {
  replicas: REPLICAS,
  budget_tokens: BUDGET,
  hold_tokens: HOLD,
  used_tokens_per_call: USED,
  loops_per_replica: LOOPS,
  busy_processes: BUSY,
  quick: QUICK,
};
const record = (name: string, r: Phase) => {
  out[`settled_ratio_${name}`] = Math.round((r.settled / BUDGET) * 1000) / 1000;
  out[`overspend_tokens_${name}`] = Math.max(0, r.settled - BUDGET);
  out[`held_after_${name}`] = r.heldAfter;
  out[`served_${name}`] = r.served;
  out[`refused_${name}`] = { pending: r.pending, exhausted: r.exhausted, other: r.other };
  out[`call_p99_ms_${name}`] = r.p99;
};

try {
  const common = [
    ...LOOPBACK_FLAGS,
    ...[
      '--upstream',
      String(app.info['listening']),
      '--redis-url',
      proxy.url('redis'),
      '--redis-prefix',
      prefix,
    ],
    ...['--heartbeat-ms', '500', '--log-level', 'error', '--provider', `openai=openai-compatible,${llm.url}`],
  ];
  for (let i = 0; i < REPLICAS; i++)
    procs.push((await spawnSidecar([...common, '--replica-id', `budget-${i}`])) as Proc);
  for (const p of procs) pools.push(new Pool(`http://127.0.0.1:${p.ports.egress}`, { connections: LOOPS }));
  while ((await admin.zcard(keys.replicas)) < REPLICAS) await new Promise((r) => setTimeout(r, 100));

  await runPressurePhases({
    busy: BUSY,
    redis,
    proxy,
    pauseMs: PAUSE_MS,
    pauseAfterMs: 1_000,
    measure: async (name, during) => {
      record(name, await phase(during));
      if (name === 'pause') out['pause_ms'] = PAUSE_MS;
    },
  });
  process.stdout.write(`${JSON.stringify(out)}\n`);
} finally {
  await cleanUp();
}
