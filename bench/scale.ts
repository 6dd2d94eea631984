/**
 * Scale benchmark (make bench-scale): what Redis pays per request and per tenant, and what a
 * second and third master buy. Own redis-servers and clusters on loopback; one JSON line each.
 *
 *  1. redis_commands_per_request: a real sidecar process on its own redis-server; CONFIG
 *     RESETSTAT, then N admitted (or N denied) requests; INFO commandstats divided by N, with
 *     the commands run inside the limiter's script listed apart (Redis counts both).
 *  2. limiter_throughput: the limiter's GCRA script (sidecar/limiter/redis-store.ts) driven
 *     closed-loop over 1,000 active tenants against a 1-master and a 3-master Redis Cluster:
 *     ops/s and p50/p99. Store-level on purpose: on this 2-core machine a sidecar in front would
 *     measure the sidecar, not Redis.
 *  3. redis_memory_per_tenant: used_memory before/after 10,000 tenants' records (record,
 *     version, API-key index, index field) and their counters (rate state, two budget counters,
 *     a usage hash of 4 fields).
 *
 *   QUICK=1 make bench-scale   shorter runs
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { type Cluster, Redis } from 'ioredis';
import { ms3, openLoop, quantile } from '../cli/lib/stats.ts';
import { startRagApp } from '../cli/noisy-neighbor/fakes/rag-app.ts';
import { redisKeys, usageField } from '../policy/wire.ts';
import { createRedisClient } from '../sidecar/config/redis-client.ts';
import { GCRA_SCRIPT, RedisRateStore } from '../sidecar/limiter/redis-store.ts';
import { startRedisCluster } from '../test/harness/redis-cluster.ts';
import { startRedisServer } from '../test/harness/redis-server.ts';
import { rateLimited, writeManyTenants, writeTenant } from './lib/redis-tenants.ts';
import { spawnSidecar } from './lib/sidecar-process.ts';

const QUICK = process.env['QUICK'] === '1';
const log = (m: string) => process.stderr.write(`[bench-scale] ${m}\n`);
const emit = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(line)}\n`);
const conditions = {
  cpus: (await import('node:os')).cpus().length,
  quick: QUICK,
  loadavg: (await import('node:os')).loadavg()[0],
};

// --- 1. commands per admitted / denied request --------------------------------------------
{
  const server = await startRedisServer();
  const redis = new Redis(server.url);
  const app = await startRagApp();
  const prefix = 'bench-scale:';
  const keys = redisKeys(prefix);
  await writeTenant(
    redis,
    keys,
    rateLimited('admit', 'enterprise', { limit: 1_000_000, window: '1h', burst: 1_000_000 }),
    ['k-admit'],
  );
  await writeTenant(redis, keys, rateLimited('deny', 'free', { limit: 1, window: '1h', burst: 1 }), [
    'k-deny',
  ]);
  const sidecar = await spawnSidecar([
    ...['--host', '127.0.0.1', '--port', '0', '--metrics-port', '0', '--admin-port', '0', '--egress', 'off'],
    ...['--upstream', app.url, '--redis-url', server.url, '--redis-prefix', prefix, '--log-level', 'error'],
    // No heartbeat or resync inside the measured window.
    ...['--heartbeat-ms', '600000', '--resync-ms', '86400000'],
  ]);
  const N = QUICK ? 500 : 2_000;
  const send = async (key: string, n: number) => {
    const statuses: number[] = [];
    for (let i = 0; i < n; i += 50)
      statuses.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(50, n - i) }, async () => {
            const r = await fetch(`http://127.0.0.1:${sidecar.ports.ingress}/v1/answer`, {
              method: 'POST',
              headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
              body: '{"query":"q"}',
            });
            await r.arrayBuffer();
            return r.status;
          }),
        )),
      );
    return statuses;
  };
  const measure = async (key: string, expect: number) => {
    await send(key, 5); // first sight: loads the tenant (not part of the steady state)
    await redis.config('RESETSTAT');
    const statuses = await send(key, N);
    const stats = parseCommandStats(await redis.info('commandstats'));
    delete stats['config|resetstat'];
    delete stats['info'];
    const perRequest = Object.fromEntries(
      Object.entries(stats).map(([c, n]) => [c, Math.round((n / N) * 1000) / 1000]),
    );
    const total = Object.values(stats).reduce((a, b) => a + b, 0) / N;
    const inScript = ['time', 'hmget', 'hset', 'pexpire'].reduce((a, c) => a + (stats[c] ?? 0), 0) / N;
    return { matched: statuses.filter((s) => s === expect).length, perRequest, total, inScript };
  };
  const admitted = await measure('k-admit', 200);
  const denied = await measure('k-deny', 429);
  // Over the limit at a steady rate: 20/s allowed, 200/s sent. The local deny cache answers a
  // denial without Redis until the tenant's next slot (sidecar/limiter/local-deny-cache.ts), so most denials cost
  // nothing; the rest cost one script call each.
  await writeTenant(
    redis,
    keys,
    rateLimited('steady', 'enterprise', { limit: 20, window: '1s', burst: 20 }),
    ['k-steady'],
  );
  await send('k-steady', 5);
  await new Promise((r) => setTimeout(r, 1_500));
  await redis.config('RESETSTAT');
  const steadyStatuses: number[] = [];
  const steadyMs = QUICK ? 3_000 : 10_000;
  await openLoop(200, steadyMs, async () => {
    const r = await fetch(`http://127.0.0.1:${sidecar.ports.ingress}/v1/answer`, {
      method: 'POST',
      headers: { authorization: 'Bearer k-steady', 'content-type': 'application/json' },
      body: '{"query":"q"}',
    });
    await r.arrayBuffer();
    steadyStatuses.push(r.status);
  });
  const steadyStats = parseCommandStats(await redis.info('commandstats'));
  const steadyAdmitted = steadyStatuses.filter((x) => x === 200).length;
  const steadyDenied = steadyStatuses.filter((x) => x === 429).length;
  emit({
    bench: 'scale',
    metric: 'redis_commands_per_request',
    requests: N,
    admitted: {
      ...admitted.perRequest,
      round_trips: ms3(admitted.total - admitted.inScript),
      total_incl_script: ms3(admitted.total),
      answered_200: admitted.matched,
    },
    denied: {
      ...denied.perRequest,
      round_trips: ms3(denied.total - denied.inScript),
      total_incl_script: ms3(denied.total),
      answered_429: denied.matched,
    },
    denied_at_10x_the_limit: {
      sent_per_s: 200,
      limit_per_s: 20,
      admitted: steadyAdmitted,
      denied: steadyDenied,
      // Script calls beyond one per admitted request, spread over the denials.
      round_trips_per_denied: ms3(
        Math.max(0, (steadyStats['evalsha'] ?? 0) - steadyAdmitted) / Math.max(1, steadyDenied),
      ),
    },
    conditions,
  });
  await sidecar.stop();
  await app.close();
  redis.disconnect();
  await server.stop();
}

// --- 2. limiter ops/s and p99 on 1 vs 3 masters, 1,000 active tenants -----------------------
// Alternated (1, 3, 1, 3) in a full run: on a shared machine the order matters less that way.
for (const masters of QUICK ? [1, 3] : [1, 3, 1, 3]) {
  const cluster = await startRedisCluster({ masters, replicas: 0 });
  const client = createRedisClient(cluster.url, { commandTimeoutMs: 5_000 }) as unknown as Redis;
  const keys = redisKeys('bench-scale:');
  const store = new RedisRateStore(client, keys.rate);
  const TENANTS = 1_000;
  const rate = { limit: 1_000_000, windowMs: 3_600_000, burst: 1_000_000 };
  const durationMs = QUICK ? 4_000 : 10_000;
  const inFlight = 128;
  // Warm up: script loaded on every master, slots known.
  await Promise.all(Array.from({ length: TENANTS }, (_, t) => store.take(`tenant-${t}`, rate)));
  const latencies: number[] = [];
  let ops = 0;
  let errors = 0;
  const start = performance.now();
  const end = start + durationMs;
  await Promise.all(
    Array.from({ length: inFlight }, async (_, w) => {
      let t = w;
      while (performance.now() < end) {
        const t0 = performance.now();
        try {
          await store.take(`tenant-${t % TENANTS}`, rate);
          latencies.push(performance.now() - t0);
          ops++;
        } catch {
          errors++;
        }
        t += inFlight;
      }
    }),
  );
  const elapsed = performance.now() - start;
  const perMaster = await Promise.all(
    (client as unknown as Cluster)
      .nodes('master')
      .map(async (n) => parseCommandStats(await n.info('commandstats'))['evalsha'] ?? 0),
  );
  emit({
    bench: 'scale',
    metric: 'limiter_throughput',
    masters,
    active_tenants: TENANTS,
    in_flight: inFlight,
    ops_per_s: Math.round((ops * 1000) / elapsed),
    p50_ms: ms3(quantile(latencies, 0.5)),
    p99_ms: ms3(quantile(latencies, 0.99)),
    errors,
    evalsha_share_per_master: perMaster.map(
      (n) => Math.round((n / perMaster.reduce((a, b) => a + b, 0)) * 100) / 100,
    ),
    conditions: { ...conditions, client_processes: 1, note: 'client and all masters share 2 cores' },
  });
  (client as unknown as Cluster).disconnect();
  await cluster.stop();
}

// --- 2b. what one Redis core does with the limiter's script, without a Node client in the way ---
{
  const server = await startRedisServer();
  const redis = new Redis(server.url);
  const sha = String(await redis.script('LOAD', GCRA_SCRIPT));
  const n = QUICK ? 100_000 : 400_000;
  const run = promisify(execFile);
  // __rand_int__ picks one of 1,000 tenants per call; pipelining 16 deep, 50 connections.
  const { stdout } = await run('redis-benchmark', [
    ...['-p', String(server.port), '-c', '50', '-P', '16', '-n', String(n), '-r', '1000', '--csv'],
    ...['EVALSHA', sha, '1', 'sluice:{t__rand_int__}:rl', '1000000', '3600000', '1000000', '1'],
  ]);
  const rps = Number(/"([\d.]+)"/.exec(stdout.split('\n')[1] ?? '')?.[1] ?? Number.NaN);
  emit({
    bench: 'scale',
    metric: 'redis_server_script_calls_per_s',
    tool: 'redis-benchmark -c 50 -P 16',
    calls: n,
    tenants: 1_000,
    calls_per_s: Math.round(rps),
    conditions: {
      ...conditions,
      note: 'one redis-server (one core) with redis-benchmark on the same 2 shared cores',
    },
  });
  // The sidecars' activity flush (sidecar/config/served-report.ts) is HINCRBY into the
  // minute's hash: one field per busy tenant and metric every 5 s per sidecar.
  const { stdout: hincr } = await run('redis-benchmark', [
    ...['-p', String(server.port), '-c', '50', '-P', '16', '-n', String(n), '-r', '100000', '--csv'],
    ...['HINCRBY', 'sluice:{~activity-0}:29000000', 'tenant-__rand_int__|requests', '1'],
  ]);
  emit({
    bench: 'scale',
    metric: 'redis_server_hincrby_per_s',
    tool: 'redis-benchmark -c 50 -P 16',
    calls: n,
    fields: 100_000,
    calls_per_s: Math.round(Number(/"([\d.]+)"/.exec(hincr.split('\n')[1] ?? '')?.[1] ?? Number.NaN)),
    conditions: {
      ...conditions,
      note: 'one redis-server (one core) with redis-benchmark on the same 2 shared cores',
    },
  });
  redis.disconnect();
  await server.stop();
}

// --- 3. Redis memory per tenant ---------------------------------------------------------
{
  const server = await startRedisServer();
  const redis = new Redis(server.url);
  const keys = redisKeys('sluice:');
  const N = QUICK ? 2_000 : 10_000;
  const used = async () => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);
  const base = await used();
  await writeManyTenants(redis, keys, {
    count: N,
    batch: 500,
    spec: (j, tenantId) => ({ tenantId, tier: j % 3 === 0 ? 'pro' : 'free', displayName: `Tenant ${j}` }),
    source: (tenantId) => `tenants/${tenantId}`,
  });
  const afterConfig = await used();
  const store = new RedisRateStore(redis, keys.rate);
  const rate = { limit: 100, windowMs: 3_600_000, burst: 100 };
  for (let i = 0; i < N; i += 500) {
    await Promise.all(
      Array.from({ length: Math.min(500, N - i) }, (_, k) => store.take(`tenant-${i + k}`, rate)),
    );
    const pipe = redis.pipeline();
    for (let j = i; j < Math.min(N, i + 500); j++) {
      const t = `tenant-${j}`;
      pipe.set(keys.budget(t, 'tokens:2026-12'), 123_456, 'EX', 3_000_000);
      pipe.set(keys.budget(t, 'cost:2026-12'), 654_321, 'EX', 3_000_000);
      const u = keys.usage('2026-12-03', t);
      for (const m of ['requests', 'prompt_tokens', 'completion_tokens', 'cost_micro_usd'] as const)
        pipe.hset(u, usageField('openai', 'gpt-4o', m), 1_000);
      pipe.expire(u, 8 * 86_400);
    }
    await pipe.exec();
  }
  const afterCounters = await used();
  const recordBytes = await redis.strlen(keys.policy('tenant-1'));
  emit({
    bench: 'scale',
    metric: 'redis_memory_per_tenant',
    tenants: N,
    config_bytes_per_tenant: Math.round((afterConfig - base) / N),
    counter_bytes_per_tenant: Math.round((afterCounters - afterConfig) / N),
    total_bytes_per_tenant: Math.round((afterCounters - base) / N),
    record_json_bytes: recordBytes,
    note: 'one model in the usage hash, one API key; each extra model adds a usage hash of 4 fields per day kept (8 days)',
    conditions,
  });
  redis.disconnect();
  await server.stop();
}

function parseCommandStats(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) out[m[1]!] = Number(m[2]);
  return out;
}

log('done');
