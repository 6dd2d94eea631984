/**
 * What the operator keeps of a TenantPolicy in its reflector cache: only the fields reconcile
 * reads (operator/reconcile/tenant-policy.ts). The rest of what the API server sends —
 * managedFields' fieldsV1 trees, kubectl's last-applied-configuration annotation (a second copy
 * of the spec as a string), labels and annotations of other tools — is most of each object's
 * size. At 10,000 policies, trimming took the operator from 525 MB to the figure in
 * docs/scale.md (bench/operator-propagation.ts).
 */
import { ACTOR_ANNOTATION, REASON_ANNOTATION, type TenantPolicyObject } from '../reconcile/types.ts';

const KEPT_ANNOTATIONS = [ACTOR_ANNOTATION, REASON_ANNOTATION];

export function trimPolicy(p: TenantPolicyObject): TenantPolicyObject {
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
      ...(m.managedFields
        ? {
            managedFields: m.managedFields.map((f) => ({
              ...(f.manager ? { manager: f.manager } : {}),
              ...(f.operation ? { operation: f.operation } : {}),
              ...(f.time ? { time: f.time } : {}),
              ...(f.subresource ? { subresource: f.subresource } : {}),
            })),
          }
        : {}),
    },
    spec: p.spec,
  } as TenantPolicyObject;
  if ((p as { status?: unknown }).status !== undefined)
    (trimmed as { status?: unknown }).status = (p as { status?: unknown }).status;
  return trimmed;
}
