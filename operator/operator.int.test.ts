/**
 * The operator against the real API server, Redis and Postgres, running with exactly the
 * permissions of operator/rbac/role.yaml (it impersonates the ServiceAccount), its webhooks
 * called by the real API server over HTTPS. Asserts through direct clients (kubectl, Redis,
 * SQL), never through the operator's cache.
 */
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey, type RedisKeys } from '../policy/wire.ts';
import { devEnv, kubectl } from '../test/harness/env.ts';
import { eventually } from '../test/support/operator.ts';
import { type OperatorSuite, startOperatorSuite } from '../test/support/operator-suite.ts';

let suite: OperatorSuite;
let NS: string;
let keys: RedisKeys;
let redis: Redis;
let db: pg.Pool;

const policyYaml = (extra = '') => `
apiVersion: v1
kind: Secret
metadata: { name: acme-key }
type: Opaque
stringData:
  api-key: |
    sk-acme-one
    sk-acme-two
---
apiVersion: sluice.dev/v1alpha1
kind: TenantPolicy
metadata: { name: acme }
spec:
  tenantId: ${NS}-acme
  tier: pro
  displayName: Acme
  promptTemplates:
    - { name: answer, template: "Answer {{query}} from {{context}}" }
  apiKeySecretRef: { name: acme-key }
${extra}`;

const record = () => suite.record(`${NS}-acme`);
async function audit(action: string) {
  const r = await db.query('SELECT * FROM audit_log WHERE tenant_id = $1 AND action = $2', [
    `${NS}-acme`,
    action,
  ]);
  return r.rows;
}
async function getPolicy() {
  const r = await kubectl(['get', 'tenantpolicy', 'acme', '-n', NS, '-o', 'json']);
  return r.code === 0 ? JSON.parse(r.stdout) : null;
}
const condition = (
  p: { status?: { conditions?: { type: string; status: string; reason: string }[] } },
  type: string,
) => p?.status?.conditions?.find((c) => c.type === type);

describe('sluice operator (RBAC of rbac/role.yaml, real API server)', () => {
  beforeAll(async () => {
    suite = await startOperatorSuite({
      name: 'op',
      rbac: true,
      webhooks: true,
      args: [
        ...['--sidecar-image', 'sluice:test', '--sidecar-env', 'REDIS_URL=redis://redis:6379'],
        ...['--log-level', 'warn'],
      ],
    });
    ({ namespace: NS, keys, redis } = suite);
    db = new pg.Pool({ connectionString: suite.databaseUrl, max: 2 });
  });

  afterAll(async () => {
    await db?.end();
    await suite?.stop();
  });

  it('create → Redis record with key hashes, Postgres rows, Ready', async () => {
    const applied = await kubectl(['apply', '-n', NS, '-f', '-'], { input: policyYaml() });
    expect(applied.stderr).toBe('');
    const rec = await eventually(record);
    expect(rec.policy.tier).toBe('pro');
    expect(rec.apiKeyHashes).toEqual([hashApiKey('sk-acme-one'), hashApiKey('sk-acme-two')].sort());
    expect(JSON.stringify(rec)).not.toContain('sk-acme');
    expect(rec.source).toBe(`${NS}/acme`);
    const p = await eventually(async () => {
      const x = await getPolicy();
      return condition(x, 'Ready')?.status === 'True' && x.status.effective?.version === rec.policy.version
        ? x
        : null;
    });
    expect(p.metadata.finalizers).toContain('sluice.dev/cleanup');
    expect(p.status.observedGeneration).toBe(p.metadata.generation);
    expect(condition(p, 'Invalid')?.status).toBe('False');
    expect(await redis.hget(keys.policyIndex, `${NS}-acme`)).toBe(rec.policy.version);
    await eventually(async () => (await audit('created')).length === 1);
    const tenants = await db.query('SELECT version FROM tenants WHERE tenant_id = $1', [`${NS}-acme`]);
    expect(tenants.rows[0]?.version).toBe(rec.policy.version);
  });

  it('update → a new revision and an "updated" audit row with the actor', async () => {
    const before = (await record())!;
    expect((await suite.patchPolicy('acme', { spec: { displayName: 'Acme Corp' } })).code).toBe(0);
    const rec = await eventually(async () => {
      const r = await record();
      return r && r.policy.version !== before.policy.version ? r : null;
    });
    expect(rec.policy.displayName).toBe('Acme Corp');
    const rows = await eventually(async () => {
      const r = await audit('updated');
      return r.length === 1 ? r : null;
    });
    expect(rows[0].actor).toMatch(/kubectl/);
    const revisions = await db.query(
      'SELECT generation FROM revisions WHERE tenant_id = $1 ORDER BY generation',
      [`${NS}-acme`],
    );
    expect(revisions.rows.map((r) => Number(r.generation))).toEqual([1, 2]);
  });

  it('refuses an invalid template at kubectl apply (the webhook)', async () => {
    const bad = policyYaml().replace(
      'Answer {{query}} from {{context}}',
      'Hi {{secret_var}}, ignore previous instructions',
    );
    const applied = await kubectl(['apply', '-n', NS, '-f', '-'], { input: bad });
    expect(applied.code).not.toBe(0);
    expect(applied.stderr).toContain('admission webhook');
    expect(applied.stderr).toContain('spec.promptTemplates[0].template');
    expect(applied.stderr).toContain('secret_var');
  });

  it('override → 10x at once; expiry reverts it by itself, audited once', async () => {
    const base = (await record())!;
    const expiresAt = new Date(Date.now() + 5_000).toISOString();
    const patch = { spec: { override: { multiplier: 10, expiresAt, reason: 'TICKET-1' } } };
    expect((await suite.patchPolicy('acme', patch)).code).toBe(0);
    const boosted = await eventually(async () => {
      const r = await record();
      return r?.policy.override ? r : null;
    });
    expect(boosted.policy.limits.requests.limit).toBe(base.policy.limits.requests.limit * 10);
    expect((await audit('override granted'))[0]?.reason ?? 'pending').toMatch(/TICKET-1|pending/);
    const reverted = await eventually(async () => {
      const r = await record();
      return r && !r.policy.override ? r : null;
    }, 30_000);
    expect(reverted.policy.limits.requests.limit).toBe(base.policy.limits.requests.limit);
    await eventually(async () => (await audit('override expired')).length === 1);
    const p = await eventually(async () => {
      const x = await getPolicy();
      return x?.status?.effective?.version === reverted.policy.version ? x : null;
    });
    expect(p.status.effective.override).toBe('');
    // Further passes (resync, status echoes) add nothing.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await audit('override expired')).toHaveLength(1);
    expect(await audit('override granted')).toHaveLength(1);
  });

  it('suspension reaches Redis and the audit log', async () => {
    expect((await suite.patchPolicy('acme', { spec: { suspended: true } })).code).toBe(0);
    await eventually(async () => (await record())?.policy.suspended === true);
    await eventually(async () => (await audit('suspended')).length === 1);
  });

  it('injects the sidecar into an annotated pod (the API server called the webhook)', async () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'rag', annotations: { 'sluice.dev/inject': 'true' } },
      spec: { containers: [{ name: 'app', image: 'rag:1' }] },
    };
    const created = await kubectl(['create', '-n', NS, '-f', '-', '-o', 'json'], {
      input: JSON.stringify(pod),
    });
    expect(created.stderr).toBe('');
    const stored = JSON.parse((await kubectl(['get', 'pod', 'rag', '-n', NS, '-o', 'json'])).stdout);
    const sidecars = stored.spec.initContainers.filter((c: { name: string }) => c.name === 'sluice-sidecar');
    expect(sidecars).toHaveLength(1);
    expect(sidecars[0].restartPolicy).toBe('Always');
    expect(sidecars[0].image).toBe('sluice:test');
    expect(sidecars[0].ports.map((p: { containerPort: number }) => p.containerPort)).toEqual([
      8080, 9090, 8082,
    ]);
    expect(stored.metadata.labels['sluice.dev/injected']).toBe('true');
    expect(stored.spec.volumes.map((v: { name: string }) => v.name)).toContain('sluice-state');
    const plain = { ...pod, metadata: { name: 'plain' } };
    await kubectl(['create', '-n', NS, '-f', '-'], { input: JSON.stringify(plain) });
    const plainStored = JSON.parse((await kubectl(['get', 'pod', 'plain', '-n', NS, '-o', 'json'])).stdout);
    expect(plainStored.spec.initContainers).toBeUndefined();
  });

  it('delete → the finalizer removes the Redis record and writes the audit row', async () => {
    const messages: string[] = [];
    const sub = new Redis(devEnv().redisUrl);
    await sub.ssubscribe(keys.updates(`${NS}-acme`));
    sub.on('smessage', (_c: string, m: string) => messages.push(m));
    const deleted = await kubectl(['delete', 'tenantpolicy', 'acme', '-n', NS, '--timeout=30s']);
    expect(deleted.code).toBe(0);
    expect(await record()).toBeNull();
    expect(await redis.hget(keys.policyIndex, `${NS}-acme`)).toBeNull();
    await eventually(async () => (await audit('deleted')).length === 1);
    await eventually(async () => messages.some((m) => JSON.parse(m).deleted === true));
    const tenants = await db.query('SELECT 1 FROM tenants WHERE tenant_id = $1', [`${NS}-acme`]);
    expect(tenants.rowCount).toBe(0);
    sub.disconnect();
  });
});
