/**
 * The dashboards' source: each panel's title, unit and PromQL. `generate.ts` writes the Grafana
 * JSON in this folder from it (committed, drift-tested); the Prometheus test evaluates every
 * expression against a real Prometheus scraping a sidecar under load and fails on empty ones.
 * `$__rate_interval` and `$tenant` are Grafana variables; the test substitutes them.
 */
export interface Panel {
  title: string;
  description: string;
  expr: string;
  legend: string;
  unit: string;
  kind: 'timeseries' | 'stat';
  stack?: 'normal' | 'percent';
}

export interface Dashboard {
  uid: string;
  title: string;
  file: string;
  tenantVariable: boolean;
  panels: Panel[];
}

const r = '$__rate_interval';

export const OVERVIEW: Dashboard = {
  uid: 'sluice-overview',
  title: 'Sluice overview',
  file: 'sluice-overview.json',
  tenantVariable: false,
  panels: [
    {
      title: 'Traffic share by tenant',
      description: 'Share of all ingress requests each tenant sends — the noisy neighbor at a glance.',
      expr: `sum by (tenant) (rate(sluice_requests_total[${r}]))`,
      legend: '{{tenant}}',
      unit: 'percentunit',
      kind: 'timeseries',
      stack: 'percent',
    },
    {
      title: 'Requests by outcome',
      description:
        'admitted = sent to the app; rejected = refused by Sluice; upstream_error = the app failed.',
      expr: `sum by (outcome) (rate(sluice_requests_total[${r}]))`,
      legend: '{{outcome}}',
      unit: 'reqps',
      kind: 'timeseries',
    },
    {
      title: 'Rejections by reason',
      description: 'Refusals by error code (rate_limited, queue_timeout, prompt_rejected, …).',
      expr: `sum by (reason) (rate(sluice_rejections_total[${r}]))`,
      legend: '{{reason}}',
      unit: 'reqps',
      kind: 'timeseries',
    },
    {
      title: 'Shadow decisions by tenant and reason',
      description:
        'Requests a limit in shadow mode would have refused and let pass (rate-limited, budget-exhausted, budget-pending, prompt-rejected): who enforcing would hurt. docs/operations.md, "First rollout in shadow".',
      expr: `sum by (tenant, reason) (rate(sluice_shadow_decisions_total[${r}]))`,
      legend: '{{tenant}} {{reason}}',
      unit: 'reqps',
      kind: 'timeseries',
    },
    {
      title: 'App latency p95 by tier',
      description: "95th percentile of the app's response time as seen by the sidecar, per tier.",
      expr: `histogram_quantile(0.95, sum by (tier, le) (rate(sluice_upstream_latency_seconds_bucket[${r}])))`,
      legend: '{{tier}}',
      unit: 's',
      kind: 'timeseries',
    },
    {
      title: 'Queue wait p95 by tier',
      description:
        'Time requests wait in the fair queue before reaching the app. Enterprise should stay low.',
      expr: `histogram_quantile(0.95, sum by (tier, le) (rate(sluice_queue_wait_seconds_bucket[${r}])))`,
      legend: '{{tier}}',
      unit: 's',
      kind: 'timeseries',
    },
    {
      title: 'Requests waiting and in flight',
      description: 'Fair-queue depth and requests in flight to the app, all sidecars.',
      expr: 'sum(sluice_queue_waiting) or vector(0)',
      legend: 'waiting',
      unit: 'short',
      kind: 'stat',
    },
    {
      title: 'Tokens by tenant',
      description: 'LLM tokens (prompt + completion) per second, by tenant.',
      expr: `sum by (tenant) (rate(sluice_egress_tokens_total[${r}]))`,
      legend: '{{tenant}}',
      unit: 'short',
      kind: 'timeseries',
      stack: 'normal',
    },
    {
      title: 'Cost by tenant (last hour)',
      description: 'US dollars spent on LLM calls in the last hour, priced with the models in each policy.',
      expr: 'sum by (tenant) (increase(sluice_egress_cost_usd_total[1h]))',
      legend: '{{tenant}}',
      unit: 'currencyUSD',
      kind: 'timeseries',
      stack: 'normal',
    },
    {
      title: 'Model fallbacks',
      description: 'LLM calls served by a fallback model, by from → to.',
      expr: `sum by (from, to) (rate(sluice_egress_fallbacks_total[${r}]))`,
      legend: '{{from}} → {{to}}',
      unit: 'reqps',
      kind: 'timeseries',
    },
    {
      title: 'Circuit breaker state',
      description: '0 closed, 1 half-open, 2 open — per provider and model.',
      expr: 'max by (provider, model) (sluice_egress_breaker_state)',
      legend: '{{provider}}/{{model}}',
      unit: 'short',
      kind: 'timeseries',
    },
    {
      title: 'Prompt screening by rule',
      description: 'Queries rejected or flagged by prompt screening, by rule.',
      expr: `sum by (rule, verdict) (rate(sluice_prompt_screening_total[${r}]))`,
      legend: '{{rule}} ({{verdict}})',
      unit: 'reqps',
      kind: 'timeseries',
    },
    {
      title: 'Capped parameters',
      description: "Request fields clamped to the tier's cap (e.g. top_k), by tenant and field.",
      expr: `sum by (tenant, field) (rate(sluice_capped_total[${r}]))`,
      legend: '{{tenant}} {{field}}',
      unit: 'reqps',
      kind: 'timeseries',
    },
    {
      title: 'Config staleness',
      description: 'Seconds since each sidecar last confirmed its policies with Redis or its file.',
      expr: 'max by (instance) (sluice_config_staleness_seconds)',
      legend: '{{instance}}',
      unit: 's',
      kind: 'timeseries',
    },
    {
      title: 'Limiter store mode',
      description:
        'Sidecars per rate-limit mode: global (Redis), local-share, open, closed, memory (file mode).',
      expr: 'sum by (mode) (sluice_limiter_mode)',
      legend: '{{mode}}',
      unit: 'short',
      kind: 'timeseries',
    },
  ],
};

const t = '{tenant="$tenant"}';

export const TENANT: Dashboard = {
  uid: 'sluice-tenant',
  title: 'Sluice tenant',
  file: 'sluice-tenant.json',
  tenantVariable: true,
  panels: [
    {
      title: 'Requests by outcome',
      description: "The tenant's requests: admitted, rejected, upstream errors.",
      expr: `sum by (outcome) (rate(sluice_requests_total${t}[${r}]))`,
      legend: '{{outcome}}',
      unit: 'reqps',
      kind: 'timeseries',
    },
    {
      title: 'Rejections by reason',
      description: "Why the tenant's requests were refused.",
      expr: `sum by (reason) (rate(sluice_rejections_total${t}[${r}]))`,
      legend: '{{reason}}',
      unit: 'reqps',
      kind: 'timeseries',
    },
    {
      title: 'Share of all traffic',
      description: "The tenant's share of every ingress request.",
      expr: `sum(rate(sluice_requests_total${t}[${r}])) / sum(rate(sluice_requests_total[${r}]))`,
      legend: 'share',
      unit: 'percentunit',
      kind: 'timeseries',
    },
    {
      title: 'App latency p95',
      description: "The app's response time for this tenant.",
      expr: `histogram_quantile(0.95, sum by (le) (rate(sluice_upstream_latency_seconds_bucket${t}[${r}])))`,
      legend: 'p95',
      unit: 's',
      kind: 'timeseries',
    },
    {
      title: 'Tokens by model',
      description: 'Prompt and completion tokens per second, by model.',
      expr: `sum by (model, kind) (rate(sluice_egress_tokens_total${t}[${r}]))`,
      legend: '{{model}} {{kind}}',
      unit: 'short',
      kind: 'timeseries',
      stack: 'normal',
    },
    {
      title: 'Cost (last hour)',
      description: 'US dollars spent in the last hour, by model.',
      expr: `sum by (model) (increase(sluice_egress_cost_usd_total${t}[1h]))`,
      legend: '{{model}}',
      unit: 'currencyUSD',
      kind: 'timeseries',
    },
    {
      title: 'Fallbacks',
      description: "The tenant's LLM calls served by a fallback model.",
      expr: `sum by (from, to) (rate(sluice_egress_fallbacks_total${t}[${r}]))`,
      legend: '{{from}} → {{to}}',
      unit: 'reqps',
      kind: 'timeseries',
    },
    {
      title: 'Capped parameters',
      description: "The tenant's request fields clamped to its tier's cap.",
      expr: `sum by (field) (rate(sluice_capped_total${t}[${r}]))`,
      legend: '{{field}}',
      unit: 'reqps',
      kind: 'timeseries',
    },
    {
      title: 'Policy version served',
      description: 'Effective policy version each sidecar serves for this tenant (one line per version).',
      expr: `count by (version) (sluice_config_version_info${t})`,
      legend: '{{version}}',
      unit: 'short',
      kind: 'timeseries',
    },
  ],
};

export const DASHBOARDS = [OVERVIEW, TENANT];
