/**
 * The egress's budget step around one LLM call (docs/adr/0016-budget-holds.md): place a hold for
 * the request's worst case, waiting briefly while it is only the holds of answers still in flight
 * that stand in the way, and report settled usage and holds in the gauges. The budget step
 * (reserve.ts) decides what a refusal means for the client; the store (budget/) keeps the
 * numbers atomic across replicas.
 */
import { randomBytes } from 'node:crypto';
import { type Amount, type BudgetLimits, usdText } from './budget/budget.ts';
import type { BudgetStore, ReserveRequest, ReserveResult } from './budget/store.ts';
import type { EgressMetrics } from './metrics.ts';

/**
 * How long a request waits in all for holds in flight to settle before it is answered
 * SLUICE_BUDGET_PENDING, and how often it asks again. A fake or fast model settles in
 * milliseconds; a slow one in seconds. 5 s keeps a burst of concurrent calls from a small budget
 * served in turn instead of refused, and stays well under an LLM client's own timeout.
 */
export const PENDING_WAIT_MS = 5_000;
export const PENDING_POLL_MS = 100;
/** Retry-After of SLUICE_BUDGET_PENDING: the holds in the way are answers that end in seconds. */
export const PENDING_RETRY_AFTER_S = 2;

/** A new hold id: 16 hex digits, unique enough among one tenant's answers in flight. */
export function newHoldId(): string {
  return randomBytes(8).toString('hex');
}

/**
 * Reserves, asking again every `pollMs` while the refusal is `pending`, for at most `waitMs`.
 * `onWait` runs once, before the first wait (the route drops its speculative upstream call).
 */
export async function reserveWithin(
  store: BudgetStore,
  request: ReserveRequest,
  options: { waitMs?: number; pollMs?: number; onWait?: () => void } = {},
): Promise<ReserveResult> {
  const waitMs = options.waitMs ?? PENDING_WAIT_MS;
  const pollMs = options.pollMs ?? PENDING_POLL_MS;
  let result = await store.reserve(request);
  let waited = 0;
  while (!result.ok && result.refusal.kind === 'pending' && waited < waitMs) {
    if (waited === 0) options.onWait?.();
    const step = Math.min(pollMs, waitMs - waited);
    await new Promise((resolve) => setTimeout(resolve, step));
    waited += step;
    result = await store.reserve(request);
  }
  return result;
}

/** Sets the settled and held gauges from a reserve's answer (`mine` counts when it was placed). */
export function reportBudget(
  metrics: EgressMetrics,
  labels: { tenant: string; tier: string },
  limits: BudgetLimits,
  result: ReserveResult,
  mine: Amount,
): void {
  const held = result.ok
    ? { tokens: result.held.tokens + mine.tokens, costMicroUsd: result.held.costMicroUsd + mine.costMicroUsd }
    : result.held;
  const tokenLimit = Math.max(1, limits.tokens.limit);
  const costLimit = Math.max(1, limits.cost.limitMicroUsd);
  metrics.budgetUsed.set({ ...labels, budget: 'tokens' }, result.settled.tokens / tokenLimit);
  metrics.budgetUsed.set({ ...labels, budget: 'cost' }, result.settled.costMicroUsd / costLimit);
  metrics.budgetHeld.set({ ...labels, budget: 'tokens' }, held.tokens / tokenLimit);
  metrics.budgetHeld.set({ ...labels, budget: 'cost' }, held.costMicroUsd / costLimit);
}

/** Sets the settled gauges after a settle (the holds gauge waits for the next reserve). */
export function reportSettled(
  metrics: EgressMetrics,
  labels: { tenant: string; tier: string },
  limits: BudgetLimits,
  settled: Amount,
): void {
  metrics.budgetUsed.set({ ...labels, budget: 'tokens' }, settled.tokens / Math.max(1, limits.tokens.limit));
  metrics.budgetUsed.set(
    { ...labels, budget: 'cost' },
    settled.costMicroUsd / Math.max(1, limits.cost.limitMicroUsd),
  );
}

/** What is left of the budget that refused, for the refusal's detail ("120 tokens left"). */
export function leftOf(limits: BudgetLimits, settled: Amount, budget: 'tokens' | 'cost'): string {
  return budget === 'tokens'
    ? `${Math.max(0, limits.tokens.limit - settled.tokens)} tokens left`
    : `${usdText(Math.max(0, limits.cost.limitMicroUsd - settled.costMicroUsd))} left`;
}
