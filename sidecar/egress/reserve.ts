/**
 * The budget step of one LLM call (docs/adr/0016-budget-holds.md): reserve the worst case of the
 * chain atomically, and decide what a refusal means (wait for holds in flight, shadow, downgrade
 * to the tenant's cheap model, or refuse); afterwards settle the hold with the real usage and
 * count it. chain-run.ts runs the reserve beside the first upstream call; the store
 * (budget/) keeps the numbers atomic across replicas, budget.ts holds the wait and the gauges.
 */
import type { EffectiveModel, EffectivePolicy } from '../../policy/effective.ts';
import { SluiceError } from '../../policy/errors.ts';
import { isShadowed, type ShadowReason } from '../../policy/shadow.ts';
import {
  type Amount,
  budgetLimits,
  costMicroUsd,
  estimatePromptTokens,
  priceOf,
  reservationFor,
  retryAfterSeconds,
  usdText,
} from './budget/budget.ts';
import {
  leftOf,
  newHoldId,
  PENDING_RETRY_AFTER_S,
  reportBudget,
  reportSettled,
  reserveWithin,
} from './budget.ts';
import { EgressError } from './chain.ts';
import type { LlmContext } from './context.ts';
import { type Usage, usageIncrement } from './usage.ts';

/** How long after a refused reserve a tenant's requests wait for the budget before going upstream. */
const EXHAUSTED_HOLD_MS = 1_000;

/** Characters and message count of the prompt, for the reservation estimate. */
function promptSize(body: Record<string, unknown>): { chars: number; messages: number } {
  let chars = 0;
  const add = (content: unknown) => {
    if (typeof content === 'string') chars += content.length;
    else if (Array.isArray(content)) {
      for (const part of content) {
        // Parts come from the client: anything JSON can hold, null included.
        const text = part && typeof part === 'object' ? (part as { text?: unknown }).text : undefined;
        chars += typeof text === 'string' ? text.length : (JSON.stringify(part) ?? '').length;
      }
    }
  };
  add(body['system']);
  const messages = Array.isArray(body['messages']) ? (body['messages'] as { content?: unknown }[]) : [];
  for (const m of messages) add(m?.content);
  return { chars, messages: messages.length + (body['system'] ? 1 : 0) };
}

export interface BudgetStep {
  /** The prompt's estimated tokens: the usage of an answer that reported none. */
  readonly promptEstimate: number;
  /** The chain to run: the tenant's, or its downgrade model once over budget. */
  readonly candidates: EffectiveModel[];
  /** Over budget with budgetAction downgrade: the chain became the downgrade model. */
  readonly downgraded: boolean;
  /** The reserve waited for holds in flight to settle (`onWait` ran). */
  readonly waited: boolean;
  /** Places the hold; throws the refusal (SLUICE_BUDGET_*) when the request may not go on. */
  admit(onWait: () => void): Promise<void>;
  /** Releases the hold for the real usage (null: nothing served) and counts it; never throws. */
  settle(served: EffectiveModel | null, usage: Usage | null): void;
}

export interface BudgetInput {
  policy: EffectivePolicy;
  labels: { tenant: string; tier: string };
  body: Record<string, unknown>;
  candidates: EffectiveModel[];
  maxTokens: number;
  /** Records a limit that shadow mode let pass (policy/shadow.ts). */
  shadow: (reason: ShadowReason) => void;
}

export function budgetStep(ctx: LlmContext, input: BudgetInput): BudgetStep {
  const { metrics, now } = ctx;
  const { policy, labels, shadow } = input;
  let candidates = input.candidates;
  const at = now();
  const limits = budgetLimits(policy, at);
  const size = promptSize(input.body);
  const promptEstimate = estimatePromptTokens(size.chars, size.messages);
  const prices = (chain: EffectiveModel[]) => chain.map((m) => priceOf(m, ctx.settings.prices));
  let reservation: Amount = reservationFor(promptEstimate, input.maxTokens, prices(candidates));
  // The hold is named before the reserve is sent: the settle releases it whatever became of the
  // reserve's answer (docs/adr/0016-budget-holds.md).
  const holdId = newHoldId();
  let downgraded = false;
  let waited = false;
  const admit = async (onWait: () => void): Promise<void> => {
    try {
      const request = { tenantId: policy.tenantId, limits, holdId, amount: reservation, force: false };
      const result = await reserveWithin(ctx.store, request, {
        onWait: () => {
          waited = true;
          onWait();
        },
      });
      reportBudget(metrics, labels, limits, result, reservation);
      if (result.ok) {
        ctx.exhausted.delete(policy.tenantId);
        return;
      }
      ctx.exhausted.set(policy.tenantId, now() + EXHAUSTED_HOLD_MS);
      const { kind, budget } = result.refusal;
      if (isShadowed(policy, budget, ctx.shadow)) {
        // Shadow: the refusal is counted as it would have been and the request holds its worst
        // case anyway (like a downgrade), so usage and holds move exactly as if it were admitted.
        if (kind === 'pending') metrics.budgetPending.inc({ ...labels, budget });
        else metrics.budgetRejections.inc({ ...labels, budget });
        await ctx.store.reserve({ ...request, force: true });
        shadow(kind === 'pending' ? 'budget-pending' : 'budget-exhausted');
        return;
      }
      if (kind === 'pending') {
        // Settled usage leaves room; answers still in flight hold it. Seconds, not a month.
        metrics.budgetPending.inc({ ...labels, budget });
        throw new EgressError(
          'SLUICE_BUDGET_PENDING',
          `${budget} budget of ${policy.tenantId}: ${leftOf(limits, result.settled, budget)}, held by answers in flight`,
          { 'retry-after': String(PENDING_RETRY_AFTER_S) },
        );
      }
      const downgrade = policy.models.downgrade;
      if (policy.limits.budgetAction === 'downgrade' && downgrade) {
        // Over budget, the tenant's chosen cheap model still answers; its usage is still counted.
        candidates = [downgrade];
        downgraded = true;
        reservation = reservationFor(promptEstimate, input.maxTokens, prices(candidates));
        await ctx.store.reserve({ ...request, amount: reservation, force: true });
        metrics.downgrades.inc(labels);
        return;
      }
      metrics.budgetRejections.inc({ ...labels, budget });
      throw new EgressError(
        'SLUICE_BUDGET_EXHAUSTED',
        `${budget} budget of ${policy.tenantId}: ${leftOf(limits, result.settled, budget)}, this request holds ${budget === 'tokens' ? `${reservation.tokens} tokens (prompt estimate + max_tokens)` : usdText(reservation.costMicroUsd)}`,
        { 'retry-after': String(retryAfterSeconds(limits, budget, at)) },
      );
    } catch (error) {
      if (error instanceof SluiceError) throw error;
      // Not a refusal: in Redis mode the store (budget/outage-store.ts, ADR 0030) has already
      // served a failed reserve within this replica's share or refused it. Serve and say so; the
      // settle releases the hold if it was placed.
      metrics.budgetStoreErrors.inc({ op: 'reserve' });
      ctx.logger.warn(
        { tenant: policy.tenantId, err: error },
        'budget reserve failed; serving without reservation',
      );
    }
  };

  const settle = (served: EffectiveModel | null, usage: Usage | null) => {
    const price = served ? priceOf(served, ctx.settings.prices) : null;
    const cost = usage && price ? costMicroUsd(price, usage.promptTokens, usage.completionTokens) : 0;
    const actual = usage ? usage.promptTokens + usage.completionTokens : 0;
    if (served && usage) {
      const l = { ...labels, provider: served.provider, model: served.model };
      metrics.tokens.inc({ ...l, kind: 'prompt' }, usage.promptTokens);
      metrics.tokens.inc({ ...l, kind: 'completion' }, usage.completionTokens);
      metrics.cost.inc(l, cost / 1_000_000);
    }
    const work = ctx.store
      .settle({
        tenantId: policy.tenantId,
        limits,
        hold: { id: holdId, amount: reservation },
        actual: { tokens: actual, costMicroUsd: cost },
        usage:
          served && usage
            ? usageIncrement(
                ctx.settings.keyPrefix,
                policy.tenantId,
                served.provider,
                served.model,
                usage,
                cost,
                now(),
              )
            : null,
      })
      .then((settled) => settled && reportSettled(metrics, labels, limits, settled))
      .catch((error: unknown) => {
        metrics.budgetStoreErrors.inc({ op: 'settle' });
        ctx.logger.warn({ tenant: policy.tenantId, err: error }, 'budget settle failed');
      });
    ctx.track(work);
  };

  return {
    promptEstimate,
    get candidates() {
      return candidates;
    },
    get downgraded() {
      return downgraded;
    },
    get waited() {
      return waited;
    },
    admit,
    settle,
  };
}
