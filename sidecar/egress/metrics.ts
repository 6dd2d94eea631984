/**
 * Egress metrics (prom-client, `sluice_egress_` prefix so they never collide with the ingress's
 * names in the shared registry). Tenant and tier label what a tenant spends; provider and model
 * label what an upstream does.
 */
import prom from 'prom-client';
import { shadowDecisionsCounter } from '../metrics.ts';
import type { BreakerBoard } from './breaker.ts';

export interface EgressMetrics {
  requests: prom.Counter<'tenant' | 'tier' | 'route' | 'outcome'>;
  tokens: prom.Counter<'tenant' | 'tier' | 'provider' | 'model' | 'kind'>;
  cost: prom.Counter<'tenant' | 'tier' | 'provider' | 'model'>;
  fallbacks: prom.Counter<'tenant' | 'tier' | 'from' | 'to' | 'reason'>;
  budgetRejections: prom.Counter<'tenant' | 'tier' | 'budget'>;
  downgrades: prom.Counter<'tenant' | 'tier'>;
  promptVerdicts: prom.Counter<'tenant' | 'tier' | 'verdict' | 'rule'>;
  upstreamDuration: prom.Histogram<'provider' | 'model' | 'outcome'>;
  ttft: prom.Histogram<'provider' | 'model'>;
  streamInterruptions: prom.Counter<'provider' | 'model'>;
  budgetStoreErrors: prom.Counter<'op'>;
  budgetUsed: prom.Gauge<'tenant' | 'tier' | 'budget'>;
  budgetHeld: prom.Gauge<'tenant' | 'tier' | 'budget'>;
  budgetPending: prom.Counter<'tenant' | 'tier' | 'budget'>;
  /** sluice_shadow_decisions_total, shared with the ingress (sidecar/metrics.ts). */
  shadowDecisions: prom.Counter<'tenant' | 'reason'>;
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export function createEgressMetrics(
  registry: prom.Registry,
  breakers: BreakerBoard,
  now: () => number,
): EgressMetrics {
  const registers = [registry];
  const breakerState = ['closed', 'half-open', 'open'] as const;
  new prom.Gauge({
    name: 'sluice_egress_breaker_state',
    help: 'Circuit breaker per provider/model: 0 closed, 1 half-open, 2 open.',
    labelNames: ['provider', 'model'],
    registers,
    collect() {
      for (const b of breakers.states(now())) {
        this.set({ provider: b.provider, model: b.model }, breakerState.indexOf(b.state));
      }
    },
  });
  return {
    shadowDecisions: shadowDecisionsCounter(registry),
    requests: new prom.Counter({
      name: 'sluice_egress_requests_total',
      help: 'Egress LLM requests by route and outcome (ok, fallback, rejected code, upstream error).',
      labelNames: ['tenant', 'tier', 'route', 'outcome'],
      registers,
    }),
    tokens: new prom.Counter({
      name: 'sluice_egress_tokens_total',
      help: 'LLM tokens charged, by kind (prompt, completion), as the provider reported them.',
      labelNames: ['tenant', 'tier', 'provider', 'model', 'kind'],
      registers,
    }),
    cost: new prom.Counter({
      name: 'sluice_egress_cost_usd_total',
      help: 'LLM cost charged in US dollars (policy price, else the provider settings default).',
      labelNames: ['tenant', 'tier', 'provider', 'model'],
      registers,
    }),
    fallbacks: new prom.Counter({
      name: 'sluice_egress_fallbacks_total',
      help: 'Fallbacks from one model to the next, by trigger (connection-error, timeout, rate-limited, server-error, breaker-open).',
      labelNames: ['tenant', 'tier', 'from', 'to', 'reason'],
      registers,
    }),
    budgetUsed: new prom.Gauge({
      name: 'sluice_egress_budget_used_ratio',
      help: "Share of the period's token or cost budget used by settled answers (holds not included), as of the tenant's last reserve.",
      labelNames: ['tenant', 'tier', 'budget'],
      registers,
    }),
    budgetHeld: new prom.Gauge({
      name: 'sluice_egress_budget_held_ratio',
      help: "Share of the period's token or cost budget held by answers still in flight (their worst case), as of the tenant's last reserve.",
      labelNames: ['tenant', 'tier', 'budget'],
      registers,
    }),
    budgetPending: new prom.Counter({
      name: 'sluice_egress_budget_pending_total',
      help: 'Requests refused with SLUICE_BUDGET_PENDING (holds of answers in flight left no room after the wait), by budget.',
      labelNames: ['tenant', 'tier', 'budget'],
      registers,
    }),
    budgetRejections: new prom.Counter({
      name: 'sluice_egress_budget_rejections_total',
      help: 'Requests refused with SLUICE_BUDGET_EXHAUSTED, by exhausted budget (tokens, cost).',
      labelNames: ['tenant', 'tier', 'budget'],
      registers,
    }),
    downgrades: new prom.Counter({
      name: 'sluice_egress_downgrades_total',
      help: 'Requests routed to models.downgrade because the budget was exhausted.',
      labelNames: ['tenant', 'tier'],
      registers,
    }),
    promptVerdicts: new prom.Counter({
      name: 'sluice_egress_prompt_screen_total',
      help: 'Template query screening verdicts that were not "allow", by rule.',
      labelNames: ['tenant', 'tier', 'verdict', 'rule'],
      registers,
    }),
    upstreamDuration: new prom.Histogram({
      name: 'sluice_egress_upstream_duration_seconds',
      help: 'Time from sending to the upstream until its answer ended (whole stream included).',
      labelNames: ['provider', 'model', 'outcome'],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    ttft: new prom.Histogram({
      name: 'sluice_egress_time_to_first_token_seconds',
      help: 'Streams: time from sending to the upstream until its first event.',
      labelNames: ['provider', 'model'],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    streamInterruptions: new prom.Counter({
      name: 'sluice_egress_stream_interruptions_total',
      help: 'Streams that broke after the first byte went to the client (SLUICE_STREAM_INTERRUPTED).',
      labelNames: ['provider', 'model'],
      registers,
    }),
    budgetStoreErrors: new prom.Counter({
      name: 'sluice_egress_budget_store_errors_total',
      help: 'Budget store operations that failed (Redis down): reserve fails open (served, logged), settle is logged.',
      labelNames: ['op'],
      registers,
    }),
  };
}
