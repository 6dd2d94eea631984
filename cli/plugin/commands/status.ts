/**
 * `kubectl sluice status [TENANT]`: per tenant, tier, limits and the override, Ready, which
 * version the sidecars serve, today's use against limits and budgets, the sidecars' limiter
 * mode. The policy side comes from the API server; use and sidecars from Redis when a URL is
 * given (without it those columns say so).
 */

import type { TenantPolicyObject } from '../../../operator/reconcile/types.ts';
import { computeEffectivePolicy, type EffectivePolicy, isOverrideActive } from '../../../policy/effective.ts';
import type { Command, CommandContext } from '../command.ts';
import { formatDuration } from '../duration.ts';
import { kubeError } from '../kube.ts';
import { age, json, table, thousands, usd, yaml } from '../output.ts';
import { listPolicies, resolveTenant } from '../resolve.ts';
import {
  type BudgetUse,
  budgetUse,
  connectRedis,
  REDIS_FLAGS,
  type RedisView,
  redisNow,
  type SidecarsView,
  sidecars,
  type TodayUsage,
  usageToday,
} from '../stores.ts';

export const status: Command = {
  name: 'status',
  positionals: [
    {
      name: 'TENANT',
      required: false,
      help: 'one tenant (name or tenant id); all in the namespace when left out',
    },
  ],
  flags: [
    { name: 'all-namespaces', short: 'A', type: 'boolean', help: 'tenants of every namespace' },
    {
      name: 'output',
      short: 'o',
      type: 'enum',
      values: ['table', 'wide', 'json', 'yaml'],
      default: 'table',
      placeholder: 'table|wide|json|yaml',
      help: 'output format',
    },
    ...REDIS_FLAGS,
  ],
  examples: [
    'kubectl sluice status -n tenants',
    'kubectl sluice status acme-legal -o wide --redis-url redis://127.0.0.1:6379',
  ],
  notes: [
    'Today’s use (LLM calls, tokens, cost) and the sidecars’ limiter mode come from Redis: give --redis-url (or REDIS_URL), e.g. after `kubectl -n sluice-system port-forward svc/redis 6379`.',
  ],
  run,
};

export interface TenantStatus {
  name: string;
  namespace: string;
  tenantId: string;
  tier: string;
  suspended: boolean;
  ready: { status: string; reason: string; message: string } | null;
  propagated: { status: string; reason: string; message: string } | null;
  propagation: NonNullable<TenantPolicyObject['status']>['propagation'] | null;
  version: string;
  override: {
    multiplier: number;
    expiresAt: string;
    reason: string;
    grantedBy: string;
    active: boolean;
  } | null;
  limits: EffectivePolicy['limits'];
  model: string;
  today: TodayUsage | null;
  budgets: BudgetUse | null;
  sidecars: SidecarsView | null;
  createdAt: string | undefined;
}

async function run(ctx: CommandContext): Promise<number> {
  const cluster = await ctx.cluster();
  const ref = ctx.positionals[0];
  const all = ctx.values['all-namespaces'] === true;
  let policies: TenantPolicyObject[];
  if (ref) policies = [(await resolveTenant(cluster, ref)).policy];
  else {
    const ns = all ? null : cluster.namespace;
    policies = await listPolicies(cluster, ns).catch((error: unknown) => {
      throw kubeError(error, {
        action: `list TenantPolicies in ${ns === null ? 'all namespaces' : `namespace ${ns}`}`,
      });
    });
  }
  const url = ctx.values['redis-url'] as string | undefined;
  const view: RedisView | null = url ? await connectRedis(url, ctx.values['redis-prefix'] as string) : null;
  try {
    const now = view ? await redisNow(view) : ctx.now();
    const fleet = view ? await sidecars(view, now) : null;
    const rows: TenantStatus[] = [];
    for (const p of policies) rows.push(await tenantStatus(p, view, fleet, now));
    const output = ctx.values['output'] as string;
    if (output === 'json' || output === 'yaml') {
      const doc = { apiVersion: 'sluice.dev/v1alpha1', kind: 'TenantStatusList', items: rows };
      ctx.io.stdout.write(output === 'json' ? json(doc) : yaml(doc));
      return 0;
    }
    if (rows.length === 0) {
      ctx.io.stderr.write(
        `No TenantPolicies found in ${all ? 'any namespace' : `namespace ${cluster.namespace}`}.\n`,
      );
      return 0;
    }
    ctx.io.stdout.write(render(rows, output === 'wide', all, now));
    if (!view) ctx.io.stdout.write('(today’s use and limiter mode need --redis-url or REDIS_URL)\n');
    return 0;
  } finally {
    view?.close();
  }
}

export async function tenantStatus(
  p: TenantPolicyObject,
  view: RedisView | null,
  fleet: SidecarsView | null,
  now: number,
): Promise<TenantStatus> {
  const effective = computeEffectivePolicy(p.spec, new Date(now));
  const condition = (type: string) => {
    const c = p.status?.conditions?.find((x) => x.type === type);
    return c ? { status: c.status, reason: c.reason, message: c.message } : null;
  };
  const o = p.spec.override;
  return {
    name: p.metadata.name,
    namespace: p.metadata.namespace ?? '',
    tenantId: p.spec.tenantId,
    tier: p.spec.tier,
    suspended: p.spec.suspended === true,
    ready: condition('Ready'),
    propagated: condition('Propagated'),
    propagation: p.status?.propagation ?? null,
    version: p.status?.effective?.version ?? '',
    override: o
      ? {
          multiplier: o.multiplier,
          expiresAt: o.expiresAt ?? '',
          reason: o.reason ?? '',
          grantedBy: o.grantedBy ?? '',
          active: isOverrideActive(o, new Date(now)),
        }
      : null,
    limits: effective.limits,
    model: effective.models.primary
      ? `${effective.models.primary.provider}/${effective.models.primary.model}`
      : '',
    today: view ? await usageToday(view, p.spec.tenantId, now) : null,
    budgets: view ? await budgetUse(view, effective, now) : null,
    sidecars: fleet,
    createdAt: (p.metadata as { creationTimestamp?: string }).creationTimestamp,
  };
}

function render(rows: TenantStatus[], wide: boolean, all: boolean, now: number): string {
  const headers = [
    ...(all ? ['namespace'] : []),
    'name',
    'tenant',
    'tier',
    'ready',
    'served',
    'suspended',
    'override',
    'req limit',
    'llm calls today',
    'tokens used/budget',
    'cost used/budget',
    ...(wide ? ['model', 'version', 'limiter', 'concurrency'] : []),
    'age',
  ];
  const cells = rows.map((r) => [
    ...(all ? [r.namespace] : []),
    r.name,
    r.tenantId,
    r.tier,
    r.ready ? (r.ready.status === 'True' ? 'True' : `${r.ready.status} (${r.ready.reason})`) : 'Unknown',
    served(r),
    r.suspended ? 'yes' : 'no',
    overrideText(r, now),
    `${thousands(r.limits.requests.limit)}/${formatDuration(r.limits.requests.windowMs)}`,
    r.today ? thousands(r.today.requests) : '-',
    r.budgets
      ? `${thousands(r.budgets.tokens.used)}/${thousands(r.budgets.tokens.limit)} ${r.budgets.tokens.period}`
      : `-/${thousands(r.limits.tokens.limit)} ${r.limits.tokens.period}`,
    r.budgets
      ? `${usd(r.budgets.cost.usedMicroUsd)}/${usd(r.budgets.cost.limitMicroUsd)} ${r.budgets.cost.period}`
      : `-/${usd(Math.round(r.limits.cost.limitUsd * 1e6))} ${r.limits.cost.period}`,
    ...(wide
      ? [
          r.model || '-',
          r.version || '-',
          r.sidecars
            ? Object.entries(r.sidecars.modes)
                .map(([m, n]) => `${m}×${n}`)
                .join(',') || 'no sidecars'
            : '-',
          String(r.limits.maxConcurrency),
        ]
      : []),
    age(r.createdAt, now),
  ]);
  return table(headers, cells);
}

/**
 * "2/2" when that many of the live sidecars serve the current version, "1/3 (2 not held)" when
 * the others do not hold the tenant (they load it on first use); "-" before the first report.
 */
function served(r: TenantStatus): string {
  const p = r.propagation;
  if (!p || p.version !== r.version) return r.propagated?.reason === 'ReportUnavailable' ? '?' : '-';
  return `${p.sidecars}/${p.liveSidecars}${p.notHeld ? ` (${p.notHeld} not held)` : ''}`;
}

function overrideText(r: TenantStatus, now: number): string {
  const o = r.override;
  if (!o) return '-';
  if (!o.active) return `expired ${o.expiresAt}`;
  return `${o.multiplier}x for ${formatDuration(Date.parse(o.expiresAt) - now)}`;
}
