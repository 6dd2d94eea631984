/** Kubernetes shapes the operator reads, reduced to the fields it uses. */
import type { TenantPolicy } from '../../policy/schema/tenant-policy.ts';

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  time?: string;
  subresource?: string;
}

export interface KubeMeta {
  name: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  deletionTimestamp?: string;
  finalizers?: string[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  managedFields?: ManagedFieldsEntry[];
}

export type TenantPolicyObject = Omit<TenantPolicy, 'metadata'> & { metadata: KubeMeta };

export interface SecretObject {
  metadata: KubeMeta;
  /** Base64 values, as the API returns them. */
  data?: Record<string, string>;
}

export const FINALIZER = 'sluice.dev/cleanup';
export const ACTOR_ANNOTATION = 'sluice.dev/actor';
export const REASON_ANNOTATION = 'sluice.dev/reason';
