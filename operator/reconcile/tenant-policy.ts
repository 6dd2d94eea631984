/**
 * The TenantPolicy reconcile decision, pure: (object, secret, what Redis holds, store health,
 * now) → the writes to make, the status to show, and when to look again. Level-based: the
 * same input gives the same plan, and a plan whose writes already happened plans no writes.
 *
 *   1. load     — the caller loads the object (null = NotFound: nothing to do), its Secret and
 *                 the current Redis record; here we only decide.
 *   2. finalize — deleting: remove the record, audit "deleted", drop the finalizer.
 *                 Otherwise make sure the finalizer is there before anything is written.
 *   3. validate — validateTenantPolicy; a user's mistake is a condition, never a requeue.
 *   4. compute  — computeEffectivePolicy(spec, now) + API-key hashes from the Secret.
 *   5. write    — the TenantRecord, when it differs from Redis; audit/revision events with it.
 *   6. status   — rebuilt from scratch: conditions, observedGeneration, effective summary, and
 *                 whether the sidecars serve the version (reconcile/propagation.ts).
 *   7. requeue  — at the override's expiry (a timer, not a poll), and shortly while sidecars
 *                 are still picking a new version up; never for user errors.
 */
import {
  canonicalJson,
  computeEffectivePolicy,
  type EffectivePolicy,
  effectiveSummary,
} from '../../policy/effective.ts';
import { API_VERSION, KIND, type TenantPolicyStatus } from '../../policy/schema/tenant-policy.ts';
import { validateTenantPolicy } from '../../policy/schema/validate.ts';
import type { TenantRecord } from '../../policy/wire.ts';
import { buildConditions, type DesiredCondition } from './conditions.ts';
import type { AuditAction, AuditEvent, OutboxEvent } from './outbox-event.ts';
import { type PropagationStatus, planPropagation, type ServedSnapshot } from './propagation.ts';
import { apiKeyHashes } from './secret.ts';
import {
  ACTOR_ANNOTATION,
  FINALIZER,
  type ManagedFieldsEntry,
  REASON_ANNOTATION,
  type SecretObject,
  type TenantPolicyObject,
} from './types.ts';

export interface ReconcileInput {
  policy: TenantPolicyObject | null;
  /** The referenced Secret (null when missing or when the policy references none). */
  secret: SecretObject | null;
  /** What Redis holds for the policy's tenant id. */
  current: TenantRecord | null;
  /** False while Postgres writes are failing (the outbox is not draining). */
  postgresHealthy: boolean;
  /** Events waiting in the outbox (shown in the Degraded message). */
  outboxPending: number;
  now: Date;
  /** Our field manager: its managedFields entries are not "the user who changed it". */
  fieldManager: string;
  /** What the live sidecars acknowledged for the tenant (null when it could not be read). */
  served: ServedSnapshot | null;
}

export interface KubeEventPlan {
  type: 'Normal' | 'Warning';
  reason: string;
  action: string;
  note: string;
}

export interface ReconcilePlan {
  finalizer: 'add' | 'remove' | 'none';
  redis:
    | { op: 'none' }
    | { op: 'write'; record: TenantRecord; tenantId: string }
    | { op: 'delete'; tenantId: string };
  /** The acknowledgement window: opened before a write, closed once every live sidecar serves it. */
  served: { op: 'none' } | { op: 'open' | 'close'; tenantId: string };
  /** Queued with the Redis write, in one MULTI. */
  outbox: OutboxEvent[];
  /** New status, or null when the current one is already right. */
  status: TenantPolicyStatus | null;
  events: KubeEventPlan[];
  /** Look again after this many ms (time-driven change), or null. */
  requeueAfterMs: number | null;
  /** Summary for logs. */
  outcome: 'not-found' | 'deleted' | 'gone' | 'invalid' | 'conflict' | 'written' | 'unchanged';
}

const NOTHING: Omit<ReconcilePlan, 'outcome'> = {
  finalizer: 'none',
  redis: { op: 'none' },
  served: { op: 'none' },
  outbox: [],
  status: null,
  events: [],
  requeueAfterMs: null,
};

export function sourceOf(policy: TenantPolicyObject): string {
  return `${policy.metadata.namespace ?? ''}/${policy.metadata.name}`;
}

/** The user behind the last change: the sluice.dev/actor annotation, else the manager of the last update. */
export function actorOf(policy: TenantPolicyObject, fieldManager: string): string {
  const annotated = policy.metadata.annotations?.[ACTOR_ANNOTATION];
  if (annotated) return annotated;
  return lastUpdateBy(policy.metadata.managedFields, fieldManager)?.manager ?? 'unknown';
}

/**
 * The managedFields entry of the last update to the object itself by someone other than us
 * (status writes and our own finalizer writes do not count); the latest wins a tie.
 */
export function lastUpdateBy(
  entries: readonly ManagedFieldsEntry[] | undefined,
  fieldManager: string,
): ManagedFieldsEntry | null {
  let best: ManagedFieldsEntry | null = null;
  for (const entry of entries ?? []) {
    if (!entry.manager || entry.subresource || entry.manager === fieldManager) continue;
    if (!best || (entry.time ?? '') >= (best.time ?? '')) best = entry;
  }
  return best;
}

export function planReconcile(input: ReconcileInput): ReconcilePlan {
  const { policy, now } = input;
  // 1. NotFound is not an error: the finalizer already cleaned up (or there was nothing).
  if (!policy) return { ...NOTHING, outcome: 'not-found' };
  const meta = policy.metadata;
  const generation = meta.generation ?? 0;
  const source = sourceOf(policy);
  const tenantId = policy.spec?.tenantId;
  const hasFinalizer = (meta.finalizers ?? []).includes(FINALIZER);
  const at = now.toISOString();
  const actor = actorOf(policy, input.fieldManager);

  // 2. Deletion: clean Redis (only our own record — another policy may own the tenant id).
  if (meta.deletionTimestamp) {
    if (!hasFinalizer) return { ...NOTHING, outcome: 'gone' };
    const ours = input.current !== null && input.current.source === source;
    const outbox: OutboxEvent[] = [];
    if (typeof tenantId === 'string' && (ours || input.current === null)) {
      outbox.push(
        audit(
          policy,
          'deleted',
          actor,
          meta.annotations?.[REASON_ANNOTATION] ?? '',
          input.current?.policy.version ?? '',
          at,
        ),
        { type: 'tenant-deleted', tenantId, uid: meta.uid ?? '', at },
      );
    }
    return {
      ...NOTHING,
      finalizer: 'remove',
      redis: ours && tenantId ? { op: 'delete', tenantId } : { op: 'none' },
      outbox,
      outcome: 'deleted',
    };
  }
  const finalizer = hasFinalizer ? 'none' : 'add';

  // 3. Validate with the same rules as the API server and the webhook.
  const validation = validateTenantPolicy({ ...policy, apiVersion: API_VERSION, kind: KIND });
  if (!validation.valid) {
    const message = validation.issues.map((i) => `${i.path}: ${i.message}`).join('; ');
    return refused(input, finalizer, 'invalid', {
      reason: 'Invalid',
      ready: 'the policy is not valid; the last valid version stays in force',
      invalidReason: 'ValidationFailed',
      invalid: message,
    });
  }
  const spec = policy.spec;
  if (input.current && input.current.source !== source) {
    return refused(input, finalizer, 'conflict', {
      reason: 'TenantIdConflict',
      ready: `tenant "${spec.tenantId}" is served from ${input.current.source}`,
      invalidReason: 'TenantIdConflict',
      invalid: `spec.tenantId "${spec.tenantId}" is already used by TenantPolicy ${input.current.source}; choose another tenantId or delete that policy`,
    });
  }

  // 4. Compute.
  const effective = computeEffectivePolicy(spec, now);
  const ref = effective.apiKeySecretRef;
  const keys = ref ? apiKeyHashes(input.secret, ref.name, ref.key) : null;
  const record: TenantRecord = {
    policy: effective,
    apiKeyHashes: keys?.ok ? keys.hashes : [],
    source,
    generation,
  };

  // 5. Write when Redis differs; the audit trail is derived from what Redis held before.
  const current = input.current;
  const same =
    current !== null &&
    current.policy.version === effective.version &&
    current.generation === generation &&
    canonicalJson(current.apiKeyHashes) === canonicalJson(record.apiKeyHashes);
  const outbox: OutboxEvent[] = [];
  const events: KubeEventPlan[] = [];
  if (!same) {
    outbox.push(...transitions(policy, current?.policy ?? null, effective, current, actor, at, events));
    outbox.push({
      type: 'tenant',
      tenantId: spec.tenantId,
      source,
      uid: meta.uid ?? '',
      generation,
      version: effective.version,
      tier: effective.tier,
      suspended: effective.suspended,
      spec,
      effective,
      at,
    });
    if (!current || current.generation !== generation || current.policy.version !== effective.version) {
      outbox.push({
        type: 'revision',
        id: `${meta.uid ?? source}/${generation}/${effective.version}`,
        tenantId: spec.tenantId,
        source,
        uid: meta.uid ?? '',
        generation,
        version: effective.version,
        spec,
        effective,
        at,
      });
    }
  }

  // 6. Status from scratch.
  const pending = input.outboxPending + outbox.length;
  const desired: DesiredCondition[] = [
    keys && !keys.ok
      ? { type: 'Ready', status: 'False', reason: keys.reason, message: keys.message }
      : {
          type: 'Ready',
          status: 'True',
          reason: 'Enforced',
          message: `effective version ${effective.version} is in Redis for the sidecars`,
        },
    input.postgresHealthy
      ? {
          type: 'Degraded',
          status: 'False',
          reason: 'StoresCurrent',
          message: 'Redis and Postgres are current',
        }
      : {
          type: 'Degraded',
          status: 'True',
          reason: 'PostgresUnavailable',
          message: `Postgres is unreachable: sidecars enforce the policy, ${pending} audit/revision record(s) are queued and will be written when it is back`,
        },
    { type: 'Invalid', status: 'False', reason: 'Valid', message: '' },
  ];
  const propagated = planPropagation({
    version: effective.version,
    writing: !same,
    served: input.served,
    previous: policy.status?.propagation as PropagationStatus | undefined,
    previousCondition: previousPropagated(policy)[0],
  });
  desired.push(propagated.condition);

  // 7. Requeue at the override's expiry so it reverts without anyone acting, and soon while
  // the sidecars are still picking the version up.
  const expiryMs = effective.validUntil
    ? Math.max(0, Date.parse(effective.validUntil) - now.getTime())
    : null;
  const waits = [expiryMs, propagated.requeueAfterMs].filter((n): n is number => n !== null);
  return {
    finalizer,
    redis: same ? { op: 'none' } : { op: 'write', record, tenantId: spec.tenantId },
    served:
      propagated.window === 'none' ? { op: 'none' } : { op: propagated.window, tenantId: spec.tenantId },
    outbox,
    status: status(input, desired, effective, propagated.propagation),
    events,
    requeueAfterMs: waits.length > 0 ? Math.min(...waits) : null,
    outcome: same ? 'unchanged' : 'written',
  };
}

/**
 * A policy the operator will not serve (invalid, or its tenantId taken): nothing is written, the
 * last valid version stays in force, and the status says why (Ready and Degraded false, Invalid
 * true) while Propagated keeps what it last reported.
 */
function refused(
  input: ReconcileInput,
  finalizer: ReconcilePlan['finalizer'],
  outcome: 'invalid' | 'conflict',
  why: { reason: string; ready: string; invalidReason: string; invalid: string },
): ReconcilePlan {
  return {
    ...NOTHING,
    finalizer,
    status: status(input, [
      { type: 'Ready', status: 'False', reason: why.reason, message: why.ready },
      { type: 'Degraded', status: 'False', reason: why.reason, message: '' },
      { type: 'Invalid', status: 'True', reason: why.invalidReason, message: why.invalid },
      ...previousPropagated(input.policy!),
    ]),
    outcome,
  };
}

/** The Propagated condition as last reported, for passes that learn nothing new about it. */
function previousPropagated(policy: TenantPolicyObject): DesiredCondition[] {
  const c = policy.status?.conditions?.find((x) => x.type === 'Propagated');
  return c ? [{ type: 'Propagated', status: c.status, reason: c.reason, message: c.message }] : [];
}

function audit(
  policy: TenantPolicyObject,
  action: AuditAction,
  actor: string,
  reason: string,
  version: string,
  at: string,
): AuditEvent {
  const generation = policy.metadata.generation ?? 0;
  return {
    type: 'audit',
    // Deterministic: the same transition computed twice (a retry, a second pass) is one row.
    id: `${policy.metadata.uid ?? sourceOf(policy)}/${generation}/${version}/${action}`,
    tenantId: policy.spec?.tenantId ?? '',
    source: sourceOf(policy),
    action,
    actor,
    reason,
    generation,
    version,
    at,
  };
}

/** Audit entries (and Kubernetes Events) for what changed between the Redis record and now. */
function transitions(
  policy: TenantPolicyObject,
  before: EffectivePolicy | null,
  after: EffectivePolicy,
  current: TenantRecord | null,
  actor: string,
  at: string,
  events: KubeEventPlan[],
): AuditEvent[] {
  const out: AuditEvent[] = [];
  const v = after.version;
  const userReason = policy.metadata.annotations?.[REASON_ANNOTATION] ?? '';
  const generation = policy.metadata.generation ?? 0;
  if (!before) out.push(audit(policy, 'created', actor, userReason, v, at));
  else if (current && current.generation !== generation)
    out.push(audit(policy, 'updated', actor, userReason, v, at));

  const o1 = before?.override ?? null;
  const o2 = after.override;
  if (o2 && (!o1 || o1.multiplier !== o2.multiplier || o1.expiresAt !== o2.expiresAt)) {
    out.push(audit(policy, 'override granted', o2.grantedBy ?? actor, o2.reason, v, at));
    events.push({
      type: 'Normal',
      reason: 'OverrideGranted',
      action: 'GrantOverride',
      note: `${o2.multiplier}x limits until ${o2.expiresAt}: ${o2.reason}`,
    });
  } else if (o1 && !o2) {
    const expired = Date.parse(o1.expiresAt) <= Date.parse(at);
    if (expired) {
      // Nobody acted: the clock did. The actor is the operator itself.
      out.push(audit(policy, 'override expired', 'sluice-operator', o1.reason, v, at));
      events.push({
        type: 'Normal',
        reason: 'OverrideExpired',
        action: 'ExpireOverride',
        note: `${o1.multiplier}x override expired at ${o1.expiresAt}; tier limits are back`,
      });
    } else {
      out.push(audit(policy, 'override revoked', actor, userReason || o1.reason, v, at));
    }
  }
  if (after.suspended && !before?.suspended) {
    out.push(audit(policy, 'suspended', actor, userReason, v, at));
    events.push({
      type: 'Warning',
      reason: 'TenantSuspended',
      action: 'Suspend',
      note: `tenant ${after.tenantId} is suspended: every request gets 403`,
    });
  } else if (!after.suspended && before?.suspended) {
    out.push(audit(policy, 'resumed', actor, userReason, v, at));
    events.push({
      type: 'Normal',
      reason: 'TenantResumed',
      action: 'Resume',
      note: `tenant ${after.tenantId} is resumed`,
    });
  }
  return out;
}

function status(
  input: ReconcileInput,
  desired: DesiredCondition[],
  effective?: EffectivePolicy,
  propagation?: PropagationStatus,
): TenantPolicyStatus | null {
  const policy = input.policy!;
  const generation = policy.metadata.generation ?? 0;
  const previous = policy.status;
  const next: TenantPolicyStatus = {
    observedGeneration: generation,
    conditions: buildConditions(desired, previous?.conditions, generation, input.now),
    // Invalid keeps the last effective summary: the last valid version stays in force.
    ...(effective
      ? { effective: effectiveSummary(effective) }
      : previous?.effective
        ? { effective: previous.effective }
        : {}),
    ...(propagation ? { propagation } : previous?.propagation ? { propagation: previous.propagation } : {}),
  };
  return previous && canonicalJson(previous) === canonicalJson(next) ? null : next;
}
