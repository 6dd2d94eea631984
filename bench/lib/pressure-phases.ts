/**
 * The phases of the pressure benchmarks (bench/limiter-stress.ts, bench/budget-stress.ts), each a
 * fresh measurement of what the caller's `measure` does: idle; stress (BUSY busy processes beside
 * the sidecars); Redis latency 50 ms / 300 ms / 2 s with jitter (a toxic on the proxy between the
 * sidecars and Redis); Redis paused (SIGSTOP) for `pauseMs`, `pauseAfterMs` into the phase.
 * PHASES=idle,pause runs some of them. `startPressureRig` starts what both benchmarks stand on.
 */

import { Redis } from 'ioredis';
import type { Pool } from 'undici';
import { type RedisKeys, redisKeys } from '../../policy/wire.ts';
import { startBusyCpu } from '../../test/harness/busy-cpu.ts';
import { type RedisServer, startRedisServer } from '../../test/harness/redis-server.ts';
import { startToxiproxy, type ToxiProxy, type Toxiproxy } from '../../test/harness/toxiproxy.ts';
import { type NodeProcess, spawnNode } from './process.ts';
import type { SidecarProcess } from './sidecar-process.ts';

export type PressurePhase = 'idle' | 'stress' | 'latency_50ms' | 'latency_300ms' | 'latency_2s' | 'pause';

export interface PressurePhasesOptions {
  readonly busy: number;
  readonly redis: Pick<RedisServer, 'pause' | 'resume'>;
  readonly proxy: Pick<ToxiProxy, 'add' | 'clear'>;
  readonly pauseMs: number;
  readonly pauseAfterMs: number;
  /** One phase; `during` runs beside the load (the pause), to be awaited before measuring ends. */
  readonly measure: (name: PressurePhase, during?: () => Promise<void>) => Promise<void>;
}

const LATENCIES = [
  ['latency_50ms', 50, 10],
  ['latency_300ms', 300, 30],
  ['latency_2s', 2_000, 200],
] as const;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runPressurePhases(o: PressurePhasesOptions): Promise<void> {
  const only = process.env['PHASES']?.split(',');
  const run = (name: PressurePhase) => !only || only.includes(name);

  if (run('idle')) await o.measure('idle');
  if (run('stress')) {
    const busy = await startBusyCpu(o.busy);
    try {
      await o.measure('stress');
    } finally {
      await busy.stop();
    }
  }
  for (const [name, latency, jitter] of LATENCIES) {
    if (!run(name)) continue;
    await o.proxy.add({ type: 'latency', attributes: { latency, jitter } });
    try {
      await o.measure(name);
    } finally {
      await o.proxy.clear();
    }
  }
  if (run('pause')) {
    await o.measure('pause', async () => {
      await sleep(o.pauseAfterMs);
      o.redis.pause();
      await sleep(o.pauseMs);
      o.redis.resume();
    });
  }
}

/** Waits until every sidecar's admin API knows the tenant (pub/sub, or the resync through the proxy). */
export async function untilEveryReplicaKnows(adminPorts: readonly number[], tenant: string): Promise<void> {
  for (const port of adminPorts) {
    for (;;) {
      const r = await fetch(`http://127.0.0.1:${port}/policies/${tenant}`).catch(() => null);
      if (r?.status === 200) break;
      await sleep(50);
    }
  }
}

export interface PressureRig<P extends SidecarProcess> {
  readonly redis: RedisServer;
  readonly toxi: Toxiproxy;
  /** What the sidecars use as Redis: toxiproxy in front of `redis`. */
  readonly proxy: ToxiProxy;
  readonly keys: RedisKeys;
  /** A direct client (not through the proxy) that keeps retrying while Redis is down. */
  readonly admin: Redis;
  /** The fake RAG app (cli/noisy-neighbor/fakes/rag-app.ts) the sidecars forward to. */
  readonly app: NodeProcess;
  /** Kept as they start, so whatever started is stopped by `stop`. */
  readonly procs: P[];
  readonly pools: Pool[];
  stop(): Promise<void>;
}

/** Redis behind toxiproxy, an admin client and the fake RAG app; the caller adds sidecars and pools. */
export async function startPressureRig<P extends SidecarProcess>(
  proxyName: string,
  prefix: string,
): Promise<PressureRig<P>> {
  const redis = await startRedisServer();
  const toxi = await startToxiproxy();
  const proxy = await toxi.proxy(proxyName, redis.port);
  const admin = new Redis(redis.url, { maxRetriesPerRequest: 0, retryStrategy: () => 200 });
  admin.on('error', () => {});
  const app = await spawnNode(new URL('../../cli/noisy-neighbor/fakes/rag-app.ts', import.meta.url), [
    '--port',
    '0',
  ]);
  const procs: P[] = [];
  const pools: Pool[] = [];
  return {
    redis,
    toxi,
    proxy,
    keys: redisKeys(prefix),
    admin,
    app,
    procs,
    pools,
    async stop() {
      await Promise.all(pools.map((p) => p.close()));
      await Promise.all(procs.map((p) => p.stop()));
      await app.stop();
      admin.disconnect();
      redis.resume();
      await toxi.stop();
      await redis.stop();
    },
  };
}
