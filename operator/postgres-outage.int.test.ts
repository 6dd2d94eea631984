/**
 * Postgres down (our own instance, stopped mid-test): Redis stays current, every policy shows
 * Degraded, and the audit rows written meanwhile arrive once Postgres is back — none lost.
 */
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRecord, redisKeys } from '../policy/wire.ts';
import { devEnv, kubectl } from '../test/harness/env.ts';
import { type PostgresServer, startPostgres } from '../test/harness/postgres-server.ts';
import { eventually, randomName } from '../test/support/operator.ts';
import { type OperatorHandle, startOperator } from './main.ts';
import { parseSettings } from './settings.ts';

const root = new URL('../', import.meta.url).pathname;
const NS = randomName('sluice-op-pg');
const PREFIX = `${randomName('sluice-test-operator-pg')}:`;
const keys = redisKeys(PREFIX);
let server: PostgresServer;
let op: OperatorHandle;
let redis: Redis;

const tenant = `apiVersion: sluice.dev/v1alpha1
kind: TenantPolicy
metadata: { name: acme }
spec: { tenantId: ${NS}-acme, tier: free }
`;
const degraded = async () => {
  const r = await kubectl([
    'get',
    'tenantpolicy',
    'acme',
    '-n',
    NS,
    '-o',
    'jsonpath={.status.conditions[?(@.type=="Degraded")].status}',
  ]);
  return r.stdout;
};

describe('Postgres outage', () => {
  beforeAll(async () => {
    const env = devEnv();
    server = await startPostgres();
    await kubectl(['apply', '-f', `${root}crds/`]);
    await kubectl(['create', 'namespace', NS]);
    redis = new Redis(env.redisUrl);
    op = await startOperator(
      parseSettings(
        [
          '--namespaces',
          NS,
          '--redis-prefix',
          PREFIX,
          '--leader-elect',
          'false',
          '--outbox-interval-ms',
          '300',
          '--log-level',
          'error',
        ],
        {
          KUBECONFIG: env.kubeconfig,
          REDIS_URL: env.redisUrl,
          DATABASE_URL: server.url,
        },
      ),
    );
  });

  afterAll(async () => {
    await kubectl(['delete', 'tenantpolicy', '--all', '-n', NS, '--timeout=30s']);
    await op?.close();
    await kubectl(['delete', 'namespace', NS, '--wait=false']);
    const stale = await redis.keys(`${PREFIX}*`);
    if (stale.length > 0) await redis.del(...stale);
    redis.disconnect();
    await server?.destroy();
  });

  it('keeps Redis current, shows Degraded, and delivers the queued audit rows later', async () => {
    await kubectl(['apply', '-n', NS, '-f', '-'], { input: tenant });
    await eventually(async () => redis.get(keys.policy(`${NS}-acme`)));
    await server.stop();
    await kubectl([
      'patch',
      'tenantpolicy',
      'acme',
      '-n',
      NS,
      '--type',
      'merge',
      '-p',
      '{"spec":{"suspended":true}}',
    ]);
    await eventually(async () => {
      const t = await redis.get(keys.policy(`${NS}-acme`));
      return t !== null && decodeRecord(t).policy.suspended;
    });
    await eventually(async () => (await degraded()) === 'True', 30_000, 200);
    expect(await redis.llen(keys.outbox)).toBeGreaterThan(0);
    await server.start();
    await eventually(async () => (await degraded()) === 'False', 60_000, 300);
    const c = new pg.Client({ connectionString: server.url });
    await c.connect();
    const { rows } = await c.query('SELECT action FROM audit_log WHERE tenant_id = $1 ORDER BY seq', [
      `${NS}-acme`,
    ]);
    await c.end();
    expect(rows.map((r) => r.action)).toEqual(['created', 'updated', 'suspended']);
    expect(await redis.llen(keys.outbox)).toBe(0);
  });
});
