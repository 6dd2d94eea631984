/** Kubernetes Events (events.k8s.io/v1) about a TenantPolicy: override granted/expired, suspension. */
import { randomBytes } from 'node:crypto';
import { API_VERSION, KIND } from '../../policy/schema/tenant-policy.ts';
import type { KubeEventPlan } from '../reconcile/tenant-policy.ts';
import type { TenantPolicyObject } from '../reconcile/types.ts';
import type { KubeClient } from './client.ts';

export class EventRecorder {
  private readonly client: KubeClient;
  private readonly controller: string;
  private readonly instance: string;

  constructor(client: KubeClient, controller: string, instance: string) {
    this.client = client;
    this.controller = controller;
    this.instance = instance;
  }

  async record(policy: TenantPolicyObject, event: KubeEventPlan, now: Date): Promise<void> {
    const namespace = policy.metadata.namespace ?? 'default';
    await this.client.request('POST', `/apis/events.k8s.io/v1/namespaces/${namespace}/events`, {
      body: {
        apiVersion: 'events.k8s.io/v1',
        kind: 'Event',
        metadata: { name: `${policy.metadata.name}.${randomBytes(6).toString('hex')}`, namespace },
        eventTime: now.toISOString().replace(/Z$/, '000Z'),
        reportingController: `sluice.dev/${this.controller}`,
        reportingInstance: this.instance.slice(0, 128),
        action: event.action,
        reason: event.reason,
        type: event.type,
        note: event.note.slice(0, 1024),
        regarding: {
          apiVersion: API_VERSION,
          kind: KIND,
          name: policy.metadata.name,
          namespace,
          uid: policy.metadata.uid,
          resourceVersion: policy.metadata.resourceVersion,
        },
      },
    });
  }
}
