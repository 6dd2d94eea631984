/**
 * What the operator keeps of a TenantPolicy in its reflector cache: only the fields reconcile
 * reads (operator/reconcile/tenant-policy.ts), held as JSON text. The rest of what the API
 * server sends — managedFields' fieldsV1 trees, kubectl's last-applied-configuration annotation
 * (a second copy of the spec as a string), labels and annotations of other tools — is most of
 * each object's size. At 10,000 policies, trimming took the operator from 525 MB to the figures
 * in docs/scale.md (bench/operator-propagation.ts); docs/adr/0032-operator-memory.md.
 */
import { lastUpdateBy } from '../reconcile/tenant-policy.ts';
import { ACTOR_ANNOTATION, REASON_ANNOTATION, type TenantPolicyObject } from '../reconcile/types.ts';
import type { CacheCodec } from './reflector.ts';

const KEPT_ANNOTATIONS = [ACTOR_ANNOTATION, REASON_ANNOTATION];

/**
 * The policy reduced to what reconcile reads. Of managedFields only the entry that names the
 * audit actor is kept (`actorOf` picks the same one from the full list), without `fieldsV1`:
 * a policy written by kubectl, then by our finalizer and status writes, carries three.
 */
export function trimPolicy(p: TenantPolicyObject, fieldManager: string): TenantPolicyObject {
  const m = p.metadata;
  const annotations: Record<string, string> = {};
  let anyAnnotation = false;
  for (const a of KEPT_ANNOTATIONS) {
    const v = m.annotations?.[a];
    if (v !== undefined) {
      annotations[a] = v;
      anyAnnotation = true;
    }
  }
  const actor = lastUpdateBy(m.managedFields, fieldManager);
  const trimmed: TenantPolicyObject = {
    ...(p.apiVersion ? { apiVersion: p.apiVersion } : {}),
    ...(p.kind ? { kind: p.kind } : {}),
    metadata: {
      name: m.name,
      ...(m.namespace ? { namespace: m.namespace } : {}),
      ...(m.uid ? { uid: m.uid } : {}),
      ...(m.generation !== undefined ? { generation: m.generation } : {}),
      ...(m.resourceVersion ? { resourceVersion: m.resourceVersion } : {}),
      ...(m.deletionTimestamp ? { deletionTimestamp: m.deletionTimestamp } : {}),
      ...(m.finalizers?.length ? { finalizers: m.finalizers } : {}),
      ...(anyAnnotation ? { annotations } : {}),
      // Who changed it and when (the audit actor); not which fields (fieldsV1).
      ...(actor
        ? {
            managedFields: [
              {
                ...(actor.manager ? { manager: actor.manager } : {}),
                ...(actor.operation ? { operation: actor.operation } : {}),
                ...(actor.time ? { time: actor.time } : {}),
              },
            ],
          }
        : {}),
    },
    spec: p.spec,
  } as TenantPolicyObject;
  if ((p as { status?: unknown }).status !== undefined)
    (trimmed as { status?: unknown }).status = (p as { status?: unknown }).status;
  return trimmed;
}

/**
 * The cache holds each trimmed policy as its JSON text and parses it back on each read (once
 * per reconcile: microseconds, against the Redis and API round trips of the pass). One flat
 * one-byte string is a fraction of the heap of the parsed tree (an object, a hidden-class
 * pointer and a separate string per field: measured in docs/scale.md), and the GC marks one
 * object per policy instead of ~60.
 */
export const jsonCodec: CacheCodec<TenantPolicyObject> = {
  encode: (p) => JSON.stringify(p),
  decode: (held) => JSON.parse(held as string) as TenantPolicyObject,
};
