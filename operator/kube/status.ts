/** Status and metadata writes for TenantPolicies: merge patches, status through its subresource. */
import { GROUP, PLURAL, type TenantPolicyStatus, VERSION } from '../../policy/schema/tenant-policy.ts';
import type { TenantPolicyObject } from '../reconcile/types.ts';
import type { KubeClient } from './client.ts';

export function policyPath(namespace: string, name: string, subresource?: string): string {
  const base = `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${PLURAL}/${name}`;
  return subresource ? `${base}/${subresource}` : base;
}

const MERGE = 'application/merge-patch+json';

export class PolicyWriter {
  private readonly client: KubeClient;
  private readonly fieldManager: string;

  constructor(client: KubeClient, fieldManager: string) {
    this.client = client;
    this.fieldManager = fieldManager;
  }

  get(namespace: string, name: string): Promise<TenantPolicyObject> {
    return this.client.request<TenantPolicyObject>('GET', policyPath(namespace, name));
  }

  /**
   * Replaces the finalizer list; resourceVersion in the patch makes it conditional, so a
   * concurrent change to the list is a 409 (retried), never a lost finalizer.
   */
  setFinalizers(policy: TenantPolicyObject, finalizers: string[]): Promise<TenantPolicyObject> {
    return this.client.request<TenantPolicyObject>(
      'PATCH',
      policyPath(policy.metadata.namespace!, policy.metadata.name),
      {
        body: { metadata: { finalizers, resourceVersion: policy.metadata.resourceVersion } },
        contentType: MERGE,
        query: { fieldManager: this.fieldManager },
      },
    );
  }

  /** Writes the whole status (rebuilt from scratch) through the status subresource. */
  writeStatus(policy: TenantPolicyObject, status: TenantPolicyStatus): Promise<TenantPolicyObject> {
    // conditions is a map-list; a merge patch replaces lists whole, which is what we want.
    return this.client.request<TenantPolicyObject>(
      'PATCH',
      policyPath(policy.metadata.namespace!, policy.metadata.name, 'status'),
      { body: { status }, contentType: MERGE, query: { fieldManager: this.fieldManager } },
    );
  }
}
