/**
 * Tier defaults: the one place where free / pro / enterprise numbers live. A TenantPolicy only
 * states what differs; the effective policy (effective.ts) starts from these. The CRD's CEL rules
 * that bound caps by tier are generated from TIER_DEFAULTS too (schema/tenant-policy.ts).
 */

export const TIERS = ['free', 'pro', 'enterprise'] as const;
export type Tier = (typeof TIERS)[number];

export type BudgetPeriod = 'day' | 'month';

export interface TierDefaults {
  /** Requests admitted per window, across all replicas. */
  readonly requests: { readonly limit: number; readonly windowSeconds: number; readonly burst: number };
  /** LLM tokens (prompt + completion) per period. */
  readonly tokens: { readonly limit: number; readonly period: BudgetPeriod };
  /** LLM cost per period, in US dollars. */
  readonly cost: { readonly limitUsd: number; readonly period: BudgetPeriod };
  /** Requests of this tenant in flight at once, per replica. */
  readonly maxConcurrency: number;
  /** Largest `top_k` the tier may ask for; requests above it are clamped. */
  readonly topK: number;
  /** Largest `max_tokens` per LLM call. */
  readonly maxTokens: number;
  /** Fair-queue weight (docs/adr/0007-fair-queue.md): share of the app's capacity under contention. > 0. */
  readonly weight: number;
  /** Requests of one tenant that may wait in the sidecar's queue. */
  readonly queueDepth: number;
  /** Longest a request of this tier waits in the queue before 503 SLUICE_QUEUE_TIMEOUT. */
  readonly queueTimeoutMs: number;
  /** Whether spec.parameterCaps may exceed this tier's topK / maxTokens. */
  readonly capsAboveTierAllowed: boolean;
}

// Worked example for the token numbers: $500/month shared by 50 free tenants is $10 each; at
// the $2 per 1k tokens of a GPT-4-class model that is ~5,000 tokens per tenant per month.
export const TIER_DEFAULTS: Readonly<Record<Tier, TierDefaults>> = Object.freeze({
  free: {
    requests: { limit: 100, windowSeconds: 3600, burst: 10 },
    tokens: { limit: 5_000, period: 'month' },
    cost: { limitUsd: 10, period: 'month' },
    maxConcurrency: 2,
    topK: 5,
    maxTokens: 512,
    weight: 1,
    queueDepth: 10,
    queueTimeoutMs: 2_000,
    capsAboveTierAllowed: false,
  },
  pro: {
    requests: { limit: 1_000, windowSeconds: 3600, burst: 50 },
    tokens: { limit: 1_000_000, period: 'month' },
    cost: { limitUsd: 200, period: 'month' },
    maxConcurrency: 10,
    topK: 10,
    maxTokens: 2_048,
    weight: 4,
    queueDepth: 50,
    queueTimeoutMs: 5_000,
    capsAboveTierAllowed: false,
  },
  enterprise: {
    requests: { limit: 10_000, windowSeconds: 3600, burst: 200 },
    tokens: { limit: 20_000_000, period: 'month' },
    cost: { limitUsd: 5_000, period: 'month' },
    maxConcurrency: 50,
    topK: 20,
    maxTokens: 8_192,
    weight: 16,
    queueDepth: 200,
    queueTimeoutMs: 10_000,
    capsAboveTierAllowed: true,
  },
});

/** Absolute ceilings, whatever the tier: they keep a typo from becoming an outage. */
export const HARD_LIMITS = Object.freeze({
  topK: 100,
  maxTokens: 131_072,
  overrideMultiplierMin: 0.1,
  overrideMultiplierMax: 100,
  weightMax: 100,
});
