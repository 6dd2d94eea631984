/**
 * The sidecar's Prometheus metrics (docs/architecture.md): one prom-client Registry per sidecar
 * instance (several instances share a process in tests), `sluice_` prefix, `tenant` and `tier`
 * labels. The request path updates bound children (`series(policy)`: looked up once per policy
 * object), so it builds no label string or label object per request; the queue gauges are read
 * from the queue at scrape time, not set per request (docs/adr/0031-lean-request-path.md).
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** sluice_shadow_decisions_total: created once per registry, shared by the ingress and the egress. */
export function shadowDecisionsCounter(registry: Registry): Counter<'tenant' | 'reason'> {
  const existing = registry.getSingleMetric('sluice_shadow_decisions_total');
  if (existing) return existing as Counter<'tenant' | 'reason'>;
  return new Counter({
    name: 'sluice_shadow_decisions_total',
    help: 'Requests a limit in shadow mode would have refused and let pass, by reason (rate-limited, budget-exhausted, budget-pending, prompt-rejected; docs/adr/0027-shadow-mode.md).',
    labelNames: ['tenant', 'reason'],
    registers: [registry],
  });
}

export type Outcome = 'admitted' | 'rejected' | 'upstream_error';

interface CounterChild {
  inc(value?: number): void;
}
interface HistogramChild {
  observe(value: number): void;
}

/** One tenant's series on the request path, bound to its labels (tenant, tier). */
export interface TenantSeries {
  admitted: CounterChild;
  upstreamError: CounterChild;
  upstreamLatency: HistogramChild;
  queueWait: HistogramChild;
}

/** What the queue gauges read at scrape time (queue/fair-queue.ts stats()). */
export type QueueStats = () => { waiting: number; inFlight: number };

const LIMITER_MODES = ['global', 'local-share', 'open', 'closed', 'memory'] as const;

export class SidecarMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'tenant' | 'tier' | 'outcome'>;
  readonly rejections: Counter<'tenant' | 'tier' | 'reason'>;
  readonly queueWait: Histogram<'tier'>;
  readonly upstreamLatency: Histogram<'tenant' | 'tier'>;
  readonly capped: Counter<'tenant' | 'tier' | 'field'>;
  readonly promptFlags: Counter<'tenant' | 'tier' | 'rule' | 'verdict'>;
  readonly configVersion: Gauge<'tenant' | 'version'>;
  readonly configTenants: Gauge;
  readonly configStaleness: Gauge;
  readonly configReloads: Counter<'source' | 'result'>;
  readonly storeMode: Gauge<'mode'>;
  readonly liveReplicas: Gauge;
  readonly queueDepth: Gauge;
  readonly inFlight: Gauge;
  readonly denyCacheHits: Counter;
  readonly limiterEvents: Counter<'event'>;
  readonly shadowDecisions: Counter<'tenant' | 'reason'>;
  private readonly children = new Map<string, CounterChild>();
  /** Per policy object (the tenant and tier it names): its bound series. */
  private readonly bound = new WeakMap<{ tenantId: string; tier: string }, TenantSeries>();
  /** The same series by tenant and tier, so a new policy version reuses them. */
  private readonly seriesByLabels = new Map<string, TenantSeries>();
  private queueStats: QueueStats | null = null;
  private readonly versions = new Map<string, string>();
  private lastSyncAt: number | null = null;

  constructor(now: () => number = Date.now) {
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'sluice_requests_total',
      help: 'Ingress requests by outcome (admitted = sent to the app).',
      labelNames: ['tenant', 'tier', 'outcome'],
      registers,
    });
    this.rejections = new Counter({
      name: 'sluice_rejections_total',
      help: 'Requests refused by the sidecar, by reason (the error code without SLUICE_).',
      labelNames: ['tenant', 'tier', 'reason'],
      registers,
    });
    this.queueWait = new Histogram({
      name: 'sluice_queue_wait_seconds',
      help: 'Time requests waited in the fair queue before going to the app (0 when not queued).',
      labelNames: ['tier'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
      registers,
    });
    this.upstreamLatency = new Histogram({
      name: 'sluice_upstream_latency_seconds',
      help: "Time from sending to the app until the app's response headers arrived.",
      labelNames: ['tenant', 'tier'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.capped = new Counter({
      name: 'sluice_capped_total',
      help: "Request body fields clamped to the tier's cap.",
      labelNames: ['tenant', 'tier', 'field'],
      registers,
    });
    this.promptFlags = new Counter({
      name: 'sluice_prompt_screening_total',
      help: 'Queries that prompt screening rejected or flagged, by rule.',
      labelNames: ['tenant', 'tier', 'rule', 'verdict'],
      registers,
    });
    this.configVersion = new Gauge({
      name: 'sluice_config_version_info',
      help: 'Effective policy version served per tenant (value 1; the version is the label).',
      labelNames: ['tenant', 'version'],
      registers,
    });
    this.configTenants = new Gauge({
      name: 'sluice_config_tenants',
      help: 'Tenants in the loaded policy set.',
      registers,
    });
    const self = this;
    this.configStaleness = new Gauge({
      name: 'sluice_config_staleness_seconds',
      help: 'Seconds since the policy set was last confirmed current with its source (file or Redis).',
      registers,
      collect() {
        this.set(self.lastSyncAt === null ? -1 : (now() - self.lastSyncAt) / 1000);
      },
    });
    this.configReloads = new Counter({
      name: 'sluice_config_reloads_total',
      help: 'Policy set loads by source and result (ok, invalid, error).',
      labelNames: ['source', 'result'],
      registers,
    });
    this.storeMode = new Gauge({
      name: 'sluice_limiter_mode',
      help: 'Rate-limit store mode in force (1 for the current one): global, local-share, open, closed, memory.',
      labelNames: ['mode'],
      registers,
    });
    this.liveReplicas = new Gauge({
      name: 'sluice_live_replicas',
      help: 'Sidecar replicas seen in the Redis heartbeat set (divides the limit in local-share mode).',
      registers,
    });
    this.queueDepth = new Gauge({
      name: 'sluice_queue_waiting',
      help: 'Requests waiting in the fair queue.',
      registers,
      collect() {
        if (self.queueStats) this.set(self.queueStats().waiting);
      },
    });
    this.inFlight = new Gauge({
      name: 'sluice_upstream_in_flight',
      help: 'Requests in flight to the app.',
      registers,
      collect() {
        if (self.queueStats) this.set(self.queueStats().inFlight);
      },
    });
    this.denyCacheHits = new Counter({
      name: 'sluice_limiter_deny_cache_hits_total',
      help: 'Rate-limit denials answered from the local deny cache without a Redis round trip.',
      registers,
    });
    this.limiterEvents = new Counter({
      name: 'sluice_limiter_events_total',
      help:
        'Limiter accounting events (docs/adr/0015-exact-under-pressure.md): deadline (refused, no Redis answer in time), ' +
        'unknown (refused, lost in flight), refund (late admission given back), seed (tenants started ' +
        'from the last global state), charge-back (local admissions charged to Redis on return).',
      labelNames: ['event'],
      registers,
    });
    this.shadowDecisions = shadowDecisionsCounter(this.registry);
  }

  /** The queue the queue gauges read at scrape time. */
  watchQueue(stats: QueueStats): void {
    this.queueStats = stats;
  }

  /**
   * The request path's series for a tenant policy, bound once per policy object: a request
   * updates them with no label lookup.
   */
  series(policy: { tenantId: string; tier: string }): TenantSeries {
    let found = this.bound.get(policy);
    if (found) return found;
    const { tenantId, tier } = policy;
    const key = `${tenantId}\0${tier}`;
    found = this.seriesByLabels.get(key);
    if (!found) {
      found = {
        admitted: this.requests.labels(tenantId, tier, 'admitted'),
        upstreamError: this.requests.labels(tenantId, tier, 'upstream_error'),
        upstreamLatency: this.upstreamLatency.labels(tenantId, tier),
        queueWait: this.queueWait.labels(tier),
      };
      this.seriesByLabels.set(key, found);
    }
    this.bound.set(policy, found);
    return found;
  }

  /** Counts a refusal a shadowed limit let pass (cached child). */
  shadow(tenant: string, reason: string): void {
    const key = `s\0${tenant}\0${reason}`;
    let child = this.children.get(key);
    if (!child) {
      child = this.shadowDecisions.labels(tenant, reason);
      this.children.set(key, child);
    }
    child.inc();
  }

  /** Counts a request outcome (cached child). */
  outcome(tenant: string, tier: string, outcome: Outcome): void {
    const key = `o\0${tenant}\0${tier}\0${outcome}`;
    let child = this.children.get(key);
    if (!child) {
      child = this.requests.labels(tenant, tier, outcome);
      this.children.set(key, child);
    }
    child.inc();
  }

  /** Counts a rejection: the outcome "rejected" plus the reason. */
  reject(tenant: string, tier: string, code: string): void {
    this.outcome(tenant, tier, 'rejected');
    const key = `r\0${tenant}\0${tier}\0${code}`;
    let child = this.children.get(key);
    if (!child) {
      child = this.rejections.labels(tenant, tier, code.replace(/^SLUICE_/, '').toLowerCase());
      this.children.set(key, child);
    }
    child.inc();
  }

  /** Records the policy set now served; old version series are removed. */
  policySet(versions: Iterable<[string, string]>, at: number): void {
    const next = new Map(versions);
    for (const [tenant, version] of this.versions) {
      if (next.get(tenant) !== version) this.configVersion.remove(tenant, version);
    }
    for (const [tenant, version] of next) this.configVersion.set({ tenant, version }, 1);
    this.versions.clear();
    for (const [k, v] of next) this.versions.set(k, v);
    this.configTenants.set(next.size);
    this.lastSyncAt = at;
  }

  /** The source confirmed the set is current (e.g. a resync found nothing new). */
  synced(at: number): void {
    this.lastSyncAt = at;
  }

  mode(mode: string): void {
    // A state set: every mode has a series (0 or 1), so "degraded == 1" has something to compare.
    for (const m of LIMITER_MODES) this.storeMode.set({ mode: m }, m === mode ? 1 : 0);
    if (!LIMITER_MODES.includes(mode as (typeof LIMITER_MODES)[number])) this.storeMode.set({ mode }, 1);
  }
}
