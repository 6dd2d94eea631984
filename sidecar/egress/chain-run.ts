/**
 * The fallback chain (chain.ts, attempt.ts) side by side with the budget reserve (reserve.ts):
 * the reserve's Redis round trip stays off the time to first token. Nothing reaches the client
 * before the budget said yes (the answer or the stream's first event is held); a no aborts the
 * upstream call. While a tenant is being refused, its requests wait for the budget first, so an
 * exhausted tenant does not cost upstream calls that are thrown away.
 */
import type { FastifyReply } from 'fastify';
import type { EffectiveModel, EffectivePolicy } from '../../policy/effective.ts';
import { type Attempted, attemptModel } from './attempt.ts';
import { type ChainResult, runChain } from './chain.ts';
import type { LlmContext } from './context.ts';
import type { CallPlan } from './formats/codec.ts';
import type { BudgetStep } from './reserve.ts';

export interface ChainRun {
  chain: ChainResult<Attempted>;
  /** Aborted when the client left: the answer being relayed is dropped. */
  signal: AbortSignal;
  /** Stops watching the client's socket (call once the answer is written or given up). */
  detach(): void;
}

export async function runWithinBudget(
  ctx: LlmContext,
  policy: EffectivePolicy,
  budget: BudgetStep,
  plan: CallPlan,
  reply: FastifyReply,
): Promise<ChainRun> {
  const { metrics, now } = ctx;
  const labels = { tenant: policy.tenantId, tier: policy.tier };
  let abort = new AbortController();
  const onClose = () => {
    if (!reply.raw.writableFinished) abort.abort();
  };
  reply.raw.on('close', onClose);
  const detach = () => reply.raw.off('close', onClose);
  const runFor = (list: EffectiveModel[], signal: AbortSignal) =>
    runChain<Attempted>({
      candidates: list,
      fallbackOn: policy.models.fallbackOn,
      breakers: ctx.breakers,
      now,
      onFallback: (from, to, reason) =>
        metrics.fallbacks.inc({ ...labels, from: from.model, to: to.model, reason }),
      onFailure: (model, failure) =>
        ctx.logger.info(
          { tenant: policy.tenantId, provider: model.provider, model: model.model, trigger: failure.trigger },
          `upstream failed: ${failure.message}`,
        ),
      attempt: (model) => attemptModel(ctx, plan, model, signal),
    });

  const discard = (pending: Promise<ChainResult<Attempted>>, controller: AbortController) => {
    controller.abort();
    pending.then(
      (r) => r.value.kind === 'stream' && r.value.pump.cancel(),
      () => undefined,
    );
  };
  // Waiting for holds to settle: the call started beside the reserve would be answered and thrown
  // away at the provider's cost; stop it now and start afresh once the budget says yes.
  const dropSpeculative = () => {
    if (!pending) return;
    discard(pending, abort);
    pending = null;
    abort = new AbortController();
    if (reply.raw.destroyed) abort.abort();
  };
  const holdUntil = ctx.exhausted.get(policy.tenantId);
  let pending: Promise<ChainResult<Attempted>> | null = null;
  if (holdUntil === undefined || holdUntil <= now()) {
    pending = runFor(budget.candidates, abort.signal);
    pending.catch(() => undefined); // awaited below; this keeps an early failure from being "unhandled"
  }
  try {
    await budget.admit(dropSpeculative);
  } catch (error) {
    detach();
    if (pending) discard(pending, abort);
    throw error;
  }
  // A downgrade, or a wait for holds to settle: the speculative call was for the old plan or is
  // stale; start again now that the budget said yes.
  if ((budget.downgraded || budget.waited) && pending) {
    discard(pending, abort);
    pending = null;
    abort = new AbortController();
    if (reply.raw.destroyed) abort.abort(); // the client left while the budget answered
  }

  let chain: ChainResult<Attempted>;
  try {
    chain = await (pending ?? runFor(budget.candidates, abort.signal));
  } catch (error) {
    detach();
    budget.settle(null, null);
    throw error;
  }
  return { chain, signal: abort.signal, detach };
}
