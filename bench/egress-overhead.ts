/**
 * Egress overhead: the same chat-completion load (a) direct to the fake OpenAI provider,
 * (b) through a bare Node pass-through proxy, (c) through the egress with routing, budget
 * (Redis when REDIS_URL is set, else memory) and usage accounting on. Closed loop, fixed
 * concurrency, the three targets interleaved round by round so machine noise hits all alike.
 * Prints one JSON line. QUICK=1 for a short run.
 *
 *   ttft_added_ms = p50 time-to-first-event through the egress − p50 direct (streamed answers,
 *                   one at a time so it measures the hop, not queueing)
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { Pool } from 'undici';
import { ms3, quantile } from '../cli/lib/stats.ts';
import { SLUICE_HEADERS } from '../policy/wire.ts';
import { egressInternals } from '../sidecar/egress/app.ts';
import { startEgressRig } from '../test/support/egress.ts';
import { startBareProxy } from './egress-bare-proxy.ts';

// Each side runs in its own process, as in a pod: the fake provider (remote in real life), the
// bare proxy and the egress; this process only generates load. `--fake`, `--bare <url>` and
// `--egress <url>` are those children: each prints its URL on stdout and runs until stdin closes.
const role = process.argv[2];
if (role === '--fake') {
  const { startOpenAIFake } = await import('../cli/noisy-neighbor/fakes/openai-server.ts');
  serve((await startOpenAIFake()).url);
} else if (role === '--bare') {
  serve((await startBareProxy(process.argv[3]!)).url);
} else if (role === '--egress') {
  const redisUrl = process.env['REDIS_URL'];
  const redis = redisUrl ? new Redis(redisUrl, { maxRetriesPerRequest: 1 }) : null;
  const rig = await startEgressRig({
    redis,
    keyPrefix: process.argv[4]!,
    realClock: true,
    env: { SLUICE_PROVIDER_OPENAI_URL: process.argv[3]! },
  });
  serve(rig.url, async () => {
    await egressInternals(rig.app).flush();
    await rig.close();
    if (redis) {
      let cursor = '0';
      do {
        const [nextCursor, keys] = await redis.scan(cursor, 'MATCH', `${process.argv[4]}*`, 'COUNT', 500);
        cursor = nextCursor;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== '0');
      redis.disconnect();
    }
  });
} else {
  await main();
}

function serve(url: string, cleanup: () => Promise<void> = async () => {}): void {
  console.log(url);
  process.stdin.resume();
  process.stdin.on('end', () => {
    cleanup().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

async function startChild(args: string[]): Promise<{ url: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--no-deprecation', fileURLToPath(import.meta.url), ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
    child.once('exit', (code) => reject(new Error(`${args[0]} exited with ${code}`)));
  });
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.stdin!.end();
      }),
  };
}

async function main(): Promise<void> {
  const QUICK = process.env['QUICK'] === '1';
  const ROUNDS = QUICK ? 6 : 20;
  const PER_ROUND = QUICK ? 100 : 250; // requests per target per round
  const CONCURRENCY = 8;
  const STREAM_PER_ROUND = QUICK ? 30 : 60;

  const prefix = `sluice-bench-egress-${randomBytes(4).toString('hex')}:`;
  const provider = await startChild(['--fake']);
  const [bare, egress] = await Promise.all([
    startChild(['--bare', provider.url]),
    startChild(['--egress', provider.url, prefix]),
  ]);

  const body = JSON.stringify({
    model: 'gpt-3.5-turbo',
    messages: [
      { role: 'system', content: 'You answer support tickets for Globex. Be short.' },
      { role: 'user', content: 'My invoice shows the wrong address; how do I change it?' },
    ],
    max_tokens: 16,
  });
  const streamBody = JSON.stringify({
    ...JSON.parse(body),
    stream: true,
    stream_options: { include_usage: true },
  });
  const headers = { 'content-type': 'application/json', [SLUICE_HEADERS.tenant]: 'globex-support' };

  const targets = {
    direct: new Pool(provider.url, { connections: CONCURRENCY }),
    bare: new Pool(bare.url, { connections: CONCURRENCY }),
    sluice: new Pool(egress.url, { connections: CONCURRENCY }),
  };
  type Target = keyof typeof targets;
  const latency: Record<Target, number[]> = { direct: [], bare: [], sluice: [] };
  const ttft: Record<Target, number[]> = { direct: [], bare: [], sluice: [] };
  let errors = 0;

  /** POST /v1/chat/completions to `target` with `payload`. */
  const chat = (target: Target, payload: string) =>
    targets[target].request({ method: 'POST', path: '/v1/chat/completions', headers, body: payload });

  async function once(target: Target): Promise<number> {
    const start = performance.now();
    const res = await chat(target, body);
    await res.body.text();
    if (res.statusCode !== 200) errors += 1;
    return performance.now() - start;
  }

  /** Time to the first body bytes of a streamed answer (the first SSE event), then drain. */
  async function firstEvent(target: Target): Promise<number> {
    const start = performance.now();
    const res = await chat(target, streamBody);
    let first = 0;
    for await (const _chunk of res.body) if (first === 0) first = performance.now() - start;
    if (res.statusCode !== 200) errors += 1;
    return first;
  }

  async function closedLoop(
    count: number,
    run: () => Promise<number>,
    into: number[],
    concurrency = CONCURRENCY,
  ): Promise<void> {
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < count) {
          next += 1;
          into.push(await run());
        }
      }),
    );
  }

  const order: Target[] = ['direct', 'bare', 'sluice'];
  // Warm-up: JIT, pools, Redis script load.
  for (const t of order) await closedLoop(50, () => once(t), []);
  for (let round = 0; round < ROUNDS; round++) {
    for (const t of round % 2 === 0 ? order : [...order].reverse()) {
      await closedLoop(PER_ROUND, () => once(t), latency[t]);
      // One stream at a time: time to first token is the per-hop cost, not queueing behind 8.
      await closedLoop(STREAM_PER_ROUND, () => firstEvent(t), ttft[t], 1);
    }
  }
  const p = (values: number[], q: number) => ms3(quantile(values, q));
  console.log(
    JSON.stringify({
      bench: 'egress-overhead',
      quick: QUICK,
      requests_per_target: latency.direct.length,
      streams_per_target: ttft.direct.length,
      concurrency: CONCURRENCY,
      budget_store: process.env['REDIS_URL'] ? 'redis' : 'memory',
      direct_p50_ms: p(latency.direct, 0.5),
      direct_p99_ms: p(latency.direct, 0.99),
      bare_p50_ms: p(latency.bare, 0.5),
      bare_p99_ms: p(latency.bare, 0.99),
      sluice_p50_ms: p(latency.sluice, 0.5),
      sluice_p99_ms: p(latency.sluice, 0.99),
      sluice_vs_bare_p99_ratio: ms3(quantile(latency.sluice, 0.99) / quantile(latency.bare, 0.99)),
      ttft_direct_p50_ms: p(ttft.direct, 0.5),
      ttft_bare_p50_ms: p(ttft.bare, 0.5),
      ttft_sluice_p50_ms: p(ttft.sluice, 0.5),
      ttft_added_ms: ms3(quantile(ttft.sluice, 0.5) - quantile(ttft.direct, 0.5)),
      errors,
    }),
  );

  await Promise.all(Object.values(targets).map((pool) => pool.close()));
  await Promise.all([bare.stop(), egress.stop()]);
  await provider.stop();
}
