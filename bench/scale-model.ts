/**
 * Capacity model for docs/scale.md: extrapolates the per-unit costs measured by bench-scale,
 * the sidecar-memory benchmark and bench-operator to an installation, and names the first
 * bottleneck and what to do about it. Deterministic arithmetic, no I/O besides printing: the
 * measured figures are the defaults below (with where they come from); every input can be
 * overridden with --name=value.
 *
 *   make scale-model
 *   node bench/scale-model.ts --tenants=100000 --sidecars=1000 --requests-per-s=20000 --masters=3
 */

export interface ModelInput {
  // --- the installation ---
  tenants: number;
  sidecars: number;
  /** Requests per second at the ingress of all sidecars together. */
  requestsPerS: number;
  /** Share of requests over their tenant's limit (denied). */
  deniedShare: number;
  /** Replicas that serve one tenant (its app deployment's size). */
  replicasPerTenant: number;
  /** Tenants one sidecar holds (active tenants routed to its deployment). */
  heldPerSidecar: number;
  /** Policy changes per hour (kubectl patch, overrides, expiries). */
  policyChangesPerHour: number;
  /** Models a tenant uses per day (one usage hash each). */
  modelsPerTenant: number;
  /** Tenants with usage on a given day. */
  activeTenantShare: number;
  masters: number;
  // --- settings (defaults of the code) ---
  heartbeatMs: number;
  sidecarResyncMs: number;
  operatorResyncMs: number;
  rollupIntervalMs: number;
  usageDaysKept: number;
  // --- measured per-unit costs ---
  /** Redis round trips per admitted request (one GCRA script call). bench/scale.ts */
  roundTripsPerAdmitted: number;
  /** Script calls per denied request at 10x the limit (deny cache). bench/scale.ts */
  roundTripsPerDenied: number;
  /** Egress calls per admitted request that reserve and settle a budget (2 script calls each). */
  llmCallsPerRequest: number;
  /** Script calls one Redis core sustains. bench/scale.ts redis_server_script_calls_per_s */
  scriptCallsPerCore: number;
  /** HINCRBY one Redis core sustains (the activity flush). bench/scale.ts redis_server_hincrby_per_s */
  hincrbyPerCore: number;
  /** Activity metrics a busy tenant adds per flush (requests, rejected, tokens, cost). */
  activityFieldsPerTenant: number;
  /** Activity flush period (sidecar/config/served-report.ts ACTIVITY_FLUSH_MS). */
  activityFlushMs: number;
  /** Hashes per minute the activity is split into (policy/wire.ts ACTIVITY_BUCKETS). */
  activityBuckets: number;
  /** Bytes per tenant in Redis: record, version, key index, index field. bench/scale.ts */
  redisConfigBytesPerTenant: number;
  /** Bytes per tenant of counters (rate, two budget counters, one usage hash). bench/scale.ts */
  redisCounterBytesPerTenant: number;
  /** Sidecar RSS with 100 held tenants, and per extra held tenant. bench/scale-sidecar-memory.ts */
  sidecarBaseMb: number;
  sidecarMbPerHeldTenant: number;
  /** Operator RSS: base and per TenantPolicy. bench/operator-propagation.ts */
  operatorBaseMb: number;
  operatorMbPerPolicy: number;
  /** Reconciles per second one operator sustains (writes; a no-op pass is cheaper). bench-operator */
  reconcilesPerS: number;
  /** Limits used to name bottlenecks. */
  redisMaxMemoryMbPerMaster: number;
  operatorMemoryLimitMb: number;
  postgresUpsertsPerS: number;
}

/**
 * Defaults: the installation of docs/scale.md and the per-unit costs measured on the shared
 * 2-core machine (load average 25-35 while measuring: CPU-bound figures are pessimistic).
 * Marked "assumed" where nothing here measured it.
 */
export const MEASURED: ModelInput = {
  tenants: 100_000,
  sidecars: 1_000,
  requestsPerS: 20_000, // 20 per sidecar per second
  deniedShare: 0.1, // assumed
  replicasPerTenant: 10, // assumed: a tenant's traffic goes to one deployment of 10 pods
  heldPerSidecar: 1_000, // assumed: active tenants routed to one deployment
  policyChangesPerHour: 2_000, // assumed: overrides, expiries, edits
  modelsPerTenant: 2, // assumed
  activeTenantShare: 0.3, // assumed
  masters: 3,
  heartbeatMs: 2_000, // sidecar default
  sidecarResyncMs: 30_000, // sidecar default
  operatorResyncMs: 300_000, // operator default
  rollupIntervalMs: 60_000, // operator default
  usageDaysKept: 8, // sidecar/egress/usage.ts
  roundTripsPerAdmitted: 1, // bench-scale: 1 EVALSHA (5 commands counted with the script's)
  roundTripsPerDenied: 0.775, // bench-scale: at 10x the limit, 200/s against 20/s
  llmCallsPerRequest: 0.5, // assumed
  scriptCallsPerCore: 18_591, // bench-scale: redis-benchmark, GCRA script, one redis-server
  hincrbyPerCore: 90_662, // bench-scale: redis-benchmark HINCRBY (34.5k-90.7k/s in three runs; the best, like the script figure)
  activityFieldsPerTenant: 4, // all four metrics when the tenant made LLM calls and was denied
  activityFlushMs: 5_000, // sidecar default
  activityBuckets: 16, // policy/wire.ts
  redisConfigBytesPerTenant: 1_387, // bench-scale
  redisCounterBytesPerTenant: 847, // bench-scale
  sidecarBaseMb: 190, // bench-scale-sidecar-memory: RSS under load, flat from 1k to 100k records
  sidecarMbPerHeldTenant: 0.0015, // parsed record + key map entry + subscription (heap, measured ~0.4-1.2 KB)
  operatorBaseMb: 126, // idle operator with the chart's settings (ADR 0039: lean KubeConfig, MALLOC_ARENA_MAX=2)
  operatorMbPerPolicy: 0.0044, // bench-operator: (170 - 126) MB / 10k (docs/scale.md, ADR 0039)
  reconcilesPerS: 72, // bench-operator, quiet machine: 10k to Ready in 138 s (writes; a no-op pass is cheaper, not measured)
  redisMaxMemoryMbPerMaster: 4_096, // assumed maxmemory
  operatorMemoryLimitMb: 512, // chart default limit
  postgresUpsertsPerS: 5_000, // assumed, not measured here
};

export interface Resource {
  name: string;
  load: number;
  capacity: number;
  unit: string;
  /** load / capacity */
  utilisation: number;
  fix: string;
}

export interface ModelOutput {
  redisOpsPerS: {
    requests: number;
    budget: number;
    heartbeats: number;
    activity: number;
    resync: number;
    updates: number;
    rollup: number;
    total: number;
  };
  perMasterScriptCallsPerS: number;
  hottestTenantShareOfMaster: number;
  redisMemoryMb: { config: number; counters: number; usageHistory: number; total: number; perMaster: number };
  fanOutPerChange: { sharded: number; broadcastBefore: number };
  operator: { memoryMb: number; fullPassS: number; resyncS: number };
  sidecarMemoryMb: number;
  postgres: { usageRowsPerDay: number; upsertsPerS: number; auditRowsPerDay: number };
  resources: Resource[];
  firstBottleneck: Resource;
}

export function model(i: ModelInput): ModelOutput {
  const admitted = i.requestsPerS * (1 - i.deniedShare);
  const denied = i.requestsPerS * i.deniedShare;
  const requests = admitted * i.roundTripsPerAdmitted + denied * i.roundTripsPerDenied;
  // An LLM call reserves then settles a budget: two script calls on the tenant's slot.
  const budget = admitted * i.llmCallsPerRequest * 2;
  // Each heartbeat: the replica-set script, the open-windows script and the replica info SET
  // (sidecar/config/served-report.ts), all on the global slot.
  const heartbeats = (3 * i.sidecars) / (i.heartbeatMs / 1_000);
  // Activity: each sidecar adds a field per busy tenant and metric every flush. A sidecar's busy
  // tenants in one flush are at most its held tenants and at most its requests in the period.
  const busyPerFlush = Math.min(
    i.heldPerSidecar,
    (i.requestsPerS / i.sidecars) * (i.activityFlushMs / 1_000),
  );
  const activity = (i.sidecars * busyPerFlush * i.activityFieldsPerTenant) / (i.activityFlushMs / 1_000);
  // The buckets are slots: with fewer buckets than masters some masters get none; else each
  // master holds about buckets/masters of them, the busiest one rounded up.
  const activityPerMaster =
    activity * (Math.ceil(i.activityBuckets / Math.min(i.masters, i.activityBuckets)) / i.activityBuckets);
  // Every resync reads the generation and, when it moved, the change feed since the last one
  // (sidecar/config/redis-source.ts); it then checks (version + index) only the held tenants
  // that changed.
  const changesPerS = i.policyChangesPerHour / 3_600;
  const changesPerResync = changesPerS * (i.sidecarResyncMs / 1_000);
  const heldShare = Math.min(1, i.heldPerSidecar / i.tenants);
  const resync = (i.sidecars * (2 + changesPerResync * heldShare * 2)) / (i.sidecarResyncMs / 1_000);
  // A change is pushed to the replicas holding the tenant; each re-reads the record.
  const updates = changesPerS * (1 + i.replicasPerTenant);
  const usageHashes = i.tenants * i.activeTenantShare * i.modelsPerTenant;
  const rollup = usageHashes / (i.rollupIntervalMs / 1_000); // one HGETALL per hash per rollup
  const total = requests + budget + heartbeats + resync + updates + rollup;
  // Script calls (the request path and everything else but activity) spread by tenant slot.
  const perMaster = total / i.masters;
  // One tenant's keys are one slot: its whole rate lands on one master. With the rate shared
  // over the active tenants, the busiest tenant is taken as 1% of the traffic.
  const hottest = (0.01 * (requests + budget)) / i.scriptCallsPerCore;

  const config = (i.tenants * i.redisConfigBytesPerTenant) / 1e6;
  const counters = (i.tenants * i.redisCounterBytesPerTenant) / 1e6;
  // Usage hashes are kept usageDaysKept days, one per (tenant, model, day); the counter figure
  // holds one of them.
  const usageHistory = (usageHashes * (i.usageDaysKept - 1) * 300) / 1e6;
  const memTotal = config + counters + usageHistory;

  const operatorMb = i.operatorBaseMb + i.operatorMbPerPolicy * i.tenants;
  const fullPassS = i.tenants / i.reconcilesPerS;
  const sidecarMb = i.sidecarBaseMb + i.sidecarMbPerHeldTenant * i.heldPerSidecar;
  const usageRowsPerDay = usageHashes * 4; // four metrics per (tenant, model, day)
  const upsertsPerS = usageRowsPerDay / (i.rollupIntervalMs / 1_000);

  const resources: Resource[] = [
    {
      name: 'Redis master CPU (script calls)',
      load: Math.round(perMaster),
      capacity: i.scriptCallsPerCore,
      unit: 'calls/s per master',
      utilisation: perMaster / i.scriptCallsPerCore,
      fix: 'add masters (redis-cli --cluster add-node + rebalance): tenants spread by slot, load divides by the masters',
    },
    {
      name: 'Busiest Redis master CPU (its script calls + activity HINCRBY)',
      load: Math.round(activityPerMaster),
      capacity: i.hincrbyPerCore,
      unit: 'HINCRBY/s per master',
      // Shares the core with the script calls of that master.
      utilisation: activityPerMaster / i.hincrbyPerCore + perMaster / i.scriptCallsPerCore,
      fix: 'raise the activity flush period, or use kubectl sluice top --prometheus and stop the flush; add masters',
    },
    {
      name: 'Redis memory per master',
      load: Math.round(memTotal / i.masters),
      capacity: i.redisMaxMemoryMbPerMaster,
      unit: 'MB',
      utilisation: memTotal / i.masters / i.redisMaxMemoryMbPerMaster,
      fix: 'add masters, or keep fewer usage days in Redis (Postgres has them)',
    },
    {
      name: 'Operator full reconcile pass vs its resync period',
      load: Math.round(fullPassS),
      capacity: i.operatorResyncMs / 1_000,
      unit: 's per pass',
      utilisation: fullPassS / (i.operatorResyncMs / 1_000),
      fix: 'shard the operator by namespace (--namespaces per shard), raise --resync-ms, more --workers',
    },
    {
      name: 'Operator memory',
      load: Math.round(operatorMb),
      capacity: i.operatorMemoryLimitMb,
      unit: 'MB',
      utilisation: operatorMb / i.operatorMemoryLimitMb,
      fix: 'shard the operator by namespace, or raise its memory limit',
    },
    {
      name: 'Postgres usage upserts (rollup)',
      load: Math.round(upsertsPerS),
      capacity: i.postgresUpsertsPerS,
      unit: 'rows/s',
      utilisation: upsertsPerS / i.postgresUpsertsPerS,
      fix: 'raise --rollup-interval-ms (5 min cuts it 5x), or upsert only hashes that changed',
    },
    {
      name: 'Hottest tenant on its master',
      load: Math.round(0.01 * (requests + budget)),
      capacity: i.scriptCallsPerCore,
      unit: 'calls/s on one slot',
      utilisation: hottest,
      fix: 'a tenant is one slot by design (exact limits); a tenant above one core needs its limit split into sub-keys',
    },
  ];
  const firstBottleneck = [...resources].sort((a, b) => b.utilisation - a.utilisation)[0]!;
  return {
    redisOpsPerS: {
      requests: Math.round(requests),
      budget: Math.round(budget),
      heartbeats: Math.round(heartbeats),
      activity: Math.round(activity),
      resync: Math.round(resync),
      updates: Math.round(updates),
      rollup: Math.round(rollup),
      total: Math.round(total + activity),
    },
    perMasterScriptCallsPerS: Math.round(perMaster),
    hottestTenantShareOfMaster: Math.round(hottest * 1000) / 1000,
    redisMemoryMb: {
      config: Math.round(config),
      counters: Math.round(counters),
      usageHistory: Math.round(usageHistory),
      total: Math.round(memTotal),
      perMaster: Math.round(memTotal / i.masters),
    },
    fanOutPerChange: { sharded: i.replicasPerTenant, broadcastBefore: i.sidecars },
    operator: {
      memoryMb: Math.round(operatorMb),
      fullPassS: Math.round(fullPassS),
      resyncS: i.operatorResyncMs / 1_000,
    },
    sidecarMemoryMb: Math.round(sidecarMb),
    postgres: {
      usageRowsPerDay: Math.round(usageRowsPerDay),
      upsertsPerS: Math.round(upsertsPerS),
      auditRowsPerDay: Math.round(i.policyChangesPerHour * 24),
    },
    resources,
    firstBottleneck,
  };
}

export function table(out: ModelOutput): string {
  const rows = out.resources
    .map(
      (r) =>
        `| ${r.name} | ${r.load.toLocaleString('en')} ${r.unit} | ${r.capacity.toLocaleString('en')} | ${Math.round(r.utilisation * 100)}% |`,
    )
    .join('\n');
  return `| resource | load | capacity | use |\n| --- | --- | --- | --- |\n${rows}`;
}

function parseArgs(argv: string[]): ModelInput {
  const input: ModelInput = { ...MEASURED };
  for (const arg of argv) {
    const m = /^--([a-z-]+)=([\d.e+]+)$/.exec(arg);
    const key = (m?.[1] ?? '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()) as keyof ModelInput;
    if (!m || !(key in input))
      throw new Error(`unknown argument ${arg}; use --name=number with a ModelInput name`);
    input[key] = Number(m[2]);
  }
  return input;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const input = parseArgs(process.argv.slice(2));
  const out = model(input);
  const { resources, firstBottleneck, ...figures } = out;
  process.stdout.write(`${JSON.stringify({ bench: 'scale-model', input, ...figures })}\n`);
  process.stdout.write(`${table(out)}\n\n`);
  process.stdout.write(
    `First bottleneck: ${firstBottleneck.name} at ${Math.round(firstBottleneck.utilisation * 100)}% — ${firstBottleneck.fix}\n`,
  );
}
