import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { actorOf, planReconcile } from '../reconcile/tenant-policy.ts';
import {
  ACTOR_ANNOTATION,
  FINALIZER,
  type ManagedFieldsEntry,
  REASON_ANNOTATION,
  type TenantPolicyObject,
} from '../reconcile/types.ts';
import { jsonCodec, trimPolicy } from './trim.ts';

const US = 'sluice-operator';
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** A policy as the API server sends it to a watch after kubectl apply and our first pass. */
function fromApiServer(): TenantPolicyObject {
  return {
    apiVersion: 'sluice.dev/v1alpha1',
    kind: 'TenantPolicy',
    metadata: {
      name: 't0',
      namespace: 'ns',
      uid: '95df6db9-cadf-493c-8ffa-da7e67ac4fc1',
      generation: 2,
      resourceVersion: '10238',
      finalizers: [FINALIZER],
      labels: { team: 'search' },
      annotations: {
        [LAST_APPLIED]:
          '{"apiVersion":"sluice.dev/v1alpha1","kind":"TenantPolicy","spec":{"tenantId":"acme"}}',
        [REASON_ANNOTATION]: 'ticket 42',
      },
      managedFields: [
        {
          manager: 'kubectl-client-side-apply',
          operation: 'Update',
          time: '2026-12-03T17:34:48Z',
          fieldsV1: { 'f:spec': { '.': {}, 'f:tenantId': {}, 'f:tier': {} } },
        } as ManagedFieldsEntry,
        { manager: US, operation: 'Update', time: '2026-12-03T17:35:25Z' },
        { manager: US, operation: 'Update', time: '2026-12-03T17:35:26Z', subresource: 'status' },
      ],
    },
    spec: { tenantId: 'acme', tier: 'pro', override: { multiplier: 2, expiresAt: '2026-12-04T00:00:00Z' } },
    status: {
      observedGeneration: 2,
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          observedGeneration: 2,
          lastTransitionTime: '2026-12-03T17:35:25Z',
          reason: 'Enforced',
          message: 'effective version 9eac14f216dc8b77 is in Redis for the sidecars',
        },
      ],
    },
  } as TenantPolicyObject;
}

const entry = fc.record(
  {
    manager: fc.constantFrom('kubectl-edit', 'kubectl-client-side-apply', US, 'helm', ''),
    operation: fc.constantFrom('Update', 'Apply'),
    time: fc.constantFrom('2026-12-03T17:00:00Z', '2026-12-03T18:00:00Z', '2026-12-03T19:00:00Z', ''),
    subresource: fc.constantFrom('status', 'scale'),
  },
  { requiredKeys: [] },
);

describe('trimPolicy', () => {
  it('keeps what reconcile reads and drops fieldsV1, other annotations and labels', () => {
    const full = fromApiServer();
    const trimmed = trimPolicy(full, US);
    expect(trimmed.spec).toEqual(full.spec);
    expect((trimmed as { status?: unknown }).status).toEqual((full as { status?: unknown }).status);
    expect(trimmed.metadata).toEqual({
      name: 't0',
      namespace: 'ns',
      uid: full.metadata.uid,
      generation: 2,
      resourceVersion: '10238',
      finalizers: [FINALIZER],
      annotations: { [REASON_ANNOTATION]: 'ticket 42' },
      managedFields: [
        { manager: 'kubectl-client-side-apply', operation: 'Update', time: '2026-12-03T17:34:48Z' },
      ],
    });
  });

  it('plans the same pass from the trimmed policy as from the full one', () => {
    const full = fromApiServer();
    const now = new Date('2026-12-03T18:00:00Z');
    const plan = (policy: TenantPolicyObject) =>
      planReconcile({
        policy,
        secret: null,
        current: null,
        postgresHealthy: true,
        outboxPending: 0,
        now,
        fieldManager: US,
        served: null,
      });
    expect(plan(jsonCodec.decode(jsonCodec.encode(trimPolicy(full, US))))).toEqual(plan(full));
  });

  it('names the same audit actor as the full managedFields (property)', () => {
    fc.assert(
      fc.property(
        fc.option(fc.array(entry, { maxLength: 6 }), { nil: undefined }),
        fc.option(fc.constantFrom('alice@example.com', ''), { nil: undefined }),
        (managedFields, annotated) => {
          const p = fromApiServer();
          p.metadata.managedFields = managedFields;
          p.metadata.annotations = annotated === undefined ? {} : { [ACTOR_ANNOTATION]: annotated };
          const trimmed = trimPolicy(p, US);
          expect(actorOf(trimmed, US)).toBe(actorOf(p, US));
          expect(trimmed.metadata.managedFields?.length ?? 0).toBeLessThanOrEqual(1);
        },
      ),
    );
  });
});

describe('jsonCodec', () => {
  it('reads back what it holds, as a fresh object each time (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (spec) => {
        const p = { ...fromApiServer(), spec } as unknown as TenantPolicyObject;
        const trimmed = trimPolicy(p, US);
        const held = jsonCodec.encode(trimmed);
        expect(typeof held).toBe('string');
        const a = jsonCodec.decode(held);
        // JSON has no -0: the API server's JSON never carries one either.
        expect(a).toEqual(JSON.parse(JSON.stringify(trimmed)));
        expect(jsonCodec.decode(held)).not.toBe(a);
      }),
    );
  });
});
