/**
 * Operator benchmark: N TenantPolicies to Ready and in Redis, then kubectl patch → the new
 * version visible to a sidecar (subscribed to the updates channel, then GET of the record, as
 * a sidecar does), and the lag of a short override's expiry. The operator runs as its own
 * process (cli/operator-main.ts) so its RSS is its own. Prints one JSON line.
 *
 *   make bench-operator        N = 10,000
 *   QUICK=1 make bench-operator N = 1,000
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { Redis } from 'ioredis';
import { KubeClient } from '../operator/kube/client.ts';
import { decodeRecord, redisKeys } from '../policy/wire.ts';
import { devEnv, kubectl } from '../test/harness/env.ts';
import { eventually, randomName, tempDatabase } from '../test/support/operator.ts';

const QUICK = process.env['QUICK'] === '1';
const N = QUICK ? 1_000 : 10_000;
const PATCHES = QUICK ? 10 : 20;
const root = new URL('../', import.meta.url).pathname;
const env = devEnv();
const NS = randomName('sluice-bench-op');
const PREFIX = `${randomName('sluice-bench-operator')}:`;
const keys = redisKeys(PREFIX);
const log = (m: string) => process.stderr.write(`[bench-operator] ${m}\n`);

const kc = new KubeConfig();
kc.loadFromFile(env.kubeconfig);
const client = new KubeClient(kc);
const redis = new Redis(env.redisUrl);
const sub = new Redis(env.redisUrl);
const db = await tempDatabase(env.databaseUrl);

await kubectl(['apply', '-f', `${root}crds/`]);
await kubectl(['create', 'namespace', NS]);
const child = spawn(
  `${root}node_modules/node/bin/node`,
  [
    `${root}cli/operator-main.ts`,
    '--namespaces',
    NS,
    '--redis-prefix',
    PREFIX,
    '--leader-elect',
    'false',
    '--workers',
    '16',
    '--log-level',
    'error',
  ],
  {
    env: { ...process.env, KUBECONFIG: env.kubeconfig, REDIS_URL: env.redisUrl, DATABASE_URL: db.url },
    stdio: ['ignore', 'ignore', 'inherit'],
  },
);
const rssMb = () => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : 0;
};

const updates: { tenantId: string; version: string; at: number }[] = [];
await sub.subscribe(keys.updates);
sub.on('message', (_c, m) => {
  const u = JSON.parse(m) as { tenantId: string; version: string };
  updates.push({ ...u, at: Date.now() });
});

let result: Record<string, unknown> = {};
try {
  // Create N policies with the API client, 32 requests in flight.
  const started = Date.now();
  const path = `/apis/sluice.dev/v1alpha1/namespaces/${NS}/tenantpolicies`;
  let next = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < N) {
        const i = next++;
        await client.request('POST', path, {
          body: {
            apiVersion: 'sluice.dev/v1alpha1',
            kind: 'TenantPolicy',
            metadata: { name: `t${i}` },
            spec: { tenantId: `${NS}-t${i}`, tier: i % 3 === 0 ? 'pro' : 'free' },
          },
        });
      }
    }),
  );
  log(`created ${N} in ${Date.now() - started} ms`);
  let ready = 0;
  const deadline = started + (QUICK ? 300_000 : 900_000);
  while (Date.now() < deadline) {
    const inRedis = await redis.hlen(keys.policyIndex);
    ready = 0;
    let cont: string | undefined;
    do {
      const page = await client.request<{
        items: { status?: { conditions?: { type: string; status: string }[] } }[];
        metadata: { continue?: string };
      }>('GET', path, { query: { limit: 2000, continue: cont } });
      ready += page.items.filter((p) =>
        p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      ).length;
      cont = page.metadata.continue || undefined;
    } while (cont);
    log(`ready ${ready}/${N}, redis ${inRedis}/${N}`);
    if (ready === N && inRedis === N) break;
    await new Promise((r) => setTimeout(r, 1_000));
  }
  const allReadyS = (Date.now() - started) / 1000;

  // Propagation: kubectl patch → update message → GET record shows the override.
  const lat: number[] = [];
  for (let i = 0; i < PATCHES; i++) {
    const tenantId = `${NS}-t${i}`;
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    const t0 = Date.now();
    const from = updates.length;
    await kubectl([
      'patch',
      'tenantpolicy',
      `t${i}`,
      '-n',
      NS,
      '--type',
      'merge',
      '-p',
      JSON.stringify({ spec: { override: { multiplier: 10, expiresAt, reason: `bench-${i}` } } }),
    ]);
    await eventually(
      async () => {
        if (!updates.slice(from).some((u) => u.tenantId === tenantId)) return false;
        const text = await redis.get(keys.policy(tenantId));
        return text !== null && decodeRecord(text).policy.override?.multiplier === 10;
      },
      30_000,
      5,
    );
    lat.push(Date.now() - t0);
  }
  lat.sort((a, b) => a - b);
  const pct = (p: number) => lat[Math.min(lat.length - 1, Math.ceil((p / 100) * lat.length) - 1)]!;

  // Expiry lag: a 3 s override; when does the reverted record reach the sidecar?
  const target = `${NS}-t${N - 1}`;
  const expiresAtMs = Date.now() + 3_000;
  await kubectl([
    'patch',
    'tenantpolicy',
    `t${N - 1}`,
    '-n',
    NS,
    '--type',
    'merge',
    '-p',
    JSON.stringify({
      spec: {
        override: { multiplier: 10, expiresAt: new Date(expiresAtMs).toISOString(), reason: 'bench-expiry' },
      },
    }),
  ]);
  await eventually(
    async () => {
      const t = await redis.get(keys.policy(target));
      return t !== null && decodeRecord(t).policy.override !== null;
    },
    30_000,
    5,
  );
  const revertedAt = await eventually(
    async () => {
      const t = await redis.get(keys.policy(target));
      return t !== null && decodeRecord(t).policy.override === null ? Date.now() : null;
    },
    30_000,
    5,
  );

  result = {
    policies: N,
    ready,
    all_ready_s: Math.round(allReadyS * 10) / 10,
    propagation_p50_ms: pct(50),
    propagation_p95_ms: pct(95),
    override_expiry_lag_ms: revertedAt - expiresAtMs,
    operator_rss_mb: rssMb(),
  };
} finally {
  // Clean up through the operator (finalizers), bounded; then force the rest.
  await kubectl(['delete', 'tenantpolicies', '--all', '-n', NS, '--wait=false']);
  const until = Date.now() + 120_000;
  while (Date.now() < until && (await redis.hlen(keys.policyIndex)) > 0)
    await new Promise((r) => setTimeout(r, 1_000));
  child.kill('SIGTERM');
  await kubectl(['delete', 'namespace', NS, '--wait=false']);
  const stale = await redis.keys(`${PREFIX}*`);
  for (let i = 0; i < stale.length; i += 1000) await redis.del(...stale.slice(i, i + 1000));
  sub.disconnect();
  redis.disconnect();
  await client.close();
  await new Promise((r) => setTimeout(r, 1_000));
  await db.drop().catch(() => undefined);
}
process.stdout.write(`${JSON.stringify(result)}\n`);
