/** Budget store calls the budget tests share (sidecar/egress/budget/*.test.ts). */
import type { Amount, BudgetLimits } from '../../sidecar/egress/budget/budget.ts';
import type { BudgetStore } from '../../sidecar/egress/budget/store.ts';

/** A plain (not forced) reserve: `amount` held under `holdId` for `tenantId`. */
export function reserve(
  store: BudgetStore,
  tenantId: string,
  limits: BudgetLimits,
  holdId: string,
  amount: Amount,
) {
  return store.reserve({ tenantId, limits, holdId, amount, force: false });
}
