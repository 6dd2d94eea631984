/**
 * The API server restarted under the operator (our own etcd + kube-apiserver): the operator's
 * watch reconnects with backoff and converges without an operator restart — a patch and a policy
 * created after the restart both reach Redis — and each change gives exactly one audit row (the
 * relists after the reconnect write nothing new: reconcile is level-based and the row ids
 * deterministic). Merged from operator/apiserver-restart.int.test.ts, which checked the same
 * restart without the audit rows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiServer, startApiServer } from '../harness/apiserver.ts';
import { type OperatorSuite, startOperatorSuite } from '../support/operator-suite.ts';
import { recordCounts, sleep, until } from './counts.ts';
import { auditActions } from './operator-helpers.ts';

describe('fault: API server restarted', () => {
  let api: ApiServer;
  let suite: OperatorSuite;
  const tier = async (t: string) => (await suite.record(t))?.policy.tier ?? null;

  beforeAll(async () => {
    api = await startApiServer();
    suite = await startOperatorSuite({
      name: 'faults-api',
      kubeconfig: api.kubeconfig,
      allNamespaces: true,
      // A short backoff cap: the test waits for the reconnect, not for politeness.
      args: ['--watch-backoff-cap-ms', '2000', '--outbox-interval-ms', '300'],
    });
  }, 180_000);
  afterAll(async () => {
    await suite?.stop();
    await api?.destroy();
  });

  it('converges after the restart without restarting the operator, one audit row per change', async () => {
    const db = suite.databaseUrl;
    expect((await suite.applyPolicy(suite.tenantPolicy('before'))).code).toBe(0);
    await until(() => tier('before'), 'before in Redis');
    await until(async () => (await auditActions(db, 'before')).length === 1, 'the created row');
    const listsBefore = suite.op.controller.policies[0]!.lists;
    await api.restart(3_000);
    expect((await suite.patchPolicy('before', { spec: { tier: 'pro' } })).code).toBe(0);
    expect((await suite.applyPolicy(suite.tenantPolicy('after'))).code).toBe(0);
    await until(async () => (await tier('before')) === 'pro', 'the patch in Redis', 60_000);
    await until(() => tier('after'), 'the new policy in Redis', 60_000);
    await until(async () => (await auditActions(db, 'after')).length === 1, 'after audit row', 30_000);
    // The same watch relisted: the operator was not restarted, its informer reconnected.
    expect(suite.op.controller.policies[0]!.lists).toBeGreaterThanOrEqual(listsBefore);
    // A relist after the reconnect must not add rows: give the watch time to relist, then count.
    await sleep(2_000);
    const before = await auditActions(db, 'before');
    const after = await auditActions(db, 'after');
    const changes = 3;
    const lost = Math.abs(changes - before.length - after.length);
    recordCounts({ test: 'apiserver-restart', faults: 1, requests: changes, lost, crashes: 0 });
    expect(before).toEqual(['created', 'updated']);
    expect(after).toEqual(['created']);
  }, 180_000);
});
