import { describe, expect, it } from 'vitest';
import type { TenantPolicyObject } from '../../operator/reconcile/types.ts';
import { effectOf, fieldManagerFor, mergePatch } from './write.ts';

const policy = (status: TenantPolicyObject['status'], generation = 2): TenantPolicyObject => ({
  apiVersion: 'sluice.dev/v1alpha1',
  kind: 'TenantPolicy',
  metadata: { name: 'acme', namespace: 'ns', generation },
  spec: { tenantId: 'acme', tier: 'pro' },
  status,
});
const c = (type: string, status: 'True' | 'False' | 'Unknown', reason: string, observedGeneration = 2) => ({
  type,
  status,
  reason,
  message: reason,
  observedGeneration,
  lastTransitionTime: '2026-12-01T00:00:00Z',
});
const done = (propagated: ReturnType<typeof c>, version = 'v2') => ({
  observedGeneration: 2,
  conditions: [c('Ready', 'True', 'Enforced'), c('Invalid', 'False', 'Valid'), propagated],
  effective: { version: 'v2' },
  propagation: { version, sidecars: 1, liveSidecars: 1 },
});

describe('effectOf', () => {
  it.each([
    ['no status yet', undefined, null],
    [
      'an older generation',
      { ...done(c('Propagated', 'True', 'AllSidecarsServing')), observedGeneration: 1 },
      null,
    ],
    ['still propagating', done(c('Propagated', 'False', 'Propagating')), null],
    ['propagation of an older version', done(c('Propagated', 'True', 'AllSidecarsServing'), 'v1'), null],
    ['every sidecar serves it', done(c('Propagated', 'True', 'AllSidecarsServing')), 'propagated'],
    ['no sidecar runs', done(c('Propagated', 'Unknown', 'NoSidecars')), 'no-sidecars'],
    ['a sidecar is behind', done(c('Propagated', 'False', 'SidecarsBehind')), 'behind'],
    [
      'the Secret is missing',
      { observedGeneration: 2, conditions: [c('Ready', 'False', 'SecretNotFound')] },
      'not-ready',
    ],
    [
      'invalid',
      {
        observedGeneration: 2,
        conditions: [c('Ready', 'False', 'Invalid'), c('Invalid', 'True', 'ValidationFailed')],
      },
      'not-ready',
    ],
  ] as const)('%s → %s', (_name, status, state) => {
    expect(effectOf(policy(status as TenantPolicyObject['status']), 2)?.state ?? null).toBe(state);
  });
});

describe('mergePatch (RFC 7386)', () => {
  it.each([
    [{ a: 1, b: { c: 2 } }, { b: { c: null, d: 3 } }, { a: 1, b: { d: 3 } }],
    [{ a: [1, 2] }, { a: [3] }, { a: [3] }],
    [{ a: 1 }, { a: null }, {}],
    [{}, { a: { b: 1 } }, { a: { b: 1 } }],
  ])('%j + %j = %j', (target, patch, expected) => {
    expect(mergePatch(target, patch)).toEqual(expected);
  });
});

it('field managers are printable and at most 128 characters', () => {
  expect(fieldManagerFor('alice@example.com')).toBe('kubectl-sluice:alice@example.com');
  const long = fieldManagerFor(`${'x'.repeat(200)}\u0007é`);
  expect(long.length).toBe(128);
  expect(/^[\x20-\x7e]+$/.test(long)).toBe(true);
});
