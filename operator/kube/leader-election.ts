/**
 * Lease leader election against coordination.k8s.io/v1 (the adapter around
 * reconcile/leader.ts). Optimistic concurrency through resourceVersion: two candidates racing
 * for the same lease → one PUT wins, the other gets 409 and waits. A leader that cannot renew
 * within the lease duration steps down before anyone else may take over.
 */
import type { Logger } from 'pino';
import { decideLease, type LeaseSpec, type Observation } from '../reconcile/leader.ts';
import { isConflict, isNotFound, type KubeClient } from './client.ts';

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs: number;
  renewIntervalMs: number;
  retryIntervalMs: number;
  now?: () => number;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
  log: Logger;
}

interface Lease {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec?: LeaseSpec;
}

export class LeaderElector {
  private readonly client: KubeClient;
  private readonly options: LeaderElectionOptions;
  private observation: Observation = { record: null, atMs: 0 };
  private leading = false;
  private lastRenewMs = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private running: Promise<void> | null = null;

  constructor(client: KubeClient, options: LeaderElectionOptions) {
    this.client = client;
    this.options = options;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => {
        this.running = null;
        this.schedule(this.leading ? this.options.renewIntervalMs : this.options.retryIntervalMs);
      });
    }, ms);
  }

  private path(name?: string): string {
    const base = `/apis/coordination.k8s.io/v1/namespaces/${this.options.namespace}/leases`;
    return name ? `${base}/${name}` : base;
  }

  private async tick(): Promise<void> {
    const now = (this.options.now ?? Date.now)();
    try {
      let lease: Lease | null = null;
      try {
        lease = await this.client.request<Lease>('GET', this.path(this.options.name));
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
      const decision = decideLease(
        lease?.spec ?? null,
        this.observation,
        this.options.identity,
        now,
        this.options.leaseDurationMs,
      );
      this.observation = decision.observation;
      if (decision.action === 'wait') {
        this.setLeading(false);
        return;
      }
      const body = {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: {
          name: this.options.name,
          namespace: this.options.namespace,
          ...(lease?.metadata.resourceVersion ? { resourceVersion: lease.metadata.resourceVersion } : {}),
        },
        spec: decision.spec,
      };
      if (decision.action === 'create') await this.client.request('POST', this.path(), { body });
      else await this.client.request('PUT', this.path(this.options.name), { body });
      this.lastRenewMs = now;
      this.setLeading(true);
    } catch (error) {
      if (!isConflict(error)) this.options.log.warn({ err: error }, 'leader election: lease request failed');
      // Step down when the lease may have lapsed: another candidate could hold it by now.
      if (
        this.leading &&
        now - this.lastRenewMs >= this.options.leaseDurationMs - this.options.renewIntervalMs
      ) {
        this.setLeading(false);
      }
    }
  }

  private setLeading(value: boolean): void {
    if (value === this.leading) return;
    this.leading = value;
    this.options.log.info(
      { identity: this.options.identity, leading: value },
      value ? 'became leader' : 'stopped leading',
    );
    if (value) this.options.onStartedLeading();
    else this.options.onStoppedLeading();
  }

  /** Stops; a leader releases the lease so a successor takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    if (this.leading) {
      try {
        const lease = await this.client.request<Lease>('GET', this.path(this.options.name));
        if (lease.spec?.holderIdentity === this.options.identity) {
          await this.client.request('PUT', this.path(this.options.name), {
            body: { ...lease, spec: { ...lease.spec, holderIdentity: '' } },
          });
        }
      } catch (error) {
        this.options.log.warn({ err: error }, 'leader election: could not release the lease');
      }
      this.setLeading(false);
    }
  }
}
