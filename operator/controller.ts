/**
 * The TenantPolicy controller: reflectors (policies + Secrets) feed a keyed work queue; each
 * worker loads, asks reconcile/tenant-policy.ts what to do, and does it. Reflectors run on
 * every replica (a warm cache makes failover fast); workers run only on the leader.
 */
import type { Logger } from 'pino';
import { GROUP, PLURAL, VERSION } from '../policy/schema/tenant-policy.ts';
import { isNotFound, type KubeClient } from './kube/client.ts';
import type { EventRecorder } from './kube/events.ts';
import { objectKey, Reflector } from './kube/reflector.ts';
import type { PolicyWriter } from './kube/status.ts';
import { jsonCodec, trimPolicy } from './kube/trim.ts';
import { WorkQueue } from './kube/work-queue.ts';
import type { OperatorMetrics } from './metrics.ts';
import { planReconcile, type ReconcilePlan } from './reconcile/tenant-policy.ts';
import { FINALIZER, type SecretObject, type TenantPolicyObject } from './reconcile/types.ts';
import type { OperatorSettings } from './settings.ts';
import type { RedisStore } from './stores/redis.ts';
import { ServedStore } from './stores/served.ts';

export interface ControllerDeps {
  client: KubeClient;
  settings: Readonly<OperatorSettings>;
  redis: RedisStore;
  writer: PolicyWriter;
  events: EventRecorder;
  log: Logger;
  now: () => Date;
  /** Called after a write queued outbox events (wakes the drain). */
  onOutbox: () => void;
  metrics?: OperatorMetrics;
}

export class TenantPolicyController {
  readonly queue: WorkQueue;
  readonly policies: Reflector<TenantPolicyObject>[] = [];
  readonly secrets: Reflector<SecretObject>[] = [];
  private readonly deps: ControllerDeps;
  /** Secret "ns/name" → policy keys that reference it. */
  private readonly secretUsers = new Map<string, Set<string>>();
  private readonly policySecret = new Map<string, string>();
  private workers: Promise<void>[] = [];
  private active = false;
  private readonly served: ServedStore;
  private postgresHealthy = true;
  private outboxPending = 0;
  /** Reconciles done (metrics/tests). */
  reconciles = 0;

  constructor(deps: ControllerDeps) {
    this.deps = deps;
    this.served = new ServedStore(deps.redis.redis, deps.redis.keys);
    this.queue = new WorkQueue({ backoff: { baseMs: 100, capMs: 60_000 } });
    const s = deps.settings;
    const namespaces = s.namespaces.length > 0 ? s.namespaces : [''];
    const common = {
      idleMs: s.watchIdleMs,
      timeoutSeconds: s.watchTimeoutSeconds,
      resyncMs: s.resyncMs,
      backoff: { baseMs: 500, capMs: s.watchBackoffCapMs },
      onError: (err: unknown, retryInMs: number) =>
        deps.log.warn({ err: String(err), retryInMs }, 'watch failed; reconnecting'),
    };
    for (const ns of namespaces) {
      const scope = ns ? `/namespaces/${ns}` : '';
      this.policies.push(
        new Reflector<TenantPolicyObject>(deps.client, {
          ...common,
          path: `/apis/${GROUP}/${VERSION}${scope}/${PLURAL}`,
          // Only what reconcile reads, held as JSON text (operator/kube/trim.ts): most of the
          // operator's memory at scale (docs/adr/0032-operator-memory.md).
          transform: (p) => trimPolicy(p, s.fieldManager),
          codec: jsonCodec,
          // A shard: a policy whose label leaves the selector arrives as DELETED and is left
          // alone in Redis (not-found), for the shard that now owns it.
          ...(s.shardSelector ? { labelSelector: s.shardSelector } : {}),
          onUpsert: (p) => this.policyChanged(p),
          onDelete: (p) => this.policyChanged(p, true),
        }),
      );
      this.secrets.push(
        new Reflector<SecretObject>(deps.client, {
          ...common,
          path: `/api/v1${scope}/secrets`,
          // Only Opaque secrets (API keys): skips Helm release and token secrets, which are big.
          fieldSelector: 'type=Opaque',
          transform: (s) => ({
            metadata: {
              name: s.metadata.name,
              namespace: s.metadata.namespace,
              resourceVersion: s.metadata.resourceVersion,
            },
            data: s.data,
          }),
          onUpsert: (s) => this.secretChanged(s),
          onDelete: (s) => this.secretChanged(s),
        }),
      );
    }
  }

  startWatches(): void {
    for (const r of [...this.policies, ...this.secrets]) r.start();
  }

  async synced(): Promise<void> {
    await Promise.all([...this.policies, ...this.secrets].map((r) => r.synced()));
  }

  /** Leader only: process the queue. Everything in the cache is queued once. */
  startWorkers(): void {
    if (this.active) return;
    this.active = true;
    this.enqueueAll();
    for (let i = 0; i < this.deps.settings.workers; i++) this.workers.push(this.work());
  }

  async stopWorkers(): Promise<void> {
    this.active = false;
    // Wake idle workers so they see active=false; they exit after their current key.
    for (let i = 0; i < this.workers.length; i++) this.queue.add(`\u0000wake-${i}`);
    await Promise.all(this.workers.splice(0));
  }

  enqueueAll(): void {
    for (const r of this.policies) for (const key of r.keys()) this.queue.add(key);
  }

  /** Keys waiting in the work queue. */
  queueLength(): number {
    return this.queue.length;
  }

  setStoreHealth(postgresHealthy: boolean, outboxPending: number): void {
    this.deps.metrics?.postgresHealthy.set(postgresHealthy ? 1 : 0);
    if (outboxPending >= 0) this.deps.metrics?.outboxPending.set(outboxPending);
    this.outboxPending = outboxPending;
    if (postgresHealthy === this.postgresHealthy) return;
    this.postgresHealthy = postgresHealthy;
    this.enqueueAll();
  }

  async close(): Promise<void> {
    await this.stopWorkers();
    this.queue.shutdown();
    await Promise.all([...this.policies, ...this.secrets].map((r) => r.stop()));
  }

  private policyChanged(p: TenantPolicyObject, deleted = false): void {
    const key = objectKey(p);
    const before = this.policySecret.get(key);
    const ref =
      !deleted && p.spec?.apiKeySecretRef
        ? `${p.metadata.namespace ?? ''}/${p.spec.apiKeySecretRef.name}`
        : undefined;
    if (before !== ref) {
      if (before) this.secretUsers.get(before)?.delete(key);
      if (ref) {
        let users = this.secretUsers.get(ref);
        if (!users) {
          users = new Set();
          this.secretUsers.set(ref, users);
        }
        users.add(key);
        this.policySecret.set(key, ref);
      } else this.policySecret.delete(key);
    }
    this.queue.add(key);
  }

  private secretChanged(s: SecretObject): void {
    for (const key of this.secretUsers.get(objectKey(s)) ?? []) this.queue.add(key);
  }

  private lookup(key: string): TenantPolicyObject | null {
    for (const r of this.policies) {
      const p = r.get(key);
      if (p) return p;
    }
    return null;
  }

  private secretFor(policy: TenantPolicyObject): SecretObject | null {
    const ref = policy.spec?.apiKeySecretRef;
    if (!ref) return null;
    const key = `${policy.metadata.namespace ?? ''}/${ref.name}`;
    for (const r of this.secrets) {
      const s = r.get(key);
      if (s) return s;
    }
    return null;
  }

  private async work(): Promise<void> {
    while (this.active) {
      const key = await this.queue.get();
      if (key === null) return;
      if (key.startsWith('\u0000')) {
        this.queue.done(key);
        continue;
      }
      if (!this.active) {
        this.queue.done(key);
        this.queue.add(key);
        return;
      }
      const stopTimer = this.deps.metrics?.reconcileDuration.startTimer();
      try {
        const requeue = await this.reconcile(key);
        this.deps.metrics?.reconciles.inc({ result: 'ok' });
        this.queue.forget(key);
        if (requeue !== null) this.queue.addAfter(key, requeue);
      } catch (error) {
        this.deps.metrics?.reconciles.inc({ result: 'error' });
        const retryInMs = this.queue.addRateLimited(key);
        this.deps.log.warn({ key, err: String(error), retryInMs }, 'reconcile failed; retrying');
      } finally {
        stopTimer?.();
        this.reconciles++;
        this.queue.done(key);
      }
    }
  }

  /** One pass for one key; returns requeue-after ms or null. */
  async reconcile(key: string): Promise<number | null> {
    const { redis, writer, events, log, settings } = this.deps;
    let policy = this.lookup(key);
    const tenantId = policy?.spec?.tenantId;
    const current = typeof tenantId === 'string' ? await redis.getRecord(tenantId) : null;
    // What the sidecars acknowledged; unreadable is not an error (the condition says Unknown).
    const served = typeof tenantId === 'string' ? await this.served.read(tenantId).catch(() => null) : null;
    const now = this.deps.now();
    const plan: ReconcilePlan = planReconcile({
      policy,
      secret: policy ? this.secretFor(policy) : null,
      current,
      postgresHealthy: this.postgresHealthy,
      outboxPending: this.outboxPending,
      now,
      fieldManager: settings.fieldManager,
      served,
    });
    if (!policy || plan.outcome === 'not-found' || plan.outcome === 'gone') return null;

    try {
      // Finalizer first: nothing may reach Redis that a deletion could not clean up.
      if (plan.finalizer === 'add') {
        policy = await writer.setFinalizers(policy, [...(policy.metadata.finalizers ?? []), FINALIZER]);
      }
      // The window opens before the write, so a sidecar's first acknowledgement is not missed.
      if (plan.served.op === 'open') await this.served.open(plan.served.tenantId);
      if (plan.redis.op === 'write') await redis.write(plan.redis.record, plan.outbox);
      else if (plan.redis.op === 'delete') await redis.delete(plan.redis.tenantId, plan.outbox);
      else if (plan.outbox.length > 0) await redis.delete(null, plan.outbox);
      if (plan.outbox.length > 0) this.deps.onOutbox();
      if (plan.finalizer === 'remove') {
        await writer.setFinalizers(
          policy,
          (policy.metadata.finalizers ?? []).filter((f) => f !== FINALIZER),
        );
        log.info({ key, tenant: tenantId }, 'tenant removed');
        return null;
      }
      if (plan.status) await writer.writeStatus(policy, plan.status);
      if (plan.served.op === 'close') await this.served.close(plan.served.tenantId);
    } catch (error) {
      if (isNotFound(error)) return null; // deleted meanwhile; the DELETED event comes next
      throw error;
    }
    for (const e of plan.events) {
      events
        .record(policy, e, now)
        .catch((err) => log.warn({ key, err: String(err) }, 'could not record event'));
    }
    if (plan.outcome === 'written')
      log.info(
        { key, tenant: tenantId, version: plan.redis.op === 'write' ? plan.redis.record.policy.version : '' },
        'tenant policy written',
      );
    if (plan.outcome === 'invalid')
      log.warn({ key, tenant: tenantId }, 'tenant policy invalid; see its Invalid condition');
    return plan.requeueAfterMs;
  }
}
