/**
 * Pure budget math: period keys and ends, the reservation estimate, cost in micro-dollars, and
 * the reconcile delta. Stores (memory-store.ts, redis-store.ts) only apply what this computes.
 *
 * Reserve-then-reconcile (docs/adr/0008-egress.md, docs/adr/0016-budget-holds.md): at admission a
 * request places a hold for its worst case — the prompt estimate plus the max_tokens it may
 * generate, priced at the dearest model of its fallback chain — and the store admits it only if
 * settled usage + every hold + this one fit under the limit. After the answer the settle removes
 * the hold and adds what was actually used. Since the actual completion never exceeds max_tokens,
 * a tenant overspends only by what the prompt estimates missed (the check and the hold are one
 * atomic step, however many requests race).
 */
import type { EffectiveModel, EffectivePolicy } from '../../../policy/effective.ts';
import type { BudgetPeriod } from '../../../policy/tiers.ts';
import type { Price } from '../settings.ts';

/** "2026-03-14" for day periods, "2026-03" for month periods (UTC). */
export function periodKey(period: BudgetPeriod, now: number): string {
  const iso = new Date(now).toISOString();
  return period === 'day' ? iso.slice(0, 10) : iso.slice(0, 7);
}

/** Start of the next period, ms (UTC midnight / first of next month). */
export function periodEnd(period: BudgetPeriod, now: number): number {
  const d = new Date(now);
  return period === 'day'
    ? Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1)
    : Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

/** Keys live one day past their period so a late reconcile still lands on them. */
export function periodTtlSeconds(period: BudgetPeriod, now: number): number {
  return Math.ceil((periodEnd(period, now) - now) / 1000) + 86_400;
}

/**
 * Prompt tokens, estimated from text length: ~4 characters per token for English with common
 * BPE vocabularies, plus a few tokens of per-message framing. It is an estimate; reconcile
 * charges the provider's count.
 */
export function estimatePromptTokens(textChars: number, messages: number): number {
  return Math.ceil(textChars / 4) + 4 * messages + 3;
}

/** Micro-dollars (integers, so Redis INCRBY stays exact): 1 USD = 1,000,000. */
export function costMicroUsd(price: Price, promptTokens: number, completionTokens: number): number {
  return Math.ceil((promptTokens * price.inputPer1k + completionTokens * price.outputPer1k) * 1000);
}

/** The model's price: the policy's when it states one (non-zero), else the settings default, else 0. */
export function priceOf(model: EffectiveModel, defaults: Readonly<Record<string, Price>>): Price {
  const fallback = defaults[`${model.provider}/${model.model}`];
  return {
    inputPer1k: model.inputPricePer1k > 0 ? model.inputPricePer1k : (fallback?.inputPer1k ?? 0),
    outputPer1k: model.outputPricePer1k > 0 ? model.outputPricePer1k : (fallback?.outputPer1k ?? 0),
  };
}

export interface Amount {
  tokens: number;
  costMicroUsd: number;
}

export interface BudgetLimits {
  tokens: { limit: number; period: BudgetPeriod; key: string; ttlSeconds: number; endsAt: number };
  cost: { limitMicroUsd: number; period: BudgetPeriod; key: string; ttlSeconds: number; endsAt: number };
}

export function budgetLimits(policy: EffectivePolicy, now: number): BudgetLimits {
  const { tokens, cost } = policy.limits;
  return {
    tokens: {
      limit: tokens.limit,
      period: tokens.period,
      key: `tokens:${periodKey(tokens.period, now)}`,
      ttlSeconds: periodTtlSeconds(tokens.period, now),
      endsAt: periodEnd(tokens.period, now),
    },
    cost: {
      limitMicroUsd: Math.round(cost.limitUsd * 1_000_000),
      period: cost.period,
      key: `cost:${periodKey(cost.period, now)}`,
      ttlSeconds: periodTtlSeconds(cost.period, now),
      endsAt: periodEnd(cost.period, now),
    },
  };
}

/** The worst case of a request: prompt estimate + max_tokens, at the dearest price of its chain. */
export function reservationFor(promptTokens: number, maxTokens: number, prices: Price[]): Amount {
  let costMicro = 0;
  for (const price of prices) costMicro = Math.max(costMicro, costMicroUsd(price, promptTokens, maxTokens));
  return { tokens: promptTokens + maxTokens, costMicroUsd: costMicro };
}

export type Exhausted = 'tokens' | 'cost';

/**
 * The admission rule the stores implement (the Redis script mirrors it line by line):
 * admit when used + reservation ≤ limit for both tokens and cost.
 */
export function admits(used: Amount, reservation: Amount, limits: BudgetLimits): Exhausted | null {
  if (used.tokens + reservation.tokens > limits.tokens.limit) return 'tokens';
  if (used.costMicroUsd + reservation.costMicroUsd > limits.cost.limitMicroUsd) return 'cost';
  return null;
}

/**
 * Why a reservation does not fit (docs/adr/0016-budget-holds.md):
 *  - `exhausted`: settled usage alone leaves no room for it — no answer in flight can change
 *    that, so the client is told to come back next period (Retry-After to the period end);
 *  - `pending`: it would fit in what is settled, but not beside the holds of answers still in
 *    flight, which usually settle for less than they hold — wait a moment and try again.
 */
export type Refusal = { kind: 'exhausted' | 'pending'; budget: Exhausted };

/** The rule with holds: settled + held + reservation ≤ limit, told apart as above. */
export function decide(
  settled: Amount,
  held: Amount,
  reservation: Amount,
  limits: BudgetLimits,
): Refusal | null {
  const exhausted = admits(settled, reservation, limits);
  if (exhausted) return { kind: 'exhausted', budget: exhausted };
  const pending = admits(
    { tokens: settled.tokens + held.tokens, costMicroUsd: settled.costMicroUsd + held.costMicroUsd },
    reservation,
    limits,
  );
  return pending ? { kind: 'pending', budget: pending } : null;
}

/**
 * How long a hold lives without a settle, ms. Settles release it at once; this only bounds what a
 * crashed sidecar (or a settle lost with its connection) leaves held: 10 minutes of "pending",
 * never a month of "exhausted". A stream that runs longer loses its hold early and is still
 * charged in full when it settles.
 */
export const HOLD_TTL_MS = 600_000;

/** A hold as the Redis script stores it: "<id>:<tokens>:<cost>" (the settle can rebuild it). */
export function holdMember(id: string, amount: Amount): string {
  return `${id}:${amount.tokens}:${amount.costMicroUsd}`;
}

/** Seconds until the exhausted budget renews (the Retry-After of SLUICE_BUDGET_EXHAUSTED). */
export function retryAfterSeconds(limits: BudgetLimits, exhausted: Exhausted, now: number): number {
  const endsAt = exhausted === 'tokens' ? limits.tokens.endsAt : limits.cost.endsAt;
  return Math.max(1, Math.ceil((endsAt - now) / 1000));
}

/** A cost for a refusal's detail: micro-USD as dollars to the micro-dollar ("$0.000250"). */
export function usdText(microUsd: number): string {
  return `$${(microUsd / 1_000_000).toFixed(6)}`;
}
