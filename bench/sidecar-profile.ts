/**
 * The sidecar's request path under a CPU profiler: the same setup as bench/sidecar-overhead.ts
 * (Redis mode, every check on, egress off), `node --cpu-prof`, a warm-up, then saturation
 * (64 in flight) for SECONDS (default 10). Prints one JSON line on stdout (requests, CPU per
 * request from /proc) and, on stderr, the top self-time functions of the saturation phase. The
 * .cpuprofile stays in PROFILE_DIR (default .cache/profile) for a flame graph.
 *
 *   . .cache/dev/env && npx --no-install node bench/sidecar-profile.ts
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { redisKeys } from '../policy/wire.ts';
import { startRedisServer } from '../test/harness/redis-server.ts';
import { type RequestSpec, saturate } from './lib/load.ts';
import { spawnNode } from './lib/process.ts';
import { writeTenant } from './lib/redis-tenants.ts';

const SECONDS = Number(process.env['SECONDS'] ?? 10);
const PROFILE_DIR = resolve(process.env['PROFILE_DIR'] ?? '.cache/profile');
const TOP = 25;
const KEY = 'sk-bench-profile';
const spec: RequestSpec = {
  method: 'POST',
  path: '/v1/answer',
  headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
  body: JSON.stringify({ query: 'what does clause 14.2 say about termination?', top_k: 50 }),
};

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/**
 * Self time per function (name, file:line), as a share of the samples taken between `from` and
 * `to` (µs of the monotonic clock, which V8's profile timestamps and process.hrtime share on
 * Linux): the saturation phase only, without start-up and warm-up.
 */
function selfTime(profile: Profile, from: number, to: number): { share: number; fn: string }[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const time = new Map<string, number>();
  let total = 0;
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i] ?? 0;
    at += dt;
    if (at < from || at > to) continue;
    const node = byId.get(profile.samples[i]!)!;
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url.replace(/^file:\/\//, '').replace(`${process.cwd()}/`, '');
    const fn = `${functionName || '(anonymous)'} ${file ? `${file}:${lineNumber + 1}` : ''}`.trim();
    time.set(fn, (time.get(fn) ?? 0) + dt);
    total += dt;
  }
  return [...time]
    .sort((a, b) => b[1] - a[1])
    .slice(0, TOP)
    .map(([fn, t]) => ({ share: Math.round((t / total) * 1000) / 10, fn }));
}

const redis = await startRedisServer();
const prefix = 'sluice-bench-profile:';
const client = new Redis(redis.url);
await writeTenant(
  client,
  redisKeys(prefix),
  {
    tenantId: 'bench',
    tier: 'enterprise',
    limits: {
      requests: { limit: 1_000_000_000, window: '1h', burst: 1_000_000_000 },
      maxConcurrency: 10_000,
    },
    screening: { mode: 'reject', denyPhrases: ['ignore previous instructions'] },
  },
  [KEY],
);
const stateDir = mkdtempSync(join(tmpdir(), 'sluice-profile-'));
rmSync(PROFILE_DIR, { recursive: true, force: true });
mkdirSync(PROFILE_DIR, { recursive: true });
const app = await spawnNode(new URL('../cli/noisy-neighbor/fakes/rag-app.ts', import.meta.url), [
  '--port',
  '0',
]);
try {
  const sidecar = await spawnNode(
    new URL('../cli/sluice.ts', import.meta.url),
    [
      'sidecar',
      ...['--host', '127.0.0.1', '--port', '0', '--metrics-port', '0', '--admin-port', '0'],
      ...['--egress', 'off', '--upstream', String(app.info['listening']), '--redis', redis.url],
      ...['--redis-prefix', prefix, '--state-dir', stateDir],
      ...['--max-concurrency', '256', '--log-level', 'warn'],
    ],
    { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${PROFILE_DIR}` },
  );
  const origin = `http://127.0.0.1:${(sidecar.info['ports'] as { ingress: number }).ingress}`;
  await saturate(origin, spec, 16, 2_000);
  const cpuBefore = sidecar.cpuMs();
  const from = Number(process.hrtime.bigint() / 1000n);
  const sat = await saturate(origin, spec, 64, SECONDS * 1_000);
  const to = Number(process.hrtime.bigint() / 1000n);
  const cpuMsPerReq = (sidecar.cpuMs() - cpuBefore) / sat.ok;
  await sidecar.stop();
  const file = readdirSync(PROFILE_DIR).find((f) => f.endsWith('.cpuprofile'));
  const top = file
    ? selfTime(JSON.parse(readFileSync(join(PROFILE_DIR, file), 'utf8')) as Profile, from, to)
    : [];
  process.stdout.write(
    `${JSON.stringify({
      requests: sat.ok,
      errors: sat.errors,
      rps: Math.round(sat.rps),
      cpu_ms_per_req: Math.round(cpuMsPerReq * 1000) / 1000,
      profile: file ?? null,
      window_us: [from, to],
    })}\n`,
  );
  // The table is for people (stderr); stdout keeps one JSON line.
  for (const row of top) process.stderr.write(`${row.share.toFixed(1).padStart(5)}%  ${row.fn}\n`);
} finally {
  await app.stop();
  client.disconnect();
  await redis.stop();
  rmSync(stateDir, { recursive: true, force: true });
}
