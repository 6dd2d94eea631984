/**
 * The budget store: atomic check-and-reserve at admission; settle (reconcile + usage counters)
 * after the answer. Two implementations with this interface: Redis (shared by every replica) and
 * memory (standalone / file mode).
 */
import type { Amount, BudgetLimits, Exhausted } from './budget.ts';

export interface ReserveRequest {
  tenantId: string;
  limits: BudgetLimits;
  amount: Amount;
  /** Count the reservation without checking the limit (budgetAction: downgrade after exhaustion). */
  force: boolean;
}

export type ReserveResult = { ok: true; used: Amount } | { ok: false; exhausted: Exhausted; used: Amount };

/** One usage hash increment set (policy/wire.ts usage key and fields). */
export interface UsageIncrement {
  key: string;
  fields: [field: string, by: number][];
  ttlSeconds: number;
}

export interface SettleRequest {
  tenantId: string;
  limits: BudgetLimits;
  /** actual − reserved (negative when the answer was shorter; −reserved on failure). */
  delta: Amount;
  usage: UsageIncrement | null;
}

export interface BudgetStore {
  readonly mode: 'redis' | 'memory';
  reserve(request: ReserveRequest): Promise<ReserveResult>;
  settle(request: SettleRequest): Promise<void>;
}
