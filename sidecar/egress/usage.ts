/**
 * Usage accounting: what one answered request adds to the per-tenant, per-day usage hash
 * (policy/wire.ts). Pure; the budget store writes it in the same pipeline as the reconcile.
 */
import { redisKeys, usageDay, usageField } from '../../policy/wire.ts';
import type { UsageIncrement } from './budget/store.ts';

/** Usage keys expire 8 days after they were last written: the operator rolls up daily. */
export const USAGE_TTL_SECONDS = 8 * 86_400;

export interface Usage {
  promptTokens: number;
  completionTokens: number;
}

export function usageIncrement(
  prefix: string,
  tenantId: string,
  provider: string,
  model: string,
  usage: Usage,
  costMicroUsd: number,
  now: number,
): UsageIncrement {
  return {
    key: redisKeys(prefix).usage(usageDay(new Date(now)), tenantId),
    fields: [
      [usageField(provider, model, 'requests'), 1],
      [usageField(provider, model, 'prompt_tokens'), usage.promptTokens],
      [usageField(provider, model, 'completion_tokens'), usage.completionTokens],
      [usageField(provider, model, 'cost_micro_usd'), costMicroUsd],
    ],
    ttlSeconds: USAGE_TTL_SECONDS,
  };
}
