/**
 * The API server restarts mid-watch (our own etcd + kube-apiserver): the operator's watch
 * reconnects with backoff and converges — a policy created while it was down-then-up and a
 * patch made after the restart both reach Redis, with no operator restart.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRecord, redisKeys } from '../policy/wire.ts';
import { type ApiServer, startApiServer } from '../test/harness/apiserver.ts';
import { devEnv } from '../test/harness/env.ts';
import { eventually, randomName, tempDatabase } from '../test/support/operator.ts';
import { type OperatorHandle, startOperator } from './main.ts';
import { parseSettings } from './settings.ts';

const run = promisify(execFile);
const root = new URL('../', import.meta.url).pathname;
const PREFIX = `${randomName('sluice-test-operator-restart')}:`;
const keys = redisKeys(PREFIX);
let api: ApiServer;
let op: OperatorHandle;
let redis: Redis;
let dropDb: () => Promise<void>;

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
const rec = async (t: string) => {
  const s = await redis.get(keys.policy(t));
  return s ? decodeRecord(s) : null;
};

describe('API server restart mid-watch', () => {
  beforeAll(async () => {
    const env = devEnv();
    api = await startApiServer();
    await run('kubectl', ['--kubeconfig', api.kubeconfig, 'apply', '-f', `${root}crds/`]);
    await run('kubectl', [
      '--kubeconfig',
      api.kubeconfig,
      'wait',
      '--for',
      'condition=Established',
      'crd/tenantpolicies.sluice.dev',
      '--timeout',
      '60s',
    ]);
    const db = await tempDatabase(env.databaseUrl);
    dropDb = db.drop;
    redis = new Redis(env.redisUrl);
    op = await startOperator(
      // A short backoff cap: the test waits for the reconnect, not for client-go-like politeness.
      parseSettings(
        [
          '--redis-prefix',
          PREFIX,
          '--leader-elect',
          'false',
          '--log-level',
          'error',
          '--watch-backoff-cap-ms',
          '2000',
        ],
        {
          KUBECONFIG: api.kubeconfig,
          REDIS_URL: env.redisUrl,
          DATABASE_URL: db.url,
        },
      ),
    );
  }, 180_000);

  afterAll(async () => {
    await op?.close();
    await api?.destroy();
    const stale = await redis.keys(`${PREFIX}*`);
    if (stale.length > 0) await redis.del(...stale);
    redis.disconnect();
    await dropDb?.();
  });

  it('converges after the restart without restarting the operator', async () => {
    await k(['apply', '-f', '-'], tenant('before'));
    await eventually(() => rec('before'));
    const listsBefore = op.controller.policies[0]!.lists;
    await api.restart(3_000);
    await k(['apply', '-f', '-'], tenant('after'));
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
    await eventually(() => rec('after'), 60_000);
    await eventually(async () => (await rec('before'))?.policy.tier === 'pro', 60_000);
    expect(op.controller.policies[0]!.lists).toBeGreaterThanOrEqual(listsBefore);
  }, 180_000);
});
