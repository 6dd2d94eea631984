import { describe, expect, it } from 'vitest';
import { computeEffectivePolicy } from '../../policy/effective.ts';
import { hashApiKey, type TenantRecord } from '../../policy/wire.ts';
import { actorOf, planReconcile, type ReconcileInput } from './tenant-policy.ts';
import { FINALIZER, type SecretObject, type TenantPolicyObject } from './types.ts';

const NOW = new Date('2026-06-01T12:00:00Z');

function policy(
  spec: Partial<TenantPolicyObject['spec']> = {},
  meta: Partial<TenantPolicyObject['metadata']> = {},
): TenantPolicyObject {
  return {
    apiVersion: 'sluice.dev/v1alpha1',
    kind: 'TenantPolicy',
    metadata: { name: 'acme', namespace: 'ns', uid: 'u1', generation: 1, finalizers: [FINALIZER], ...meta },
    spec: { tenantId: 'acme', tier: 'pro', ...spec },
  };
}

const secret = (text: string): SecretObject => ({
  metadata: { name: 'k', namespace: 'ns' },
  data: { 'api-key': Buffer.from(text).toString('base64') },
});

function input(over: Partial<ReconcileInput>): ReconcileInput {
  return {
    policy: policy(),
    secret: null,
    current: null,
    postgresHealthy: true,
    outboxPending: 0,
    now: NOW,
    fieldManager: 'sluice-operator',
    served: null,
    ...over,
  };
}

function recordFor(p: TenantPolicyObject, at: Date, hashes: string[] = []): TenantRecord {
  return {
    policy: computeEffectivePolicy(p.spec, at),
    apiKeyHashes: hashes,
    source: 'ns/acme',
    generation: p.metadata.generation ?? 0,
  };
}

const actions = (plan: ReturnType<typeof planReconcile>) =>
  plan.outbox.filter((e) => e.type === 'audit').map((e) => (e as { action: string }).action);
const cond = (plan: ReturnType<typeof planReconcile>, type: string) =>
  plan.status?.conditions?.find((c) => c.type === type);

describe('planReconcile', () => {
  it('NotFound is not an error: nothing to do', () => {
    const plan = planReconcile(input({ policy: null }));
    expect(plan).toMatchObject({
      outcome: 'not-found',
      redis: { op: 'none' },
      requeueAfterMs: null,
      outbox: [],
    });
  });

  it('adds the finalizer before writing', () => {
    const plan = planReconcile(input({ policy: policy({}, { finalizers: [] }) }));
    expect(plan.finalizer).toBe('add');
    expect(plan.redis.op).toBe('write');
  });

  it.each([
    ['created', null, policy(), ['created']],
    ['updated', recordFor(policy(), NOW), policy({ displayName: 'X' }, { generation: 2 }), ['updated']],
    [
      'suspended',
      recordFor(policy(), NOW),
      policy({ suspended: true }, { generation: 2 }),
      ['updated', 'suspended'],
    ],
    [
      'resumed',
      recordFor(policy({ suspended: true }), NOW),
      policy({}, { generation: 2 }),
      ['updated', 'resumed'],
    ],
    [
      'override granted',
      recordFor(policy(), NOW),
      policy(
        { override: { multiplier: 10, expiresAt: '2026-06-01T14:00:00Z', reason: 'T-1' } },
        { generation: 2 },
      ),
      ['updated', 'override granted'],
    ],
  ] as const)('audits %s', (_name, current, p, expected) => {
    const plan = planReconcile(
      input({ policy: p as TenantPolicyObject, current: current as TenantRecord | null }),
    );
    expect(plan.redis.op).toBe('write');
    expect(actions(plan)).toEqual(expected);
  });

  it('is idempotent: what Redis already holds plans no write and no audit', () => {
    const p = policy();
    const plan = planReconcile(input({ policy: p, current: recordFor(p, NOW) }));
    expect(plan.redis.op).toBe('none');
    expect(plan.outbox).toEqual([]);
    expect(plan.outcome).toBe('unchanged');
  });

  it('same input → same plan (level-based), including deterministic audit ids', () => {
    const a = planReconcile(input({}));
    const b = planReconcile(input({}));
    expect(a).toEqual(b);
  });

  it('requeues at the override expiry, then reverts and audits "override expired" as the operator', () => {
    const o = { multiplier: 10, expiresAt: '2026-06-01T12:00:05Z', reason: 'T-1' };
    const p = policy({ override: o });
    const active = planReconcile(input({ policy: p }));
    expect(active.requeueAfterMs).toBe(5_000);
    expect(active.redis.op === 'write' && active.redis.record.policy.limits.requests.limit).toBe(10_000);
    const later = new Date('2026-06-01T12:00:05Z');
    const expired = planReconcile(input({ policy: p, current: recordFor(p, NOW), now: later }));
    expect(actions(expired)).toEqual(['override expired']);
    expect(expired.outbox.find((e) => e.type === 'audit')).toMatchObject({
      actor: 'sluice-operator',
      reason: 'T-1',
    });
    expect(expired.requeueAfterMs).toBeNull();
    expect(expired.redis.op === 'write' && expired.redis.record.policy.override).toBeNull();
    expect(expired.events.map((e) => e.reason)).toEqual(['OverrideExpired']);
  });

  it('a user mistake is a condition, not a requeue', () => {
    const p = policy({ tier: 'gold' as never });
    const plan = planReconcile(input({ policy: p }));
    expect(plan.outcome).toBe('invalid');
    expect(plan.redis.op).toBe('none');
    expect(plan.requeueAfterMs).toBeNull();
    expect(cond(plan, 'Invalid')).toMatchObject({ status: 'True', reason: 'ValidationFailed' });
    expect(cond(plan, 'Invalid')?.message).toContain('spec.tier');
    expect(cond(plan, 'Ready')?.status).toBe('False');
  });

  it('refuses a tenant id already served by another policy', () => {
    const other = { ...recordFor(policy(), NOW), source: 'other/acme' };
    const plan = planReconcile(input({ current: other }));
    expect(plan.outcome).toBe('conflict');
    expect(cond(plan, 'Invalid')?.reason).toBe('TenantIdConflict');
  });

  it.each([
    ['missing Secret', null, 'SecretNotFound'],
    ['Secret without the key', { metadata: { name: 'k' }, data: {} }, 'SecretKeyMissing'],
  ] as const)('%s → Ready False, the record still written', (_n, s, reason) => {
    const plan = planReconcile(
      input({ policy: policy({ apiKeySecretRef: { name: 'k' } }), secret: s as SecretObject | null }),
    );
    expect(cond(plan, 'Ready')).toMatchObject({ status: 'False', reason });
    expect(plan.redis.op).toBe('write');
  });

  it('hashes every key line of the Secret, never stores a key', () => {
    const plan = planReconcile(
      input({ policy: policy({ apiKeySecretRef: { name: 'k' } }), secret: secret('b-key\n a-key \n\n') }),
    );
    expect(plan.redis.op === 'write' && plan.redis.record.apiKeyHashes).toEqual(
      [hashApiKey('a-key'), hashApiKey('b-key')].sort(),
    );
    expect(JSON.stringify(plan)).not.toContain('a-key');
    expect(cond(plan, 'Ready')?.status).toBe('True');
  });

  it('Postgres down → Degraded with the queue length, Redis still written', () => {
    const plan = planReconcile(input({ postgresHealthy: false, outboxPending: 3 }));
    expect(plan.redis.op).toBe('write');
    expect(cond(plan, 'Degraded')).toMatchObject({ status: 'True', reason: 'PostgresUnavailable' });
    expect(cond(plan, 'Degraded')?.message).toContain('6 audit/revision');
  });

  it('keeps lastTransitionTime while a condition keeps its status; no status write when unchanged', () => {
    const first = planReconcile(input({}));
    const p = { ...policy(), status: first.status! };
    const again = planReconcile(
      input({ policy: p, current: recordFor(p, NOW), now: new Date('2026-06-01T13:00:00Z') }),
    );
    expect(again.status).toBeNull();
  });

  it('deletion removes our record, audits, drops the finalizer', () => {
    const p = policy({}, { deletionTimestamp: '2026-06-01T12:00:00Z' });
    const plan = planReconcile(input({ policy: p, current: recordFor(p, NOW) }));
    expect(plan).toMatchObject({
      finalizer: 'remove',
      redis: { op: 'delete', tenantId: 'acme' },
      outcome: 'deleted',
    });
    expect(actions(plan)).toEqual(['deleted']);
  });

  it('deletion leaves a record owned by another policy alone', () => {
    const p = policy({}, { deletionTimestamp: '2026-06-01T12:00:00Z' });
    const plan = planReconcile(input({ policy: p, current: { ...recordFor(p, NOW), source: 'x/y' } }));
    expect(plan.redis.op).toBe('none');
    expect(plan.finalizer).toBe('remove');
  });
});

describe('actorOf', () => {
  it.each([
    ['annotation wins', { annotations: { 'sluice.dev/actor': 'alice' } }, 'alice'],
    [
      'last non-status update by someone else',
      {
        managedFields: [
          { manager: 'kubectl-client-side-apply', operation: 'Update', time: '2026-01-01T00:00:00Z' },
          { manager: 'kubectl-patch', operation: 'Update', time: '2026-01-02T00:00:00Z' },
          { manager: 'sluice-operator', operation: 'Update', time: '2026-01-03T00:00:00Z' },
          { manager: 'x', operation: 'Update', time: '2026-01-04T00:00:00Z', subresource: 'status' },
        ],
      },
      'kubectl-patch',
    ],
    ['nothing known', {}, 'unknown'],
  ])('%s', (_n, meta, expected) => {
    expect(actorOf(policy({}, meta), 'sluice-operator')).toBe(expected);
  });
});
