/**
 * The API server restarted under the operator (our own etcd + kube-apiserver): the operator
 * converges without a restart, and each change gives exactly one audit row (the relists after
 * the reconnect write nothing new: reconcile is level-based and the row ids deterministic).
 */
import { execFile } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OperatorHandle, startOperator } from '../../operator/main.ts';
import { parseSettings } from '../../operator/settings.ts';
import { decodeRecord, redisKeys } from '../../policy/wire.ts';
import { type ApiServer, startApiServer } from '../harness/apiserver.ts';
import { devEnv } from '../harness/env.ts';
import { randomName, tempDatabase } from '../support/operator.ts';
import { recordCounts, sleep, until } from './counts.ts';
import { auditActions } from './operator-helpers.ts';

const root = new URL('../../', import.meta.url).pathname;
const PREFIX = `${randomName('sluice-test-faults-api')}:`;
const keys = redisKeys(PREFIX);

describe('fault: API server restarted', () => {
  let api: ApiServer;
  let op: OperatorHandle;
  let redis: Redis;
  let db: { url: string; drop: () => Promise<void> };
  const k = (args: string[], input?: string) =>
    new Promise<string>((resolve, reject) => {
      const child = execFile('kubectl', ['--kubeconfig', api.kubeconfig, ...args], (err, stdout, stderr) =>
        err ? reject(new Error(stderr)) : resolve(stdout),
      );
      if (input !== undefined) child.stdin!.end(input);
    });
  const tenant = (name: string, tier = 'free') => `apiVersion: sluice.dev/v1alpha1
kind: TenantPolicy
metadata: { name: ${name}, namespace: default }
spec: { tenantId: ${name}, tier: ${tier} }
`;
  const tier = async (t: string) => {
    const s = await redis.get(keys.policy(t));
    return s ? decodeRecord(s).policy.tier : null;
  };

  beforeAll(async () => {
    const env = devEnv();
    api = await startApiServer();
    await k(['apply', '-f', `${root}crds/`]);
    await k(['wait', '--for', 'condition=Established', 'crd/tenantpolicies.sluice.dev', '--timeout', '60s']);
    db = await tempDatabase(env.databaseUrl);
    redis = new Redis(env.redisUrl);
    op = await startOperator(
      parseSettings(
        [
          // A short backoff cap: the test waits for the reconnect, not for politeness.
          '--watch-backoff-cap-ms',
          '2000',
          '--redis-prefix',
          PREFIX,
          '--leader-elect',
          'false',
          '--outbox-interval-ms',
          '300',
          '--log-level',
          'error',
        ],
        { KUBECONFIG: api.kubeconfig, REDIS_URL: env.redisUrl, DATABASE_URL: db.url },
      ),
    );
  }, 180_000);
  afterAll(async () => {
    await op?.close();
    await api?.destroy();
    const stale = await redis.keys(`${PREFIX}*`);
    if (stale.length > 0) await redis.del(...stale);
    redis?.disconnect();
    await db?.drop();
  });

  it('converges after the restart and writes one audit row per change', async () => {
    await k(['apply', '-f', '-'], tenant('before'));
    await until(() => tier('before'), 'before in Redis');
    await until(async () => (await auditActions(db.url, 'before')).length === 1, 'the created row');
    await api.restart(3_000);
    await k([
      'patch',
      'tenantpolicy',
      'before',
      '-n',
      'default',
      '--type',
      'merge',
      '-p',
      '{"spec":{"tier":"pro"}}',
    ]);
    await k(['apply', '-f', '-'], tenant('after'));
    await until(async () => (await tier('before')) === 'pro', 'the patch in Redis', 60_000);
    await until(() => tier('after'), 'the new policy in Redis', 60_000);
    await until(async () => (await auditActions(db.url, 'after')).length === 1, 'after audit row', 30_000);
    // A relist after the reconnect must not add rows: give the watch time to relist, then count.
    await sleep(2_000);
    const before = await auditActions(db.url, 'before');
    const after = await auditActions(db.url, 'after');
    const changes = 3;
    const lost = Math.abs(changes - before.length - after.length);
    recordCounts({ test: 'apiserver-restart', faults: 1, requests: changes, lost, crashes: 0 });
    expect(before).toEqual(['created', 'updated']);
    expect(after).toEqual(['created']);
  }, 180_000);
});
