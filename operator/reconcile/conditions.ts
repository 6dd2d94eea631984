/** metav1.Condition bookkeeping: rebuilt from scratch each pass, transition time kept when unchanged. */
import type { TenantPolicyStatus } from '../../policy/schema/tenant-policy.ts';

export type Condition = NonNullable<TenantPolicyStatus['conditions']>[number];
export type ConditionStatus = Condition['status'];

export interface DesiredCondition {
  type: 'Ready' | 'Degraded' | 'Invalid' | 'Propagated';
  status: ConditionStatus;
  reason: string;
  message: string;
}

/** The condition list in a fixed order; lastTransitionTime moves only when status changes. */
export function buildConditions(
  desired: DesiredCondition[],
  previous: Condition[] | undefined,
  generation: number,
  now: Date,
): Condition[] {
  return desired.map((d) => {
    const before = previous?.find((c) => c.type === d.type);
    const lastTransitionTime =
      before && before.status === d.status
        ? before.lastTransitionTime
        : now.toISOString().replace(/\.\d{3}Z$/, 'Z');
    return {
      type: d.type,
      status: d.status,
      observedGeneration: generation,
      lastTransitionTime,
      reason: d.reason,
      message: d.message,
    };
  });
}
