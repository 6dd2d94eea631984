/**
 * `startOperator(settings)`: wires the TenantPolicy controller, the stores, leader election, the
 * outbox drain, the usage rollup and the admission webhooks, and returns a handle to close them.
 *
 * On every replica: watches (warm caches) and the webhooks (stateless).
 * On the leader only: reconcile workers, Redis/Postgres/status writes, outbox drain, rollup.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { type Logger, pino } from 'pino';
import { TenantPolicyController } from './controller.ts';
import { KubeClient } from './kube/client.ts';
import { EventRecorder } from './kube/events.ts';
import { loadKubeConfig } from './kube/kubeconfig.ts';
import { LeaderElector } from './kube/leader-election.ts';
import { PolicyWriter } from './kube/status.ts';
import { OperatorMetrics, serveMetrics } from './metrics.ts';
import { OutboxDrain } from './outbox-drain.ts';
import type { OperatorSettings } from './settings.ts';
import { PostgresStore } from './stores/postgres.ts';
import { RedisStore } from './stores/redis.ts';
import { UsageRollup } from './usage-rollup.ts';
import { applyOperatorV8Flags } from './v8-flags.ts';
import { WebhookManager } from './webhooks/manager.ts';

export interface OperatorDeps {
  log?: Logger;
  now?: () => Date;
  kubeConfig?: KubeConfig;
}

export interface OperatorHandle {
  readonly controller: TenantPolicyController;
  readonly redis: RedisStore;
  readonly postgres: PostgresStore;
  readonly drain: OutboxDrain;
  isLeader(): boolean;
  /** Port of the webhook server (0 when webhooks are off). */
  webhookPort(): number;
  close(): Promise<void>;
}

export async function startOperator(
  settings: Readonly<OperatorSettings>,
  deps: OperatorDeps = {},
): Promise<OperatorHandle> {
  // Before the caches grow: the heap's growth between full collections (operator/v8-flags.ts).
  applyOperatorV8Flags();
  const log =
    deps.log ??
    pino({ level: settings.logLevel, base: { component: 'sluice-operator', identity: settings.identity } });
  const now = deps.now ?? (() => new Date());
  // Without client-node's generated API: ~15 MB of module source kept on the heap (kube/kubeconfig.ts).
  const kc = deps.kubeConfig ?? (await loadKubeConfig(settings.kubeconfig || undefined));
  const client = new KubeClient(kc);
  const redis = new RedisStore(settings.redisUrl, settings.redisPrefix);
  const postgres = new PostgresStore(settings.databaseUrl);

  // Migrations under an advisory lock; when Postgres is down at start we run anyway (Redis is
  // what sidecars need) and keep trying — the outbox holds the records meanwhile.
  let migrated = false;
  const migrateOnce = async () => {
    if (migrated) return;
    const applied = await postgres.migrate();
    migrated = true;
    if (applied.length > 0) log.info({ applied }, 'postgres migrations applied');
  };
  await migrateOnce().catch((err) =>
    log.warn({ err: String(err) }, 'postgres unavailable at start; will retry'),
  );

  let controller: TenantPolicyController;
  const drain = new OutboxDrain(redis, postgres, log, settings.outboxIntervalMs, (healthy, pending) =>
    controller?.setStoreHealth(healthy, pending),
  );
  const originalDrain = drain.drain.bind(drain);
  drain.drain = async () => {
    try {
      await migrateOnce();
    } catch (error) {
      controller?.setStoreHealth(false, await redis.outboxLength().catch(() => -1));
      log.debug({ err: String(error) }, 'postgres still unavailable');
      return 0;
    }
    return originalDrain();
  };
  const metrics = new OperatorMetrics(() => controller?.queueLength() ?? 0);
  controller = new TenantPolicyController({
    metrics,
    client,
    settings,
    redis,
    writer: new PolicyWriter(client, settings.fieldManager),
    events: new EventRecorder(client, settings.fieldManager, settings.identity),
    log,
    now,
    onOutbox: () => drain.kick(),
  });
  const rollup = new UsageRollup(redis, postgres, log, settings.rollupIntervalMs, now);

  let leading = false;
  const startLeading = () => {
    leading = true;
    metrics.leader.set(1);
    controller.startWorkers();
    drain.start();
    rollup.start();
  };
  const stopLeading = () => {
    leading = false;
    metrics.leader.set(0);
    void controller.stopWorkers();
    void drain.stop();
    void rollup.stop();
  };

  const webhooks = settings.webhook.enabled ? new WebhookManager(client, settings, log) : null;
  await webhooks?.start();

  controller.startWatches();
  let synced = false;
  void controller.synced().then(() => {
    synced = true;
  });
  const metricsServer =
    settings.metricsPort > 0 ? await serveMetrics(metrics, settings.metricsPort, () => synced, log) : null;
  let elector: LeaderElector | null = null;
  if (settings.leaderElection.enabled) {
    const le = settings.leaderElection;
    elector = new LeaderElector(client, {
      namespace: le.namespace,
      name: le.name,
      identity: settings.identity,
      leaseDurationMs: le.leaseDurationMs,
      renewIntervalMs: le.renewIntervalMs,
      retryIntervalMs: le.retryIntervalMs,
      onStartedLeading: startLeading,
      onStoppedLeading: stopLeading,
      log,
    });
    elector.start();
  } else startLeading();
  log.info(
    {
      namespaces: settings.namespaces.length ? settings.namespaces : 'all',
      webhooks: settings.webhook.enabled,
    },
    'operator started',
  );

  return {
    controller,
    redis,
    postgres,
    drain,
    isLeader: () => leading,
    webhookPort: () => webhooks?.port ?? 0,
    close: async () => {
      await elector?.stop();
      if (leading) stopLeading();
      await controller.close();
      await drain.stop();
      await rollup.stop();
      await webhooks?.close();
      await redis.close();
      await postgres.close().catch(() => undefined);
      await client.close();
      await metricsServer?.close();
    },
  };
}
