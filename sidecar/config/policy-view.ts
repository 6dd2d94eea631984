/**
 * What the request path sees of the loaded policy set: map reads, never a network call.
 * Implemented by the policy sources (file mode and Redis mode); used by ingress and egress.
 */
import type { TenantRecord } from '../../policy/wire.ts';

export interface PolicyView {
  /** The tenant's record by tenant id, or undefined. */
  byTenant(tenantId: string): TenantRecord | undefined;
  /** The tenant's record by API-key hash (policy/wire.ts hashApiKey), or undefined. */
  byKeyHash(keyHash: string): TenantRecord | undefined;
  /** True once a policy set has been loaded (from file, Redis or the last-known-good snapshot). */
  ready(): boolean;
}
