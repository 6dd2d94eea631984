/**
 * Operator benchmark: TenantPolicies to Ready and in Redis, then kubectl patch → the new
 * version visible to a sidecar (SSUBSCRIBEd to the tenant's shard channel, then GET of the
 * record, as a sidecar does), the lag of a short override's expiry, and the operator's RSS.
 * The operator runs as its own process (cli/operator-main.ts) so its RSS is its own. Sizes
 * grow in one run (10k, then 20k more): one JSON line per size.
 *
 *   make bench-operator          10,000 then 30,000 policies
 *   QUICK=1 make bench-operator  10,000 policies
 *   SIZES=1000,5000 ...          other sizes
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { KubeConfig } from '@kubernetes/client-node';
import { Redis } from 'ioredis';
import { parse } from 'yaml';
import { KubeClient } from '../operator/kube/client.ts';
import { OPERATOR_V8_FLAGS } from '../operator/v8-flags.ts';
import { decodeRecord, redisKeys } from '../policy/wire.ts';
import { devEnv, kubectl } from '../test/harness/env.ts';
import { eventually, randomName, tempDatabase } from '../test/support/operator.ts';

const QUICK = process.env['QUICK'] === '1';
const SIZES = (process.env['SIZES'] ?? (QUICK ? '10000' : '10000,30000')).split(',').map(Number);
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
// The operator runs with the chart's settings (charts/sluice/values.yaml): operator.nodeOptions
// as its Node flags and operator.mallocArenaMax as MALLOC_ARENA_MAX. OPERATOR_NODE_FLAGS='' and
// OPERATOR_MALLOC_ARENA_MAX='' measure Node's and glibc's own defaults.
const chart = (
  parse(readFileSync(`${root}charts/sluice/values.yaml`, 'utf8')) as {
    operator: { nodeOptions?: string; mallocArenaMax?: number };
  }
).operator;
const nodeFlags = (process.env['OPERATOR_NODE_FLAGS'] ?? chart.nodeOptions ?? '').split(' ').filter(Boolean);
const mallocArenaMax = process.env['OPERATOR_MALLOC_ARENA_MAX'] ?? String(chart.mallocArenaMax ?? '');
const child = spawn(
  `${root}node_modules/node/bin/node`,
  [
    ...nodeFlags,
    `${root}cli/operator-main.ts`,
    ...['--namespaces', NS, '--redis-prefix', PREFIX, '--leader-elect', 'false'],
    ...['--workers', '16', '--log-level', 'error'],
  ],
  {
    env: {
      ...process.env,
      KUBECONFIG: env.kubeconfig,
      REDIS_URL: env.redisUrl,
      DATABASE_URL: db.url,
      ...(mallocArenaMax ? { MALLOC_ARENA_MAX: mallocArenaMax } : {}),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  },
);
const statusMb = (field: 'VmRSS' | 'VmHWM') => {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : 0;
};
const rssMb = () => statusMb('VmRSS');
/**
 * The RSS split by mapping (/proc/PID/smaps): malloc's heap, anonymous mappings (V8's heap
 * pages, thread stacks, wasm memory) and file pages (the node binary's code).
 */
function rssSplitMb(): { malloc_mb: number; anon_mmap_mb: number; file_mb: number } {
  let malloc = 0;
  let anon = 0;
  let file = 0;
  let mapping = '';
  for (const line of readFileSync(`/proc/${child.pid}/smaps`, 'utf8').split('\n')) {
    if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) mapping = line;
    else if (line.startsWith('Rss:')) {
      const kb = Number(line.split(/\s+/)[1]);
      if (mapping.endsWith('[heap]')) malloc += kb;
      else if (mapping.includes('/')) file += kb;
      else anon += kb;
    }
  }
  const mb = (kb: number) => Math.round(kb / 1024);
  return { malloc_mb: mb(malloc), anon_mmap_mb: mb(anon), file_mb: mb(file) };
}

const updates: { tenantId: string; version: string; at: number }[] = [];
sub.on('smessage', (_c: string, m: string) => {
  const u = JSON.parse(m) as { tenantId: string; version: string };
  updates.push({ ...u, at: Date.now() });
});
const path = `/apis/sluice.dev/v1alpha1/namespaces/${NS}/tenantpolicies`;

/** Creates policies t{from}..t{to-1} with the API client, 32 requests in flight. */
async function create(from: number, to: number): Promise<void> {
  let next = from;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < to) {
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
}

async function readyCount(): Promise<number> {
  let ready = 0;
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
  return ready;
}

/** kubectl patch → update message → GET record shows the override, for `count` tenants from `first`. */
async function propagation(first: number, count: number, round: number): Promise<number[]> {
  const lat: number[] = [];
  for (let i = first; i < first + count; i++) {
    const tenantId = `${NS}-t${i}`;
    await sub.ssubscribe(keys.updates(tenantId));
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    const t0 = Date.now();
    const from = updates.length;
    await kubectl([
      ...['patch', 'tenantpolicy', `t${i}`, '-n', NS, '--type', 'merge', '-p'],
      JSON.stringify({
        spec: { override: { multiplier: 10 + round, expiresAt, reason: `bench-${round}-${i}` } },
      }),
    ]);
    await eventually(
      async () => {
        if (!updates.slice(from).some((u) => u.tenantId === tenantId)) return false;
        const text = await redis.get(keys.policy(tenantId));
        return text !== null && decodeRecord(text).policy.override?.multiplier === 10 + round;
      },
      30_000,
      5,
    );
    lat.push(Date.now() - t0);
  }
  return lat.sort((a, b) => a - b);
}

const pct = (lat: number[], p: number) =>
  lat[Math.min(lat.length - 1, Math.ceil((p / 100) * lat.length) - 1)]!;
const results: Record<string, unknown>[] = [];
try {
  let have = 0;
  for (const [round, N] of SIZES.entries()) {
    const started = Date.now();
    await create(have, N);
    log(`created ${N - have} (now ${N}) in ${Date.now() - started} ms`);
    have = N;
    let ready = 0;
    const deadline = started + (N > 10_000 ? 1_800_000 : 900_000);
    while (Date.now() < deadline) {
      const inRedis = await redis.hlen(keys.policyIndex);
      // A list of 10k+ policies can time out on a busy machine: count again at the next poll.
      const counted = await readyCount().catch((err: unknown) => {
        log(`ready count failed (${String(err)}); retrying`);
        return null;
      });
      if (counted === null) {
        await new Promise((r) => setTimeout(r, 2_000));
        continue;
      }
      ready = counted;
      log(`ready ${ready}/${N}, redis ${inRedis}/${N}, rss ${rssMb()} MB`);
      if (ready === N && inRedis === N) break;
      await new Promise((r) => setTimeout(r, 2_000));
    }
    const allReadyS = (Date.now() - started) / 1000;
    const lat = await propagation(round * PATCHES, PATCHES, round);

    // Expiry lag: a 3 s override on the newest tenant; when does the reverted record land?
    const target = `${NS}-t${N - 1}`;
    const expiresAtMs = Date.now() + 3_000;
    await kubectl([
      ...['patch', 'tenantpolicy', `t${N - 1}`, '-n', NS, '--type', 'merge', '-p'],
      JSON.stringify({
        spec: {
          override: {
            multiplier: 10,
            expiresAt: new Date(expiresAtMs).toISOString(),
            reason: 'bench-expiry',
          },
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
    const line = {
      bench: 'operator',
      policies: N,
      created_now: N - (round === 0 ? 0 : SIZES[round - 1]!),
      ready,
      all_ready_s: Math.round(allReadyS * 10) / 10,
      propagation_p50_ms: pct(lat, 50),
      propagation_p95_ms: pct(lat, 95),
      override_expiry_lag_ms: revertedAt - expiresAtMs,
      operator_rss_mb: rssMb(),
      operator_rss_peak_mb: statusMb('VmHWM'),
      operator_rss_split: rssSplitMb(),
      operator_node_flags: nodeFlags.join(' '),
      operator_malloc_arena_max: mallocArenaMax || 'glibc default',
      // Set by the operator on itself at start (operator/v8-flags.ts).
      operator_v8_flags_in_process: OPERATOR_V8_FLAGS.join(' '),
      loadavg: os.loadavg().map((l) => Math.round(l * 10) / 10),
    };
    results.push(line);
    process.stdout.write(`${JSON.stringify(line)}\n`);
  }
} finally {
  // Clean up through the operator (finalizers), bounded; then force the rest.
  // One collection DELETE (kubectl delete --all sends one request per object: minutes at 30k).
  await client.request('DELETE', path).catch((err) => log(`collection delete failed: ${String(err)}`));
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
if (results.length < SIZES.length) process.exitCode = 1;
