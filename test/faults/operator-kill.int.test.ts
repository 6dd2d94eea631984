/**
 * The operator process killed with SIGKILL in the middle of usage rollups, again and again, while
 * the sidecars' usage counters keep growing: after a last operator finishes a rollup, the totals
 * in Postgres equal the totals in Redis (nothing lost, nothing doubled: the rollup upserts
 * absolute values, so a rollup that dies half way is simply done again).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisKeys, usageDay } from '../../policy/wire.ts';
import { devEnv, kubectl } from '../harness/env.ts';
import { randomName, tempDatabase } from '../support/operator.ts';
import { recordCounts, sleep, until } from './counts.ts';
import { redisUsageTotal, rolledUpUsage } from './operator-helpers.ts';

const ENTRY = fileURLToPath(new URL('../../cli/operator-main.ts', import.meta.url));
const NS = randomName('sluice-faults-kill');
const PREFIX = `${randomName('sluice-test-faults-kill')}:`;
const keys = redisKeys(PREFIX);
const TENANTS = 300; // ~1,200 rows per rollup: big enough that a kill lands inside one
const KILLS = 4;

describe('fault: operator killed (SIGKILL) during usage rollups', () => {
  let redis: Redis;
  let db: { url: string; drop: () => Promise<void> };
  const children: ChildProcess[] = [];
  let unexpectedExits = 0;

  const startChild = async () => {
    const env = devEnv();
    const child = spawn(
      process.execPath,
      [
        ENTRY,
        ...['--namespaces', NS, '--redis-prefix', PREFIX, '--leader-elect', 'false'],
        ...['--rollup-interval-ms', '100', '--log-level', 'info'],
      ],
      {
        env: { ...process.env, KUBECONFIG: env.kubeconfig, REDIS_URL: env.redisUrl, DATABASE_URL: db.url },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    children.push(child);
    let output = '';
    child.stderr!.on('data', (c) => (output = (output + c).slice(-5_000)));
    let killed = false;
    child.once('exit', () => {
      if (!killed) unexpectedExits += 1;
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`operator did not start:\n${output}`)), 30_000);
      child.stdout!.on('data', (c: Buffer) => {
        output = (output + c).slice(-5_000);
        if (output.includes('operator started')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`operator exited with ${code}:\n${output}`));
      });
    });
    return {
      child,
      term: () =>
        new Promise<void>((resolve) => {
          killed = true;
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        }),
      kill9: () =>
        new Promise<void>((resolve) => {
          killed = true;
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    };
  };

  beforeAll(async () => {
    const env = devEnv();
    await kubectl(['create', 'namespace', NS]);
    db = await tempDatabase(env.databaseUrl);
    redis = new Redis(env.redisUrl);
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    await kubectl(['delete', 'namespace', NS, '--wait=false']);
    const stale = await redis.keys(`${PREFIX}*`);
    if (stale.length > 0) await redis.del(...stale);
    redis?.disconnect();
    await db?.drop();
  });

  it('leaves Postgres totals equal to Redis totals', async () => {
    const day = usageDay(new Date());
    let increments = 0;
    const bump = async () => {
      const p = redis.pipeline();
      for (let t = 0; t < TENANTS; t++) {
        const key = keys.usage(day, `kill-t${t}`);
        p.hincrby(key, 'openai/gpt-4|requests', 1);
        p.hincrby(key, 'openai/gpt-4|prompt_tokens', 7);
        p.hincrby(key, 'anthropic/claude-3|completion_tokens', 3);
        p.hincrby(key, 'anthropic/claude-3|cost_micro_usd', 11);
      }
      await p.exec();
      increments += TENANTS * 4;
    };
    await bump();
    const dbName = new URL(db.url).pathname.slice(1);
    const probe = new pg.Client({ connectionString: devEnv().databaseUrl });
    await probe.connect();
    let inRollup = 0;
    for (let i = 0; i < KILLS; i++) {
      const op = await startChild();
      // Let rollups run (100 ms apart) while usage grows.
      for (let j = 0; j < 3; j++) {
        await bump();
        await sleep(60 + Math.floor(Math.random() * 100));
      }
      // Then kill at the moment Postgres shows the rollup's transaction open on usage_daily
      // (polled; if none is seen within 3 s the kill happens anyway, between rollups).
      const seen = await until(
        async () => {
          const rows = await probe.query(
            "SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND state IN ('active', 'idle in transaction') AND query ILIKE '%usage_daily%'",
            [dbName],
          );
          return rows.rowCount ? true : null;
        },
        'a rollup in flight',
        3_000,
        2,
      ).catch(() => false);
      await op.kill9();
      if (seen) inRollup += 1;
      await bump();
    }
    const last = await startChild();
    const expected = await redisUsageTotal(redis, PREFIX);
    const got = await rolledUpUsage(db.url, expected, 30_000, 200);
    await last.term();
    await probe.end();
    recordCounts({
      test: 'operator-kill-rollup',
      faults: KILLS,
      requests: increments,
      lost: Math.abs(expected - got),
      crashes: unexpectedExits,
    });
    // Informational: how many kills caught a rollup statement in flight.
    console.log(`operator-kill: ${inRollup}/${KILLS} kills landed while a usage_daily statement ran`);
    expect(unexpectedExits).toBe(0);
    expect(inRollup).toBeGreaterThan(0);
    expect(got).toBe(expected);
  }, 120_000);
});
