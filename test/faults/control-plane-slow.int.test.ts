/**
 * Postgres slow and the API server slow, under a stream of policy changes and usage: the operator
 * reaches each through toxiproxy (test/harness/toxiproxy.ts) with 300 ms on every reply. Every
 * change still reaches Redis (the sidecars' copy), every audit row and usage counter reaches
 * Postgres exactly once — slower, nothing lost, nothing doubled.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usageDay } from '../../policy/wire.ts';
import { devEnv } from '../harness/env.ts';
import { startToxiproxy, type Toxiproxy } from '../harness/toxiproxy.ts';
import { startOperatorSuite } from '../support/operator-suite.ts';
import { recordCounts, sleep, until } from './counts.ts';
import { auditActions, pgUsageTotal, rolledUpUsage } from './operator-helpers.ts';

const CHANGES = 8;

describe('fault: Postgres slow, API server slow', () => {
  let toxi: Toxiproxy;
  let redis: Redis;
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    toxi = await startToxiproxy();
    redis = new Redis(devEnv().redisUrl);
  });
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    redis?.disconnect();
    await toxi?.stop();
  });

  /**
   * An operator on its own namespace, prefix and database; `via` rewrites its Postgres URL and
   * kubeconfig (to go through a proxy). Applies one tenant and CHANGES patches, each waited for
   * in Redis, adding usage as a sidecar's egress would; returns what reached Postgres.
   */
  async function changesUnder(
    name: string,
    via: { databaseUrl?: (url: string) => string; kubeconfig?: string },
  ) {
    const suite = await startOperatorSuite({
      name: `faults-${name}`,
      via,
      args: ['--outbox-interval-ms', '300', '--rollup-interval-ms', '300'],
    });
    cleanups.push(suite.stop);
    const { keys, databaseUrl } = suite;
    const db = { url: databaseUrl };
    const tenant = `${suite.namespace}-acme`;
    const version = async () => (await suite.record(tenant))?.policy.version ?? null;
    expect((await suite.applyPolicy(suite.tenantPolicy('acme', { tenantId: tenant }))).code).toBe(0);
    let last = await until(version, 'the record in Redis', 60_000);
    let usageAdded = 0;
    const usageKey = keys.usage(usageDay(new Date()), tenant);
    for (let i = 0; i < CHANGES; i++) {
      const r = await suite.patchPolicy('acme', { spec: { displayName: `Acme ${i}` } });
      expect(r.code).toBe(0);
      last = await until(
        async () => {
          const v = await version();
          return v !== last ? v : null;
        },
        `change ${i} in Redis`,
        60_000,
      );
      await redis.hincrby(usageKey, 'openai/gpt-4|requests', 1);
      await redis.hincrby(usageKey, 'openai/gpt-4|prompt_tokens', 10 + i);
      usageAdded += 11 + i;
    }
    const expected = ['created', ...Array.from({ length: CHANGES }, () => 'updated')];
    await until(
      async () => (await auditActions(db.url, tenant)).length >= expected.length,
      'every audit row',
      60_000,
      300,
    ).catch(() => undefined);
    await rolledUpUsage(db.url, usageAdded, 60_000);
    await sleep(1_000); // a re-drain that would double something gets its chance
    const rows = await auditActions(db.url, tenant);
    const usage = await pgUsageTotal(db.url);
    const lost = Math.abs(expected.length - rows.length) + Math.abs(usageAdded - usage);
    recordCounts({ test: `${name}-slow`, faults: 1, requests: 1 + CHANGES * 2, lost, crashes: 0 });
    return { rows, expected, usage, usageAdded };
  }

  it('Postgres 300 ms slow: every audit row and usage counter arrives once', async () => {
    const pgPort = Number(new URL(devEnv().databaseUrl).port);
    const proxy = await toxi.proxy('postgres-slow', pgPort);
    await proxy.add({ type: 'latency', attributes: { latency: 300, jitter: 30 } });
    const r = await changesUnder('pg', {
      databaseUrl: (url) => {
        const u = new URL(url);
        u.port = String(proxy.port);
        return u.toString();
      },
    });
    expect(r.rows).toEqual(r.expected);
    expect(r.usage).toBe(r.usageAdded);
  });

  it('API server 300 ms slow: every change reaches Redis and Postgres once', async () => {
    const original = readFileSync(devEnv().kubeconfig, 'utf8');
    const server = /server: https:\/\/127\.0\.0\.1:(\d+)/.exec(original);
    expect(server).not.toBeNull();
    const proxy = await toxi.proxy('apiserver-slow', Number(server![1]));
    await proxy.add({ type: 'latency', attributes: { latency: 300, jitter: 30 } });
    const kubeconfig = join(tmpdir(), `sluice-faults-slow-api-${process.pid}.kubeconfig`);
    writeFileSync(kubeconfig, original.replace(server![0], `server: https://127.0.0.1:${proxy.port}`));
    cleanups.push(async () => rmSync(kubeconfig, { force: true }));
    const r = await changesUnder('api', { kubeconfig });
    expect(r.rows).toEqual(r.expected);
    expect(r.usage).toBe(r.usageAdded);
  });
});
